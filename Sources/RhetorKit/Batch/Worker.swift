import Foundation

/// What became of one input record: where its output ends in the batch's bytes, how many
/// output records it made, and what went wrong.
public struct RecordOutcome: Sendable {
    /// End of this record's output in `DoneBatch.out`.
    public var end: Int
    public var outRecords: Int
    public var error: String?
    public var warnings: [String] = []
    /// Its index in the whole input (checkpoints).
    public var number: Int
}

/// A batch classified and encoded, waiting for its turn to be written.
public struct DoneBatch: Sendable {
    public var seq: Int
    public var out: [UInt8] = []
    public var outcomes: [RecordOutcome] = []
    public var summary: BatchSummary?
    public var inputBytes = 0
    public var fatal: String?
}

/// Parses, classifies and encodes raw batches. Shared by every worker thread (read-only).
public final class BatchWorker: @unchecked Sendable {
    public let engine: Engine
    public let options: BatchOptions
    let levels: [String: PluginLevel]
    let descriptors: [PluginDescriptor]
    /// The engine runs with every stance target when aggregating or summarising; records show
    /// only the targets the user asked for.
    let hideNoStance: Bool
    /// One large record at a time (see `BatchOptions.largeRecordBytes`).
    let largeRecord = DispatchSemaphore(value: 1)

    public init(engine: Engine, options: BatchOptions) {
        var e = engine
        let userAll = engine.options.allTargets
        if options.aggregate || options.summary { e.options.allTargets = true }
        hideNoStance = e.options.allTargets && !userAll
        self.engine = e
        self.options = options
        descriptors = engine.plugins.map(\.descriptor)
        levels = Dictionary(descriptors.map { ($0.id, $0.level) }, uniquingKeysWith: { a, _ in a })
    }

    public func process(_ b: RawBatch) -> DoneBatch {
        var done = DoneBatch(seq: b.seq, inputBytes: b.inputBytes, fatal: b.fatal)
        var summary = options.summary ? BatchSummary(descriptors: descriptors) : nil
        // Room for the usual output (about 18 bytes per input byte with evidence) at once.
        var w = JSONWriter(capacity: b.bytes.count * 20)
        for raw in b.records {
            let rec = parse(b, raw)
            let large = rec.text.utf8.count > BatchOptions.largeRecordBytes
            if large { largeRecord.wait() }
            var results = classify(rec)
            if large {
                #if os(Linux)
                // Hand the large record's memory back now: each worker thread has its own malloc
                // arena, which would otherwise keep its high-water mark for the rest of the run.
                _ = glibcMallocTrim(0)
                #endif
                largeRecord.signal()
            }
            var outcome = RecordOutcome(end: 0, outRecords: 0, error: rec.error, warnings: rec.warnings, number: raw.number)
            if rec.error != nil, options.onError == .skip { results = [] }
            if rec.error != nil, options.onError == .fail { results = [] }
            for r in results {
                if summary != nil { summary!.add(r.record) } else if let text = r.rendered { w.append(text) } else { encode(r.record, into: &w) }
            }
            outcome.outRecords = results.count
            outcome.end = w.count
            done.outcomes.append(outcome)
            // Under --on-error fail nothing after the bad record is used.
            if rec.error != nil, options.onError == .fail { break }
        }
        done.out = w.take()
        done.summary = summary
        return done
    }

    func encode(_ r: ResultRecord, into w: inout JSONWriter) {
        switch options.format {
        case .jsonl: Encoders.jsonl(r, into: &w)
        case .csv, .tsv: w.append(Encoders.table(r, format: options.format))
        case .pretty:
            if let e = r.error { w.append("── \(r.id)\n  error: \(e)\n") }
        }
    }

    // MARK: parsing

    func parse(_ b: RawBatch, _ raw: RawRecord) -> InputRecord {
        let origin = raw.path ?? "\(b.source):\(raw.line)"
        switch b.format {
        case .csv, .tsv: return parseRow(b, raw, origin: origin)
        case .dir: return readArticle(raw, origin: origin)
        case .text:
            var r = InputRecord(id: String(raw.line), text: "", origin: origin, error: raw.problem)
            if raw.problem == nil {
                r.text = text(b.bytes, raw.start, raw.end) { r.warnings.append("\(origin): record '\(r.id)': invalid UTF-8 replaced with U+FFFD") }
            }
            return r
        default: return parseJSON(b, raw, origin: origin)
        }
    }

