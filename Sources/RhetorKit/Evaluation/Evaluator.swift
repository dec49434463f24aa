/// Scores a trained plugin against gold annotations, by the shape of its decisions.
public struct EvalResult: Sendable {
    public var plugin: String
    public var level: PluginLevel
    public var mode: String
    /// Passage level: one matrix. Per target: one per target plus "all" pooled. Per actor: roles on matched mentions.
    public var matrices: [(String, ConfusionMatrix)] = []
    /// Per actor, role-bearing precision: actors given a role against annotated actors. It mixes
    /// detection with the role decision (the guide annotates only actors that play a role), so
    /// it is reported beside detection precision, not as it.
    public var mentions = SetScore()
    /// Annotated actors whose annotated mention detection finds (recall over `mentions.gold`).
    public var mentionsFound = 0
    /// Detection precision: detected mentions that overlap an annotated mention
    /// (`mentionsOnAnnotated`), and those of them resolved to the annotated id
    /// (`mentionsResolved`). Detected mentions overlapping no annotation cannot be judged (an
    /// unannotated actor may be merely mentioned) and are only counted (`mentionsUnannotated`).
    public var mentionsOnAnnotated = 0, mentionsResolved = 0, mentionsUnannotated = 0
    public var pairs = SetScore()
    public var records = 0

    public mutating func merge(_ o: EvalResult) {
        for (name, m) in o.matrices {
            if let k = matrices.firstIndex(where: { $0.0 == name }) { matrices[k].1.merge(m) } else { matrices.append((name, m)) }
        }
        mentions.truePositives += o.mentions.truePositives; mentions.predicted += o.mentions.predicted; mentions.gold += o.mentions.gold
        mentionsFound += o.mentionsFound
        mentionsOnAnnotated += o.mentionsOnAnnotated; mentionsResolved += o.mentionsResolved; mentionsUnannotated += o.mentionsUnannotated
        pairs.truePositives += o.pairs.truePositives; pairs.predicted += o.pairs.predicted; pairs.gold += o.pairs.gold
        records += o.records
    }

    public func matrix(_ name: String) -> ConfusionMatrix? { matrices.first { $0.0 == name }?.1 }

    public var mentionRecall: Double { mentions.gold == 0 ? 0 : Double(mentionsFound) / Double(mentions.gold) }
    public var mentionPrecision: Double { mentionsOnAnnotated == 0 ? 0 : Double(mentionsResolved) / Double(mentionsOnAnnotated) }
    public var roleBearingPrecision: Double { mentions.scores.precision }

    /// The figure the plugin is judged by: F_avg (stance), macro-F1 (passage), role micro-F1 (actors).
    public var headline: Double {
        switch level {
        case .perTarget: return matrix("all")?.fAvg ?? 0
        case .passage: return matrix("all")?.macroF1 ?? 0
        case .perActor: return pairs.scores.f1
        }
    }
}

