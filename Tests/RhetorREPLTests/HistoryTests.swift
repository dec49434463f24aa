import Foundation
@testable import RhetorREPL
import XCTest

final class HistoryTests: XCTestCase {
    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func testRecordsPrivatelyIgnoringSpacesAndDuplicates() throws {
        let path = Fixture.tempDir() + "/state/rhetor/history"
        var h = HistoryStore(path: path, capacity: 3)
        XCTAssertTrue(h.add("first"))
        XCTAssertFalse(h.add(" hidden"), "a line starting with a space is not recorded")
        XCTAssertFalse(h.add("   "))
        XCTAssertTrue(h.add("second"))
        XCTAssertFalse(h.add("second"), "the same line twice in a row is one entry")
        XCTAssertTrue(h.add("first"), "an older duplicate moves to the end")
        XCTAssertEqual(h.entries, ["second", "first"])
        XCTAssertTrue(h.add("third"))
        XCTAssertTrue(h.add("fourth"))
        XCTAssertEqual(h.entries, ["first", "third", "fourth"], "capped, oldest dropped")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "first\nthird\nfourth\n")
        XCTAssertEqual(try mode(path), 0o600)
        XCTAssertEqual(try mode((path as NSString).deletingLastPathComponent), 0o700)
        XCTAssertEqual(HistoryStore(path: path).entries, ["first", "third", "fourth"], "read back by the next session")
    }

    func testMergesWhatAnotherSessionWrote() throws {
        let path = Fixture.tempDir() + "/history"
        var a = HistoryStore(path: path)
        var b = HistoryStore(path: path)
        a.add("from a")
        b.add("from b")
        a.add("again a")
        XCTAssertEqual(HistoryStore(path: path).entries, ["from a", "from b", "again a"])
    }

    func testTightensAnExistingFilesMode() throws {
        let path = Fixture.tempDir() + "/history"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("old\n".utf8), attributes: [.posixPermissions: 0o644]))
        var h = HistoryStore(path: path)
        XCTAssertEqual(h.entries, ["old"])
        h.add("new")
        XCTAssertEqual(try mode(path), 0o600)
    }

    func testDefaultPath() {
        XCTAssertEqual(HistoryStore.defaultPath(environment: ["RHETOR_HISTORY": "/tmp/h", "XDG_STATE_HOME": "/s", "HOME": "/h"]), "/tmp/h")
        XCTAssertNil(HistoryStore.defaultPath(environment: ["RHETOR_HISTORY": "", "HOME": "/h"]), "empty: keep no history file")
        XCTAssertEqual(HistoryStore.defaultPath(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]), "/s/rhetor/history")
        XCTAssertEqual(HistoryStore.defaultPath(environment: ["HOME": "/h"]), "/h/.local/state/rhetor/history")
    }

    func testSessionRecordsLinesAndWholePassages() throws {
        let path = Fixture.tempDir() + "/history"
        let h = Harness([try Fixture.tone()], historyPath: path)
        let reader = ScriptReader([.line("A peaceful day."), .line(" private passage"), .line("A long \\"), .line("passage."),
                                   .line(":paste"), .line("Pasted"), .line("lines."), .line("."), .line("half typed \\"), .interrupt,
                                   .line(":plugins"), .line(":plugins"), .end])
        h.session.run(reader)
        let expected = ["A peaceful day.", "A long passage.", ":paste", "Pasted lines.", ":plugins"]
        XCTAssertEqual(h.session.history.entries, expected)
        XCTAssertEqual(reader.history, expected, "the reader offers the same history (Up-arrow)")
        XCTAssertEqual(HistoryStore(path: path).entries, expected, "written through as lines are entered")
    }

    func testNoHistoryOnAPipe() throws {
        let path = Fixture.tempDir() + "/history"
        let h = Harness([try Fixture.tone()], interactive: false, historyPath: path)
        h.type("A peaceful day.", ":plugins")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }
}
