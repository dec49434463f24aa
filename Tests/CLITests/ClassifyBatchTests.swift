import Foundation
import XCTest

/// `rhetor classify` end to end: every input format, segmentation and aggregation, every output
/// format, order, streaming, every kind of bad input under each --on-error mode, and resume.
final class ClassifyBatchTests: FixtureTestCase {
    override class var workFolderName: String { "batch" }

    func classify(_ args: [String], stdin: Data? = nil, models: String? = nil) throws -> CLI.Result {
        try CLI.run(["classify", "--models", models ?? m.mini] + args, stdin: stdin, cwd: tmp)
    }

    func jsonl(_ n: Int, prefix: String = "r") -> String {
        (0..<n).map { k in CLI.jsonLine(["id": "\(prefix)\(k)", "text": Fixture.miniTexts[k % Fixture.miniTexts.count].0]) }.joined(separator: "\n") + "\n"
    }

    func ids(_ r: CLI.Result) throws -> [String] { try r.json().map { $0["id"] as? String ?? "?" } }

    // MARK: inputs

    func testJSONLKeepsOrderWithOneRecordPerInput() throws {
        try CLI.write(tmp + "/in.jsonl", jsonl(700))
        for jobs in ["1", "2", "4"] {
            let r = try classify(["in.jsonl", "--jobs", jobs])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try ids(r), (0..<700).map { "r\($0)" }, "jobs \(jobs)")
            let first = try r.json()[0]
            let plugins = try XCTUnwrap(first["plugins"] as? [String: Any])
            let d = try XCTUnwrap((plugins["mini"] as? [[String: Any]])?.first)
            XCTAssertNotNil(d["label"]); XCTAssertNotNil(d["confidence"]); XCTAssertNotNil(d["evidence"])
            XCTAssertTrue(r.stderr.contains("records in 700, out 700, errors 0"), r.stderr)
        }
        // Deterministic: --jobs does not change a byte.
        XCTAssertEqual(try classify(["in.jsonl", "--jobs", "1"]).stdout, try classify(["in.jsonl", "--jobs", "3"]).stdout)
    }

    func testJSONLFieldNamesAndKeptFields() throws {
        let lines = [
            CLI.jsonLine(["key": 7, "body": "Rockets struck the base.", "source": "wire", "n": 3]),
            CLI.jsonLine(["key": "x", "body": "Talks resumed.", "source": "blog"]),
            CLI.jsonLine(["body": "No key here."]),
        ]
        try CLI.write(tmp + "/in.jsonl", lines.joined(separator: "\n"))   // no final newline
        let r = try classify(["in.jsonl", "--text-field", "body", "--id-field", "key", "--keep-fields", "source,n"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try r.json()
        XCTAssertEqual(o.map { $0["id"] as? String }, ["7", "x", "3"])   // no id: the line number
        XCTAssertEqual(o[0]["source"] as? String, "wire")
        XCTAssertEqual(o[0]["n"] as? Int, 3)
        XCTAssertEqual(o[1]["source"] as? String, "blog")
        XCTAssertNil(o[2]["source"])
    }

    func testStdinIsJSONL() throws {
        let r = try classify([], stdin: Data(jsonl(5).utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try ids(r), ["r0", "r1", "r2", "r3", "r4"])
    }

    func testCSVWithQuotingEmbeddedNewlinesAndCRLF() throws {
        let csv = "id,text,source\r\n"
            + "c1,\"Rockets struck the base, and the militia claimed it.\",wire\r\n"
            + "c2,\"Talks resumed.\nA second line, with \"\"quotes\"\".\",blog\r\n"
            + "c3,Plain text without quotes,tv\r\n"
        try CLI.write(tmp + "/in.csv", csv)
        let r = try classify(["in.csv", "--keep-fields", "source"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try r.json()
        XCTAssertEqual(o.map { $0["id"] as? String }, ["c1", "c2", "c3"])
        XCTAssertEqual(o.map { $0["source"] as? String }, ["wire", "blog", "tv"])
        // The embedded newline and quotes reached the classifier: the evidence offsets index that text.
        let pretty = try classify(["in.csv", "--format", "pretty"])
        XCTAssertTrue(pretty.out.contains("\"quotes\""), pretty.out)
    }

    func testCSVColumnsByName() throws {
        try CLI.write(tmp + "/in.csv", "body,ref\n\"Talks resumed, at last.\",A\nRockets hit,B\n")
        let r = try classify(["in.csv", "--text-column", "body", "--id-column", "ref"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try ids(r), ["A", "B"])
        // Without an id column the id is the line number.
        let r2 = try classify(["in.csv", "--text-column", "body"])
        XCTAssertEqual(try ids(r2), ["2", "3"])
        // A header without the text column is named.
        let bad = try classify(["in.csv"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("in.csv:1: no column 'text'"), bad.stderr)
    }

    func testTSV() throws {
        try CLI.write(tmp + "/in.tsv", "id\ttext\nt1\tRockets struck the base.\nt2\t\"Quoted\tfield with a tab\"\n")
        let r = try classify(["in.tsv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try ids(r), ["t1", "t2"])
    }

    func testPlainTextOnePassageALine() throws {
        try CLI.write(tmp + "/in.txt", "Rockets struck the base.\n\nTalks resumed.\r\n")
        let r = try classify(["in.txt"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try ids(r), ["1", "2", "3"])   // a blank line is a (empty) passage: line numbers stay ids
        let r2 = try classify(["--input-format", "text"], stdin: Data("one\ntwo\n".utf8))
        XCTAssertEqual(try ids(r2), ["1", "2"])
    }

    func testFolderOfArticles() throws {
        try CLI.write(tmp + "/news/b.txt", "Rockets struck the base.")
        try CLI.write(tmp + "/news/a.md", "# Talks\n\nTalks resumed.")
        try CLI.write(tmp + "/news/sub/c.txt", "The militia claimed it.")
        try CLI.write(tmp + "/news/skip.json", "{}")
        try CLI.write(tmp + "/news/.hidden.txt", "hidden")
        for args in [["news"], ["news", "--input-format", "dir"]] {
            let r = try classify(args)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try ids(r), ["a.md", "b.txt", "sub/c.txt"])
        }
    }

    func testMultipleInputsInOrder() throws {
        try CLI.write(tmp + "/a.jsonl", jsonl(3, prefix: "a"))
        try CLI.write(tmp + "/b.csv", "id,text\nb0,Rockets\n")
        try CLI.write(tmp + "/c.txt", "Talks\n")
        let r = try classify(["a.jsonl", "b.csv", "c.txt"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try ids(r), ["a0", "a1", "a2", "b0", "1"])
    }

    // MARK: segmentation and aggregation

    let document = "Rockets struck the base. The militia claimed the attack.\n\nTalks resumed in Baghdad. Ministers agreed on the plan.\n \n\nGunmen fired mortars at the airport."

    /// Evidence offsets are Unicode-scalar offsets into the whole document.
    func checkOffsets(_ records: [[String: Any]], text: String) {
        let scalars = Array(text.unicodeScalars)
        for r in records {
            for (_, ds) in r["plugins"] as? [String: [[String: Any]]] ?? [:] {
                for d in ds {
                    for e in d["evidence"] as? [[String: Any]] ?? [] {
                        guard let s = e["start"] as? Int, let t = e["end"] as? Int else { continue }
                        var piece = ""
                        piece.unicodeScalars.append(contentsOf: scalars[s..<t])
                        XCTAssertEqual(piece, e["text"] as? String)
                    }
                }
            }
        }
    }

    func testSegmentParagraphs() throws {
        let text = "Émeutes — " + document
        try CLI.write(tmp + "/in.jsonl", CLI.jsonLine(["id": "doc", "text": text]) + "\n" + CLI.jsonLine(["id": "e", "text": ""]) + "\n")
        let r = try classify(["in.jsonl", "--segment", "paragraph"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try r.json()
        XCTAssertEqual(o.map { $0["id"] as? String }, ["doc", "doc", "doc", "e"])
        XCTAssertEqual(o.map { $0["segment"] as? Int }, [0, 1, 2, 0])
        checkOffsets(Array(o.prefix(3)), text: text)
    }

    func testSegmentSentences() throws {
        try CLI.write(tmp + "/in.jsonl", CLI.jsonLine(["id": "doc", "text": document]) + "\n")
        let r = try classify(["in.jsonl", "--segment", "sentence"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try r.json()
        XCTAssertEqual(o.map { $0["segment"] as? Int }, [0, 1, 2, 3, 4])
        checkOffsets(o, text: document)
    }

    func testAggregateRollsUpSegments() throws {
        // Paragraphs in the style of the corpus, so every plugin has something to say.
        let doc = [
            "Iran-backed fighters fired a salvo of Katyusha rockets at Erbil on Monday night, wounding two contractors.",
            "The so-called resistance has never fired a shot at anyone who could shoot back. Its commanders grow rich.",
            "The Popular Mobilisation Forces held the line at Samarra against Daesh, and Kataib Hezbollah claimed the attack.",
        ].joined(separator: "\n\n")
        try CLI.write(tmp + "/in.jsonl", CLI.jsonLine(["id": "d1", "text": doc, "src": "x"]) + "\n" + CLI.jsonLine(["id": "d2", "text": "Short one."]) + "\n")
        let r = try classify(["in.jsonl", "--segment", "paragraph", "--aggregate", "--keep-fields", "src", "--all-targets"], models: m.builtins)
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try r.json()
        XCTAssertEqual(o.map { $0["id"] as? String }, ["d1", "d1", "d1", "d1", "d2", "d2"])
        XCTAssertEqual(o.map { $0["segment"] as? Int }, [0, 1, 2, nil, 0, nil])
        let agg = o[3]
        XCTAssertEqual(agg["segments"] as? Int, 3)
        XCTAssertEqual(agg["src"] as? String, "x")
        let segs = Array(o[0..<3])
        func decisions(_ r: [String: Any], _ p: String) -> [[String: Any]] { (r["plugins"] as? [String: Any])?[p] as? [[String: Any]] ?? [] }
        // Sectarian: the most severe segment level.
        let levels = ["none", "framing", "hostile", "incitement"]
        let segLevel = segs.compactMap { decisions($0, "sectarian").first?["label"] as? String }.compactMap { levels.firstIndex(of: $0) }.max()
        XCTAssertEqual(decisions(agg, "sectarian").first?["label"] as? String, segLevel.map { levels[$0] })
        // Actors merged: every actor of a segment appears at document level, once per role.
        let segActors = Set(segs.flatMap { decisions($0, "actor-role") }.map { "\($0["subject"] as? String ?? "")/\($0["label"] as? String ?? "")" })
        let docActors = decisions(agg, "actor-role").map { "\($0["subject"] as? String ?? "")/\($0["label"] as? String ?? "")" }
        XCTAssertEqual(Set(docActors), segActors)
        XCTAssertEqual(docActors.count, segActors.count)
        // Stance: one decision per target; a side only if some segment took it.
        let targets = decisions(agg, "stance")
        XCTAssertEqual(targets.count, Set(targets.compactMap { $0["subject"] as? String }).count)
        for t in targets where (t["label"] as? String) != "none" {
            let subject = t["subject"] as? String
            XCTAssertTrue(segs.flatMap { decisions($0, "stance") }.contains { $0["subject"] as? String == subject && $0["label"] as? String == t["label"] as? String })
        }
        checkOffsets(o.filter { $0["id"] as? String == "d1" }, text: doc)
        // --aggregate without --segment is a usage error.
        XCTAssertEqual(try classify(["in.jsonl", "--aggregate"]).status, 64)
    }

    // MARK: outputs

    func testCSVAndTSVOutput() throws {
        try CLI.write(tmp + "/in.jsonl", jsonl(3))
        let r = try classify(["in.jsonl", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.lines.first, "id,segment,plugin,subject,mention,start,end,label,confidence,evidence")
        XCTAssertEqual(r.lines.count, 4)   // one decision (mini) per record
        XCTAssertTrue(r.lines[1].hasPrefix("r0,,mini,,,,,"), r.lines[1])
        let t = try classify(["in.jsonl", "--format", "tsv"])
        XCTAssertEqual(t.lines.first?.split(separator: "\t").count, 10)
        XCTAssertEqual(t.lines.count, 4)
    }

    func testSummary() throws {
        try CLI.write(tmp + "/in.jsonl", jsonl(16))
        let r = try classify(["in.jsonl", "--summary"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.out.contains("records classified: 16"), r.out)
        XCTAssertTrue(r.out.contains("mini (passage)"), r.out)
        let t = try classify(["in.jsonl", "--summary", "--format", "tsv"])
        let rows = t.lines.dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        XCTAssertEqual(t.lines.first, "plugin\tsubject\tlabel\tcount")
        XCTAssertEqual(rows.filter { $0[1].isEmpty }.compactMap { Int($0[3]) }.reduce(0, +), 16)
        // Built-ins: per target and per actor rows.
        try CLI.write(tmp + "/b.jsonl", CLI.jsonLine(["id": "1", "text": "Iran-backed fighters fired rockets at Erbil; the US embassy condemned the attack."]) + "\n")
        let b = try classify(["b.jsonl", "--summary"], models: m.builtins)
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertTrue(b.out.contains("stance (per-target)") && b.out.contains("actor-role (per-actor)"), b.out)
        XCTAssertTrue(b.out.contains("militias"), b.out)
    }

    // MARK: streaming

    /// A record comes out while the input is still open: output is flushed per record on a pipe.
    func testStreamsEachRecordThroughAPipe() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try CLI.requireBinary())
        p.arguments = ["classify", "--models", m.mini, "--jobs", "2"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { p.terminate() }
        for k in 0..<2 {
            input.fileHandleForWriting.write(Data((CLI.jsonLine(["id": "s\(k)", "text": "Rockets struck the base."]) + "\n").utf8))
            let got = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var line = Data()
            DispatchQueue.global().async {
                while !line.contains(0x0A) { let d = output.fileHandleForReading.availableData; if d.isEmpty { break }; line.append(d) }
                got.signal()
            }
            XCTAssertEqual(got.wait(timeout: .now() + 20), .success, "record \(k) did not come out while stdin stayed open")
            XCTAssertTrue(String(decoding: line, as: UTF8.self).hasPrefix("{\"id\":\"s\(k)\""))
        }
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
    }
}
