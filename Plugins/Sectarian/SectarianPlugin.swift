import Foundation
import RhetorKit

/// Sectarian rhetoric, one ordered level per passage: none < framing < hostile < incitement.
///
/// Lexicon categories (`Plugins/Sectarian/lexicon.tsv`):
/// - `framing`, `hostile/<target sect>`, `incitement`: cues voting for that level;
/// - `voice/report`: reporting or condemning words ("condemned", "graffiti", "slur") — a slur
///   in a sentence that reports or condemns it is not the author's;
/// - `boundary/<what>`: words that make a cue a non-sectarian use (`takfiri` near ISIS,
///   `Safavid` near "dynasty", `Wahhabi` near "Saudi doctrine").
/// The levels are ordinal: scores become cumulative P(level ≥ k), and the decision rises to the
/// highest level whose cumulative probability clears its threshold when the author voices a
/// sectarian cue — so a passage with an incitement cue and a framing cue is incitement.
public struct SectarianPlugin: ClassifierPlugin {
    public static let descriptor = PluginDescriptor(
        id: "sectarian",
        summary: "Sectarian rhetoric level of the passage: none, framing, hostile or incitement, with the cues that decided it.",
        labels: Annotation.sectarianLevels, level: .passage, version: 3, directory: "Plugins/Sectarian",
        examples: [
            PluginExample("Shia pilgrims walked from Basra to Karbala for Arbaeen under heavy security.", expect: ["none"]),
            PluginExample("Every Safawi dog in the Green Zone takes orders from Qom. Same rafidi snakes since 2003 #Iraq", expect: ["hostile"]),
            PluginExample("Clean the city of the nawasib before Friday prayers. Not one of them should be left in the market by morning.", expect: ["incitement"]),
            PluginExample("Saw a banner on the bridge today calling our neighbours 'nawasib'. Tore it down. Shame on whoever hung it.", expect: ["none"]),
            PluginExample("Takfiri gunmen of the Islamic State executed twelve shepherds near Rutba, police said.", expect: ["none"]),
        ])

    /// How many log-odds units one unit of lexicon weight is worth beside naive Bayes.
    static let lexiconScale = 1.0
    /// Weight kept by a cue spoken in someone else's voice (quoted, or in a reporting sentence).
    static let reportedVoiceFactor = 0.0
    /// Cumulative-probability thresholds for framing, hostile, incitement. Incitement's is
    /// lowest (chosen by 5-fold cross-validation on train): a missed incitement costs users most.
    static let defaultThresholds = [0.5, 0.4, 0.2]

    /// Multinomial NB with Lidstone α 0.05, chosen by 5-fold cross-validation on the training
    /// split (macro-F1 0.822, incitement recall 0.77; complement NB α 0.3: 0.770 and 0.58). With
    /// `none` at 85% of the examples, complement NB's "all but hostile" and "all but incitement"
    /// estimates are both close to `none`, and the two levels blur.
    static let defaultAlpha = 0.05
    static let kinds = TextFeatureKind.names + ["lexv", "sect"]
    static let voicedLexicon: UInt8 = 5
    static let sectWord: UInt8 = 6

    public private(set) var model: PluginModel
    private var nb: NaiveBayes
    private let thresholds: [Double]
    private let cues: [Cue]

    public init(model: PluginModel) throws {
        guard let nb = model.classifier("level") else { throw RhetorError.input("sectarian model has no [nb level]; rebuild it with `rhetor train sectarian`") }
        self.model = model
        self.nb = nb
        cues = SectarianPlugin.cues(model.lexicon)
        thresholds = (model.meta("thresholds") ?? "").split(separator: " ").compactMap { Double($0) }.count == 3
            ? (model.meta("thresholds") ?? "").split(separator: " ").compactMap { Double($0) } : SectarianPlugin.defaultThresholds
    }

    /// Sentences that report or condemn speech: cues there are not the author's own.
    static func reportingSentences(_ p: Passage, hits: [Lexicon.Hit], lexicon: Lexicon) -> Set<Int32> {
        var s = Set<Int32>()
        for h in hits where h.entries.contains(where: { lexicon.entries[$0].category == "voice/report" }) {
            s.insert(p.tokens[h.tokens.lowerBound].sentence)
        }
        return s
    }

    static func boundarySentences(_ p: Passage, hits: [Lexicon.Hit], lexicon: Lexicon) -> [Int32: Set<String>] {
        var s: [Int32: Set<String>] = [:]
        for h in hits {
            for e in h.entries where lexicon.entries[e].category.hasPrefix("boundary/") {
                s[p.tokens[h.tokens.lowerBound].sentence, default: []].insert(String(lexicon.entries[e].category.dropFirst(9)))
            }
        }
        return s
    }

