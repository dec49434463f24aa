import Foundation
import XCTest

/// Runs the built `rhetor` binary. Where it is, in order: `$RHETOR_BIN`; beside this test
/// bundle (the same build folder, whatever --scratch-path was used); `.build/debug/rhetor`
/// under the package root (found by walking up from this file to `Package.swift`).
enum CLI {
    static let root: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    static let binary: String? = {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["RHETOR_BIN"], !env.isEmpty { candidates.append(env) }
        // The xctest runner and bundle live in the build folder that also holds the executable.
        for p in [Bundle.main.bundlePath, Bundle(for: Marker.self).bundlePath, CommandLine.arguments.first ?? ""] where !p.isEmpty {
            var dir = URL(fileURLWithPath: p)
            for _ in 0..<4 {
                dir = dir.deletingLastPathComponent()
                candidates.append(dir.appendingPathComponent("rhetor").path)
            }
        }
        candidates.append(root.appendingPathComponent(".build/debug/rhetor").path)
        return candidates.first { path in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue && FileManager.default.isExecutableFile(atPath: path)
        }
    }()

    final class Marker {}

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var out: String { String(decoding: stdout, as: UTF8.self) }
        var lines: [String] { out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
        /// Output lines parsed as JSON objects.
        func json() throws -> [[String: Any]] {
            try lines.map { line in
                guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { throw CLIError("not an object: \(line)") }
                return o
            }
        }
    }

    struct CLIError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    static func requireBinary() throws -> String {
        guard let b = binary else {
            throw XCTSkip("rhetor binary not found: build it first (swift build), or set RHETOR_BIN")
        }
        return b
    }

    /// Runs rhetor with arguments, optional stdin bytes, in a working folder. Output goes through
    /// files, so large outputs cannot deadlock a pipe.
    @discardableResult
    static func run(_ args: [String], stdin: Data? = nil, cwd: String? = nil, env: [String: String] = [:]) throws -> Result {
        let bin = try requireBinary()
        let tmp = URL(fileURLWithPath: tempRoot).appendingPathComponent("run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let outURL = tmp.appendingPathComponent("out"), errURL = tmp.appendingPathComponent("err"), inURL = tmp.appendingPathComponent("in")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        FileManager.default.createFile(atPath: inURL.path, contents: stdin ?? Data())
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var e = ProcessInfo.processInfo.environment
        e["NO_COLOR"] = "1"
        e.removeValue(forKey: "RHETOR_MODELS")
        for (k, v) in env { e[k] = v }
        p.environment = e
        let o = try FileHandle(forWritingTo: outURL), er = try FileHandle(forWritingTo: errURL), i = try FileHandle(forReadingFrom: inURL)
        p.standardOutput = o
        p.standardError = er
        p.standardInput = i
        try p.run()
        p.waitUntilExit()
        try? o.close(); try? er.close(); try? i.close()
        return Result(status: p.terminationStatus, stdout: try Data(contentsOf: outURL),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Every folder these tests make (the shared fixture models included) lives under one folder
    /// per test process, removed when the process exits.
    static let tempRoot: String = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rhetor-cli-tests-\(getpid())").path
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: CLI.tempRoot) }
        return root
    }()

    static func tempDir(_ name: String) throws -> String {
        let d = tempRoot + "/rhetor-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func write(_ path: String, bytes: [UInt8]) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func jsonLine(_ o: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// Models for the CLI tests, trained once per test run in a temporary folder:
/// - `mini`: a data-only plugin (labels a, b) trained on a small made-up corpus: fast, and
///   enough for every input/output/fault test;
/// - the three built-in plugins trained on a slice of the repository corpus (from the repository
///   root, so with their lexicons and the gazetteer), for
///   segmentation and aggregation tests that need per-target, ordinal and per-actor plugins.
/// Tests check structure and invariants, never that a label is right.
enum Fixture {
    struct Models {
        var dir: String        // working folder (holds Plugins/mini and the corpus slices)
        var mini: String       // models folder with mini.model only
        var builtins: String   // models folder with stance, sectarian, actor-role
    }

    static let miniTexts: [(String, String)] = [
        ("Rockets struck the base and the militia claimed the attack on the convoy.", "a"),
        ("Gunmen fired mortars at the airport and a drone attack hit the depot.", "a"),
        ("The militia shelled the camp; fighters ambushed a patrol near the border.", "a"),
        ("An explosion killed soldiers when rockets hit the checkpoint at night.", "a"),
        ("Parliament approved the budget after ministers agreed on the reform plan.", "b"),
        ("The prime minister met the envoy and both sides signed a trade agreement.", "b"),
        ("Talks on electricity and water services resumed in Baghdad on Monday.", "b"),
        ("The ministry announced new jobs for graduates and a housing programme.", "b"),
    ]

    nonisolated(unsafe) private static var cached: Models?
    private static let lock = NSLock()

    static func models() throws -> Models {
        lock.lock(); defer { lock.unlock() }
        if let c = cached { return c }
        let dir = try CLI.tempDir("fixture")
        try CLI.write(dir + "/Plugins/mini/plugin.json", #"{"id": "mini", "summary": "test plugin", "labels": ["a", "b"]}"#)
        var corpus = ""
        for k in 0..<40 {
            let (t, l) = miniTexts[k % miniTexts.count]
            corpus += CLI.jsonLine(["id": "m\(k)", "text": t, "mini": l]) + "\n"
        }
        try CLI.write(dir + "/mini.jsonl", corpus)
        let r = try CLI.run(["train", "mini", "--corpus", "mini.jsonl", "--models", "models-mini"], cwd: dir)
        guard r.status == 0 else { throw CLI.CLIError("training mini failed: \(r.stderr)") }

        // Built-ins: a slice of the repository corpus, trained from the repository root.
        let fm = FileManager.default
        var slice = ""
        let corporaDir = CLI.root.appendingPathComponent("corpora").path
        let files = (fm.enumerator(atPath: corporaDir)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
        for f in files {
            let text = try String(contentsOfFile: corporaDir + "/" + f, encoding: .utf8)
            slice += text.split(separator: "\n").prefix(25).joined(separator: "\n") + "\n"
        }
        try CLI.write(dir + "/slice.jsonl", slice)
        for id in ["stance", "sectarian", "actor-role"] {
            let t = try CLI.run(["train", id, "--corpus", dir + "/slice.jsonl", "--models", dir + "/models-builtin"], cwd: CLI.root.path)
            guard t.status == 0 else { throw CLI.CLIError("training \(id) failed: \(t.stderr)") }
        }
        let m = Models(dir: dir, mini: dir + "/models-mini", builtins: dir + "/models-builtin")
        cached = m
        return m
    }
}

/// A test case with the shared fixture models (`m`) and its own empty working folder (`tmp`),
/// removed after each test.
class FixtureTestCase: XCTestCase {
    var m: Fixture.Models!
    var tmp: String!
    /// Names the working folder, so a leftover one says which suite made it.
    class var workFolderName: String { "cli" }

    override func setUpWithError() throws {
        _ = try CLI.requireBinary()
        m = try Fixture.models()
        tmp = try CLI.tempDir(Self.workFolderName)
    }

    override func tearDownWithError() throws {
        if let tmp { try? FileManager.default.removeItem(atPath: tmp) }
    }
}
