import Foundation

/// A record as the reader split it off, not yet parsed: a byte range of its batch's buffer,
/// or (folder input) a file to read.
public struct RawRecord: Sendable {
    public var start: Int
    public var end: Int
    /// 1-based line where the record starts (the file's position for a folder input).
    public var line: Int
    /// Index of the record in the whole input (0-based), for checkpoints.
    public var number: Int
    /// A problem the reader found (too large, unterminated quote); the bytes are then a prefix.
    public var problem: String?
    /// Folder input: the file's path and its id (path relative to the folder).
    public var path: String?
    public var relativePath: String?
}

/// The CSV/TSV header of one file: where the text, the id and the kept columns are.
public struct TableHeader: Sendable {
    public var columns: [String]
    public var text: Int
    public var id: Int?
    public var kept: [(String, Int)]
}

/// Records split off the input, handed to a worker as one unit.
public struct RawBatch: Sendable {
    public var seq: Int
    public var source: String
    public var format: InputFormat
    public var header: TableHeader?
    public var bytes: [UInt8] = []
    public var records: [RawRecord] = []
    /// Input bytes this batch stands for (progress).
    public var inputBytes = 0
    /// A problem that ends the run (unreadable file, CSV header without the text column),
    /// reported after every record before it.
    public var fatal: String?
}

/// Reads bytes from a file descriptor into a growable buffer; `read(2)` directly, no Foundation.
final class ByteSource {
    let fd: Int32
    var buf: [UInt8]
    var pos = 0          // first unconsumed byte
    var end = 0          // end of valid bytes
    var eof = false
    var total = 0
    static let chunk = 1 << 20

    init(fd: Int32) {
        self.fd = fd
        buf = [UInt8](repeating: 0, count: ByteSource.chunk)
    }

    var available: Int { end - pos }

    /// Reads once more (keeping bytes from `keep` on); false at end of input.
    func fill(keepFrom keep: Int) throws -> Bool {
        if eof { return false }
        if keep > 0 {
            let n = end - keep
            if n > 0 { buf.withUnsafeMutableBufferPointer { p in _ = memmove(p.baseAddress!, p.baseAddress! + keep, n) } }
            pos -= keep; end -= keep
        }
        if buf.count - end < ByteSource.chunk / 2 { buf.append(contentsOf: repeatElement(0, count: max(ByteSource.chunk, buf.count / 2))) }
        let room = buf.count - end
        let n = buf.withUnsafeMutableBufferPointer { p -> Int in
            while true {
                let r = Foundation.read(fd, p.baseAddress! + end, room)
                if r < 0 && errno == EINTR { continue }
                return r
            }
        }
        if n < 0 { throw RhetorError.input("read error (errno \(errno))") }
        if n == 0 { eof = true; return false }
        end += n
        total += n
        return true
    }

    /// Drops everything read so far (after a record was consumed past the buffer).
    func discardAll() { pos = 0; end = 0 }

    /// Index of the next `byte` in buf[from..<end], or nil.
    @inline(__always)
    func find(_ byte: UInt8, from: Int) -> Int? {
        guard from < end else { return nil }
        return buf.withUnsafeBufferPointer { p -> Int? in
            guard let r = memchr(p.baseAddress! + from, Int32(byte), end - from) else { return nil }
            return p.baseAddress!.distance(to: r.assumingMemoryBound(to: UInt8.self))
        }
    }
}

/// Splits the inputs into raw batches on one thread. Parsing is left to the workers, so the
/// serial part of a run is little more than `memchr`.
public final class InputReader: @unchecked Sendable {
    public struct Source: Sendable {
        public var name: String
        public var path: String?        // nil: stdin
        public var format: InputFormat  // resolved (never auto)
        public init(name: String, path: String?, format: InputFormat) { self.name = name; self.path = path; self.format = format }
    }

    let sources: [Source]
    let options: InputOptions
    /// Records to skip (resume): the first `skip` records are split but not handed on.
    let skip: Int
    let emit: (RawBatch) -> Bool
    var seq = 0
    var number = 0
    var batch: RawBatch?

    /// `emit` returns false to stop reading (the writer has stopped).
    public init(sources: [Source], options: InputOptions, skip: Int, emit: @escaping (RawBatch) -> Bool) {
        self.sources = sources; self.options = options; self.skip = skip; self.emit = emit
    }

