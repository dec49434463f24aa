import Foundation
import RhetorKit
import RhetorPlugins
@testable import RhetorREPL
import XCTest

/// Small models built in the test, so the REPL tests never depend on shipped models: a
/// data-only `tone` plugin (calm/angry), and the real stance and actor-role plugins trained on
/// a handful of passages over a four-actor gazetteer.
enum Fixture {
    static let toneLexicon = """
        furious\tangry\t1.5\ttest entry
        outrage\tangry\t1.0\ttest entry
        peaceful\tcalm\t1.0\ttest entry
        """

    static let toneRecords: [(String, String)] = [
        ("The crowd was furious and shouted at the guards.", "angry"),
        ("Outrage spread after the arrests, and furious youths blocked the road.", "angry"),
        ("They screamed in anger at the minister.", "angry"),
        ("A peaceful gathering ended quietly at dusk.", "calm"),
        ("The talks were calm and the mood was peaceful.", "calm"),
        ("Residents went about their day quietly.", "calm"),
    ]

    /// Every folder these tests make lives under one folder per test process, removed when the
    /// process exits: tests that fail midway leave nothing behind in the system's temp folder.
    static let tempRoot: String = {
        let root = NSTemporaryDirectory() + "rhetor-repl-tests-\(getpid())"
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Fixture.tempRoot) }
        return root
    }()

    static func tempDir(_ name: String = "rhetor-repl-test") -> String {
        let dir = tempRoot + "/" + name + "-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func toneManifest() throws -> Manifest {
        let dir = tempDir("tone-plugin")
        let json = #"{"id": "tone", "summary": "Calm or angry.", "labels": ["calm", "angry"], "field": "tone"}"#
        try json.write(toFile: dir + "/plugin.json", atomically: true, encoding: .utf8)
        return try Manifest.load(directory: dir)
    }

    static func toneCorpus(extra: [(String, String)] = []) -> Corpus {
        Corpus(records: (toneRecords + extra).enumerated().map { k, r in
            CorpusRecord(id: "t\(k)", text: r.0, fields: [("id", .string("t\(k)")), ("text", .string(r.0)), ("tone", .string(r.1))])
        })
    }

    static func tone(extra: [(String, String)] = []) throws -> DataOnlyPlugin {
        let lexicon = try Lexicon(parsing: toneLexicon, name: "tone-lexicon")
        return try DataOnlyPlugin(model: DataOnlyPlugin.train(manifest: toneManifest(), corpus: toneCorpus(extra: extra), lexicon: lexicon))
    }

    static let gazetteerRows: [[String]] = [
        ["militias", "group", "", "militias|the militias|armed factions"],
        ["kataib-hezbollah", "group", "militias", "Kataib Hezbollah"],
        ["iran", "state", "", "Iran|Tehran"],
        ["krg", "government", "", "KRG|Erbil"],
    ]

    static func swiftPlugin(_ id: String, _ records: [CorpusRecord]) throws -> any PluginInstance {
        guard let t = registeredPlugins.first(where: { $0.descriptor.id == id }) else { throw XCTSkip("plugin \(id) is not registered") }
        var options = TrainingOptions()
        options.gazetteer = try Gazetteer(rows: gazetteerRows)
        return try t.init(model: t.train(Corpus(records: records), lexicon: Lexicon(), options: options))
    }

    static func stance() throws -> any PluginInstance {
        func r(_ id: String, _ text: String, _ stance: [String: String]) -> CorpusRecord {
            CorpusRecord(id: id, text: text, stance: stance, fields: [("stance", .object(stance.map { ($0.key, .string($0.value)) }))])
        }
        return try swiftPlugin("stance", [
            r("s1", "The militias are criminal gangs that loot the state.", ["militias": "against"]),
            r("s2", "The militias bravely defended Baghdad in 2014.", ["militias": "favor"]),
            r("s3", "Tehran is a generous friend of Iraq.", ["iran": "favor"]),
            r("s4", "Iran meddles and bullies its neighbours.", ["iran": "against"]),
            r("s5", "The weather in Basra was hot on Monday.", [:]),
        ])
    }

    static func actorRole() throws -> any PluginInstance {
        func r(_ id: String, _ text: String, _ actors: [(String, String, String)]) -> CorpusRecord {
            let items: [JSONValue] = actors.map { .object([("actor", .string($0.0)), ("mention", .string($0.1)), ("role", .string($0.2))]) }
            return CorpusRecord(id: id, text: text, actors: actors.map { .init(actor: $0.0, mention: $0.1, role: $0.2) }, fields: [("actors", .array(items))])
        }
        return try swiftPlugin("actor-role", [
            r("a1", "Kataib Hezbollah fired rockets at Erbil.", [("kataib-hezbollah", "Kataib Hezbollah", "agent"), ("krg", "Erbil", "target")]),
            r("a2", "Iran armed the militias for years.", [("iran", "Iran", "sponsor")]),
            r("a3", "Rockets hit Erbil, and Kataib Hezbollah was blamed.", [("krg", "Erbil", "target"), ("kataib-hezbollah", "Kataib Hezbollah", "agent")]),
        ])
    }
}

/// A session wired to strings instead of a terminal.
final class Harness {
    final class Sink { var text = "" }
    let session: Session
    private let results: Sink
    private let notes: Sink

    init(_ plugins: [any PluginInstance], interactive: Bool = true, colour: Bool = false,
         historyPath: String? = nil, userCorpus: String? = nil) {
        var config = SessionConfig(interactive: interactive, style: Style(enabled: colour), historyPath: historyPath, userCorpus: userCorpus)
        config.jobs = 2
        let r = Sink(), n = Sink()
        results = r
        notes = n
        session = Session(plugins: plugins, config: config, output: { r.text += $0 }, messages: { n.text += $0 })
        session.labelIDPrefix = "repl-test"
    }

    /// Feeds lines; returns what they printed (results, then messages).
    @discardableResult
    func type(_ lines: String...) -> String {
        let mark = (results.text.count, notes.text.count)
        for l in lines { session.handle(.line(l)) }
        return String(results.text.dropFirst(mark.0)) + String(notes.text.dropFirst(mark.1))
    }

    /// Everything written to the results sink (stdout).
    var output: String { results.text }
    /// Everything written to the messages sink (stdout on a terminal, stderr on a pipe).
    var messages: String { notes.text }
}
