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
        nb.resolve(bag, passage: passage, into: resolver)
        let rows = resolver.rows
        let n = nb.classes.count
        var logits: [Double]
        switch mode {
        // Damped in proportion to the scale too, so that the lexicon alone decides the same
        // whatever scale the plugin gives it beside the model.
        case .lexicon: logits = (0..<n).map { Combiner.lexiconOnlyPriorWeight * lexiconScale * nb.logPrior($0) }
        case .model, .combined: logits = nb.modelScores(rows: rows)
        case .naiveBayes: logits = nb.modelScores(rows: rows, naiveBayesOnly: true)
        }
        let withVotes = mode == .combined || mode == .lexicon
        if withVotes { for v in votes { logits[v.label] += lexiconScale * v.weight } }
        let probs = softmax(logits)
        let best = probs.indices.max { probs[$0] < probs[$1] } ?? 0
        let runner = probs.indices.filter { $0 != best }.max { probs[$0] < probs[$1] } ?? best

        var evidence: [Evidence] = []
        let names = labels ?? nb.classes
        // A decision the caller will drop (stance `none` without --all-targets) needs no evidence.
        let wantEvidence = names[best] != skipped
        if withVotes && wantEvidence {
            for v in votes where v.weight != 0 {
                let w = v.label == best ? lexiconScale * v.weight : -lexiconScale * v.weight
                evidence.append(Evidence(passage, tokens: v.tokens, weight: w, source: v.source))
            }
        }
        if mode != .lexicon, best != runner, wantEvidence {
            for c in nb.topContributions(rows: rows, bag: bag, label: best, other: runner, k: maxEvidence) where c.weight > 0 {
                let item = bag.items[c.item]
                evidence.append(Evidence(passage, tokens: item.span, weight: c.weight,
                                         source: NaiveBayes.itemName(item, bag: bag, passage: passage, kinds: nb.kinds, prefix: "feature:")))
            }
        }
        evidence.sort { abs($0.weight) > abs($1.weight) }
        Evidence.removeRepeats(&evidence)
        if evidence.count > maxEvidence { evidence.removeLast(evidence.count - maxEvidence) }
        return Decision(subject: subject, label: names[best], confidence: probs[best],
                        scores: names.indices.map { (names[$0], probs[$0]) }, evidence: evidence)
    }
}
