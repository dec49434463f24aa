import ArgumentParser
import Foundation
import RhetorKit

struct CorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "corpus", abstract: "Check and describe the labelled corpus.",
                                                    subcommands: [Lint.self, Stats.self, Split.self])

    static func defaultFiles(_ files: [String]) -> [String] {
        files.isEmpty ? [Catalog.defaultTrainCorpus, Catalog.defaultTestCorpus] : files
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Validate records (schema, labels, actor ids, mention in text, duplicate ids), near-duplicates and train/test leakage.",
            discussion: "Every finding names file:line. Exits 1 when anything is wrong.")
        @Argument(help: "Corpus files or folders (default: corpora/train corpora/test).") var files: [String] = []
        @Flag(help: "Also list annotated mentions the gazetteer cannot find (warnings).") var gazetteer = false

        func run() throws {
            try guarded {
                let gaz = try Catalog.loadGazetteer()
                let corpus = try Corpus.load(CorpusCommand.defaultFiles(files), knownActors: gaz.actors.isEmpty ? nil : gaz.ids)
                let split = corpus.records.map { $0.origin.contains("/test/") ? "test" : "train" }
                let problems = corpus.problems + CorpusLint.nearDuplicates(corpus.records, split: split)
                for p in problems { print(p) }
                if gazetteer { for w in CorpusLint.gazetteerGaps(corpus.records, gazetteer: gaz) { print("warning: \(w)") } }
                if problems.isEmpty {
                    print("ok: \(corpus.records.count) records in \(corpus.files.count) files, no problems")
                } else {
                    throw RhetorError.input("\(problems.count) problems in \(corpus.files.count) files")
                }
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts per task, label, target, role and genre.")
        @Argument(help: "Corpus files or folders (default: corpora/train corpora/test).") var files: [String] = []
        @Flag(help: "Machine-readable output.") var json = false
        @Flag(help: "Markdown tables (for corpora/README.md).") var markdown = false

        func run() throws {
            try guarded {
                let paths = CorpusCommand.defaultFiles(files)
                let corpus = try Corpus.load(paths)
                var parts: [(String, CorpusLint.Stats)] = [("all", CorpusLint.stats(corpus.records))]
                if files.isEmpty {
                    for p in paths { parts.append(((p as NSString).lastPathComponent, CorpusLint.stats(try Corpus.load([p]).records))) }
                }
                if json {
                    var w = JSONWriter()
                    w.value(.object(parts.map { ($0.0, statsJSON($0.1)) }))
                    print(String(decoding: w.out, as: UTF8.self))
                } else {
                    print(render(parts, markdown: markdown))
                }
            }
        }

        func statsJSON(_ s: CorpusLint.Stats) -> JSONValue {
            func counts(_ d: [String: Int]) -> JSONValue { .object(d.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) }) }
            return .object([("passages", .number(Double(s.passages))), ("genres", counts(s.genres)),
                            ("stance", .object(s.stance.sorted { $0.key < $1.key }.map { ($0.key, counts($0.value)) })),
                            ("sectarian", counts(s.sectarian)), ("roles", counts(s.roles)),
                            ("actor_mentions", .number(Double(s.actorMentions))), ("distinct_actors", .number(Double(s.actors.count)))])
        }

        func render(_ parts: [(String, CorpusLint.Stats)], markdown: Bool) -> String {
            let names = parts.map(\.0)
            var rows: [[String]] = [["passages"] + parts.map { String($0.1.passages) }]
            for g in Annotation.genres { rows.append(["genre \(g)"] + parts.map { String($0.1.genres[g] ?? 0) }) }
            let targets = Set(parts.flatMap { $0.1.stance.keys }).sorted { (Annotation.stanceTargets.firstIndex(of: $0) ?? 99, $0) < (Annotation.stanceTargets.firstIndex(of: $1) ?? 99, $1) }
            for t in targets { for l in ["favor", "against"] { rows.append(["stance \(t) \(l)"] + parts.map { String($0.1.stance[t]?[l] ?? 0) }) } }
            for l in Annotation.sectarianLevels { rows.append(["sectarian \(l)"] + parts.map { String($0.1.sectarian[l] ?? 0) }) }
            rows.append(["actor mentions"] + parts.map { String($0.1.actorMentions) })
            for r in Annotation.roles { rows.append(["role \(r)"] + parts.map { String($0.1.roles[r] ?? 0) }) }
            rows.append(["distinct actors"] + parts.map { String($0.1.actors.count) })
            if markdown {
                var out = "| count | " + names.joined(separator: " | ") + " |\n|---|" + names.map { _ in "---:|" }.joined() + "\n"
                for r in rows { out += "| " + r.joined(separator: " | ") + " |\n" }
                return out
            }
            let w = 28
            var out = "".padding(toLength: w, withPad: " ", startingAt: 0) + names.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined() + "\n"
            for r in rows { out += r[0].padding(toLength: w, withPad: " ", startingAt: 0) + r.dropFirst().map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined() + "\n" }
            return out
        }
    }

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "split",
            abstract: "Split annotated files into a stratified train/test pair (deterministic).",
            discussion: "Each input FILE.jsonl becomes <out>/train/FILE.jsonl and <out>/test/FILE.jsonl; records keep their exact lines. Strata: sectarian level × first non-none stance × whether actors are annotated.")
        @Argument(help: "Annotated JSONL files.") var files: [String]
        @Option(help: "Output folder.") var out = "corpora"
        @Option(help: "Share held out for test (1/k of each stratum, k = 1/share rounded).") var testShare = 0.2
        @Option(help: "Seed of the shuffle.") var seed: UInt64 = 2024

        func run() throws {
            try guarded {
                let corpus = try Corpus.load(files)
                try corpus.requireClean()
                let strata = corpus.records.map { r -> String in
                    let stance = r.stance.sorted { $0.key < $1.key }.first { $0.value != "none" }.map { "\($0.key)=\($0.value)" } ?? "none"
                    return "\(r.sectarian ?? "-")|\(stance)|\(r.actors.isEmpty ? 0 : 1)"
                }
                let k = max(2, Int((1 / testShare).rounded()))
                let fold = stratifiedFolds(strata: strata, k: k, seed: seed)
                var byOrigin: [String: Int] = [:]
                for (i, r) in corpus.records.enumerated() { byOrigin[r.origin] = i }
                for f in corpus.files {
                    var train = "", test = ""
                    for (n, line) in try readTextFile(f).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                        guard let i = byOrigin["\(f):\(n + 1)"] else { continue }
                        if fold[i] == 0 { test += line + "\n" } else { train += line + "\n" }
                    }
                    let name = (f as NSString).lastPathComponent
                    try writeFileAtomically(out + "/train/" + name, Array(train.utf8))
                    try writeFileAtomically(out + "/test/" + name, Array(test.utf8))
                }
                let nTest = fold.filter { $0 == 0 }.count
                print("split \(corpus.records.count) records: \(corpus.records.count - nTest) train, \(nTest) test (1/\(k) of each stratum, seed \(seed))")
            }
        }
    }
}
