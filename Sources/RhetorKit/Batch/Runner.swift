import Foundation

/// Where output goes: a file descriptor written with `write(2)`, whole batches at a time.
public final class OutputSink: @unchecked Sendable {
    public let fd: Int32
    /// Bytes in the output (including what a resumed run found there).
    public private(set) var bytes: Int
    /// A pipe or socket: the reader downstream is waiting for each record.
    public let isPipe: Bool

    public init(fd: Int32, bytes: Int = 0) {
        self.fd = fd
        self.bytes = bytes
        var st = stat()
        isPipe = fstat(fd, &st) == 0 && ((st.st_mode & S_IFMT) == S_IFIFO || (st.st_mode & S_IFMT) == S_IFSOCK)
    }

    /// Writes all of `b[range]`; a write error (disk full, closed pipe) ends the run.
    public func write(_ b: [UInt8], _ range: Range<Int>) throws {
        var off = range.lowerBound
        try b.withUnsafeBufferPointer { p in
            while off < range.upperBound {
                let n = Foundation.write(fd, p.baseAddress! + off, range.upperBound - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RhetorError.input("cannot write the output (\(String(cString: strerror(errno))))")
                }
                off += n
            }
        }
        bytes += range.count
    }

    public func write(_ s: String) throws { let b = Array(s.utf8); try write(b, 0..<b.count) }
}

/// A FIFO with a fixed number of slots shared by producers and consumers.
final class BlockingQueue<T>: @unchecked Sendable {
    private var items: [T] = []
    private var head = 0
    private var closed = false
    private let cond = NSCondition()

    func push(_ x: T) {
        cond.lock(); items.append(x); cond.signal(); cond.unlock()
    }

    /// The next item, or nil once closed and drained.
    func pop() -> T? {
        cond.lock(); defer { cond.unlock() }
        while head == items.count && !closed { cond.wait() }
        guard head < items.count else { return nil }
        let x = items[head]
        head += 1
        if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
        return x
    }

    func close() { cond.lock(); closed = true; cond.broadcast(); cond.unlock() }
}

/// `--resume` state, kept beside the output file while a run writes it: how many input records
/// are fully written and how long the output was then. Written through a temporary file and a
/// rename, so it is always whole; the output is truncated back to `bytes` on resume, which drops
/// any half-written record.
public struct Checkpoint: Sendable, Equatable {
    public var settings: String
    public var records: Int
    public var bytes: Int
    public var counts: BatchCounts

    public init(settings: String, records: Int, bytes: Int, counts: BatchCounts) {
        self.settings = settings; self.records = records; self.bytes = bytes; self.counts = counts
    }

    public static func path(for output: String) -> String { output + ".rhetor-resume" }

    public func save(_ path: String) throws {
        var w = JSONWriter()
        w.raw("{\"version\":1,\"settings\":"); w.string(settings)
        w.raw(",\"records\":"); w.int(records)
        w.raw(",\"bytes\":"); w.int(bytes)
        w.raw(",\"out\":"); w.int(counts.recordsOut)
        w.raw(",\"errors\":"); w.int(counts.errors)
        w.raw(",\"skipped\":"); w.int(counts.skipped)
        w.raw(",\"warnings\":"); w.int(counts.warnings)
        w.raw(",\"bytesIn\":"); w.int(counts.bytesIn)
        w.raw("}\n")
        try writeFileAtomically(path, w.out)
    }

    public static func load(_ path: String) throws -> Checkpoint {
        let v: JSONValue
        do { v = try JSONReader.parse(try readBytes(path)) } catch let e as JSONParseError {
            throw RhetorError.input("\(path): damaged checkpoint (\(e)); delete it and the output to start over")
        }
        func int(_ k: String) throws -> Int {
            guard let n = v[k]?.number else { throw RhetorError.input("\(path): damaged checkpoint (no \(k)); delete it and the output to start over") }
            return Int(n)
        }
        var c = BatchCounts()
        c.recordsIn = try int("records"); c.recordsOut = try int("out"); c.errors = try int("errors")
        c.skipped = try int("skipped"); c.warnings = try int("warnings"); c.bytesIn = try int("bytesIn")
        return Checkpoint(settings: v["settings"]?.string ?? "", records: try int("records"), bytes: try int("bytes"), counts: c)
    }
}

/// A one-line progress display on stderr (only when it is a terminal).
public final class ProgressLine: @unchecked Sendable {
    let total: Int?
    let start = Date()
    var last = Date.distantPast
    let startBytes: Int
    var shown = false
    /// Redraws at most this often.
    static let interval = 0.2

    public init(total: Int?, alreadyDone: Int) { self.total = total; startBytes = alreadyDone }

    public func update(_ c: BatchCounts, force: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(last) >= ProgressLine.interval else { return }
        last = now
        let t = max(0.001, now.timeIntervalSince(start))
        let done = c.bytesIn - startBytes
        let mbps = Double(done) / 1_048_576 / t
        var s = "\r\u{1B}[K\(c.recordsIn) records  \(Int(Double(c.recordsIn) / t)) rec/s  \(fixed(mbps, 1)) MB/s"
        if let total, total > 0 {
            let pct = min(100, Double(c.bytesIn) * 100 / Double(total))
            s += "  \(fixed(pct, 0))%"
            if done > 0 {
                let eta = Int(Double(total - c.bytesIn) / (Double(done) / t))
                s += "  ETA \(eta / 3600 > 0 ? "\(eta / 3600):" : "")\(String(format: "%02d:%02d", eta / 60 % 60, eta % 60))"
            }
        }
        if c.errors > 0 { s += "  errors \(c.errors)" }
        FileHandle.standardError.write(Data(s.utf8))
        shown = true
    }

