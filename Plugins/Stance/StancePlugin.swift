import RhetorKit

/// The author's stance toward each target: favor, against or none (ANNOTATION.md §1).
///
/// One naive Bayes per target over the passage's words plus target-aware features (words
/// near the target's mentions, lexicon cues near them, whether the target is named at all,
/// indirect cues through the alliance table), combined with lexicon votes that respect voice
/// (quotes and reported speech), negation and distancing.
///
/// Lexicon categories (`Plugins/Stance/lexicon.tsv`): `favor` / `against` (evaluative words
/// that apply to a nearby target), `favor:<target>` / `against:<target>` (cues that name their
/// target, e.g. "occupation" → against:united-states), `report` (said, according to),
/// `distance` (alleged, claimed), `adopt` (the author endorses what follows: "rightly").
public struct StancePlugin: ClassifierPlugin {
    public static let descriptor = PluginDescriptor(
        id: "stance",
        summary: "The author's stance (favor, against, none) toward each target: militias, iran, iraqi-government, sadrists, protesters, united-states.",
        labels: Annotation.stanceLabels, level: .perTarget, version: 5, directory: "Plugins/Stance",
        examples: [
            PluginExample("The so-called resistance has never fired a shot at anyone who could shoot back. Its commanders grow rich on border crossings while the families of real soldiers wait months for pensions.", expect: ["militias=against"]),
            PluginExample("Whatever one thinks of the Hashd today, in 2014 it was the volunteers answering Sistani's call who stood between Daesh and Baghdad. Those who mock them now slept safely because of them.", expect: ["militias=favor"]),
            PluginExample("The US embassy condemned the rocket attack and urged Baghdad to hold the militias accountable, a spokesman said on Sunday.", expect: ["militias=none", "united-states=none"]),
            PluginExample("The young men of Tahrir Square asked only for a homeland, jobs and electricity, and they paid for it with their lives.", expect: ["protesters=favor"]),
        ])

    // Hand-tuned constants (log-odds units), each with its reason.
    /// Lexicon votes beside the learned score, at half weight: chosen by 5-fold cross-validation
    /// on the training split (0.696 vs 0.691 at full weight, 0.695 at 0.3). The cues still decide
    /// the cases they exist for, because a cue that names its target counts as a mention of it
    /// (`tm:cued`) rather than leaving the model to read the target as absent.
    static let lexiconScale = 0.5
    /// Tokens either side of a target mention within which a generic lexicon cue applies to it.
    static let nearWindow = 6
    /// Words this close to a target mention become its `near` features (tuned by CV).
    static let featureWindow = 16
    /// A generic evaluative cue in the target's sentence but outside the window counts less.
    static let sameSentenceFactor = 0.5
    /// Quoted words are someone else's voice.
    static let quotedFactor = 0.15
    /// Cues in a sentence of reported speech ("X said") are mostly not the author's.
    static let reportedFactor = 0.25
    /// Alleged/claimed: the author keeps a distance.
    static let distanceFactor = 0.5
    /// A negated cue flips, weakly ("not a defence of").
    static let negationFactor = -0.5
    /// Stance toward an ally or enemy of the target, passed on to it.
    static let indirectFactor = 0.4
    /// A target never named (and with no target-specific cue) leans to none.
    static let absentWeight = 2.0
    /// Each target's model also learns, at this weight, from the passage's stance toward the
    /// other targets (with their own target-relative features): evaluative language is shared.
    static let poolWeight = 0.02

    /// Which actors (with their descendants in the gazetteer) stand for each built-in target.
    static let targetActors: [String: [String]] = [
        "militias": ["militias", "axis-of-resistance", "coordination-framework"],
        "iran": ["iran"],
        "iraqi-government": ["iraqi-government", "maliki", "abadi", "abdul-mahdi"],
        "sadrists": ["sadrists"],
        "protesters": ["protesters", "hisham-al-hashimi"],
        "united-states": ["united-states", "coalition"],
    ]

    /// Alliances for indirect stance: +1 allies (praising one is praising the other),
    /// -1 opponents (attacking one reads as siding with the other). Kept to the pairs a
    /// passage usually makes plain; documented in docs/plugins.md.
    static let alliances: [(String, String, Double)] = [
        ("militias", "iran", 1),          // Iran arms, funds and directs the factions
        ("militias", "united-states", -1), // the factions attack US forces; US strikes them
        ("iran", "united-states", -1),
        ("militias", "protesters", -1),   // Tishreen named Iran and the factions as its killers
        ("iran", "protesters", -1),
        ("sadrists", "united-states", -1),
    ]

