import Foundation
import RhetorKit
@testable import RhetorREPL
import XCTest

final class LearningTests: XCTestCase {
    let passage = "Residents were furious about the quiet talks."
    let probe = "The furious residents left the quiet talks."

    func scores(_ p: any PluginInstance, _ text: String) -> [Double] {
        p.classify(Analyzer().analyze(text), options: ClassifyOptions()).first!.scores.map(\.1)
    }

    func testLabelShowsBeforeAndAfterAndTheNextPassageReflectsIt() throws {
        let h = Harness([try Fixture.tone()])
        h.type(passage)
        let before = scores(h.session.plugins[0], probe)
        let out = h.type(":label tone calm")
        XCTAssertTrue(out.contains("tone  before  angry"), out)
        XCTAssertTrue(out.contains("      after   "), out)
        XCTAssertTrue(out.contains("1 labelled passage unsaved"))
        let after = scores(h.session.plugins[0], probe)
        XCTAssertGreaterThan(after[0], before[0], "P(calm) rises for a similar passage")
        // The verdict :explain and :label work from is the updated one.
        XCTAssertEqual(h.session.last?.results.first?.1.first?.confidence, h.session.plugins[0].classify(h.session.last!.passage, options: ClassifyOptions()).first?.confidence)
    }

    func testLearningIsExactlyRetrainingWithTheExtraRecord() throws {
        let h = Harness([try Fixture.tone()])
        h.type(passage, ":label tone calm", "A second, peaceful passage.", ":label tone angry")
        let retrained = try Fixture.tone(extra: [(passage, "calm"), ("A second, peaceful passage.", "angry")])
        for text in [probe, passage, "Something else entirely, peaceful and calm."] {
            let a = scores(h.session.plugins[0], text), b = scores(retrained, text)
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-12, text) }
        }
        XCTAssertEqual(h.session.plugins[0].model.classifier("label")?.documentCount, 8)
    }

    func testStanceAndActorCorrections() throws {
        let h = Harness([try Fixture.stance(), try Fixture.actorRole()])
        h.type("Kataib Hezbollah fired rockets at Erbil, and Iran armed the militias.")
        let out = h.type(":label stance militias=against iran=against")
        XCTAssertEqual(out.components(separatedBy: "before").count - 1, 2, "one before/after per correction: \(out)")
        XCTAssertTrue(out.contains("stance  before  militias → "))
        h.type(":label actor-role iran=sponsor krg=mention")
        XCTAssertEqual(h.session.pending.count, 1, "one record per passage")
        let r = h.session.pending[0].record
        XCTAssertEqual(r["stance"], .object([("militias", .string("against")), ("iran", .string("against"))]))
        XCTAssertEqual(r["actors"], .array([.object([("actor", .string("iran")), ("mention", .string("Iran")), ("role", .string("sponsor"))])]))
        // Errors say what was wrong and change nothing.
        XCTAssertTrue(h.type(":label stance militias=hate").contains("expected target=label"))
        XCTAssertTrue(h.type(":label stance nowhere=favor").contains("unknown target 'nowhere'"))
        XCTAssertTrue(h.type(":label actor-role krg").contains("expected actor=role"))
        XCTAssertTrue(h.type(":label actor-role united-states=agent").contains("no mention of 'united-states'"))
        XCTAssertTrue(h.type(":label stanse militias=favor").contains("did you mean stance?"))
        XCTAssertTrue(h.type(":label stance").contains("usage: :label"))
        XCTAssertEqual(h.session.pending.count, 1)
    }

    func testRelabellingKeepsTheLatestInTheRecordAndSaysSo() throws {
        let h = Harness([try Fixture.tone(), try Fixture.stance()])
        h.type(passage, ":label tone calm", ":label stance militias=favor")
        XCTAssertFalse(h.messages.contains("note: this replaces"))
        XCTAssertTrue(h.type(":label tone angry").contains("note: this replaces the passage's earlier tone label"))
        XCTAssertTrue(h.type(":label stance militias=against").contains("note: this replaces"))
        XCTAssertFalse(h.type(":label stance iran=favor").contains("note: this replaces"))
        XCTAssertEqual(h.session.pending.count, 1)
        XCTAssertEqual(h.session.pending[0].record["tone"], .string("angry"))
        XCTAssertEqual(h.session.pending[0].record["stance"], .object([("militias", .string("against")), ("iran", .string("favor"))]))
    }

    func testLabelNeedsAPassage() throws {
        let h = Harness([try Fixture.tone()])
        XCTAssertTrue(h.type(":label tone calm").contains("nothing to label yet"))
        XCTAssertTrue(h.type(":save").contains("nothing to save"))
    }

    func testSaveAppendsRecordsInTheCorpusFormat() throws {
        let dir = Fixture.tempDir()
        let corpus = dir + "/data/rhetor/corpus.jsonl"
        let h = Harness([try Fixture.tone(), try Fixture.stance(), try Fixture.actorRole()], userCorpus: corpus)
        h.type("Kataib Hezbollah fired rockets at Erbil in fury.", ":label tone angry", ":label stance militias=against",
               ":label actor-role kataib-hezbollah=agent krg=target")
        h.type("A peaceful day in Erbil.", ":label tone calm")
        let out = h.type(":save")
        XCTAssertTrue(out.contains("saved 2 records to \(corpus)"), out)
        XCTAssertTrue(out.contains("rhetor train actor-role stance tone --corpus corpora/train --corpus \(corpus)"), out)
        XCTAssertTrue(h.session.pending.isEmpty)
        h.type("Outrage again.", ":label tone angry", ":save")

        let lines = try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, "saves append")
        let first = try JSONReader.parse(lines[0])
        XCTAssertEqual(first.object?.map(\.0), ["id", "text", "tone", "stance", "actors"])
        XCTAssertEqual(first["id"]?.string, "repl-test-1")
        XCTAssertEqual(first["tone"]?.string, "angry")
        XCTAssertEqual(first["stance"]?["militias"]?.string, "against")
        XCTAssertEqual(first["actors"]?.array?.count, 2)
        XCTAssertEqual(try JSONReader.parse(lines[1]).object?.map(\.0), ["id", "text", "tone"])
        XCTAssertNotEqual(try JSONReader.parse(lines[2])["id"], try JSONReader.parse(lines[1])["id"])

        // What `rhetor train --corpus <file>` reads: valid records, and a model trains from them.
        let loaded = try Corpus.load([corpus], knownActors: Set(Fixture.gazetteerRows.map { $0[0] }))
        XCTAssertEqual(loaded.problems.map(\.description), [])
        XCTAssertEqual(loaded.records.count, 3)
        XCTAssertEqual(loaded.records[0].actors, [.init(actor: "kataib-hezbollah", mention: "Kataib Hezbollah", role: "agent"),
                                                  .init(actor: "krg", mention: "Erbil", role: "target")])
        XCTAssertNoThrow(try DataOnlyPlugin.train(manifest: Fixture.toneManifest(), corpus: loaded, lexicon: Lexicon()))
    }

    func testSaveNeverWritesTheShippedCorpus() throws {
        XCTAssertTrue(UserCorpus.isShipped("corpora/train/x.jsonl", cwd: "/repo"))
        XCTAssertTrue(UserCorpus.isShipped("/repo/corpora/../corpora/x.jsonl", cwd: "/repo"))
        XCTAssertFalse(UserCorpus.isShipped("/home/a/corpora.jsonl", cwd: "/repo"))
        XCTAssertFalse(UserCorpus.isShipped("mine/corpora/x.jsonl", cwd: "/repo"))
        let h = Harness([try Fixture.tone()])
        h.type("A peaceful day.", ":label tone calm")
        let target = FileManager.default.currentDirectoryPath + "/corpora/repl-test-should-not-exist.jsonl"
        XCTAssertTrue(h.type(":save corpora/repl-test-should-not-exist.jsonl").contains("inside the shipped corpora/"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
        XCTAssertEqual(h.session.pending.count, 1)
    }

    func testDefaultCorpusPath() {
        XCTAssertEqual(UserCorpus.defaultPath(environment: ["XDG_DATA_HOME": "/x/data", "HOME": "/h"]), "/x/data/rhetor/corpus.jsonl")
        XCTAssertEqual(UserCorpus.defaultPath(environment: ["XDG_DATA_HOME": "relative", "HOME": "/h"]), "/h/.local/share/rhetor/corpus.jsonl")
        XCTAssertEqual(UserCorpus.defaultPath(environment: ["HOME": "/h"]), "/h/.local/share/rhetor/corpus.jsonl")
        XCTAssertNil(UserCorpus.defaultPath(environment: [:]))
    }
}