public enum Evaluator {
    /// Runs `classify` over the test records and compares with their gold labels; `observe`
    /// sees every scored record with its decisions (error listings).
    public static func evaluate(_ plugin: any PluginInstance, on test: Corpus, mode: ScoringMode, name: String? = nil,
                                observe: ((CorpusRecord, [Decision]) -> Void)? = nil) -> EvalResult {
        var options = ClassifyOptions()
        options.mode = mode
        options.allTargets = true
        let d = plugin.descriptor
        var result = EvalResult(plugin: d.id, level: d.level, mode: name ?? mode.rawValue)
        let analyzer = Analyzer()
        switch d.level {
        case .passage:
            var m = ConfusionMatrix(labels: d.labels)
            for r in test.records {
                guard let gold = r.field(d.corpusField)?.scalarText else { continue }
                let p = analyzer.analyze(r.text)
                m.add(gold: gold, predicted: plugin.classify(p, options: options).first?.label ?? "")
                result.records += 1
            }
            result.matrices = [("all", m)]
        case .perTarget:
            var all = ConfusionMatrix(labels: Annotation.stanceLabels)
            var per: [String: ConfusionMatrix] = [:]
            var order: [String] = []
            for r in test.records where r.fields.contains(where: { $0.0 == "stance" }) {
                let p = analyzer.analyze(r.text)
                for dec in plugin.classify(p, options: options) {
                    guard let t = dec.subject else { continue }
                    if per[t] == nil { per[t] = ConfusionMatrix(labels: Annotation.stanceLabels); order.append(t) }
                    let gold = r.stance[t] ?? "none"
                    per[t]!.add(gold: gold, predicted: dec.label)
                    all.add(gold: gold, predicted: dec.label)
                }
                result.records += 1
            }
            result.matrices = [("all", all)] + order.map { ($0, per[$0]!) }
        case .perActor:
            var m = ConfusionMatrix(labels: d.labels)
            for r in test.records where r.hasActorAnnotation {
                let p = analyzer.analyze(r.text)
                let decisions = plugin.classify(p, options: options)
                observe?(r, decisions)
                // Mention detection, per actor (the guide annotates an actor once, at its first
                // mention): annotated mentions that detection finds with any label (recall);
                // detected mentions on an annotated mention that carry its id (precision);
                // role-bearing detected actors against annotated actors (role-bearing precision).
                let goldSpans = r.actors.compactMap { g in RoleAlignment.span(of: g.mention, in: r.text).map { (g.actor, $0) } }
                var seenSpans: Set<Int> = []
                for dec in decisions {
                    guard let s = dec.start, let e = dec.end, seenSpans.insert(s).inserted else { continue }
                    let over = goldSpans.filter { $0.1.overlaps(s..<e) }
                    if over.isEmpty { result.mentionsUnannotated += 1; continue }
                    result.mentionsOnAnnotated += 1
                    if over.contains(where: { $0.0 == dec.subject }) { result.mentionsResolved += 1 }
                }
                let goldActors = Set(r.actors.map(\.actor))
                let predictedActors = Set(decisions.filter { $0.label != "mention" }.compactMap(\.subject))
                result.mentions.add(gold: goldActors, predicted: predictedActors)
                result.mentionsFound += goldActors.filter { a in
                    r.actors.contains { g in g.actor == a && decisions.contains { RoleAlignment.matches(actor: $0.subject ?? "", span: ($0.start ?? 0)..<($0.end ?? 0), gold: g, text: r.text) } }
                }.count
                result.pairs.add(gold: Set(r.actors.map { "\($0.actor)|\($0.role)" }),
                                 predicted: Set(decisions.filter { $0.label != "mention" }.map { "\($0.subject ?? "")|\($0.label)" }))
                // Role confusion over each detected mention's first decision.
                var firsts: [Decision] = []
                for dec in decisions where !firsts.contains(where: { $0.start == dec.start }) { firsts.append(dec) }
                let gold = RoleAlignment.align(firsts.map { ($0.subject ?? "", ($0.start ?? 0)..<($0.end ?? 0)) }, gold: r.actors, text: r.text)
                for (dec, g) in zip(firsts, gold) where !g.isEmpty { m.add(gold: g[0], predicted: dec.label) }
                result.records += 1
            }
            result.matrices = [("all", m)]
        }
        return result
    }

    /// Majority-label baseline for passage and per-target plugins, from the training corpus.
    public static func majority(_ d: PluginDescriptor, train: Corpus, test: Corpus) -> EvalResult {
        var result = EvalResult(plugin: d.id, level: d.level, mode: "majority")
        switch d.level {
        case .passage:
            var counts: [String: Int] = [:]
            for r in train.records { if let l = r.field(d.corpusField)?.scalarText { counts[l, default: 0] += 1 } }
            let top = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? d.labels[0]
            var m = ConfusionMatrix(labels: d.labels)
            for r in test.records { if let g = r.field(d.corpusField)?.scalarText { m.add(gold: g, predicted: top); result.records += 1 } }
            result.matrices = [("all", m)]
        case .perTarget:
            var all = ConfusionMatrix(labels: Annotation.stanceLabels)
            let targets = Set(train.records.flatMap { $0.stance.keys })
            for t in targets.sorted() {
                var counts: [String: Int] = [:]
                for r in train.records where r.fields.contains(where: { $0.0 == "stance" }) { counts[r.stance[t] ?? "none", default: 0] += 1 }
                let top = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? "none"
                var m = ConfusionMatrix(labels: Annotation.stanceLabels)
                for r in test.records where r.fields.contains(where: { $0.0 == "stance" }) {
                    m.add(gold: r.stance[t] ?? "none", predicted: top); all.add(gold: r.stance[t] ?? "none", predicted: top)
                }
                result.matrices.append((t, m))
            }
            result.matrices.insert(("all", all), at: 0)
        case .perActor:
            break
        }
        return result
    }
}

