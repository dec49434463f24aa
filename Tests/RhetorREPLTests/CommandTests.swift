import Foundation
import RhetorKit
@testable import RhetorREPL
import XCTest

final class CommandTests: XCTestCase {
    func testHelpListsEveryCommandOnOneLine() throws {
        let h = Harness([try Fixture.tone()])
        let out = h.type(":help")
        for c in Command.allCases {
            let lines = out.split(separator: "\n").filter { $0.hasPrefix(":" + c.rawValue + " ") }
            XCTAssertEqual(lines.count, 1, ":\(c.rawValue) should have one help line")
            XCTAssertTrue(lines.first?.contains(c.summary) == true)
        }
        XCTAssertTrue(h.type(":help label").contains(":label stance militias=against"))
        XCTAssertTrue(h.type(":help :use").contains(":use +actor-role"))
    }

    func testUnknownCommandSuggestsTheNearest() throws {
        let h = Harness([try Fixture.tone()])
        XCTAssertTrue(h.type(":explian").contains("unknown command :explian; did you mean :explain?"))
        XCTAssertTrue(h.type(":plugin").contains("did you mean :plugins?"))
        XCTAssertTrue(h.type(":hist").contains("did you mean :history?"))
        let far = h.type(":zzzzzz")
        XCTAssertTrue(far.contains("unknown command :zzzzzz"))
        XCTAssertFalse(far.contains("did you mean"))
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(nearest("stnace", in: ["stance", "sectarian"]), "stance")
    }

    func testAPassageIsClassifiedByEveryEnabledPlugin() throws {
        let h = Harness([try Fixture.tone(), try Fixture.stance()])
        let out = h.type("The militias are criminal gangs and the crowd was furious.")
        XCTAssertTrue(out.contains("tone"))
        XCTAssertTrue(out.contains("angry"))
        XCTAssertTrue(out.contains("stance"))
        XCTAssertTrue(out.contains("militias → "))
        XCTAssertEqual(h.session.last?.results.map(\.0), ["tone", "stance"])
    }

    func testUseEnablesAndDisablesPlugins() throws {
        let h = Harness([try Fixture.tone(), try Fixture.stance()])
        XCTAssertTrue(h.type(":use").contains("enabled: tone, stance"))
        h.type(":use stance")
        XCTAssertEqual(h.session.enabled, ["stance"])
        h.type("Iran meddles.")
        XCTAssertEqual(h.session.last?.results.map(\.0), ["stance"])
        h.type(":use +tone")
        XCTAssertEqual(h.session.enabled, ["tone", "stance"])
        h.type(":use -stance")
        XCTAssertEqual(h.session.enabled, ["tone"])
        XCTAssertTrue(h.type(":use -tone").contains("keep at least one plugin"))
        XCTAssertEqual(h.session.enabled, ["tone"])
        XCTAssertTrue(h.type(":use stnce").contains("did you mean stance?"))
        h.type(":use all")
        XCTAssertEqual(h.session.enabled, ["tone", "stance"])
        h.type(":use tone,stance")
        XCTAssertEqual(h.session.enabled, ["tone", "stance"])
    }

    func testPluginsAndTargets() throws {
        let h = Harness([try Fixture.tone(), try Fixture.stance(), try Fixture.actorRole()])
        h.type(":use tone")
        let plugins = h.type(":plugins")
        XCTAssertTrue(plugins.contains("on   tone"))
        XCTAssertTrue(plugins.contains("off  stance"))
        XCTAssertTrue(plugins.contains("calm, angry"))
        let targets = h.type(":targets")
        XCTAssertTrue(targets.contains("stance targets:"))
        XCTAssertTrue(targets.contains("militias"))
        XCTAssertTrue(targets.contains("iran"))
        XCTAssertTrue(targets.contains("actor-role: 4 known actor ids"))
    }