    /// What `votes` reads of a lexicon entry, worked out once per lexicon rather than per hit
    /// (splitting categories and notes walks Characters).
    struct Cue {
        let level: Int?
        /// The boundary its note names (`unless:isis` → isis), if any.
        let unless: String?
        /// Its category's first part (`hostile` of `hostile/anti-shia`).
        let head: String
    }

    static func cues(_ lexicon: Lexicon) -> [Cue] {
        lexicon.entries.map { e in
            Cue(level: level(of: e.category), unless: unlessBoundary(e.note), head: String(firstPart(e.category) ?? ""))
        }
    }

    /// The rest of a note's first space-separated word that starts `unless:`, if any; on bytes
    /// (notes are long prose, and splitting them into Characters costs more than loading the model).
    static func unlessBoundary(_ note: String) -> String? {
        var note = note
        return note.withUTF8 { u in
            let key: StaticString = "unless:"
            let k = key.utf8CodeUnitCount
            var i = 0
            while i < u.count {
                var j = i
                while j < u.count, u[j] != UInt8(ascii: " ") { j += 1 }
                if j - i >= k, memcmp(u.baseAddress! + i, key.utf8Start, k) == 0 {
                    return String(decoding: UnsafeBufferPointer(rebasing: u[(i + k)..<j]), as: UTF8.self)
                }
                i = j + 1
            }
            return nil
        }
    }

    /// Judges every lexicon hit: its level, and whether the author speaks it. A cue the author
    /// does not speak (quoted, in a reporting sentence, or a boundary use) votes nothing, and its
    /// words reach naive Bayes as quoted words, so the model cannot count them as the author's.
    static func votes(_ p: Passage, hits: [Lexicon.Hit], lexicon: Lexicon, cues: [Cue]) -> (votes: [Vote], bag: FeatureBag) {
        var bag = TextFeatures.bag(p)
        let reporting = reportingSentences(p, hits: hits, lexicon: lexicon)
        let boundary = boundarySentences(p, hits: hits, lexicon: lexicon)
        // Dehumanising words are sectarian only in a passage that names a sect (a sect word or a slur).
        let namesSect = hits.contains { $0.entries.contains { let c = lexicon.entries[$0].category; return c == "sect" || c.hasPrefix("hostile/anti-") } }
        var votes: [Vote] = []
        var unvoiced: [ClosedRange<Int>] = []
        for h in hits {
            for e in h.entries {
                let entry = lexicon.entries[e]
                let cat = entry.category
                if cat == "sect" { bag.literal(sectWord, "sect", span: h.tokens); continue }
                let cue = cues[e]
                guard let level = cue.level else { continue }
                let t = p.tokens[h.tokens.lowerBound]
                // A cue whose note names a boundary (e.g. "unless:isis") is neutral when that boundary is in the sentence.
                if let unless = cue.unless, boundary[t.sentence]?.contains(unless) == true {
                    bag.literal(TextFeatureKind.lexicon, "boundary:" + unless, span: h.tokens)
                    votes.append(Vote(label: 0, weight: abs(entry.weight) * 0.5, tokens: h.tokens, source: "rule:boundary \(unless) (\(entry.text))"))
                    unvoiced.append(h.tokens)
                    continue
                }
                if cat == "hostile/dehumanising" && !namesSect {
                    unvoiced.append(h.tokens)
                    continue
                }
                let reported = t.flags.contains(.quoted) || reporting.contains(t.sentence)
                if reported {
                    bag.literal(TextFeatureKind.lexicon, "reported:" + cat, span: h.tokens)
                    votes.append(Vote(label: level, weight: entry.weight * reportedVoiceFactor, tokens: h.tokens, source: "lexicon:\(entry.text) (\(cat), reported)"))
                    unvoiced.append(h.tokens)
                    continue
                }
                bag.literal(TextFeatureKind.lexicon, cat, span: h.tokens)
                bag.literal(voicedLexicon, cue.head, span: h.tokens)
                votes.append(Vote(label: level, weight: entry.weight, tokens: h.tokens, source: "lexicon:\(entry.text) (\(cat))"))
            }
        }
        if !unvoiced.isEmpty {
            for k in bag.items.indices where bag.items[k].kind == TextFeatureKind.word || bag.items[k].kind == TextFeatureKind.bigram {
                if let span = bag.items[k].span, unvoiced.contains(where: { $0.overlaps(span) }) { bag.items[k].kind = TextFeatureKind.quotedWord }
            }
        }
        return (votes, bag)
    }

