import ArgumentParser
import Foundation
import RhetorKit

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a plugin on the held-out split (or by k-fold cross-validation on the training split).",
        discussion: "Trains in memory on --train (default corpora/train) exactly as `rhetor train` does, then scores on --test (default corpora/test): per-label precision/recall/F1, confusion matrix, the ablation (lexicon only, naive Bayes only, combined) and the baselines.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "Plugin id.") var plugin: String
    @Option(help: "Held-out corpus file or folder.") var test: String?
    @Option(help: "Training corpus file or folder.") var train: [String] = []
    @Option(help: "k-fold cross-validation on the training corpus instead of the held-out split.") var folds: Int?
    @Flag(help: "Machine-readable output.") var json = false
    @Option(help: "Lidstone smoothing α (default: the plugin's own).") var alpha: Double?
    /// Tuning aid: lists each training record the combined mode gets wrong (per-actor plugins,
    /// cross-validation only, so held-out errors are never read while tuning).
    @Flag(help: .hidden) var errors = false

    func validate() throws {
        if let k = folds, k < 2 { throw ValidationError("--folds must be at least 2") }
        if folds != nil && test != nil { throw ValidationError("pass --folds or --test, not both") }
        if errors && folds == nil { throw ValidationError("--errors lists cross-validation errors only; pass --folds") }
    }

    func run() throws {
        try guarded {
            let cat = common.catalog
            let entry = try cat.entry(plugin)
            let trainPaths = train.isEmpty ? [Catalog.defaultTrainCorpus] : train
            let gaz = try Gazetteer.load(path: Catalog.gazetteerPath)
            let trainCorpus = try Corpus.load(trainPaths, knownActors: gaz.ids)
            try trainCorpus.requireClean()
            var results: [EvalResult] = []
            if let k = folds {
                let strata = trainCorpus.records.map { stratum($0, entry.descriptor) }
                let fold = stratifiedFolds(strata: strata, k: k)
                var merged: [String: EvalResult] = [:]
                var order: [String] = []
                for f in 0..<k {
                    let tr = Corpus(records: trainCorpus.records.enumerated().filter { fold[$0.offset] != f }.map(\.element))
                    let te = Corpus(records: trainCorpus.records.enumerated().filter { fold[$0.offset] == f }.map(\.element))
                    for r in try evaluateOnce(cat, entry, train: tr, test: te) {
                        if merged[r.mode] == nil { merged[r.mode] = r; order.append(r.mode) } else { merged[r.mode]!.merge(r) }
                    }
                }
                results = order.map { merged[$0]! }
            } else {
                let testCorpus = try Corpus.load([test ?? Catalog.defaultTestCorpus], knownActors: gaz.ids)
                try testCorpus.requireClean()
                results = try evaluateOnce(cat, entry, train: trainCorpus, test: testCorpus)
            }
            if json {
                var w = JSONWriter()
                w.value(.array(results.map(EvalReport.json)))
                print(String(decoding: w.out, as: UTF8.self))
            } else {
                print(EvalReport.text(results, folds: folds))
            }
        }
    }

    /// One record whose (actor, role) pairs differ from the gold ones.
    static func printError(_ r: CorpusRecord, _ decisions: [Decision]) {
        let gold = Set(r.actors.map { "\($0.actor)=\($0.role)" })
        let predicted = Set(decisions.filter { $0.label != "mention" }.map { "\($0.subject ?? "")=\($0.label)" })
        guard gold != predicted else { return }
        var out = "── \(r.id) \(r.origin)\n  \(r.text)\n"
        out += "  gold: " + r.actors.map { "\($0.actor)=\($0.role) «\($0.mention)»" }.joined(separator: " · ") + "\n"
        for d in decisions {
            let ev = d.evidence.prefix(4).map { "\($0.source) \(String(format: "%+.2f", $0.weight))" }.joined(separator: "; ")
            out += "  pred: \(d.subject ?? "") «\(d.mention ?? "")» → \(d.label) \(String(format: "%.2f", d.confidence))   \(ev)\n"
        }
        out += "  missed: " + gold.subtracting(predicted).sorted().joined(separator: " ") + "   extra: " + predicted.subtracting(gold).sorted().joined(separator: " ")
        print(out)
    }

    func stratum(_ r: CorpusRecord, _ d: PluginDescriptor) -> String {
        switch d.level {
        case .passage: return r.field(d.corpusField)?.scalarText ?? ""
        case .perTarget: return r.stance.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.first ?? "none"
        case .perActor: return r.actors.first?.role ?? "none"
        }
    }

    func evaluateOnce(_ cat: Catalog, _ entry: Catalog.Entry, train: Corpus, test: Corpus) throws -> [EvalResult] {
        let model = try cat.train(entry.descriptor.id, corpus: train, alpha: alpha)
        let plugin: any PluginInstance
        switch entry.kind {
        case .swift(let t): plugin = try t.init(model: model)
        case .dataOnly: plugin = try DataOnlyPlugin(model: model)
        }
        // "naive Bayes" alone differs from "model" only for plugins with a logistic layer.
        let modes = ScoringMode.allCases.filter { $0 != .naiveBayes || model.classifiers.contains { $0.1.logistic != nil } }
        var out = modes.map { mode in
            Evaluator.evaluate(plugin, on: test, mode: mode, observe: errors && mode == .combined ? { Eval.printError($0, $1) } : nil)
        }
        if entry.descriptor.level != .perActor {
            out.append(Evaluator.majority(entry.descriptor, train: train, test: test))
            out.append(Evaluator.evaluate(BagOfWordsBaseline(descriptor: entry.descriptor, train: train), on: test, mode: .model, name: "bag-of-words NB"))
        }
        return out
    }
}
