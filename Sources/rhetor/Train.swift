import ArgumentParser
import Foundation
import RhetorKit

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Build model files from the corpus and each plugin's lexicon.",
        discussion: "Deterministic: the same inputs give a byte-identical model. --check exits 1, naming the plugin, when a model is stale.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "Plugin ids to train.") var plugins: [String] = []
    @Flag(help: "Train every known plugin.") var all = false
    @Option(name: .long, help: "Corpus file or folder (repeatable; default: corpora/train).") var corpus: [String] = []
    @Option(help: "Lidstone smoothing α.") var alpha: Double?
    @Flag(help: "Do not train: exit 1 if any model is stale against its corpus or lexicon.") var check = false

    func validate() throws {
        if plugins.isEmpty && !all { throw ValidationError("name the plugins to train, or pass --all") }
        if !plugins.isEmpty && all { throw ValidationError("pass plugin ids or --all, not both") }
    }

    func run() throws {
        try guarded {
            let cat = common.catalog
            let ids = all ? cat.entries.map(\.descriptor.id) : plugins
            let paths = corpus.isEmpty ? [Catalog.defaultTrainCorpus] : corpus
            if check {
                var stale: [String] = []
                for id in ids {
                    if let why = try cat.staleness(id, corpus: paths) { stale.append("\(id): \(why)") }
                }
                if stale.isEmpty { print("all \(ids.count) models are current"); return }
                throw RhetorError.input("stale models (rebuild with `rhetor train --all`):\n" + stale.joined(separator: "\n"))
            }
            for id in ids {
                let start = Date()
                let model = try cat.train(id, corpus: paths, alpha: alpha)
                let path = Catalog.modelPath(cat.modelsDir, id)
                try model.write(to: path)
                // Weighted: stance also learns from other targets at a small weight, so counts can be fractional.
                let docs = model.classifiers.map { "\($0.0): \(formatNumber(($0.1.documentCount * 10).rounded() / 10)) examples, \($0.1.featureCount) features" }
                print("\(id) → \(path) (\(fixed(Date().timeIntervalSince(start), 2)) s; \(docs.joined(separator: "; ")))")
            }
        }
    }
}