    func testJSONToggleGivesResultRecords() throws {
        let h = Harness([try Fixture.tone()])
        XCTAssertTrue(h.type(":json").contains("JSONL output on"))
        h.type("A peaceful day.")
        let line = h.output.split(separator: "\n").last.map(String.init) ?? ""
        let v = try JSONReader.parse(line)
        XCTAssertEqual(v["id"]?.string, "1")
        XCTAssertEqual(v["plugins"]?["tone"]?.array?.first?["label"]?.string, "calm")
        h.type(":json")
        XCTAssertTrue(h.type("A peaceful day.").contains("»"))
    }

    func testExplainListsEveryWeight() throws {
        let h = Harness([try Fixture.tone(), try Fixture.stance()])
        XCTAssertTrue(h.type(":explain").contains("nothing to explain yet"))
        h.type("The crowd was furious, pure outrage.")
        let out = h.type(":explain")
        XCTAssertTrue(out.contains("tone · angry"))
        XCTAssertTrue(out.contains("scores  calm"))
        XCTAssertTrue(out.contains("lexicon  furious (angry)"), out)
        XCTAssertTrue(out.contains("+1.50"), out)
        XCTAssertTrue(out.contains("feature"), out)
        XCTAssertTrue(out.contains("items, net"))
        // A named plugin explains targets judged none too; a subject narrows it.
        let one = h.type(":explain stance iran")
        XCTAssertTrue(one.contains("stance · iran → none"), one)
        XCTAssertFalse(one.contains("militias →"))
        XCTAssertTrue(h.type(":explain stance nobody").contains("no decision about 'nobody'"))
    }

    func testBackslashContinuesAPassage() throws {
        let h = Harness([try Fixture.tone()])
        XCTAssertEqual(Prompt.visible(h.session.prompt), "rhetor> ")
        XCTAssertEqual(h.type("The crowd was \\"), "")
        XCTAssertTrue(h.session.isContinuing)
        XCTAssertEqual(Prompt.visible(h.session.prompt), "   ...> ")
        h.type("furious.")
        XCTAssertFalse(h.session.isContinuing)
        XCTAssertEqual(h.session.last?.text, "The crowd was \nfurious.")
    }

    func testPasteReadsUntilADot() throws {
        let h = Harness([try Fixture.tone()])
        h.type(":paste", "First line of it,", "", "and a furious second.")
        XCTAssertNil(h.session.last)
        XCTAssertTrue(h.session.isContinuing)
        h.type(".")
        XCTAssertEqual(h.session.last?.text, "First line of it,\n\nand a furious second.")
        // Ctrl-C drops a paste; Ctrl-D ends one.
        h.type(":paste", "dropped")
        h.session.handle(.interrupt)
        XCTAssertFalse(h.session.isContinuing)
        XCTAssertEqual(h.session.last?.text, "First line of it,\n\nand a furious second.")
        h.type(":paste", "kept by Ctrl-D")
        XCTAssertTrue(h.session.handle(.end))
        XCTAssertEqual(h.session.last?.text, "kept by Ctrl-D")
    }

    func testCtrlCDropsAContinuedPassage() throws {
        let h = Harness([try Fixture.tone()])
        h.type("half a passage \\")
        XCTAssertTrue(h.session.handle(.interrupt))
        XCTAssertFalse(h.session.isContinuing)
        h.type("A peaceful day.")
        XCTAssertEqual(h.session.last?.text, "A peaceful day.")
    }

    func testQuitWarnsOnceAboutUnsavedLabels() throws {
        let h = Harness([try Fixture.tone()])
        h.type("A quiet day.", ":label tone angry")
        XCTAssertTrue(h.session.handle(.line(":quit")))
        XCTAssertTrue(h.messages.contains("1 labelled passage not saved"))
        XCTAssertFalse(h.session.handle(.line(":quit")))
        // Without labels, :quit and Ctrl-D leave at once.
        XCTAssertFalse(Harness([try Fixture.tone()]).session.handle(.line(":q")))
        XCTAssertFalse(Harness([try Fixture.tone()]).session.handle(.end))
    }