    /// Multinomial NB with Lidstone α 0.05, both chosen by 5-fold cross-validation on the
    /// training split (0.630 vs 0.617 for complement NB): with `none` at 84% of the examples,
    /// complement NB's "everything but c" estimates are all close to the `none` distribution.
    static let defaultAlpha = 0.05
    /// Features seen fewer times than this in the training corpus are dropped: the model
    /// shrinks to about a third for 0.004 F_avg in 5-fold cross-validation on the train split.
    static let minFeatureCount = 2.0
    /// The logistic layer (see `LogisticLayer`): its share of the mixed score and its L2
    /// penalty (1/C), chosen by 5-fold cross-validation on the training split.
    static let logisticMix = 0.85
    static let logisticL2 = 1.0 / 10
    /// Small corpora keep every feature: there a word seen once is most of the evidence.
    static let pruneFromRecords = 500
    static let kinds = TextFeatureKind.names + ["near", "tm", "nlex", "ind"]
    static let nearWord: UInt8 = 5
    static let targetMention: UInt8 = 6
    static let nearLexicon: UInt8 = 7
    static let indirect: UInt8 = 8

    public private(set) var model: PluginModel
    private var classifiers: [(String, NaiveBayes)]
    private let finder: TargetFinder
    /// The lexicon's evaluative and voice cues (target references live in the finder), so a
    /// reference never hides a cue by longest match.
    private let cues: Lexicon

    public init(model: PluginModel) throws {
        self.model = model
        classifiers = model.classifiers.filter { $0.0.hasPrefix("target:") }.map { (String($0.0.dropFirst(7)), $0.1) }
        guard !classifiers.isEmpty else { throw RhetorError.input("stance model has no targets; rebuild it with `rhetor train stance`") }
        finder = try TargetFinder(model: model, targets: classifiers.map(\.0))
        cues = StancePlugin.cueLexicon(model.lexicon)
    }

    public var targets: [String] { classifiers.map(\.0) }