    /// Total input size when every input is a regular file (for the progress ETA).
    public static func knownSize(_ sources: [Source]) -> Int? {
        var total = 0
        for s in sources {
            var st = stat()
            if let p = s.path {
                if s.format == .dir { return nil }
                guard stat(p, &st) == 0 else { return nil }
            } else {
                guard fstat(0, &st) == 0 else { return nil }
            }
            guard (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            total += Int(st.st_size)
        }
        return total
    }

    /// Reads every source; returns false when stopped early.
    @discardableResult
    public func run() -> Bool {
        for s in sources {
            let ok: Bool
            switch s.format {
            case .dir: ok = readDir(s)
            default:
                var fd: Int32 = 0
                if let p = s.path {
                    fd = open(p, O_RDONLY)
                    if fd < 0 { return fatal(s, "\(p): cannot open the input file (\(String(cString: strerror(errno)))); check the path") }
                }
                defer { if s.path != nil { close(fd) } }
                let src = ByteSource(fd: fd)
                do {
                    ok = (s.format == .csv || s.format == .tsv) ? try readTable(s, src) : try readLines(s, src)
                } catch {
                    return fatal(s, "\(s.name): \(error)")
                }
            }
            if !ok { return false }
        }
        return ship()
    }

    // MARK: batching

    private func current(_ s: Source, header: TableHeader? = nil) -> Int {
        if batch == nil || batch!.source != s.name {
            if batch != nil, !ship() { return -1 }
            batch = RawBatch(seq: seq, source: s.name, format: s.format, header: header)
            batch!.bytes.reserveCapacity(BatchOptions.batchBytes + 4096)
            seq += 1
        }
        return 0
    }

    /// Adds a record (its bytes copied); ships the batch when full. False to stop.
    private func add(_ s: Source, header: TableHeader? = nil, bytes: UnsafeBufferPointer<UInt8>, line: Int, problem: String? = nil,
                     path: String? = nil, relativePath: String? = nil, consumed: Int) -> Bool {
        let n = number
        number += 1
        if n < skip { return true }
        if current(s, header: header) < 0 { return false }
        let start = batch!.bytes.count
        batch!.bytes.append(contentsOf: bytes)
        batch!.records.append(RawRecord(start: start, end: batch!.bytes.count, line: line, number: n, problem: problem, path: path, relativePath: relativePath))
        batch!.inputBytes += consumed
        if batch!.bytes.count >= BatchOptions.batchBytes || batch!.records.count >= BatchOptions.batchRecords { return ship() }
        return true
    }

    /// Hands the current batch on (if any). False to stop.
    @discardableResult
    private func ship() -> Bool {
        guard let b = batch else { return true }
        batch = nil
        if b.records.isEmpty && b.fatal == nil { return true }
        return emit(b)
    }

    private func fatal(_ s: Source, _ message: String) -> Bool {
        if !ship() { return false }
        var b = RawBatch(seq: seq, source: s.name, format: s.format)
        seq += 1
        b.fatal = message
        _ = emit(b)
        return false
    }

    // MARK: lines (JSONL, plain text)

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    /// Bytes of an oversized record kept, so the worker can still find its id.
    static let prefixKept = 64 << 10

    private func readLines(_ s: Source, _ src: ByteSource) throws -> Bool {
        var lineNo = 0
        let max = options.maxRecordBytes
        let skipBlank = s.format == .jsonl
        while true {
            // Every complete line in the buffer.
            while let nl = src.find(0x0A, from: src.pos) {
                lineNo += 1
                if !lineRecord(s, src, src.pos, nl, lineNo, skipBlank: skipBlank, consumed: nl + 1 - src.pos) { return false }
                src.pos = nl + 1
            }
            // Never hold records back while waiting for input (streaming).
            if !ship() { return false }
            if src.available > max {
                // An oversized line: keep a prefix, discard the rest up to its newline.
                lineNo += 1
                let prefix = Array(src.buf[src.pos..<min(src.end, src.pos + InputReader.prefixKept)])
                var size = src.available
                src.discardAll()
                var found = false
                while try src.fill(keepFrom: 0) {
                    if let nl = src.find(0x0A, from: 0) { size += nl + 1; src.pos = nl + 1; found = true; break }
                    size += src.available
                    src.discardAll()
                }
                let ok = prefix.withUnsafeBufferPointer {
                    add(s, bytes: $0, line: lineNo, problem: "\(s.name):\(lineNo): record of \(InputReader.mb(size)) exceeds --max-record-bytes (\(InputReader.mb(max))); split it (--segment needs it read whole too) or raise the limit", consumed: size)
                }
                if !ok { return false }
                _ = found
                continue
            }
            if try !src.fill(keepFrom: src.pos) {
                // Last line without a newline.
                if src.available > 0 {
                    lineNo += 1
                    if !lineRecord(s, src, src.pos, src.end, lineNo, skipBlank: skipBlank, consumed: src.available) { return false }
                    src.pos = src.end
                }
                return ship()
            }
        }
    }

    private func lineRecord(_ s: Source, _ src: ByteSource, _ a: Int, _ b: Int, _ lineNo: Int, skipBlank: Bool, consumed: Int) -> Bool {
        var a = a, b = b
        if b > a, src.buf[b - 1] == 0x0D { b -= 1 }
        if lineNo == 1, b - a >= 3, src.buf[a] == 0xEF, src.buf[a + 1] == 0xBB, src.buf[a + 2] == 0xBF { a += 3 }
        if skipBlank {
            var k = a
            while k < b, src.buf[k] == 0x20 || src.buf[k] == 0x09 { k += 1 }
            if k == b { return true }
        }
        return src.buf.withUnsafeBufferPointer { p in
            add(s, bytes: UnsafeBufferPointer(rebasing: p[a..<b]), line: lineNo, consumed: consumed)
        }
    }

    static func mb(_ n: Int) -> String {
        n >= 1 << 20 ? fixed(Double(n) / 1048576, 1) + " MiB" : fixed(Double(n) / 1024, 1) + " KiB"
    }

    // MARK: CSV / TSV

    private func readTable(_ s: Source, _ src: ByteSource) throws -> Bool {
        let delimiter: UInt8 = s.format == .tsv ? 0x09 : 0x2C
        var lineNo = 1          // line where the next record starts
        var header: TableHeader?
        let max = options.maxRecordBytes
        var first = true
        while true {
            if first {
                if src.available < 3, try !src.fill(keepFrom: src.pos), src.available == 0 { return ship() }
                if src.available >= 3, src.buf[src.pos] == 0xEF, src.buf[src.pos + 1] == 0xBB, src.buf[src.pos + 2] == 0xBF { src.pos += 3 }
                first = false
            }
            // Scan one record from src.pos: quotes hide delimiters and newlines.
            var k = src.pos
            var inQuotes = false
            var newlines = 0
            var endOfRecord = -1
            var firstLineEnd = -1
            while true {
                while k < src.end {
                    let c = src.buf[k]
                    if c == 0x22 { inQuotes.toggle() } else if c == 0x0A {
                        if firstLineEnd < 0 { firstLineEnd = k }
                        if !inQuotes { endOfRecord = k; break }
                        newlines += 1
                    }
                    k += 1
                }
                if endOfRecord >= 0 { break }
                if k - src.pos > max { break }
                if !src.eof, src.available < ByteSource.chunk, header != nil, !ship() { return false }
                let before = src.pos
                let more = try src.fill(keepFrom: src.pos)
                let shift = before - src.pos       // fill moves the unread bytes to the front
                k -= shift
                if firstLineEnd >= 0 { firstLineEnd -= shift }
                if !more { break }
            }
            let atEOF = endOfRecord < 0
            if atEOF && src.available == 0 { return ship() }
            var problem: String?
            var recEnd = endOfRecord >= 0 ? endOfRecord : min(k, src.end)
            var next = endOfRecord >= 0 ? endOfRecord + 1 : src.end
            var consumedLines = newlines + 1
            if endOfRecord < 0 && (inQuotes || k - src.pos > max) {
                // Unterminated quote or an oversized record: the bad record is its first line;
                // reading resumes on the next line.
                let tooBig = k - src.pos > max
                problem = tooBig
                    ? "\(s.name):\(lineNo): record exceeds --max-record-bytes (\(InputReader.mb(max))); an unterminated quote? close it, or raise the limit"
                    : "\(s.name):\(lineNo): unterminated quoted field (the closing \" is missing); close the quote"
                if firstLineEnd >= 0 {
                    recEnd = firstLineEnd; next = firstLineEnd + 1
                } else {
                    // One huge line: keep a prefix, discard the rest of it.
                    let prefixEnd = min(src.end, src.pos + InputReader.prefixKept)
                    let prefix = Array(src.buf[src.pos..<prefixEnd])
                    src.discardAll()
                    while try src.fill(keepFrom: 0) {
                        if let nl = src.find(0x0A, from: 0) { src.pos = nl + 1; break }
                        src.discardAll()
                    }
                    guard header != nil else { return fatal(s, problem!) }
                    let ok = prefix.withUnsafeBufferPointer { add(s, header: header, bytes: $0, line: lineNo, problem: problem, consumed: prefix.count) }
                    if !ok { return false }
                    lineNo += 1
                    continue
                }
                consumedLines = 1
            }
            var a = src.pos, b = recEnd
            if b > a, src.buf[b - 1] == 0x0D { b -= 1 }
            let recordLine = lineNo
            lineNo += consumedLines
            let consumed = next - src.pos
            src.pos = next
            if header == nil {
                if let p = problem { return fatal(s, p + " (in the header)") }
                let cols: [String]
                do { cols = try src.buf.withUnsafeBufferPointer { try CSV.fields(UnsafeBufferPointer(rebasing: $0[a..<b]), delimiter: delimiter).fields } } catch {
                    return fatal(s, "\(s.name):\(recordLine): bad header: \(error)")
                }
                guard let t = cols.firstIndex(of: options.textColumn) else {
                    return fatal(s, "\(s.name):\(recordLine): no column '\(options.textColumn)' in the header (columns: \(cols.joined(separator: ", "))); name the text column with --text-column")
                }
                header = TableHeader(columns: cols, text: t, id: cols.firstIndex(of: options.idColumn),
                                     kept: options.keepFields.compactMap { f in cols.firstIndex(of: f).map { (f, $0) } })
                continue
            }
            // A blank line between records holds no record.
            if problem == nil {
                var z = a
                while z < b, src.buf[z] == 0x20 { z += 1 }
                if z == b { continue }
            }
            a = min(a, b)
            let ok = src.buf.withUnsafeBufferPointer { p in
                add(s, header: header, bytes: UnsafeBufferPointer(rebasing: p[a..<b]), line: recordLine, problem: problem, consumed: consumed)
            }
            if !ok { return false }
            if atEOF && problem == nil && src.available == 0 { return ship() }
        }
    }

    // MARK: folders of articles

    /// `.txt` and `.md` files under a folder, sorted by relative path (byte order), hidden ones skipped.
    public static func articles(in dir: String) -> [String] {
        var out: [String] = []
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        while let rel = e.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") { e.skipDescendants(); continue }
            let lower = name.lowercased()
            guard lower.hasSuffix(".txt") || lower.hasSuffix(".md") else { continue }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir), !isDir.boolValue { out.append(rel) }
        }
        return out.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    private func readDir(_ s: Source) -> Bool {
        guard let dir = s.path else { return fatal(s, "--input-format dir needs a folder, not stdin") }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            return fatal(s, "\(dir): not a folder; --input-format dir reads a folder of .txt/.md articles")
        }
        let max = options.maxRecordBytes
        for rel in InputReader.articles(in: dir) {
            let path = dir.hasSuffix("/") ? dir + rel : dir + "/" + rel
            var st = stat()
            let size = stat(path, &st) == 0 ? Int(st.st_size) : 0
            let problem = size > max ? "\(path): file of \(InputReader.mb(size)) exceeds --max-record-bytes (\(InputReader.mb(max))); raise the limit" : nil
            if !add(s, bytes: UnsafeBufferPointer(start: nil, count: 0), line: 0, problem: problem, path: path, relativePath: rel, consumed: size) { return false }
            // A file is a whole document: batch by size as well as by count.
            if batch != nil, batch!.inputBytes >= BatchOptions.batchBytes, !ship() { return false }
        }
        return ship()
    }
}

