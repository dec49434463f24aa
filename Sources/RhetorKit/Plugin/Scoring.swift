import Foundation

/// The pieces every plugin shares: bag-of-words features, lexicon votes, and the rule that
/// combines naive Bayes with the lexicon into one decision with its evidence.

/// Feature kinds of the shared text features. Plugins append their own after these.
public enum TextFeatureKind {
    /// A word in the author's voice.
    public static let word: UInt8 = 0
    /// Two adjacent words.
    public static let bigram: UInt8 = 1
    /// A word inside quotation marks (someone else's voice).
    public static let quotedWord: UInt8 = 2
    /// A word inside a negation scope.
    public static let negatedWord: UInt8 = 3
    /// A lexicon category that fired (value: number of hits).
    public static let lexicon: UInt8 = 4
    public static let names = ["w", "b", "qw", "nw", "lex"]
}

public enum TextFeatures {
    /// `add` into an empty bag: made once per passage and shared (the plugins that start from it
    /// add their own features to their copy).
    public static func bag(_ p: Passage) -> FeatureBag {
        p.memo.textBag { var bag = FeatureBag(); add(p, to: &bag); return bag }
    }

    /// Unigrams (split by voice: plain, quoted, negated) and bigrams of word-like tokens.
    public static func add(_ p: Passage, to bag: inout FeatureBag) {
        var prev = -1
        for i in p.tokens.indices {
            let t = p.tokens[i]
            guard t.isWordLike else { prev = -1; continue }
            if t.flags.contains(.quoted) { bag.token(TextFeatureKind.quotedWord, i) }
            else if t.flags.contains(.negated) { bag.token(TextFeatureKind.negatedWord, i) }
            else { bag.token(TextFeatureKind.word, i) }
            if prev >= 0 { bag.pair(TextFeatureKind.bigram, prev, i) }
            prev = i
        }
    }
}

/// A lexicon hit after the plugin has judged it: the label it votes for and its weight.
public struct Vote: Sendable {
    public var label: Int
    public var weight: Double
    public var tokens: ClosedRange<Int>?
    public var source: String
    public init(label: Int, weight: Double, tokens: ClosedRange<Int>?, source: String) {
        self.label = label; self.weight = weight; self.tokens = tokens; self.source = source
    }
}

public enum Combiner {
    /// In the lexicon-only ablation the class prior only breaks ties and covers passages with
    /// no cue: damped so that one confident cue can outvote a skewed prior.
    public static let lexiconOnlyPriorWeight = 0.2

    /// Decides one label from naive Bayes and lexicon votes.
    ///
    /// Scores are log-odds: in `combined` mode NB's joint log-likelihood plus `lexiconScale` ×
    /// the summed votes per label; `model` drops the votes; `lexicon` keeps NB's class prior
    /// only, damped (so an empty lexicon falls back to the majority label). Evidence lists the
    /// votes and the NB features that most separate the chosen label from the runner-up, each
    /// span and source once. A plugin deciding several subjects of one passage passes one
    /// `resolver` to every call, so the passage's words are looked up once.
    public static func decide(nb: NaiveBayes, bag: FeatureBag, passage: Passage, votes: [Vote], lexiconScale: Double,
                              mode: ScoringMode, maxEvidence: Int, subject: String? = nil, labels: [String]? = nil,
                              noEvidenceFor skipped: String? = nil, resolver: FeatureResolver? = nil) -> Decision {
        let resolver = resolver ?? FeatureResolver()
        let s = score(nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: lexiconScale, mode: mode, resolver: resolver)
        let names = labels ?? nb.classes
        // A decision the caller will drop (stance `none` without --all-targets) needs no evidence.
        let evidence = names[s.best] == skipped ? [] :
            self.evidence(s, nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: lexiconScale, mode: mode,
                          maxEvidence: maxEvidence, rows: resolver.rows)
        return Decision(subject: subject, label: names[s.best], confidence: s.probs[s.best],
                        scores: names.indices.map { (names[$0], s.probs[$0]) }, evidence: evidence)
    }

    /// `decide` for a caller that drops the decisions labelled `dropped` (stance's `none`
    /// without --all-targets): nil for those, before any evidence or scores are built. The
    /// votes score without their sources; `sourced` gives the same votes with their sources
    /// (the same labels, weights and spans, in the same order), asked only for a kept decision.
    public static func decide(nb: NaiveBayes, bag: FeatureBag, passage: Passage, votes: [Vote], lexiconScale: Double,
                              mode: ScoringMode, maxEvidence: Int, subject: String?, dropping dropped: String?,
                              resolver: FeatureResolver, sourced: () -> [Vote]) -> Decision? {
        let s = score(nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: lexiconScale, mode: mode, resolver: resolver)
        let names = nb.classes
        if names[s.best] == dropped { return nil }
        let evidence = self.evidence(s, nb: nb, bag: bag, passage: passage, votes: sourced(), lexiconScale: lexiconScale, mode: mode,
                                     maxEvidence: maxEvidence, rows: resolver.rows)
        return Decision(subject: subject, label: names[s.best], confidence: s.probs[s.best],
                        scores: names.indices.map { (names[$0], s.probs[$0]) }, evidence: evidence)
    }