    public func clear() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        shown = false
    }
}

/// Runs one batch classification: reader thread, worker threads, and the ordered writer on the
/// calling thread.
public final class BatchRunner: @unchecked Sendable {
    public enum Outcome: Sendable, Equatable {
        case completed
        /// A bad record under --on-error fail.
        case failed(String)
        /// The input could not be read at all (unreadable file, CSV header without the text column).
        case fatal(String)
    }

    let worker: BatchWorker
    let options: BatchOptions
    let sources: [InputReader.Source]
    let sink: OutputSink
    let skip: Int
    public private(set) var counts: BatchCounts
    public var progress: ProgressLine?
    public var checkpoint: (path: String, settings: String)?
    public var summary: BatchSummary?
    /// Held while a batch is written and counted, so an interrupt sees whole batches only.
    public let writeLock = NSLock()
    /// Prints warnings and skip notices (stderr).
    public var warn: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    // Ordered hand-over from workers to the writer.
    private let doneCond = NSCondition()
    private var done: [Int: DoneBatch] = [:]
    private var finalSeq: Int?
    private var stopped = false
    private let slots: DispatchSemaphore
    private var lastCheckpoint = Date.distantPast
    /// Checkpoints at most this often (each is a small file write and a rename).
    static let checkpointInterval = 0.25

    public init(worker: BatchWorker, sources: [InputReader.Source], sink: OutputSink, skip: Int = 0, counts: BatchCounts = BatchCounts()) {
        self.worker = worker
        self.options = worker.options
        self.sources = sources
        self.sink = sink
        self.skip = skip
        self.counts = counts
        slots = DispatchSemaphore(value: worker.options.inFlight)
        if options.summary { summary = BatchSummary(descriptors: worker.engine.plugins.map(\.descriptor)) }
    }

    private func isStopped() -> Bool { doneCond.lock(); defer { doneCond.unlock() }; return stopped }

    public func run() throws -> Outcome {
        let queue = BlockingQueue<RawBatch>()
        let reader = InputReader(sources: sources, options: options.input, skip: skip) { [self] b in
            slots.wait()
            if isStopped() { slots.signal(); return false }
            queue.push(b)
            return true
        }
        let readerThread = Thread { [self] in
            reader.run()
            queue.close()
            doneCond.lock(); finalSeq = reader.seq; doneCond.broadcast(); doneCond.unlock()
        }
        readerThread.stackSize = 1 << 22
        readerThread.start()
        for _ in 0..<options.jobs {
            let t = Thread { [self] in
                while let b = queue.pop() {
                    let d = worker.process(b)
                    doneCond.lock(); done[d.seq] = d; doneCond.broadcast(); doneCond.unlock()
                }
            }
            // Deeply nested JSON and long passages recurse and allocate on the stack.
            t.stackSize = 1 << 23
            t.start()
        }
        var next = 0
        defer {
            doneCond.lock(); stopped = true; doneCond.unlock()
            for _ in 0..<options.inFlight { slots.signal() }
        }
        while true {
            doneCond.lock()
            while done[next] == nil && !(finalSeq != nil && next >= finalSeq!) { doneCond.wait() }
            guard let b = done.removeValue(forKey: next) else { doneCond.unlock(); break }
            doneCond.unlock()
            next += 1
            let outcome = try write(b)
            slots.signal()
            if let o = outcome { return o }
        }
        writeLock.lock(); defer { writeLock.unlock() }
        progress?.update(counts, force: true)
        progress?.clear()
        return .completed
    }

    /// Writes one batch in order, applying the on-error policy; an outcome when the run must stop.
    private func write(_ b: DoneBatch) throws -> Outcome? {
        writeLock.lock(); defer { writeLock.unlock() }
        if let f = b.fatal { saveCheckpoint(force: true); return .fatal(f) }
        var prevEnd = 0
        for o in b.outcomes {
            for w in o.warnings { progress?.clear(); warn("rhetor: warning: \(w)"); counts.warnings += 1 }
            if let e = o.error {
                counts.errors += 1
                switch options.onError {
                case .fail:
                    try sink.write(b.out, 0..<prevEnd)
                    if let s = b.summary { summary?.merge(s) }
                    saveCheckpoint(force: true)
                    progress?.clear()
                    return .failed(e)
                case .skip:
                    counts.skipped += 1
                    progress?.clear()
                    warn("rhetor: skipped: \(e)")
                case .record: break
                }
            }
            counts.recordsOut += o.outRecords
            counts.recordsIn += 1
            prevEnd = o.end
        }
        try sink.write(b.out, 0..<b.out.count)
        counts.bytesIn += b.inputBytes
        if let s = b.summary { summary?.merge(s) }
        saveCheckpoint(force: false)
        progress?.update(counts)
        return nil
    }

    /// Records the state after the last written batch. Call with `writeLock` held.
    public func saveCheckpoint(force: Bool) {
        guard let cp = checkpoint else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastCheckpoint) >= BatchRunner.checkpointInterval else { return }
        lastCheckpoint = now
        // `counts` carries a resumed run's earlier records, so recordsIn is the global position.
        try? Checkpoint(settings: cp.settings, records: counts.recordsIn, bytes: sink.bytes, counts: counts).save(cp.path)
    }
}