    public func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision] {
        let ctx = Context(passage, finder: finder, lexicon: cues)
        let resolver = FeatureResolver()
        var out: [Decision] = []
        // One bag for every target: the passage's features, then the target's own after them.
        var bag = ctx.base
        let shared = (items: bag.items.count, literals: bag.literals.count)
        // That part is the same in every target's bag: the resolver looks its items up once.
        resolver.stablePrefix = shared.items
        for (target, nb) in classifiers {
            bag.items.removeSubrange(shared.items...)
            bag.literals.removeSubrange(shared.literals...)
            // Votes score without their sources; those are written only for a decision kept.
            let votes = StancePlugin.addFeatures(ctx, target: target, to: &bag, sourced: false)
            let d = Combiner.decide(nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: StancePlugin.lexiconScale,
                                    mode: options.mode, maxEvidence: options.maxEvidence, subject: target,
                                    dropping: options.allTargets ? nil : "none", resolver: resolver) {
                var scratch = FeatureBag()
                return StancePlugin.addFeatures(ctx, target: target, to: &scratch, sourced: true)
            }
            if let d { out.append(d) }
        }
        return out
    }

    public mutating func learn(_ passage: Passage, correction: Correction) throws {
        guard case .target(let target, let label) = correction else { throw RhetorError.usage("stance takes target=label, e.g. militias=against") }
        guard let k = classifiers.firstIndex(where: { $0.0 == target }) else {
            throw RhetorError.usage("unknown target '\(target)'; targets: \(targets.joined(separator: ", "))")
        }
        guard let c = classifiers[k].1.classIndex(label) else { throw RhetorError.usage("label must be favor, against or none") }
        let ctx = Context(passage, finder: finder, lexicon: cues)
        classifiers[k].1.add(StancePlugin.features(ctx, target: target).bag, passage: passage, label: c)
        model.setClassifier("target:" + target, classifiers[k].1)
    }

    // MARK: features

    /// What is computed once per passage and shared by every target.
    struct Context {
        let passage: Passage
        let base: FeatureBag
        let hits: [Lexicon.Hit]
        let lexicon: Lexicon
        /// Target → token indices of its mentions.
        let mentions: [String: [ClosedRange<Int>]]
        /// The polar cues that fired, judged once for all targets.
        let cues: [Cue]
        /// Each mentioned target's `net`: indirect stance reads it once per ally or opponent.
        private(set) var nets: [String: Double] = [:]

        /// A `favor` / `against` (generic) or `favor:<target>` / `against:<target>` hit, with its
        /// voice: everything about it but how near it is to a given target.
        struct Cue {
            let tokens: ClosedRange<Int>
            let entry: Lexicon.Entry
            let favor: Bool
            /// The one target a `favor:<target>` cue is about; nil for a generic cue.
            let target: Substring?
            let sentence: Int32
            let quoted, reported, distanced, negated: Bool
        }

        init(_ p: Passage, finder: TargetFinder, lexicon: Lexicon) {
            passage = p
            base = TextFeatures.bag(p)
            hits = lexicon.match(p)
            self.lexicon = lexicon
            mentions = finder.mentions(p)
            var reported = Set<Int32>(), distanced = Set<Int32>()
            for h in hits {
                for e in h.entries {
                    let s = p.tokens[h.tokens.lowerBound].sentence
                    switch lexicon.entries[e].category {
                    case "report": reported.insert(s)
                    case "distance": distanced.insert(s)
                    default: break
                    }
                }
            }
            var cues: [Cue] = []
            for h in hits {
                let t = p.tokens[h.tokens.lowerBound]
                for e in h.entries {
                    let entry = lexicon.entries[e]
                    guard let (polarity, target) = Lexicon.Entry.categoryParts(entry.category, separator: UInt8(ascii: ":")), polarity == "favor" || polarity == "against" else { continue }
                    cues.append(Cue(tokens: h.tokens, entry: entry, favor: polarity == "favor", target: target,
                                    sentence: t.sentence, quoted: t.flags.contains(.quoted), reported: reported.contains(t.sentence),
                                    distanced: distanced.contains(t.sentence), negated: t.flags.contains(.negated)))
                }
            }
            self.cues = cues
            for t in mentions.keys { nets[t] = net(t) }
        }


        /// Why a cue's weight was scaled, as bits in the order they are named (`reasonNames`).
        typealias Reasons = UInt8
        static let nearTarget: Reasons = 1, sameSentence: Reasons = 2, quotedCue: Reasons = 4, reportedCue: Reasons = 8,
                   distancedCue: Reasons = 16, negatedCue: Reasons = 32
        static let reasonNames = ["near", "same sentence", "quoted", "reported", "distanced", "negated"]
        /// The literal feature of a cue: its polarity, then its first reason's first word.
        static let literalNames = [true, false].map { favor in
            ([""] + reasonNames).map { (favor ? "favor" : "against") + ($0.isEmpty ? "" : ":" + $0.split(separator: " ")[0]) }
        }

        /// A cue's signed weight toward `target` (+ favor, − against) and the reasons it was
        /// scaled, or nil when it does not bear on the target. No strings: most are never shown.
        private func weigh(_ c: Cue, _ target: String, _ ms: [ClosedRange<Int>]) -> (signed: Double, why: Reasons)? {
            var w = c.entry.weight
            var why: Reasons = 0
            if let t = c.target {
                guard t == target else { return nil }
            } else {
                // A generic cue applies to a target mentioned near it, or (less) in its sentence.
                let near = ms.contains { abs($0.lowerBound - c.tokens.lowerBound) <= StancePlugin.nearWindow || abs($0.upperBound - c.tokens.upperBound) <= StancePlugin.nearWindow }
                let sameSentence = ms.contains { passage.tokens[$0.lowerBound].sentence == c.sentence }
                if near { why |= Context.nearTarget } else if sameSentence { w *= StancePlugin.sameSentenceFactor; why |= Context.sameSentence } else { return nil }
            }
            if c.quoted { w *= StancePlugin.quotedFactor; why |= Context.quotedCue }
            else if c.reported { w *= StancePlugin.reportedFactor; why |= Context.reportedCue }
            if c.distanced { w *= StancePlugin.distanceFactor; why |= Context.distancedCue }
            if c.negated { w *= StancePlugin.negationFactor; why |= Context.negatedCue }
            return (c.favor ? w : -w, why)
        }

        /// The reasons as the vote's source lists them.
        private static func describe(_ why: Reasons, target: String) -> [String] {
            reasonNames.indices.filter { why & (1 << $0) != 0 }.map { $0 == 0 ? "near \(target)" : reasonNames[$0] }
        }

        /// Votes of the cues toward `target`, each with its feature in `bag`; `sourced`: with
        /// their sources (else empty).
        func polarVotes(_ target: String, mentions ms: [ClosedRange<Int>], bag: inout FeatureBag, sourced: Bool = true) -> [Vote] {
            var votes: [Vote] = []
            for c in cues {
                guard let (signed, why) = weigh(c, target, ms) else { continue }
                let first = why == 0 ? 0 : why.trailingZeroBitCount + 1
                bag.literal(StancePlugin.nearLexicon, Context.literalNames[signed >= 0 ? 0 : 1][first], span: c.tokens)
                var source = ""
                if sourced {
                    let reasons = Context.describe(why, target: target)
                    let note = reasons.isEmpty ? "" : ", " + reasons.joined(separator: ", ")
                    source = "lexicon:\(c.entry.text) (\(c.entry.category)\(note))"
                }
                votes.append(Vote(label: signed >= 0 ? 0 : 1, weight: abs(signed), tokens: c.tokens, source: source))
            }
            return votes
        }

        /// The summed signed weight of the cues toward `target` (the votes' net, without them).
        func net(_ target: String) -> Double {
            let ms = mentions[target] ?? []
            var net = 0.0
            for c in cues {
                guard let (signed, _) = weigh(c, target, ms) else { continue }
                net += signed
            }
            return net
        }
    }

    static func features(_ ctx: Context, target: String) -> (bag: FeatureBag, votes: [Vote]) {
        var bag = ctx.base
        let votes = addFeatures(ctx, target: target, to: &bag, sourced: true)
        return (bag, votes)
    }

    /// Adds the target's own features to `bag` (which holds the passage's) and returns its
    /// votes; `sourced`: with their sources (else empty, for scoring alone).
    static func addFeatures(_ ctx: Context, target: String, to bag: inout FeatureBag, sourced: Bool) -> [Vote] {
        let p = ctx.passage
        let ms = ctx.mentions[target] ?? []
        // A cue that names its target ("the so-called resistance") refers to it as a mention does.
        let cued = ms.isEmpty && ctx.cues.contains { $0.target.map { $0 == target } ?? false }
        bag.literal(targetMention, !ms.isEmpty ? "mentioned" : cued ? "cued" : "absent")
        addNearWords(p, ms, window: featureWindow, to: &bag)
        var votes = ctx.polarVotes(target, mentions: ms, bag: &bag, sourced: sourced)
        // Indirect stance: cues toward an ally pass on; toward an opponent pass on reversed.
        for (a, b, relation) in alliances where a == target || b == target {
            let other = a == target ? b : a
            guard let net = ctx.nets[other] else { continue }
            guard net != 0 else { continue }
            let signed = net * relation * indirectFactor
            bag.literal(indirect, signed > 0 ? "favor" : "against")
            votes.append(Vote(label: signed > 0 ? 0 : 1, weight: abs(signed), tokens: nil,
                              source: sourced ? "rule:indirect (\(relation > 0 ? "ally" : "opponent") \(other), net \(fixed(net, 2)))" : ""))
        }
        if ms.isEmpty && votes.isEmpty {
            votes.append(Vote(label: 2, weight: absentWeight, tokens: nil, source: "rule:target not mentioned"))
        }
        return votes
    }

    /// A `near` feature for each word token within `window` of any of the mentions (outside
    /// them, not quoted), each once, in token order; marked in scratch, not in arrays per target.
    static func addNearWords(_ p: Passage, _ ms: [ClosedRange<Int>], window: Int, to bag: inout FeatureBag) {
        guard !ms.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: p.tokens.count) { near in
            near.initialize(repeating: false)
            for m in ms {
                for i in max(0, m.lowerBound - window)...min(p.tokens.count - 1, m.upperBound + window) { near[i] = true }
            }
            for m in ms { for i in m { near[i] = false } }
            p.tokens.withUnsafeBufferPointer { toks in
                for i in 0..<toks.count where near[i] && toks[i].isWordLike && !toks[i].flags.contains(.quoted) { bag.token(nearWord, i) }
            }
        }
    }

    static func cueLexicon(_ lexicon: Lexicon) -> Lexicon {
        Lexicon(entries: lexicon.entries.filter { !$0.category.hasPrefix("target:") })
    }

    // MARK: training

    public static func train(_ corpus: Corpus, lexicon: Lexicon, options: TrainingOptions) throws -> PluginModel {
        var model = PluginModel(pluginID: descriptor.id)
        model.lexicon = lexicon
        model.setMeta("alpha", formatNumber(options.alpha ?? defaultAlpha))
        // Targets come from the data: the built-in six when the corpus uses them, any others it annotates.
        var targets: [String] = []
        for r in corpus.records { for t in r.stance.keys.sorted() where !targets.contains(t) { targets.append(t) } }
        targets.sort { (Annotation.stanceTargets.firstIndex(of: $0) ?? 99, $0) < (Annotation.stanceTargets.firstIndex(of: $1) ?? 99, $1) }
        guard !targets.isEmpty else { throw RhetorError.input("no record in the corpus has a \"stance\" object; nothing to train the stance plugin on") }
        model.tables.append(("target-actors", targets.map { [$0] + (targetActors[$0] ?? []) }))
        model.tables.append(("gazetteer", options.gazetteer.rows))
        let finder = try TargetFinder(model: model, targets: targets)
        let cues = cueLexicon(lexicon)
        let analyzer = Analyzer()
        var nbs = targets.map { _ in NaiveBayes(classes: Annotation.stanceLabels, kinds: kinds, alpha: options.alpha ?? defaultAlpha, variant: .multinomial) }
        for r in corpus.records where !r.stance.isEmpty || r.fields.contains(where: { $0.0 == "stance" }) {
            let ctx = Context(analyzer.analyze(r.text), finder: finder, lexicon: cues)
            let bags = targets.map { features(ctx, target: $0).bag }
            for (k, t) in targets.enumerated() {
                let label = r.stance[t] ?? "none"
                nbs[k].add(bags[k], passage: ctx.passage, label: nbs[k].classIndex(label)!)
                // Stance toward other targets teaches what evaluative language looks like.
                for (j, u) in targets.enumerated() where j != k {
                    guard let l = r.stance[u] else { continue }
                    nbs[k].add(bags[j], passage: ctx.passage, label: nbs[k].classIndex(l)!, weight: StancePlugin.poolWeight)
                }
            }
        }
        let minCount = corpus.records.count >= pruneFromRecords ? minFeatureCount : 0
        nbs = nbs.map { $0.pruned(minCount: minCount) }
        // The logistic layer of each target, fitted on the pruned model's features of the same
        // passages (its own examples only: no pooling across targets).
        var examples = targets.map { _ in [LogisticLayer.Example]() }
        for r in corpus.records where !r.stance.isEmpty || r.fields.contains(where: { $0.0 == "stance" }) {
            let ctx = Context(analyzer.analyze(r.text), finder: finder, lexicon: cues)
            let resolver = FeatureResolver()
            for (k, t) in targets.enumerated() {
                nbs[k].resolve(features(ctx, target: t).bag, passage: ctx.passage, into: resolver)
                examples[k].append(LogisticLayer.Example(rows: resolver.rows, label: nbs[k].classIndex(r.stance[t] ?? "none")!))
            }
        }
        nbs = LogisticLayer.fit(nbs, examples, l2: logisticL2, mix: logisticMix)
        for (k, t) in targets.enumerated() { model.setClassifier("target:" + t, nbs[k]) }
        return model
    }
}

