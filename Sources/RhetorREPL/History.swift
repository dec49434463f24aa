import Foundation

/// The REPL's line history, persisted like psql's: one entry a line, private to the user
/// (mode 0600), a line starting with a space never recorded, a repeated line moved to the end
/// rather than stored twice, the oldest entries dropped past `capacity`.
///
/// Each recorded line is written through at once (temporary file and rename), merged with
/// what other sessions wrote meanwhile, so neither Ctrl-C nor a closed terminal loses it.
public struct HistoryStore {
    /// Entries kept, as psql's HISTSIZE and sqlite3's history do.
    public static let defaultCapacity = 1000

    /// nil: history lives in memory only.
    public let path: String?
    public let capacity: Int
    public private(set) var entries: [String] = []
    /// Why the file could not be read or written, once; nil when all is well.
    public private(set) var problem: String?

    public init(path: String?, capacity: Int = HistoryStore.defaultCapacity) {
        self.path = path
        self.capacity = max(1, capacity)
        entries = Self.cap(load(), to: self.capacity)
    }

    /// Where history lives: `$RHETOR_HISTORY` (empty: do not persist), else
    /// `$XDG_STATE_HOME/rhetor/history`, else `~/.local/state/rhetor/history`.
    public static func defaultPath(environment env: [String: String]) -> String? {
        if let p = env["RHETOR_HISTORY"] { return p.isEmpty ? nil : p }
        if let s = env["XDG_STATE_HOME"], s.hasPrefix("/") { return s + "/rhetor/history" }
        guard let home = env["HOME"], !home.isEmpty else { return nil }
        return home + "/.local/state/rhetor/history"
    }

    /// Whether a line belongs in history: not blank, not starting with a space.
    public static func shouldRecord(_ line: String) -> Bool {
        guard let first = line.first, first != " ", first != "\t" else { return false }
        return !line.allSatisfy(\.isWhitespace)
    }

    /// Records a line; returns false when it is not recorded (blank, leading space, or the same as the last entry).
    @discardableResult
    public mutating func add(_ line: String) -> Bool {
        guard Self.shouldRecord(line) else { return false }
        let entry = line.replacingOccurrences(of: "\n", with: " ")
        if entries.last == entry { return false }
        // Merge with the file: another session may have added lines since we read it.
        var merged = entries
        if let p = path, FileManager.default.fileExists(atPath: p) { merged = load() }
        merged.removeAll { $0 == entry }
        merged.append(entry)
        entries = Self.cap(merged, to: capacity)
        save()
        return true
    }

    static func cap(_ xs: [String], to n: Int) -> [String] { xs.count > n ? Array(xs.suffix(n)) : xs }

    private mutating func load() -> [String] {
        guard let p = path, FileManager.default.fileExists(atPath: p) else { return [] }
        guard let data = FileManager.default.contents(atPath: p) else {
            problem = "\(p): cannot read the history file; check its permissions"
            return []
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Writes the entries through a private temporary file and a rename, mode 0600.
    public mutating func save() {
        guard let p = path else { return }
        do {
            try Self.writePrivate(p, Array((entries.map { $0 + "\n" }.joined()).utf8))
            problem = nil
        } catch {
            problem = "\(p): cannot write the history file (\(error)); set RHETOR_HISTORY to a writable path"
        }
    }

    struct WriteError: Error, CustomStringConvertible { var description: String }

    /// Atomic write of a file only its owner can read; the folder is created 0700.
    static func writePrivate(_ path: String, _ bytes: [UInt8]) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw WriteError(description: String(cString: strerror(errno))) }
        // The umask can only narrow the mode; make sure it is exactly 0600.
        fchmod(fd, 0o600)
        var ok = true
        bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if errno == EINTR { continue }; ok = false; break }
                off += n
            }
        }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw WriteError(description: why)
        }
    }
}