    func text(_ bytes: [UInt8], _ a: Int, _ z: Int, repaired: () -> Void) -> String {
        bytes.withUnsafeBufferPointer { p in
            let slice = UnsafeBufferPointer(rebasing: p[a..<z])
            if !isValidUTF8(slice) { repaired() }
            return String(decoding: slice, as: UTF8.self)
        }
    }

    static func isBlank(_ s: String) -> Bool { s.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D } }

    func parseJSON(_ b: RawBatch, _ raw: RawRecord, origin: String) -> InputRecord {
        let o = options.input
        var r = InputRecord(id: String(raw.line), text: "", origin: origin)
        if let p = raw.problem {
            if let id = BatchWorker.sniffID(b.bytes[raw.start..<raw.end], field: o.idField) { r.id = id }
            r.error = p
            return r
        }
        do {
            let (v, repaired) = try JSONReader.parse(b.bytes, raw.start..<raw.end)
            guard v.object != nil else { r.error = "\(origin): expected a JSON object {\"\(o.idField)\": …, \"\(o.textField)\": …}"; return r }
            if let id = v[o.idField]?.scalarText { r.id = id }
            for k in o.keepFields { if let x = v[k] { r.kept.append((k, x)) } }
            guard let t = v[o.textField] else {
                r.error = "\(origin): record '\(r.id)' has no \"\(o.textField)\" field; name the text field with --text-field"
                return r
            }
            guard let s = t.string else { r.error = "\(origin): record '\(r.id)': \"\(o.textField)\" must be a string"; return r }
            r.text = s
            if repaired { r.warnings.append("\(origin): record '\(r.id)': invalid UTF-8 replaced with U+FFFD") }
            if BatchWorker.isBlank(s) { r.warnings.append("\(origin): record '\(r.id)': empty text (classified as it is)") }
        } catch {
            r.error = "\(origin): bad JSON (\(error)); each line must be one JSON object"
        }
        return r
    }

    /// The id of a record too large to parse, found in its first bytes (best effort).
    static func sniffID(_ bytes: ArraySlice<UInt8>, field: String) -> String? {
        let key = Array(("\"" + field + "\"").utf8)
        let b = Array(bytes)
        guard b.count >= key.count else { return nil }
        var i = 0
        while i + key.count <= b.count {
            if b[i] == key[0], Array(b[i..<(i + key.count)]) == key {
                var k = i + key.count
                while k < b.count, b[k] == 0x20 { k += 1 }
                guard k < b.count, b[k] == UInt8(ascii: ":") else { i += 1; continue }
                k += 1
                while k < b.count, b[k] == 0x20 { k += 1 }
                var z = k
                if k < b.count, b[k] == 0x22 {
                    z += 1
                    while z < b.count, b[z] != 0x22 { if b[z] == 0x5C { z += 1 }; z += 1 }
                    z += 1
                } else {
                    while z < b.count, b[z] != 0x2C, b[z] != 0x7D, b[z] != 0x20 { z += 1 }
                }
                guard z <= b.count, let v = try? JSONReader.parse(Array(b[k..<z])) else { return nil }
                return v.scalarText
            }
            i += 1
        }
        return nil
    }

    func parseRow(_ b: RawBatch, _ raw: RawRecord, origin: String) -> InputRecord {
        var r = InputRecord(id: String(raw.line), text: "", origin: origin)
        guard let h = b.header else { r.error = "\(origin): no header"; return r }
        let delimiter: UInt8 = b.format == .tsv ? 0x09 : 0x2C
        let parsed: (fields: [String], repaired: Bool)
        do {
            parsed = try b.bytes.withUnsafeBufferPointer { try CSV.fields(UnsafeBufferPointer(rebasing: $0[raw.start..<raw.end]), delimiter: delimiter) }
        } catch {
            if let p = raw.problem { r.error = p } else { r.error = "\(origin): malformed \(b.format == .tsv ? "TSV" : "CSV") row: \(error)" }
            let loose = b.bytes.withUnsafeBufferPointer { try? CSV.fields(UnsafeBufferPointer(rebasing: $0[raw.start..<raw.end]), delimiter: delimiter, lenient: true) }
            if let i = h.id, let f = loose?.fields, i < f.count, !f[i].isEmpty { r.id = f[i] }
            return r
        }
        let f = parsed.fields
        if let i = h.id, i < f.count, !f[i].isEmpty { r.id = f[i] }
        if let p = raw.problem { r.error = p; return r }
        guard f.count == h.columns.count else {
            let missing = h.text >= f.count ? "; it has no '\(h.columns[h.text])' value" : ""
            r.error = "\(origin): row has \(f.count) fields, the header has \(h.columns.count)\(missing); quote fields that hold the delimiter"
            return r
        }
        r.text = f[h.text]
        for (name, i) in h.kept { r.kept.append((name, .string(f[i]))) }
        if parsed.repaired { r.warnings.append("\(origin): record '\(r.id)': invalid UTF-8 replaced with U+FFFD") }
        if BatchWorker.isBlank(r.text) { r.warnings.append("\(origin): record '\(r.id)': empty text (classified as it is)") }
        return r
    }

    func readArticle(_ raw: RawRecord, origin: String) -> InputRecord {
        var r = InputRecord(id: raw.relativePath ?? origin, text: "", origin: origin, error: raw.problem)
        guard raw.problem == nil, let path = raw.path else { return r }
        guard let data = FileManager.default.contents(atPath: path) else {
            r.error = "\(path): cannot read the file; check its permissions"
            return r
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        r.text = text(bytes, 0, bytes.count) { r.warnings.append("\(origin): record '\(r.id)': invalid UTF-8 replaced with U+FFFD") }
        if BatchWorker.isBlank(r.text) { r.warnings.append("\(origin): record '\(r.id)': empty text (classified as it is)") }
        return r
    }

    // MARK: classifying

    func visible(_ results: [(String, [Decision])]) -> [(String, [Decision])] {
        guard hideNoStance else { return results }
        return results.map { (id, ds) in
            levels[id] == .perTarget ? (id, ds.filter { $0.label != Aggregator.noStance }) : (id, ds)
        }
    }

    /// An output record, and its readable form under `--format pretty`.
    public struct Output: Sendable {
        public var record: ResultRecord
        public var rendered: String?
    }

    /// The output records of one input record: one, or one per segment (plus the aggregate,
    /// which has no `segment` and says how many segments it rolls up in `segments`).
    public func classify(_ rec: InputRecord) -> [Output] {
        if let e = rec.error {
            var r = ResultRecord(id: rec.id, plugins: [], error: e)
            r.kept = rec.kept
            return [Output(record: r)]
        }
        guard let mode = options.segment else {
            let (p, res) = engine.classify(rec.text)
            var r = Output(record: ResultRecord(id: rec.id, plugins: options.summary ? res : visible(res)))
            r.record.kept = rec.kept
            if options.format == .pretty && !options.summary { r.rendered = PrettyPrinter.render(id: rec.id, passage: p, results: visible(res), style: options.style) }
            return [r]
        }
        let segments = Segmenter.split(rec.text, mode: mode, analyzer: engine.analyzer)
        var out: [Output] = []
        var all: [[(String, [Decision])]] = []
        for (k, seg) in segments.enumerated() {
            let (p, res0) = engine.classify(seg.text)
            var res = res0
            Segmenter.shift(&res, by: seg.offset)
            if options.aggregate { all.append(res) }
            // The summary counts documents when aggregating, segments otherwise.
            if options.summary && options.aggregate { continue }
            var r = Output(record: ResultRecord(id: rec.id, segment: k, plugins: options.summary ? res : visible(res)))
            r.record.kept = rec.kept
            if options.format == .pretty && !options.summary {
                r.rendered = PrettyPrinter.render(id: "\(rec.id) #\(k)", passage: p, results: visible(res0), style: options.style)
            }
            out.append(r)
        }
        if options.aggregate {
            let rolled = Aggregator.rollUp(all, levels: levels, maxEvidence: engine.options.maxEvidence)
            var r = Output(record: ResultRecord(id: rec.id, plugins: options.summary ? rolled : visible(rolled)))
            r.record.kept = [("segments", .number(Double(segments.count)))] + rec.kept
            if options.format == .pretty && !options.summary {
                let p = engine.analyzer.analyze(rec.text)
                r.rendered = PrettyPrinter.render(id: "\(rec.id) (document, \(segments.count) segments)", passage: p, results: visible(rolled), style: options.style)
            }
            out.append(r)
        }
        return out
    }
}

#if os(Linux)
/// glibc's `malloc_trim` (not exported by the Glibc module).
@_silgen_name("malloc_trim")
func glibcMallocTrim(_ pad: Int) -> Int32
#endif
