import Foundation
import RhetorKit

/// Which frame dominates the passage: the lens through which it presents its events.
///
/// - `security`: violence, force, threat and protection (attacks, strikes, operations, arms);
/// - `sovereignty`: Iraq and outside powers (occupation, interference, foreign forces,
///   dependence, alliances and diplomacy with neighbours and great powers);
/// - `sectarian`: events, loyalties or the state explained through sect, and sectarian rhetoric;
/// - `economic`: money, oil, budgets, salaries, currency, trade, electricity and services;
/// - `humanitarian`: civilians' suffering, displacement, detention and abuse, rights, relief;
/// - `legitimacy`: corruption, governance, elections, the rule of law and impunity, who has
///   the right to rule (protest movements against the political class land here).
/// A passage that touches several gets the one it leads with and argues from.
///
/// Scaffolded by `rhetor new-plugin Framing --labels … --field frame --no-corpus`, kept close to the template:
/// naive Bayes (complement: the frames are unevenly represented) over the shared text
/// features, plus votes from `Plugins/Framing/lexicon.tsv` (an entry's category is the frame
/// it votes for), combined by `Combiner`; one addition, `repeatDecay`. Gold labels: the
/// corpus field "frame". See docs/plugins.md.
public struct FramingPlugin: ClassifierPlugin {
    public static let descriptor = PluginDescriptor(
        id: "framing",
        summary: "Which frame dominates the passage: security, sovereignty, sectarian, economic, humanitarian or legitimacy (corruption, governance, elections).",
        labels: ["security", "sovereignty", "sectarian", "economic", "humanitarian", "legitimacy"], level: .passage, version: 1,
        directory: "Plugins/Framing", corpusField: "frame",
        examples: [
            PluginExample("Two Katyusha rockets struck near the airport base overnight, and security forces found the launch pad in an orchard east of the city.", expect: ["security"]),
            PluginExample("No foreign capital, in Washington or in Tehran, should decide who sits in the prime minister's office. Iraq's sovereignty is not a bargaining chip.", expect: ["sovereignty"]),
            PluginExample("Every government since 2005 has been built around one sect's parties, and the other sect is handed a few ministries as a consolation prize.", expect: ["sectarian"]),
            PluginExample("The central bank's dollar auction shrank again this month, and the dinar slid on the parallel market as importers scrambled for hard currency.", expect: ["economic"]),
            PluginExample("Thousands of displaced families are still living in tents in the camps around Dohuk, and aid agencies warn that winter will hit the children hardest.", expect: ["humanitarian"]),
            PluginExample("The ministers who signed the contracts have never answered a single question from the integrity commission, and the voters who stayed home know why.", expect: ["legitimacy"]),
        ])

    /// Lidstone smoothing α when `rhetor train --alpha` does not set one.
    static let defaultAlpha = 1.0
    /// How many log-odds units one unit of lexicon weight is worth beside naive Bayes. Complement
    /// naive Bayes scores spread less than multinomial log-likelihoods, so a cue needs more weight
    /// to count (4 was best of 0.5–6 in 5-fold cross-validation on corpora/train).
    static let lexiconScale = 4.0
    /// Weight kept by a cue inside quotation marks: someone else's words count less.
    static let quotedFactor = 0.5
    /// Each further cue of the same frame counts this much of the one before it (the strongest
    /// first): a passage names its dominant frame once or twice, while an incidental frame
    /// often piles up many weak words (a report of a strike about sovereignty still says
    /// "rockets", "drone", "base" and "killed").
    static let repeatDecay = 0.6
    /// Feature kinds: the shared text features (`lex` records which label's cues fired).
    static let kinds = TextFeatureKind.names

    public private(set) var model: PluginModel
    private var nb: NaiveBayes

    public init(model: PluginModel) throws {
        guard let nb = model.classifier("label") else {
            throw RhetorError.input("framing model has no [nb label] section; rebuild it with `rhetor train framing`")
        }
        self.model = model
        self.nb = nb
    }

    /// The passage's features, and a vote for each lexicon cue whose category is a label.
    static func features(_ p: Passage, lexicon: Lexicon) -> (bag: FeatureBag, votes: [Vote]) {
        var bag = TextFeatures.bag(p)
        var votes: [Vote] = []
        for h in lexicon.match(p) {
            for e in h.entries {
                let entry = lexicon.entries[e]
                guard let k = descriptor.labels.firstIndex(of: entry.category) else { continue }
                let quoted = p.tokens[h.tokens.lowerBound].flags.contains(.quoted)
                bag.literal(TextFeatureKind.lexicon, entry.category, span: h.tokens)
                votes.append(Vote(label: k, weight: entry.weight * (quoted ? quotedFactor : 1), tokens: h.tokens,
                                  source: "lexicon:\(entry.text) (\(entry.category)\(quoted ? ", quoted" : ""))"))
            }
        }
        return (bag, saturated(votes))
    }

    /// Scales each label's votes by `repeatDecay` to the power of their rank within the label.
    static func saturated(_ votes: [Vote]) -> [Vote] {
        guard votes.count > 1 else { return votes }
        var out = votes
        // Every label's votes ranked in one sort: by label, then the strongest first, then in order.
        let ranked = votes.indices.sorted { (votes[$0].label, -votes[$0].weight, $0) < (votes[$1].label, -votes[$1].weight, $1) }
        var rank = 0
        for (n, i) in ranked.enumerated() {
            rank = n > 0 && votes[ranked[n - 1]].label == votes[i].label ? rank + 1 : 0
            guard rank > 0 else { continue }
            let factor = pow(repeatDecay, Double(rank))
            out[i].weight *= factor
            out[i].source += " ×\(fixed(factor, 2)) (cue \(rank + 1) of its frame)"
        }
        return out
    }

    public func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision] {
        let (bag, votes) = Self.features(passage, lexicon: model.lexicon)
        return [Combiner.decide(nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: Self.lexiconScale,
                                mode: options.mode, maxEvidence: options.maxEvidence)]
    }

    public mutating func learn(_ passage: Passage, correction: Correction) throws {
        guard case .passage(let label) = correction, let k = nb.classIndex(label) else {
            throw RhetorError.usage("framing takes one label: \(Self.descriptor.labels.joined(separator: ", "))")
        }
        nb.add(Self.features(passage, lexicon: model.lexicon).bag, passage: passage, label: k)
        model.setClassifier("label", nb)
    }

    /// Trains on every record that carries the field "frame"; other records are skipped.
    public static func train(_ corpus: Corpus, lexicon: Lexicon, options: TrainingOptions) throws -> PluginModel {
        var nb = NaiveBayes(classes: descriptor.labels, kinds: kinds, alpha: options.alpha ?? defaultAlpha, variant: .complement)
        let analyzer = Analyzer()
        for (r, k) in try corpus.labelled(field: descriptor.corpusField, labels: descriptor.labels, fix: "fix the record, or add the label to FramingPlugin.descriptor") {
            let p = analyzer.analyze(r.text)
            nb.add(features(p, lexicon: lexicon).bag, passage: p, label: k)
        }
        var model = PluginModel(pluginID: descriptor.id)
        model.setMeta("alpha", formatNumber(options.alpha ?? defaultAlpha))
        model.lexicon = lexicon
        model.setClassifier("label", nb)
        return model
    }
}
