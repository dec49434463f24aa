import ArgumentParser
import Foundation
import RhetorKit

struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plugins", abstract: "List plugins: id, summary, labels, model status; --examples shows each one's example passages.")

    @OptionGroup var common: CommonOptions
    @Flag(help: "Machine-readable output.") var json = false
    @Flag(help: "Print each plugin's example passages and expected verdicts.") var examples = false

    func run() throws {
        try guarded {
            let cat = common.catalog
            var rows: [JSONValue] = []
            for e in cat.entries {
                let d = e.descriptor
                let status: String
                if !FileManager.default.fileExists(atPath: e.modelPath) { status = "no model (run `rhetor train \(d.id)`)" }
                else if let why = try? cat.staleness(d.id, corpus: [Catalog.defaultTrainCorpus]), FileManager.default.fileExists(atPath: Catalog.defaultTrainCorpus) { status = "stale: \(why)" }
                else { status = "ready" }
                let kind: String
                switch e.kind { case .swift: kind = "swift"; case .dataOnly: kind = "data-only" }
                if json {
                    var obj: [(String, JSONValue)] = [("id", .string(d.id)), ("summary", .string(d.summary)), ("kind", .string(kind)),
                                                      ("level", .string(d.level.rawValue)), ("labels", .array(d.labels.map { .string($0) })),
                                                      ("model", .string(e.modelPath)), ("status", .string(status))]
                    if examples { obj.append(("examples", .array(d.examples.map { .object([("text", .string($0.text)), ("expect", .array($0.expect.map { .string($0) }))]) }))) }
                    rows.append(.object(obj))
                } else {
                    print("\(d.id)  [\(kind), \(d.level.rawValue)]  \(status)")
                    print("  \(d.summary)")
                    print("  labels: \(d.labels.joined(separator: ", "))")
                    if examples {
                        for x in d.examples { print("  example: \(x.text)\n    expect: \(x.expect.joined(separator: ", "))") }
                    }
                }
            }
            if json { var w = JSONWriter(); w.value(.array(rows)); print(String(decoding: w.out, as: UTF8.self)) }
        }
    }
}
