import Foundation

/// A passage-level classifier defined by data alone: `Plugins/<name>/plugin.json` (manifest),
/// an optional `lexicon.tsv` whose categories are label names, and a labelled JSONL corpus.
/// It is also the generic path the built-in plugins specialise.
///
/// Manifest:
///
///     {"id": "genre", "summary": "…", "labels": ["wire", "opinion", …],
///      "field": "genre",                       // corpus field with the label (default: id)
///      "alpha": 1.0, "variant": "multinomial",  // naive Bayes options (optional)
///      "lexiconScale": 1.0,                    // weight of lexicon votes (optional)
///      "minCount": 2,                          // drop features seen fewer times (optional)
///      "examples": [{"text": "…", "expect": ["opinion"]}]}
public struct Manifest: Sendable {
    public var id: String
    public var summary: String
    public var labels: [String]
    public var field: String
    public var alpha: Double
    public var variant: NaiveBayes.Variant
    public var lexiconScale: Double
    /// Features seen fewer times than this in the corpus are left out of the model (1: none).
    public var minCount: Double = 1
    public var examples: [PluginExample]
    public var directory: String

    public static func load(directory: String) throws -> Manifest {
        let path = directory + "/plugin.json"
        let value: JSONValue
        do { value = try JSONReader.parse(try readBytes(path)) } catch let e as JSONParseError {
            throw RhetorError.input("\(path): bad JSON: \(e); fix the manifest")
        }
        func need(_ k: String) throws -> JSONValue {
            guard let v = value[k] else { throw RhetorError.input("\(path): missing \"\(k)\"; see docs/plugins.md for the manifest format") }
            return v
        }
        guard let id = try need("id").string, !id.isEmpty else { throw RhetorError.input("\(path): \"id\" must be a non-empty string") }
        guard let labels = try need("labels").array?.compactMap(\.string), labels.count >= 2 else {
            throw RhetorError.input("\(path): \"labels\" must list at least two label strings")
        }
        var variant = NaiveBayes.Variant.multinomial
        if let v = value["variant"]?.string {
            guard let parsed = NaiveBayes.Variant(rawValue: v) else { throw RhetorError.input("\(path): \"variant\" must be multinomial or complement") }
            variant = parsed
        }
        let minCount = value["minCount"]?.number ?? 1
        guard minCount >= 1, minCount == minCount.rounded() else {
            throw RhetorError.input("\(path): \"minCount\" must be a whole number of at least 1 (1 keeps every feature)")
        }
        let examples = (value["examples"]?.array ?? []).compactMap { e -> PluginExample? in
            guard let t = e["text"]?.string else { return nil }
            return PluginExample(t, expect: e["expect"]?.array?.compactMap(\.string) ?? [])
        }
        return Manifest(id: id, summary: value["summary"]?.string ?? "", labels: labels, field: value["field"]?.string ?? id,
                        alpha: value["alpha"]?.number ?? 1, variant: variant, lexiconScale: value["lexiconScale"]?.number ?? 1,
                        minCount: minCount, examples: examples, directory: directory)
    }

    public var descriptor: PluginDescriptor {
        PluginDescriptor(id: id, summary: summary, labels: labels, level: .passage, directory: directory, corpusField: field, examples: examples)
    }
}

public struct DataOnlyPlugin: PluginInstance {
    public private(set) var model: PluginModel
    public let descriptor: PluginDescriptor
    private var nb: NaiveBayes
    private let lexiconScale: Double

    public static let kinds = TextFeatureKind.names

    public init(model: PluginModel) throws {
        guard let nb = model.classifier("label") else { throw RhetorError.input("model for '\(model.pluginID)' has no [nb label] section; rebuild it with `rhetor train \(model.pluginID)`") }
        self.model = model
        self.nb = nb
        lexiconScale = Double(model.meta("lexicon-scale") ?? "1") ?? 1
        let examples = model.table("examples").map { PluginExample($0[0], expect: Array($0.dropFirst())) }
        descriptor = PluginDescriptor(id: model.pluginID, summary: model.meta("summary") ?? "", labels: nb.classes, level: .passage,
                                      directory: model.meta("directory") ?? "", corpusField: model.meta("field"), examples: examples)
    }

    /// Features: shared text features plus one per lexicon category that fired.
    static func features(_ p: Passage, hits: [Lexicon.Hit], lexicon: Lexicon) -> FeatureBag {
        var bag = TextFeatures.bag(p)
        for h in hits { for e in h.entries { bag.literal(TextFeatureKind.lexicon, lexicon.entries[e].category, span: h.tokens) } }
        return bag
    }

    static func votes(hits: [Lexicon.Hit], lexicon: Lexicon, labels: [String]) -> [Vote] {
        hits.flatMap { h in
            h.entries.compactMap { e -> Vote? in
                let entry = lexicon.entries[e]
                guard let k = labels.firstIndex(of: entry.category) else { return nil }
                return Vote(label: k, weight: entry.weight, tokens: h.tokens, source: "lexicon:\(entry.text) (\(entry.category))")
            }
        }
    }

