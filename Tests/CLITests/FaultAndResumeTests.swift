import Foundation
import XCTest

/// Bad input under each --on-error mode, and resuming after a crash or Ctrl-C: nothing lost.
final class FaultAndResumeTests: FixtureTestCase {
    override class var workFolderName: String { "faults" }

    func classify(_ args: [String]) throws -> CLI.Result {
        try CLI.run(["classify", "--models", m.mini] + args, cwd: tmp)
    }

    func line(_ id: String, _ text: String) -> [UInt8] { Array((CLI.jsonLine(["id": id, "text": text]) + "\n").utf8) }

    // MARK: bad records: fail, skip, record

    struct BadCase {
        var name: String
        var file: String
        var bytes: [UInt8]
        /// "file:line" the messages must name.
        var origin: String
        /// The id the error record carries.
        var badID: String
        var ids: [String] = ["r0", "r2"]
    }

    var badCases: [BadCase] {
        let good0 = line("r0", "Rockets struck the base."), good2 = line("r2", "Talks resumed.")
        var big = Array(#"{"id":"big","text":""#.utf8)
        big += [UInt8](repeating: UInt8(ascii: "a"), count: 50 << 20)
        big += Array("\"}\n".utf8)
        return [
            BadCase(name: "malformed JSON", file: "in.jsonl", bytes: good0 + Array(#"{"id":"r1","text":"unterminated"#.utf8) + [0x0A] + good2, origin: "in.jsonl:2", badID: "2"),
            BadCase(name: "not an object", file: "in.jsonl", bytes: good0 + Array("[1, 2]\n".utf8) + good2, origin: "in.jsonl:2", badID: "2"),
            BadCase(name: "missing text field", file: "in.jsonl", bytes: good0 + Array(#"{"id":"r1","body":"x"}"#.utf8) + [0x0A] + good2, origin: "in.jsonl:2", badID: "r1"),
            BadCase(name: "text not a string", file: "in.jsonl", bytes: good0 + Array(#"{"id":"r1","text":42}"#.utf8) + [0x0A] + good2, origin: "in.jsonl:2", badID: "r1"),
            BadCase(name: "50 MB single line", file: "in.jsonl", bytes: good0 + big + good2, origin: "in.jsonl:2", badID: "big"),
            BadCase(name: "CSV row with too many fields", file: "in.csv", bytes: Array("id,text\nr0,Rockets struck\nr1,a,b,c\nr2,Talks resumed\n".utf8), origin: "in.csv:3", badID: "r1"),
            BadCase(name: "CSV text after a closing quote", file: "in.csv", bytes: Array("id,text\nr0,Rockets struck\nr1,\"a\"b\nr2,Talks resumed\n".utf8), origin: "in.csv:3", badID: "r1"),
            BadCase(name: "CSV unterminated quote", file: "in.csv", bytes: Array("id,text\nr0,Rockets struck\nr1,\"never closed\nr2,Talks resumed\n".utf8), origin: "in.csv:3", badID: "r1"),
        ]
    }

    func testBadRecordsUnderEachMode() throws {
        for c in badCases {
            try CLI.write(tmp + "/" + c.file, bytes: c.bytes)
            // fail (the default): stop with file:line, exit 1, every record before it written.
            let f = try classify([c.file])
            XCTAssertEqual(f.status, 1, c.name)
            XCTAssertTrue(f.stderr.contains(c.origin), "\(c.name): \(f.stderr)")
            XCTAssertEqual(try f.json().map { $0["id"] as? String }, ["r0"], c.name)
            XCTAssertTrue(f.stderr.contains("records in 2, out 1, errors 1"), "\(c.name): \(f.stderr)")
            // skip: warn, count, go on.
            let s = try classify([c.file, "--on-error", "skip"])
            XCTAssertEqual(s.status, 0, c.name)
            XCTAssertEqual(try s.json().map { $0["id"] as? String }, c.ids, c.name)
            XCTAssertTrue(s.stderr.contains("skipped: " + c.origin), "\(c.name): \(s.stderr)")
            XCTAssertTrue(s.stderr.contains("records in 3, out 2, errors 1 (1 skipped)"), "\(c.name): \(s.stderr)")
            // record: an output record with error set and empty plugins.
            let r = try classify([c.file, "--on-error", "record"])
            XCTAssertEqual(r.status, 0, c.name)
            let o = try r.json()
            XCTAssertEqual(o.map { $0["id"] as? String }, ["r0", c.badID, "r2"], c.name)
            XCTAssertTrue((o[1]["error"] as? String)?.contains(c.origin) ?? false, "\(c.name): \(o[1])")
            XCTAssertEqual((o[1]["plugins"] as? [String: Any])?.count, 0, c.name)
            XCTAssertTrue(r.stderr.contains("records in 3, out 3, errors 1"), "\(c.name): \(r.stderr)")
        }
    }

    /// Input that is odd but readable is classified in every mode; suspicious input is named in a warning.
    func testRecoverableInputIsClassifiedInEveryMode() throws {
        let cases: [(String, String, [UInt8], String?)] = [
            ("invalid UTF-8", "in.jsonl", line("r0", "ok") + Array(#"{"id":"r1","text":"bad "#.utf8) + [0xFF, 0xFE] + Array(#" bytes"}"#.utf8) + [0x0A] + line("r2", "ok"),
             "in.jsonl:2: record 'r1': invalid UTF-8 replaced with U+FFFD"),
            ("empty text", "in.jsonl", line("r0", "ok") + line("r1", "") + line("r2", "ok"), "in.jsonl:2: record 'r1': empty text"),
            ("BOM", "in.jsonl", [0xEF, 0xBB, 0xBF] + line("r0", "ok") + line("r1", "x") + line("r2", "ok"), nil),
            ("CRLF", "in.jsonl", Array((CLI.jsonLine(["id": "r0", "text": "a"]) + "\r\n" + CLI.jsonLine(["id": "r1", "text": "b"]) + "\r\n\r\n" + CLI.jsonLine(["id": "r2", "text": "c"]) + "\r\n").utf8), nil),
            ("CSV BOM and CRLF", "in.csv", [0xEF, 0xBB, 0xBF] + Array("id,text\r\nr0,a\r\nr1,\"b\r\nc\"\r\nr2,c\r\n".utf8), nil),
            ("CSV invalid UTF-8", "in.csv", Array("id,text\nr0,a\nr1,b".utf8) + [0xC3] + Array("\nr2,c\n".utf8), "in.csv:3: record 'r1': invalid UTF-8"),
        ]
        for (name, file, bytes, warning) in cases {
            try CLI.write(tmp + "/" + file, bytes: bytes)
            for mode in ["fail", "skip", "record"] {
                let r = try classify([file, "--on-error", mode])
                XCTAssertEqual(r.status, 0, "\(name) \(mode): \(r.stderr)")
                let o = try r.json()
                XCTAssertEqual(o.map { $0["id"] as? String }, ["r0", "r1", "r2"], "\(name) \(mode)")
                XCTAssertTrue(o.allSatisfy { $0["error"] == nil }, "\(name) \(mode)")
                if let w = warning { XCTAssertTrue(r.stderr.contains(w), "\(name) \(mode): \(r.stderr)") }
                else { XCTAssertFalse(r.stderr.contains("warning"), "\(name) \(mode): \(r.stderr)") }
            }
        }
    }

    // MARK: resume

    func bigInput(_ n: Int) throws -> String {
        var s = ""
        s.reserveCapacity(n * 100)
        for k in 0..<n {
            s += CLI.jsonLine(["id": "k\(k)", "text": Fixture.miniTexts[k % Fixture.miniTexts.count].0 + " \(k)"]) + "\n"
        }
        let path = tmp + "/big.jsonl"
        try CLI.write(path, s)
        return path
    }

    /// Starts a run, waits until it has written something, then sends `sig`.
    func interruptedRun(_ args: [String], output: String, signal sig: Int32) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try CLI.requireBinary())
        p.arguments = ["classify", "--models", m.mini] + args
        p.currentDirectoryURL = URL(fileURLWithPath: tmp)
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let size = (try? FileManager.default.attributesOfItem(atPath: output))?[.size] as? Int ?? 0
            if size > 20_000 { break }
            usleep(5_000)
        }
        kill(p.processIdentifier, sig)
        p.waitUntilExit()
        return p
    }

    func testResumeAfterKillEqualsAnUninterruptedRun() throws {
        let input = try bigInput(30_000)
        for format in ["jsonl", "csv"] {
            let full = tmp + "/full.\(format)", part = tmp + "/part.\(format)"
            XCTAssertEqual(try classify([input, "--format", format, "-o", full, "--jobs", "2"]).status, 0)
            XCTAssertFalse(FileManager.default.fileExists(atPath: full + ".rhetor-resume"), "checkpoint removed after a complete run")
            let p = try interruptedRun([input, "--format", format, "-o", part, "--jobs", "1"], output: part, signal: SIGKILL)
            XCTAssertEqual(p.terminationReason, .uncaughtSignal, "the run finished before it was killed; make the input larger")
            let killedSize = (try FileManager.default.attributesOfItem(atPath: part))[.size] as? Int ?? 0
            XCTAssertLessThan(killedSize, (try FileManager.default.attributesOfItem(atPath: full))[.size] as? Int ?? 0)
            XCTAssertTrue(FileManager.default.fileExists(atPath: part + ".rhetor-resume"))
            let r = try classify([input, "--format", format, "-o", part, "--resume", "--jobs", "2"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("resuming"), r.stderr)
            XCTAssertTrue(r.stderr.contains("records in 30000"), r.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: part)), try Data(contentsOf: URL(fileURLWithPath: full)), format)
            XCTAssertFalse(FileManager.default.fileExists(atPath: part + ".rhetor-resume"))
            // Resuming a complete output does nothing.
            let again = try classify([input, "--format", format, "-o", part, "--resume"])
            XCTAssertEqual(again.status, 0)
            XCTAssertTrue(again.stderr.contains("complete"), again.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: part)), try Data(contentsOf: URL(fileURLWithPath: full)))
        }
    }

    func testCtrlCLeavesWholeRecordsAndResumes() throws {
        let input = try bigInput(30_000)
        let full = tmp + "/full.jsonl", part = tmp + "/part.jsonl"
        XCTAssertEqual(try classify([input, "-o", full]).status, 0)
        let p = try interruptedRun([input, "-o", part, "--jobs", "1"], output: part, signal: SIGINT)
        XCTAssertEqual(p.terminationStatus, 130)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: part))
        XCTAssertEqual(bytes.last, 0x0A, "the output ends with a whole record")
        for l in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(l.utf8)))
        }
        // Other settings are refused.
        let mismatch = try classify([input, "-o", part, "--resume", "--format", "csv"])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.stderr.contains("other settings"), mismatch.stderr)
        XCTAssertEqual(try classify([input, "-o", part, "--resume"]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: part)), try Data(contentsOf: URL(fileURLWithPath: full)))
    }

    func testResumeContinuesAfterAFailedRecordIsFixed() throws {
        let path = tmp + "/in.jsonl"
        try CLI.write(path, bytes: line("r0", "a") + Array("{broken\n".utf8) + line("r2", "c"))
        XCTAssertEqual(try classify(["in.jsonl", "-o", "out.jsonl"]).status, 1)
        try CLI.write(path, bytes: line("r0", "a") + line("r1", "b") + line("r2", "c"))
        XCTAssertEqual(try classify(["in.jsonl", "-o", "out.jsonl", "--resume"]).status, 0)
        XCTAssertEqual(try classify(["in.jsonl", "-o", "ref.jsonl"]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: tmp + "/out.jsonl")), try Data(contentsOf: URL(fileURLWithPath: tmp + "/ref.jsonl")))
    }
}