    static func level(of category: String) -> Int? {
        let head = firstPart(category) ?? category[...]
        guard head != "none" else { return 0 }
        return Annotation.sectarianLevels.firstIndex { $0 == head }
    }

    /// `category.split(separator: "/").first` (`hostile` of `hostile/anti-shia`).
    static func firstPart(_ category: String) -> Substring? {
        Lexicon.Entry.categoryParts(category, separator: UInt8(ascii: "/"))?.head
    }

    /// Ordinal decoding: the highest level k whose cumulative probability P(level ≥ k) clears its threshold.
    static func ordinalLevel(_ probs: [Double], thresholds: [Double]) -> Int {
        var level = 0
        var tail = 0.0
        var cumulative = Array(repeating: 0.0, count: probs.count)
        for k in stride(from: probs.count - 1, through: 0, by: -1) { tail += probs[k]; cumulative[k] = tail }
        for k in 1..<probs.count where cumulative[k] >= thresholds[k - 1] { level = k }
        return level
    }

    public func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision] {
        let hits = model.lexicon.match(passage)
        let (votes, bag) = SectarianPlugin.votes(passage, hits: hits, lexicon: model.lexicon, cues: cues)
        var d = Combiner.decide(nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: SectarianPlugin.lexiconScale,
                                mode: options.mode, maxEvidence: options.maxEvidence)
        let probs = d.scores.map(\.1)
        // The ordinal rule may raise the level only when the author voices some sectarian cue.
        let voicedCue = votes.contains { $0.weight > 0 && $0.label > 0 && !$0.source.hasPrefix("rule:") }
        let argmax = Annotation.sectarianLevels.firstIndex(of: d.label) ?? 0
        let k = voicedCue ? max(argmax, SectarianPlugin.ordinalLevel(probs, thresholds: thresholds)) : argmax
        if Annotation.sectarianLevels[k] != d.label {
            d.label = Annotation.sectarianLevels[k]
            d.confidence = probs[k...].reduce(0, +)
            d.evidence.insert(Evidence(text: "", weight: d.confidence, source: "rule:ordinal (P(level ≥ \(d.label)) = \(fixed(d.confidence, 2)))"), at: 0)
        }
        return [d]
    }

    public mutating func learn(_ passage: Passage, correction: Correction) throws {
        guard case .passage(let label) = correction, let k = nb.classIndex(label) else {
            throw RhetorError.usage("sectarian takes one level: \(Annotation.sectarianLevels.joined(separator: ", "))")
        }
        let (_, bag) = SectarianPlugin.votes(passage, hits: model.lexicon.match(passage), lexicon: model.lexicon, cues: cues)
        nb.add(bag, passage: passage, label: k)
        model.setClassifier("level", nb)
    }

    /// The logistic layer (see `LogisticLayer`): its share of the mixed score and its L2
    /// penalty (1/C), chosen by 5-fold cross-validation on the training split (macro-F1
    /// 0.796 → 0.823, incitement recall 0.714 → 0.737).
    static let logisticMix = 0.65
    static let logisticL2 = 1.0 / 3

    public static func train(_ corpus: Corpus, lexicon: Lexicon, options: TrainingOptions) throws -> PluginModel {
        var nb = NaiveBayes(classes: Annotation.sectarianLevels, kinds: kinds, alpha: options.alpha ?? defaultAlpha, variant: .multinomial)
        let analyzer = Analyzer()
        let cues = cues(lexicon)
        // Each labelled passage's features, extracted once for both fits.
        var labelled: [(passage: Passage, bag: FeatureBag, level: Int)] = []
        for r in corpus.records {
            guard let level = r.sectarian, let k = nb.classIndex(level) else { continue }
            let p = analyzer.analyze(r.text)
            labelled.append((p, votes(p, hits: lexicon.match(p), lexicon: lexicon, cues: cues).bag, k))
        }
        for (p, bag, k) in labelled { nb.add(bag, passage: p, label: k) }
        // The logistic layer, fitted on the same passages' features (see `LogisticLayer`).
        let examples = labelled.map { LogisticLayer.Example(rows: nb.resolve($0.bag, passage: $0.passage), label: $0.level) }
        nb = LogisticLayer.fit([nb], [examples], l2: logisticL2, mix: logisticMix)[0]
        var model = PluginModel(pluginID: descriptor.id)
        model.setMeta("alpha", formatNumber(options.alpha ?? defaultAlpha))
        model.setMeta("thresholds", defaultThresholds.map(formatNumber).joined(separator: " "))
        model.lexicon = lexicon
        model.setClassifier("level", nb)
        return model
    }
}