/// A plain bag-of-words naive Bayes (unigrams and bigrams, no lexicon, no target or voice
/// features), with the same complement variant and α = 0.1 the plugins use, so the
/// comparison isolates what the lexicon and the task-specific features add.
public struct BagOfWordsBaseline: PluginInstance {
    public static let alpha = 0.1
    public let descriptor: PluginDescriptor
    public var model: PluginModel { PluginModel(pluginID: descriptor.id + "-bow") }
    var classifiers: [(String?, NaiveBayes)] = []

    public init(descriptor: PluginDescriptor, train: Corpus) {
        self.descriptor = descriptor
        let analyzer = Analyzer()
        let passages = train.records.map { analyzer.analyze($0.text) }
        func bag(_ p: Passage) -> FeatureBag { var b = FeatureBag(); TextFeatures.add(p, to: &b); return b }
        switch descriptor.level {
        case .passage:
            var nb = NaiveBayes(classes: descriptor.labels, kinds: TextFeatureKind.names, alpha: BagOfWordsBaseline.alpha, variant: .complement)
            for (r, p) in zip(train.records, passages) {
                if let l = r.field(descriptor.corpusField)?.scalarText, let k = nb.classIndex(l) { nb.add(bag(p), passage: p, label: k) }
            }
            classifiers = [(nil, nb)]
        case .perTarget:
            let targets = Set(train.records.flatMap { $0.stance.keys }).sorted()
            for t in targets {
                var nb = NaiveBayes(classes: Annotation.stanceLabels, kinds: TextFeatureKind.names, alpha: BagOfWordsBaseline.alpha, variant: .complement)
                for (r, p) in zip(train.records, passages) where r.fields.contains(where: { $0.0 == "stance" }) {
                    nb.add(bag(p), passage: p, label: nb.classIndex(r.stance[t] ?? "none")!)
                }
                classifiers.append((t, nb))
            }
        case .perActor:
            break
        }
    }

    public func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision] {
        var b = FeatureBag()
        TextFeatures.add(passage, to: &b)
        return classifiers.map { (subject, nb) in
            let pr = nb.predict(b, passage: passage)
            return Decision(subject: subject, label: nb.classes[pr.best], confidence: pr.probabilities[pr.best])
        }
    }

    public mutating func learn(_ passage: Passage, correction: Correction) throws {}
}

public enum RoleAlignment {
    /// Scalar span of the first occurrence of `mention` in `text` (how the guide places a mention).
    public static func span(of mention: String, in text: String) -> Range<Int>? {
        guard let r = text.range(of: mention) else { return nil }
        let start = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: r.lowerBound)
        return start..<(start + mention.unicodeScalars.count)
    }

    /// Gold roles for each detected mention (actor id, scalar span) of an annotated passage: an
    /// annotation goes to the detected mention of its actor that overlaps the annotated surface,
    /// else to the first mention of its actor; mentions with no annotation are `mention`.
    public static func align(_ mentions: [(actor: String, span: Range<Int>)], gold: [CorpusRecord.Actor], text: String) -> [[String]] {
        var labels = Array(repeating: [String](), count: mentions.count)
        for g in gold {
            let goldSpan = span(of: g.mention, in: text)
            let k = mentions.firstIndex { $0.actor == g.actor && goldSpan.map($0.span.overlaps) == true } ?? mentions.firstIndex { $0.actor == g.actor }
            if let k, !labels[k].contains(g.role) { labels[k].append(g.role) }
        }
        // Another mention of an annotated actor carries no label of its own (the guide
        // annotates an actor once); a mention of an unannotated actor is `mention`.
        let annotated = Set(gold.map(\.actor))
        return zip(mentions, labels).map { m, l in l.isEmpty && !annotated.contains(m.actor) ? ["mention"] : l }
    }

    /// Whether a detected mention (actor, span) is the annotated one.
    public static func matches(actor: String, span detected: Range<Int>, gold g: CorpusRecord.Actor, text: String) -> Bool {
        g.actor == actor && span(of: g.mention, in: text).map(detected.overlaps) == true
    }
}
