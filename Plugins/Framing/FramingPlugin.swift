import RhetorKit

/// Which frame dominates the passage: security, sovereignty, sectarian, economic, humanitarian or legitimacy (corruption, governance, elections).
///
/// Passage level: one label per passage. Naive Bayes over the shared text features, plus
/// votes from the lexicon (`Plugins/Framing/lexicon.tsv`: an entry's category is the label it
/// votes for), combined by `Combiner`. Gold labels: the corpus field "frame".
/// Scaffolded by `rhetor new-plugin`; see docs/plugins.md.
public struct FramingPlugin: ClassifierPlugin {
    public static let descriptor = PluginDescriptor(
        id: "framing",
        summary: "Which frame dominates the passage: security, sovereignty, sectarian, economic, humanitarian or legitimacy (corruption, governance, elections).",
        labels: ["security", "sovereignty", "sectarian", "economic", "humanitarian", "legitimacy"], level: .passage, version: 1,
        directory: "Plugins/Framing", corpusField: "frame",
        examples: [
            PluginExample("TODO: a real security passage.", expect: ["security"]),
            PluginExample("TODO: a real sovereignty passage.", expect: ["sovereignty"]),
            PluginExample("TODO: a real sectarian passage.", expect: ["sectarian"]),
            PluginExample("TODO: a real economic passage.", expect: ["economic"]),
            PluginExample("TODO: a real humanitarian passage.", expect: ["humanitarian"]),
            PluginExample("TODO: a real legitimacy passage.", expect: ["legitimacy"]),
        ])

    /// How many log-odds units one unit of lexicon weight is worth beside naive Bayes.
    static let lexiconScale = 1.0
    /// Weight kept by a cue inside quotation marks: someone else's words count less.
    static let quotedFactor = 0.5
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
        var bag = FeatureBag()
        TextFeatures.add(p, to: &bag)
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
        return (bag, votes)
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
        var nb = NaiveBayes(classes: descriptor.labels, kinds: kinds, alpha: options.alpha, variant: .multinomial)
        let analyzer = Analyzer()
        var used = 0
        for r in corpus.records {
            guard let value = r.field(descriptor.corpusField) else { continue }
            guard let label = value.scalarText, let k = nb.classIndex(label) else {
                throw RhetorError.input("\(r.origin): \"\(descriptor.corpusField)\" is '\(value.scalarText ?? "?")', not one of \(descriptor.labels.joined(separator: ", ")); fix the record, or add the label to FramingPlugin.descriptor")
            }
            let p = analyzer.analyze(r.text)
            nb.add(features(p, lexicon: lexicon).bag, passage: p, label: k)
            used += 1
        }
        guard used > 0 else {
            throw RhetorError.input("no record in the corpus has the field \"\(descriptor.corpusField)\"; label some passages (docs/plugins.md)")
        }
        var model = PluginModel(pluginID: descriptor.id)
        model.setMeta("alpha", formatNumber(options.alpha))
        model.lexicon = lexicon
        model.setClassifier("label", nb)
        return model
    }
}