/// RFC 4180 fields: `"` quotes a field, `""` inside quotes is one quote, quoted fields may hold
/// delimiters and newlines. Also used for TSV (quoting only when a field starts with `"`).
public enum CSV {
    public struct Malformed: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Splits one record; `repaired` is true when invalid UTF-8 was replaced.
    /// `lenient`: never throws; a field with a stray or missing quote is taken as it stands (to
    /// find the id of a bad row).
    public static func fields(_ b: UnsafeBufferPointer<UInt8>, delimiter: UInt8, lenient: Bool = false) throws -> (fields: [String], repaired: Bool) {
        var out: [String] = []
        var repaired = false
        var i = 0
        let n = b.count
        func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
            if !isValidUTF8(bytes) { repaired = true }
            return String(decoding: bytes, as: UTF8.self)
        }
        while true {
            if i < n, b[i] == 0x22 {
                var field: [UInt8] = []
                i += 1
                var closed = false
                while i < n {
                    if b[i] == 0x22 {
                        if i + 1 < n, b[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                        i += 1; closed = true; break
                    }
                    field.append(b[i]); i += 1
                }
                guard closed || lenient else { throw Malformed(message: "unterminated quoted field in column \(out.count + 1); close the quote") }
                if i < n, b[i] != delimiter {
                    guard lenient else {
                        throw Malformed(message: "text after the closing quote of column \(out.count + 1); quote the whole field and double inner quotes (\"\")")
                    }
                    while i < n, b[i] != delimiter { field.append(b[i]); i += 1 }
                }
                out.append(field.withUnsafeBufferPointer { text($0) })
            } else {
                let s = i
                while i < n, b[i] != delimiter { i += 1 }
                out.append(text(UnsafeBufferPointer(rebasing: b[s..<i])))
            }
            if i >= n { break }
            i += 1     // the delimiter
        }
        return (out, repaired)
    }
}