    func testAPipeGetsJSONLinesAndMessagesApart() throws {
        let h = Harness([try Fixture.tone()], interactive: false)
        XCTAssertEqual(h.session.prompt, "")
        h.type("A peaceful day.", "", ":use tone", "The crowd was furious \\")
        let lines = h.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, "one JSONL line per passage; a trailing \\ does not continue on a pipe")
        XCTAssertEqual(try JSONReader.parse(lines[0])["id"]?.string, "1")
        XCTAssertEqual(try JSONReader.parse(lines[1])["id"]?.string, "4", "ids are input line numbers")
        XCTAssertTrue(h.messages.contains("enabled: tone"))
        XCTAssertFalse(h.output.contains("\u{1B}"))
        XCTAssertTrue(h.session.history.entries.isEmpty)
    }

    func testScriptReaderRunsASession() throws {
        let h = Harness([try Fixture.tone()])
        let reader = ScriptReader([.line("A peaceful day."), .line("half \\"), .interrupt, .line(":json"), .end])
        h.session.run(reader)
        XCTAssertEqual(reader.prompts.map(Prompt.visible), ["rhetor> ", "rhetor> ", "   ...> ", "rhetor> ", "rhetor> "])
        XCTAssertTrue(h.messages.contains(":help lists the commands"))
        XCTAssertNil(reader.completer, "the session lets go of the reader when it ends")
    }

    func testLoadPrintsATableOfLabels() throws {
        let dir = Fixture.tempDir()
        let jsonl = dir + "/sample.jsonl"
        try """
            {"id": "a", "text": "The crowd was furious."}
            {"id": "b", "text": "A peaceful evening."}
            not json

            {"id": "c", "text": "Outrage and furious shouting."}
            """.write(toFile: jsonl, atomically: true, encoding: .utf8)
        let h = Harness([try Fixture.tone(), try Fixture.stance()])
        let out = h.type(":load \(jsonl)")
        XCTAssertTrue(out.contains("3 passages, 1 unreadable"), out)
        XCTAssertTrue(out.contains("sample.jsonl:3"), out)
        let angry = out.split(separator: "\n").first { $0.contains("tone") && $0.contains("angry") }
        XCTAssertNotNil(angry, out)
        XCTAssertTrue(angry!.contains("2") && angry!.contains("67%"), String(angry!))
        XCTAssertTrue(out.contains("militias"), "per-target plugins count every target: \(out)")

        let txt = dir + "/lines.txt"
        try "A peaceful evening.\n\nThe crowd was furious.\n".write(toFile: txt, atomically: true, encoding: .utf8)
        h.type(":json")
        let before = h.output.count
        h.type(":load \(txt)")
        let records = h.output.dropFirst(before).split(separator: "\n")
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(try JSONReader.parse(String(records[1]))["id"]?.string, "3")
        XCTAssertTrue(h.type(":load \(dir)/missing.jsonl").contains("no such file"))
    }

    func testLoadStopsWhenInterrupted() throws {
        let dir = Fixture.tempDir()
        let txt = dir + "/many.txt"
        try String(repeating: "A peaceful evening.\n", count: 3000).write(toFile: txt, atomically: true, encoding: .utf8)
        let h = Harness([try Fixture.tone()])
        h.session.isInterrupted = { true }
        let out = h.type(":load \(txt)")
        XCTAssertTrue(out.contains("interrupted"), out)
        XCTAssertFalse(out.contains("3000 passages"))
    }

    func testHistoryCommandListsEntries() throws {
        let path = Fixture.tempDir() + "/history"
        let h = Harness([try Fixture.tone()], historyPath: path)
        h.type("A peaceful day.", " secret", ":plugins")
        let out = h.type(":history")
        XCTAssertTrue(out.contains("1  A peaceful day."))
        XCTAssertTrue(out.contains("2  :plugins"))
        XCTAssertTrue(out.contains("3  :history"), "a command is recorded before it runs, as shells do")
        XCTAssertFalse(out.contains("secret"))
    }
}
