import Foundation
import RhetorKit

/// The passages of a file for `:load`: JSONL records `{"id", "text", …}`, or plain text (`.txt`,
/// `.md`) with one passage a line. Streams the file in blocks, so its size does not matter.
struct PassageFile {
    struct Item {
        var id: String
        var text: String
        /// Why the record could not be read ("file:line: …"); nil when fine.
        var problem: String?
    }

    static let blockSize = 1 << 20
    let path: String
    let plainText: Bool
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var eof = false
    private var lineNo = 0

    init?(path: String) {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        self.path = path
        handle = h
        let lower = path.lowercased()
        plainText = lower.hasSuffix(".txt") || lower.hasSuffix(".md")
    }

    func close() { try? handle.close() }

    /// The next passage (blank lines skipped), or nil at the end of the file.
    mutating func next() -> Item? {
        while let raw = nextLine() {
            lineNo += 1
            var line = raw
            if lineNo == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let origin = "\(path):\(lineNo)"
            if plainText { return Item(id: String(lineNo), text: String(decoding: line, as: UTF8.self)) }
            let bytes = Array(line)
            guard let value = try? JSONReader.parse(bytes, 0..<bytes.count).value, value.object != nil else {
                return Item(id: String(lineNo), text: "", problem: "\(origin): not a JSON object; each line must be one record {\"id\", \"text\"}")
            }
            guard let text = value["text"]?.string else {
                return Item(id: String(lineNo), text: "", problem: "\(origin): no \"text\" string in the record")
            }
            return Item(id: value["id"]?.scalarText ?? String(lineNo), text: text)
        }
        return nil
    }

    private mutating func nextLine() -> ArraySlice<UInt8>? {
        while true {
            if let nl = buffer[position...].firstIndex(of: 0x0A) {
                var end = nl
                if end > position, buffer[end - 1] == 0x0D { end -= 1 }
                defer { position = nl + 1 }
                return buffer[position..<end]
            }
            if eof {
                guard position < buffer.count else { return nil }
                defer { position = buffer.count }
                return buffer[position...]
            }
            if position > 0 { buffer.removeSubrange(0..<position); position = 0 }
            let data = handle.readData(ofLength: PassageFile.blockSize)
            if data.isEmpty { eof = true } else { buffer.append(contentsOf: data) }
        }
    }
}

/// Classifies passages on several threads, results in input order.
enum ParallelClassifier {
    static func classify(_ texts: [String], plugins: [any PluginInstance], options: ClassifyOptions, jobs: Int) -> [[(String, [Decision])]] {
        let analyzer = Analyzer()
        @Sendable func one(_ t: String) -> [(String, [Decision])] {
            let p = analyzer.analyze(t)
            return plugins.map { ($0.descriptor.id, $0.classify(p, options: options)) }
        }
        let jobs = max(1, min(jobs, texts.count))
        if jobs == 1 { return texts.map(one) }
        let slots = ResultSlots(count: texts.count)
        let stride = (texts.count + jobs - 1) / jobs
        DispatchQueue.concurrentPerform(iterations: jobs) { j in
            let lo = j * stride, hi = min(texts.count, lo + stride)
            guard lo < hi else { return }
            for k in lo..<hi { slots.buffer[k] = one(texts[k]) }
        }
        return slots.buffer.map { $0 ?? [] }
    }
}

/// Result slots written by disjoint index ranges from several threads.
private final class ResultSlots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<[(String, [Decision])]?>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }
    deinit {
        _ = buffer.deinitialize()
        buffer.deallocate()
    }
}