    public func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision] {
        let hits = model.lexicon.match(passage)
        let bag = DataOnlyPlugin.features(passage, hits: hits, lexicon: model.lexicon)
        return [Combiner.decide(nb: nb, bag: bag, passage: passage, votes: DataOnlyPlugin.votes(hits: hits, lexicon: model.lexicon, labels: nb.classes),
                                lexiconScale: lexiconScale, mode: options.mode, maxEvidence: options.maxEvidence)]
    }

    public mutating func learn(_ passage: Passage, correction: Correction) throws {
        guard case .passage(let label) = correction, let k = nb.classIndex(label) else {
            throw RhetorError.usage("\(descriptor.id) takes a label: one of \(nb.classes.joined(separator: ", "))")
        }
        nb.add(DataOnlyPlugin.features(passage, hits: model.lexicon.match(passage), lexicon: model.lexicon), passage: passage, label: k)
        model.setClassifier("label", nb)
    }

    /// Trains from every record that carries the manifest's label field.
    public static func train(manifest m: Manifest, corpus: Corpus, lexicon: Lexicon) throws -> PluginModel {
        let examples = try corpus.labelled(field: m.field, labels: m.labels, fix: fix)
        let nb = NaiveBayes.counting(examples.count, classes: m.labels, kinds: kinds, alpha: m.alpha, variant: m.variant) { k, nb in
            count(examples[k].record, label: examples[k].label, into: &nb, lexicon: lexicon)
        }
        return model(m, nb, lexicon: lexicon)
    }

    /// Trains from corpus files while they are read (`Corpus.stream`), never holding all their
    /// records: the model that `train(manifest:corpus:lexicon:)` makes of `Corpus.load(paths)`,
    /// bit for bit (runs of lines are counted apart rather than runs of examples, and merged
    /// in order just the same; data-only counts are whole numbers, whose sums do not depend on
    /// how they are grouped). Throws what `load`, `requireClean` and that function would, in
    /// that order. Returns the corpus read too, without its records (for its checksum).
    public static func train(manifest m: Manifest, paths: [String], knownActors: Set<String>?, lexicon: Lexicon) throws -> (model: PluginModel, corpus: Corpus) {
        var nb = NaiveBayes(classes: m.labels, kinds: kinds, alpha: m.alpha, variant: m.variant)
        var labelled = 0
        var badLabel: (any Error)? = nil
        // Each run is counted from the tables merged so far (as `NaiveBayes.counting` does).
        let merged = Shared(nb.tables)
        let corpus = try Corpus.stream(paths, knownActors: knownActors, run: NaiveBayes.countingRun, each: { records in
            var part = (nb: NaiveBayes(classes: m.labels, kinds: kinds, alpha: m.alpha, variant: m.variant, continuing: merged.value),
                        labelled: 0, badLabel: (any Error)?.none)
            for r in records {
                do {
                    guard let k = try Corpus.label(of: r, field: m.field, labels: m.labels, fix: fix) else { continue }
                    count(r, label: k, into: &part.nb, lexicon: lexicon)
                    part.labelled += 1
                } catch {
                    if part.badLabel == nil { part.badLabel = error }
                }
            }
            return part
        }, merge: { part in
            nb.merge(part.nb)
            merged.value = nb.tables
            labelled += part.labelled
            if badLabel == nil { badLabel = part.badLabel }
        })
        try corpus.requireClean()
        if let badLabel { throw badLabel }
        guard labelled > 0 else { throw Corpus.noLabelledRecord(field: m.field) }
        return (model(m, nb, lexicon: lexicon), corpus)
    }

    private static let fix = "fix the record, or the labels in plugin.json"

    /// Counts one record, labelled `label`, into `nb`.
    private static func count(_ r: CorpusRecord, label: Int, into nb: inout NaiveBayes, lexicon: Lexicon) {
        let p = Analyzer().analyze(r.text)
        nb.addCounts(features(p, hits: lexicon.match(p), lexicon: lexicon), passage: p, label: label)
    }

    /// The model file's contents: the manifest's settings, the lexicon, the counts.
    private static func model(_ m: Manifest, _ counted: NaiveBayes, lexicon: Lexicon) -> PluginModel {
        var model = PluginModel(pluginID: m.id)
        model.setMeta("kind", "data-only")
        model.setMeta("level", PluginLevel.passage.rawValue)
        model.setMeta("summary", m.summary)
        model.setMeta("field", m.field)
        model.setMeta("directory", m.directory)
        model.setMeta("lexicon-scale", formatNumber(m.lexiconScale))
        model.lexicon = lexicon
        model.tables.append(("examples", m.examples.map { [$0.text] + $0.expect }))
        var nb = counted
        if m.minCount > 1 { nb = counted.pruned(minCount: m.minCount) } else { nb.refreshAll() }   // `pruned` refreshes its own logs
        model.setClassifier("label", nb)
        return model
    }
}