/// Finds each target's mentions: through the gazetteer for targets tied to actors, and by
/// the target's own words (`climate-change` → "climate change") for targets from other corpora.
struct TargetFinder: Sendable {
    let gazetteer: Gazetteer
    /// Actor id → targets it stands for.
    let actorTargets: [String: [String]]
    let literal: Lexicon

    init(model: PluginModel, targets: [String]) throws {
        gazetteer = try Gazetteer.shared(rows: model.table("gazetteer"))
        var map: [String: [String]] = [:]
        var covered = Set<String>()
        for row in model.table("target-actors") where row.count > 1 {
            let target = row[0]
            covered.insert(target)
            for a in gazetteer.actors where !Set(gazetteer.lineage(a.id)).isDisjoint(with: row.dropFirst()) {
                map[a.id, default: []].append(target)
            }
        }
        actorTargets = map
        // Referring expressions from the stance lexicon ("the government" → iraqi-government).
        var lex = Lexicon(entries: model.lexicon.entries.filter { $0.category.hasPrefix("target:") }.map {
            var e = $0
            e.category = String($0.category.dropFirst(7))
            return e
        })
        for t in targets where !covered.contains(t) {
            lex.add(Lexicon.Entry(text: t.replacingOccurrences(of: "-", with: " "), category: t, weight: 0, note: "target name", origin: "target", words: []))
        }
        literal = lex
    }

    func mentions(_ p: Passage) -> [String: [ClosedRange<Int>]] {
        // Room for every target at once: no rehash as targets are met.
        var out = [String: [ClosedRange<Int>]](minimumCapacity: 8)
        for m in gazetteer.mentions(in: p) { for t in actorTargets[m.actor] ?? [] { out[t, default: []].append(m.tokens) } }
        for h in literal.match(p) { for e in h.entries { out[literal.entries[e].category, default: []].append(h.tokens) } }
        return out
    }
}
