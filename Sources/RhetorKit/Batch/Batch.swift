import Foundation

/// One record to classify, as read from the input.
public struct InputRecord: Sendable {
    public var id: String
    public var text: String
    public var kept: [(String, JSONValue)] = []
    /// Why the record could not be read (bad JSON, missing text field); nil when fine.
    public var error: String?
    /// "file:line", for messages.
    public var origin: String
    public var warning: String?
    public init(id: String, text: String, origin: String, error: String? = nil) {
        self.id = id; self.text = text; self.origin = origin; self.error = error
    }
}

public enum InputFormat: String, Sendable, CaseIterable {
    case auto, jsonl, text, csv, tsv, dir
}

public enum OnError: String, Sendable, CaseIterable {
    /// Stop at the first bad record (after writing every record before it), exit 1.
    case fail
    /// Warn on stderr, write nothing for it, count it.
    case skip
    /// Write an output record with `error` set and empty plugins.
    case record
}

public struct InputOptions: Sendable {
    public var format: InputFormat = .auto
    public var textField = "text"
    public var idField = "id"
    public var keepFields: [String] = []
    public init() {}
}

/// Reads JSONL or plain-text lines from a byte stream, one record per line, streaming.
public struct LineRecordReader {
    let handle: FileHandle
    let name: String
    let format: InputFormat
    let options: InputOptions
    var buffer: [UInt8] = []
    var position = 0
    var eof = false
    public private(set) var lineNo = 0
    public private(set) var bytesRead = 0
    static let chunk = 1 << 20

    public init(handle: FileHandle, name: String, format: InputFormat, options: InputOptions) {
        self.handle = handle; self.name = name; self.format = format; self.options = options
    }

    /// The next line's bytes (without the newline and CR), or nil at end of input.
    mutating func nextLine() -> ArraySlice<UInt8>? {
        while true {
            if let nl = buffer[position...].firstIndex(of: 0x0A) {
                var end = nl
                if end > position, buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[position..<end]
                position = nl + 1
                return line
            }
            if eof {
                guard position < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[position..<end]
                position = buffer.count
                return line
            }
            if position > 0 { buffer.removeSubrange(0..<position); position = 0 }
            let data = handle.readData(ofLength: LineRecordReader.chunk)
            if data.isEmpty { eof = true } else { buffer.append(contentsOf: data); bytesRead += data.count }
        }
    }

    /// The next record; blank lines are skipped for JSONL (they hold no record) but kept as empty passages in text mode.
    public mutating func next() -> InputRecord? {
        while let raw = nextLine() {
            lineNo += 1
            var line = raw
            if lineNo == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
            let origin = "\(name):\(lineNo)"
            if format == .text {
                var r = InputRecord(id: String(lineNo), text: "", origin: origin)
                if let s = String(validating: line, as: UTF8.self) { r.text = s } else {
                    r.text = String(decoding: line, as: UTF8.self)
                    r.warning = "\(origin): invalid UTF-8 replaced with U+FFFD"
                }
                return r
            }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            return LineRecordReader.parseJSONRecord(Array(line), origin: origin, fallbackID: String(lineNo), options: options)
        }
        return nil
    }

    public static func parseJSONRecord(_ bytes: [UInt8], origin: String, fallbackID: String, options: InputOptions) -> InputRecord {
        var r = InputRecord(id: fallbackID, text: "", origin: origin)
        do {
            let (v, repaired) = try JSONReader.parse(bytes, 0..<bytes.count)
            if repaired { r.warning = "\(origin): invalid UTF-8 replaced with U+FFFD" }
            guard v.object != nil else { r.error = "\(origin): expected a JSON object with a \"\(options.textField)\" field"; return r }
            if let id = v[options.idField]?.scalarText { r.id = id }
            guard let t = v[options.textField] else {
                r.error = "\(origin): record '\(r.id)' has no \"\(options.textField)\" field; name the text field with --text-field"
                return r
            }
            guard let s = t.string else { r.error = "\(origin): record '\(r.id)': \"\(options.textField)\" must be a string"; return r }
            r.text = s
            for k in options.keepFields { if let x = v[k] { r.kept.append((k, x)) } }
        } catch {
            r.error = "\(origin): bad JSON (\(error)); each line must be one JSON object"
        }
        return r
    }
}

/// Classifies records in order on several threads: records are taken in chunks, each chunk is
/// classified in parallel, and results are written in input order before the next chunk.
/// Memory stays bounded by the chunk size whatever the input size.
public final class BatchClassifier: @unchecked Sendable {
    public let engine: Engine
    public let jobs: Int
    public var chunkSize = 512

    public init(engine: Engine, jobs: Int) {
        self.engine = engine
        self.jobs = max(1, jobs)
    }

    public func classify(_ r: InputRecord) -> ResultRecord {
        if let e = r.error { return ResultRecord(id: r.id, plugins: [], error: e) }
        var out = ResultRecord(id: r.id, plugins: engine.classify(r.text).results)
        out.kept = r.kept
        return out
    }

    /// Classifies a chunk, preserving order.
    public func classify(chunk: [InputRecord]) -> [ResultRecord] {
        if jobs == 1 || chunk.count < 2 { return chunk.map(classify) }
        let slots = Slots(count: chunk.count)
        let stride = (chunk.count + jobs - 1) / jobs
        DispatchQueue.concurrentPerform(iterations: jobs) { j in
            let lo = j * stride, hi = min(chunk.count, lo + stride)
            guard lo < hi else { return }
            for k in lo..<hi { slots.buffer[k] = classify(chunk[k]) }
        }
        return slots.buffer.map { $0! }
    }
}

/// Result slots written by disjoint index ranges from several threads.
final class Slots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<ResultRecord?>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }
    deinit {
        _ = buffer.deinitialize()
        buffer.deallocate()
    }
}
