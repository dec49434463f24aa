import Foundation
import RhetorKit

/// A passage corrected with `:label`, kept as a record in the corpus format of
/// ANNOTATION.md until `:save` appends it to the user's corpus file.
public struct LabelledPassage: Sendable {
    public var id: String
    public var text: String
    /// Label fields in the order they were first set: `stance`, `sectarian`, `actors`, or a
    /// data-only plugin's own field.
    public private(set) var fields: [(String, JSONValue)] = []

    public init(id: String, text: String) { self.id = id; self.text = text }

    /// Records a correction under the plugin's corpus field. For actors, `mention` is the exact
    /// surface text; a role outside ANNOTATION.md's roles (`mention`: plays none) leaves the
    /// actor out but keeps the `actors` field, so training reads its mention as role-less.
    public mutating func apply(_ c: Correction, field: String, mention: String? = nil) {
        var value = fields.first { $0.0 == field }?.1
        switch c {
        case .passage(let label):
            value = .string(label)
        case .target(let target, let label):
            var pairs = value?.object ?? []
            if let k = pairs.firstIndex(where: { $0.0 == target }) { pairs[k].1 = .string(label) } else { pairs.append((target, .string(label))) }
            value = .object(pairs)
        case .actor(let actor, let role):
            var items = value?.array ?? []
            if Annotation.roles.contains(role) {
                // An actor may hold two roles; the same role twice is one.
                if !items.contains(where: { $0["actor"]?.string == actor && $0["role"]?.string == role }) {
                    items.append(.object([("actor", .string(actor)), ("mention", .string(mention ?? actor)), ("role", .string(role))]))
                }
            } else {
                items.removeAll { $0["actor"]?.string == actor }
            }
            value = .array(items)
        }
        if let k = fields.firstIndex(where: { $0.0 == field }) { fields[k].1 = value! } else { fields.append((field, value!)) }
    }

    /// Whether a correction would replace a label this passage already has (a passage label,
    /// or a target's stance; an actor may gather several roles).
    public func replaces(_ c: Correction, field: String) -> Bool {
        guard let value = fields.first(where: { $0.0 == field })?.1 else { return false }
        switch c {
        case .passage: return true
        case .target(let t, _): return value[t] != nil
        case .actor: return false
        }
    }

    /// The corpus record: `{"id", "text", …fields}`.
    public var record: JSONValue {
        .object([("id", .string(id)), ("text", .string(text))] + fields)
    }

    /// The record as one JSONL line.
    public var jsonLine: String {
        var w = JSONWriter()
        w.value(record)
        return String(decoding: w.out, as: UTF8.self) + "\n"
    }
}

/// The user's own corpus of REPL corrections: never the shipped `corpora/`.
public enum UserCorpus {
    /// `$XDG_DATA_HOME/rhetor/corpus.jsonl`, else `~/.local/share/rhetor/corpus.jsonl`.
    public static func defaultPath(environment env: [String: String]) -> String? {
        if let d = env["XDG_DATA_HOME"], d.hasPrefix("/") { return d + "/rhetor/corpus.jsonl" }
        guard let home = env["HOME"], !home.isEmpty else { return nil }
        return home + "/.local/share/rhetor/corpus.jsonl"
    }

    /// Whether `path` lies in the shipped, reviewed corpus (`<cwd>/corpora/`), which the REPL never writes.
    public static func isShipped(_ path: String, cwd: String = FileManager.default.currentDirectoryPath) -> Bool {
        let abs = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL.path
        let shipped = URL(fileURLWithPath: cwd, isDirectory: true).appendingPathComponent("corpora").standardizedFileURL.path
        return abs == shipped || abs.hasPrefix(shipped + "/")
    }

    /// Appends records (one JSONL line each) to `path`, creating its folder; an existing file
    /// that lacks a final newline gets one first, so records never run together.
    public static func append(_ passages: [LabelledPassage], to path: String) throws {
        let fm = FileManager.default
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !fm.fileExists(atPath: dir) {
            do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw RhetorError.input("\(dir): cannot create the folder (\(error.localizedDescription)); pass another file to :save")
            }
        }
        var text = passages.map(\.jsonLine).joined()
        if let existing = fm.contents(atPath: path), let last = existing.last, last != 0x0A { text = "\n" + text }
        if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw RhetorError.input("\(path): cannot open the corpus file for writing; check its permissions or pass another file to :save")
        }
        defer { try? h.close() }
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
    }
}
