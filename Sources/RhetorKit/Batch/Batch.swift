import Foundation

// Batch classification: `rhetor classify` over a corpus of any size.
//
//   InputReader (1 thread)  ─ raw batches ─▶  workers (--jobs threads)  ─ done batches ─▶  writer (caller's thread)
//   splits records only:       bounded           parse, segment, classify,     reorder       writes in input order,
//   lines / CSV rows / files   queue             aggregate, encode             buffer        on-error policy, checkpoint
//
// Everything between reader and writer is bounded by `BatchOptions.inFlight` batches, so memory
// stays flat whatever the input size. The reader never holds a record while it waits for more
// input, so slow streams (`tail -f | rhetor classify`) get each record through at once.

/// The input formats `rhetor classify` reads.
public enum InputFormat: String, Sendable, CaseIterable {
    case auto, jsonl, csv, tsv, text, dir

    /// The format of a named input under `auto`: by extension; a folder is `dir`; stdin is JSONL.
    public static func detect(path: String?) -> InputFormat {
        guard let path else { return .jsonl }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue { return .dir }
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return .tsv }
        if lower.hasSuffix(".txt") || lower.hasSuffix(".md") { return .text }
        return .jsonl
    }
}

public enum OnError: String, Sendable, CaseIterable {
    /// Stop at the first bad record (after writing every record before it), exit 1.
    case fail
    /// Warn on stderr, write nothing for it, count it.
    case skip
    /// Write an output record with `error` set and empty plugins.
    case record
}

public enum SegmentMode: String, Sendable, CaseIterable {
    case paragraph, sentence
}

public struct InputOptions: Sendable {
    public var format: InputFormat = .auto
    /// JSONL fields holding the text and the id.
    public var textField = "text"
    public var idField = "id"
    /// CSV/TSV header columns holding the text and the id.
    public var textColumn = "text"
    public var idColumn = "id"
    /// Input fields (JSONL) or columns (CSV/TSV) copied into each output record.
    public var keepFields: [String] = []
    /// A record (line, CSV row, file) larger than this is a bad record, not read into memory.
    public var maxRecordBytes = BatchOptions.defaultMaxRecordBytes
    public init() {}
}

public struct BatchOptions: Sendable {
    /// Records larger than this are refused (bad input) rather than classified: classifying one
    /// passage with the three built-in plugins takes about 100 bytes of memory per input byte
    /// (tokens, features per target, evidence, malloc slack), so 256 KiB (some 40,000 words)
    /// costs ~35 MB above the ~45 MB of models: well inside the 150 MB budget. Raise it for
    /// longer passages (memory grows with it), or split documents with --segment paragraph.
    public static let defaultMaxRecordBytes = 256 << 10
    /// Records larger than this are classified one at a time across all workers, so two large
    /// records never add up in memory.
    public static let largeRecordBytes = 64 << 10
    /// Target raw input per batch: large enough to amortise queue hand-offs, small enough that
    /// `inFlight` batches of input and output stay a few MB.
    public static let batchBytes = 128 << 10
    public static let batchRecords = 256

    public var input = InputOptions()
    public var onError: OnError = .fail
    public var format: OutputFormat = .jsonl
    public var segment: SegmentMode?
    /// With `segment`: one document-level record per document, after its segments.
    public var aggregate = false
    /// Count labels instead of writing records.
    public var summary = false
    public var jobs = 1
    /// Batches between reader and writer at most (queued, being classified, waiting to be written).
    public var inFlight: Int { max(4, jobs * 3) }
    public var style = Style(enabled: false)
    public init() {}
}

/// One input record, parsed: what a worker classifies.
public struct InputRecord: Sendable {
    public var id: String
    public var text: String
    public var kept: [(String, JSONValue)] = []
    /// Why the record could not be read (bad JSON, missing text field, too large); nil when fine.
    public var error: String?
    /// "file:line", for messages.
    public var origin: String
    public var warnings: [String] = []
    public init(id: String, text: String, origin: String, error: String? = nil) {
        self.id = id; self.text = text; self.origin = origin; self.error = error
    }
}

/// Counts for the end-of-run line and the checkpoint.
public struct BatchCounts: Sendable, Equatable {
    /// Input records consumed (lines, CSV rows, files), good or bad.
    public var recordsIn = 0
    /// Output records written (segments and aggregates count one each).
    public var recordsOut = 0
    public var errors = 0
    public var skipped = 0
    public var warnings = 0
    public var bytesIn = 0
    public init() {}

    public var line: String {
        var s = "records in \(recordsIn), out \(recordsOut), errors \(errors)"
        if skipped > 0 { s += " (\(skipped) skipped)" }
        if warnings > 0 { s += ", warnings \(warnings)" }
        return s
    }
}
