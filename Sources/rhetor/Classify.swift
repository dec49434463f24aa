import ArgumentParser
import Foundation
import RhetorKit

extension OutputFormat: ExpressibleByArgument {}
extension InputFormat: ExpressibleByArgument {}
extension OnError: ExpressibleByArgument {}

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify passages: one output record per input record, in input order.",
        discussion: "Reads JSONL {\"id\",\"text\",…} (or plain text, one passage a line) from the files or stdin; writes JSONL per shared/schema/result.schema.json, CSV/TSV (a row per decision) or a readable form.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "Input files (default: stdin).") var files: [String] = []
    @Option(help: "Comma-separated plugin ids (default: every plugin with a model).") var plugins: String?
    @Option(help: "Output format: jsonl, csv, tsv, pretty.") var format: OutputFormat = .jsonl
    @Option(name: .customLong("input-format"), help: "Input format: auto (by extension; stdin is JSONL), jsonl, text.") var inputFormat: InputFormat = .auto
    @Option(name: .shortAndLong, help: "Write output to this file instead of stdout.") var output: String?
    @Option(help: "Worker threads (default: all cores).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("on-error"), help: "Bad records: fail (stop, exit 1), skip (warn), record (emit an error record).") var onError: OnError = .fail
    @Option(name: .customLong("text-field"), help: "JSONL field holding the text.") var textField = "text"
    @Option(name: .customLong("id-field"), help: "JSONL field holding the id.") var idField = "id"
    @Option(name: .customLong("keep-fields"), help: "Comma-separated input fields copied into each output record.") var keepFields: String?
    @Flag(name: .customLong("all-targets"), help: "Stance: also emit targets judged none.") var allTargets = false
    @Flag(name: .customLong("roll-up"), help: "Actor roles: also report each mention at its ancestors' level.") var rollUp = false

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        try guarded {
            var engine = Engine(plugins: try common.loadPlugins(plugins))
            engine.options.allTargets = allTargets
            engine.options.rollUp = rollUp
            let batch = BatchClassifier(engine: engine, jobs: jobs)
            var inputOptions = InputOptions()
            inputOptions.textField = textField
            inputOptions.idField = idField
            inputOptions.keepFields = keepFields.map { $0.split(separator: ",").map(String.init) } ?? []

            let out: FileHandle
            if let o = output {
                guard FileManager.default.createFile(atPath: o, contents: nil), let h = FileHandle(forWritingAtPath: o) else {
                    throw RhetorError.input("\(o): cannot create the output file; check the path")
                }
                out = h
            } else { out = FileHandle.standardOutput }
            let style = Style.auto(isTerminal: output == nil && isatty(1) != 0, environment: ProcessInfo.processInfo.environment)
            // Flush per record on a pipe, so `| head` and streaming jobs see each record at once.
            let flushEachRecord = output == nil && isatty(1) == 0
            var pending: [UInt8] = []
            func emit(_ bytes: [UInt8]) {
                pending.append(contentsOf: bytes)
                if flushEachRecord || pending.count > 1 << 16 { out.write(Data(pending)); pending.removeAll(keepingCapacity: true) }
            }
            if format == .csv || format == .tsv {
                let sep = format == .csv ? "," : "\t"
                emit(Array((Encoders.tableHeader.joined(separator: sep) + "\n").utf8))
            }
            var counts = (read: 0, written: 0, errors: 0)
            let sources: [(FileHandle, String)] = files.isEmpty ? [(FileHandle.standardInput, "<stdin>")] : try files.map { f in
                guard let h = FileHandle(forReadingAtPath: f) else { throw RhetorError.input("\(f): cannot open the input file; check the path") }
                return (h, f)
            }
            var failure: String? = nil
            outer: for (handle, name) in sources {
                var fmt = inputFormat
                if fmt == .auto { fmt = name.hasSuffix(".txt") ? .text : .jsonl }
                guard fmt == .jsonl || fmt == .text else { throw RhetorError.usage("--input-format \(fmt.rawValue) is not supported by this build; use jsonl or text") }
                var reader = LineRecordReader(handle: handle, name: name, format: fmt, options: inputOptions)
                var done = false
                while !done {
                    var chunk: [InputRecord] = []
                    while chunk.count < batch.chunkSize * batch.jobs, let r = reader.next() { chunk.append(r) }
                    if chunk.isEmpty { break }
                    counts.read += chunk.count
                    // Under --on-error fail, stop before the first bad record.
                    if onError == .fail, let bad = chunk.firstIndex(where: { $0.error != nil }) {
                        failure = chunk[bad].error
                        chunk.removeSubrange(bad...)
                        done = true
                    }
                    for r in chunk { if let w = r.warning { warn("rhetor: warning: \(w)") } }
                    for result in batch.classify(chunk: chunk) {
                        if result.error != nil {
                            counts.errors += 1
                            if onError == .skip { warn("rhetor: skipped: \(result.error!)"); continue }
                        }
                        switch format {
                        case .jsonl:
                            var w = JSONWriter()
                            Encoders.jsonl(result, into: &w)
                            emit(w.out)
                        case .csv, .tsv: emit(Array(Encoders.table(result, format: format).utf8))
                        case .pretty:
                            let p = engine.analyzer.analyze(chunk.first { $0.id == result.id }?.text ?? "")
                            emit(Array(PrettyPrinter.render(id: result.id, passage: p, results: result.plugins, style: style).utf8))
                        }
                        counts.written += 1
                    }
                    if done { break outer }
                }
            }
            out.write(Data(pending))
            if let f = failure {
                warn("rhetor: records in \(counts.read), out \(counts.written), errors 1 (stopped)")
                throw RhetorError.input(f + "; fix the record, or rerun with --on-error skip|record")
            }
            if counts.errors > 0 || files.count > 1 { warn("rhetor: records in \(counts.read), out \(counts.written), errors \(counts.errors)") }
        }
    }
}