    /// The probabilities of one decision, its label and the runner-up.
    struct Scored {
        var probs: [Double]
        var best: Int
        var runner: Int
    }

    static func score(nb: NaiveBayes, bag: FeatureBag, passage: Passage, votes: [Vote], lexiconScale: Double,
                      mode: ScoringMode, resolver: FeatureResolver) -> Scored {
        nb.resolve(bag, passage: passage, into: resolver)
        let n = nb.classes.count
        var logits: [Double]
        switch mode {
        // Damped in proportion to the scale too, so that the lexicon alone decides the same
        // whatever scale the plugin gives it beside the model.
        case .lexicon: logits = (0..<n).map { Combiner.lexiconOnlyPriorWeight * lexiconScale * nb.logPrior($0) }
        case .model, .combined: logits = nb.modelScores(rows: resolver.rows)
        case .naiveBayes: logits = nb.modelScores(rows: resolver.rows, naiveBayesOnly: true)
        }
        if mode == .combined || mode == .lexicon { for v in votes { logits[v.label] += lexiconScale * v.weight } }
        softmaxInPlace(&logits)
        // The first largest, and the first largest of the others (as `max(by:)` picks them).
        var best = 0
        for c in 1..<max(n, 1) where logits[best] < logits[c] { best = c }
        var runner = best
        for c in 0..<n where c != best && (runner == best || logits[runner] < logits[c]) { runner = c }
        return Scored(probs: logits, best: best, runner: runner)
    }

    /// Evidence of a scored decision: the votes and the top NB features, strongest first, each
    /// span and source once, at most `maxEvidence`. Candidates are ranked before any of their
    /// text or names is built: only the kept ones are.
    static func evidence(_ s: Scored, nb: NaiveBayes, bag: FeatureBag, passage: Passage, votes: [Vote], lexiconScale: Double,
                         mode: ScoringMode, maxEvidence: Int, rows: [NaiveBayes.Row]) -> [Evidence] {
        // A candidate: a vote (item < 0, vote index -1 - item) or a bag item, with its weight.
        typealias Candidate = (item: Int, weight: Double, start: Int?, end: Int?)
        var candidates: [Candidate] = []
        candidates.reserveCapacity(votes.count + maxEvidence)
        func span(_ r: ClosedRange<Int>?) -> (Int?, Int?) { r.map { passage.span($0) } ?? (nil, nil) }
        if mode == .combined || mode == .lexicon {
            for (k, v) in votes.enumerated() where v.weight != 0 {
                let w = v.label == s.best ? lexiconScale * v.weight : -lexiconScale * v.weight
                let (a, z) = span(v.tokens)
                candidates.append((-1 - k, w, a, z))
            }
        }
        if mode != .lexicon, s.best != s.runner {
            for c in nb.topContributions(rows: rows, bag: bag, label: s.best, other: s.runner, k: maxEvidence) where c.weight > 0 {
                let (a, z) = span(bag.items[c.item].span)
                candidates.append((c.item, c.weight, a, z))
            }
        }
        candidates.sort { abs($0.weight) > abs($1.weight) }
        // `Evidence.removeRepeats`, then the first `maxEvidence`: the same as keeping the first
        // `maxEvidence` that repeat no kept one. Sources are compared only between candidates of
        // the same span.
        var kept: [Evidence] = []
        kept.reserveCapacity(max(0, min(candidates.count, maxEvidence)))
        for c in candidates {
            if kept.count >= maxEvidence { break }
            var source: String? = nil
            var repeated = false
            // By index: no copy of each kept item (and its strings) to look at its span.
            for j in kept.indices where kept[j].start == c.start && kept[j].end == c.end {
                if source == nil { source = sourceName(c.item, votes: votes, bag: bag, passage: passage, kinds: nb.kinds) }
                if kept[j].source == source! { repeated = true; break }
            }
            if repeated { continue }
            let tokens = c.item < 0 ? votes[-1 - c.item].tokens : bag.items[c.item].span
            kept.append(Evidence(start: c.start, end: c.end, text: tokens.map { passage.surface(tokens: $0) } ?? "", weight: c.weight,
                                 source: source ?? sourceName(c.item, votes: votes, bag: bag, passage: passage, kinds: nb.kinds)))
        }
        return kept
    }

    /// The source of an evidence candidate: vote `-1 - item`, or bag item `item` as a feature.
    private static func sourceName(_ item: Int, votes: [Vote], bag: FeatureBag, passage: Passage, kinds: [String]) -> String {
        item < 0 ? votes[-1 - item].source : NaiveBayes.itemName(bag.items[item], bag: bag, passage: passage, kinds: kinds, prefix: "feature:")
    }
}

/// `softmax`, over the array itself (the same arithmetic in the same order).
func softmaxInPlace(_ xs: inout [Double]) {
    guard let m = xs.max() else { return }
    var s = 0.0
    for k in xs.indices { xs[k] = exp(xs[k] - m); s += xs[k] }
    for k in xs.indices { xs[k] /= s }
}
