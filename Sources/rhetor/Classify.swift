import ArgumentParser
import Foundation
import RhetorKit

extension OutputFormat: ExpressibleByArgument {}
extension InputFormat: ExpressibleByArgument {}
extension OnError: ExpressibleByArgument {}
extension SegmentMode: ExpressibleByArgument {}

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify passages: one output record per input record, in input order.",
        discussion: """
            Reads JSONL {"id","text",…}, CSV/TSV with a header, plain text (a passage a line) or a folder of \
            .txt/.md articles, from the files or stdin; writes JSONL per shared/schema/result.schema.json, \
            CSV/TSV (a row per decision), a readable form, or label counts (--summary). Streaming, on every \
            core, in input order; with -o FILE a crashed or interrupted run picks up where it stopped (--resume). \
            See docs/batch.md.
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "Input files, or a folder with --input-format dir (default: stdin).") var files: [String] = []
    @Option(help: "Comma-separated plugin ids (default: every plugin with a model).") var plugins: String?
    @Option(help: "Output format: jsonl, csv, tsv, pretty.") var format: OutputFormat = .jsonl
    @Option(name: .customLong("input-format"), help: "Input format: auto (by extension: .csv .tsv .txt .md, a folder is dir, anything else and stdin JSONL), jsonl, csv, tsv, text, dir.")
    var inputFormat: InputFormat = .auto
    @Option(name: .shortAndLong, help: "Write output to this file (checkpointed: rerun with --resume after a crash).") var output: String?
    @Flag(help: "With -o FILE: continue an interrupted run, appending only the missing records.") var resume = false
    @Option(help: "Worker threads (default: all cores).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("on-error"), help: "Bad records: fail (stop, exit 1), skip (warn, count), record (emit a record with error set).")
    var onError: OnError = .fail
    @Option(name: .customLong("text-field"), help: "JSONL field holding the text.") var textField = "text"
    @Option(name: .customLong("id-field"), help: "JSONL field holding the id.") var idField = "id"
    @Option(name: .customLong("text-column"), help: "CSV/TSV column holding the text.") var textColumn = "text"
    @Option(name: .customLong("id-column"), help: "CSV/TSV column holding the id (default: the line number).") var idColumn = "id"
    @Option(name: .customLong("keep-fields"), help: "Comma-separated input fields (or columns) copied into each output record.") var keepFields: String?
    @Option(help: "Split each document: paragraph or sentence; each segment is a record (same id, segment index).") var segment: SegmentMode?
    @Flag(help: "With --segment: also one document-level record per document (stance and sectarian rolled up, actors merged).")
    var aggregate = false
    @Flag(help: "Print label counts per plugin, per target and per actor/role instead of records.") var summary = false
    @Option(name: .customLong("max-record-bytes"), help: "Larger records are bad input, not read into memory.")
    var maxRecordBytes: Int = BatchOptions.defaultMaxRecordBytes
    @Flag(name: .customLong("no-progress"), help: "No progress line (shown only when stderr is a terminal).") var noProgress = false
    @Flag(name: .shortAndLong, help: "No progress line and no end-of-run counts (warnings and errors still show).") var quiet = false
    @Flag(name: .customLong("all-targets"), help: "Stance: also emit targets judged none.") var allTargets = false
    @Flag(name: .customLong("roll-up"), help: "Actor roles: also report each mention at its ancestors' level.") var rollUp = false

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if aggregate && segment == nil { throw ValidationError("--aggregate rolls segments up: add --segment paragraph or --segment sentence") }
        if resume && output == nil { throw ValidationError("--resume needs -o FILE: the output it continues") }
        if resume && summary { throw ValidationError("--resume continues record output; --summary counts in one run (rerun it whole)") }
        if maxRecordBytes < 1024 { throw ValidationError("--max-record-bytes must be at least 1024") }
        if inputFormat == .dir && files.isEmpty { throw ValidationError("--input-format dir needs a folder argument") }
    }

    /// What must match for --resume to continue a previous run's output.
    var settings: String {
        ["format=\(format.rawValue)", "summary=\(summary)", "input=\(inputFormat.rawValue)", "files=\(files.joined(separator: "|"))",
         "plugins=\(plugins ?? "")", "segment=\(segment?.rawValue ?? "")", "aggregate=\(aggregate)", "on-error=\(onError.rawValue)",
         "text-field=\(textField)", "id-field=\(idField)", "text-column=\(textColumn)", "id-column=\(idColumn)",
         "keep=\(keepFields ?? "")", "all-targets=\(allTargets)", "roll-up=\(rollUp)", "max=\(maxRecordBytes)",
         "models=\(common.modelsDir)"].joined(separator: ";")
    }

    /// The plugins of the run, kept until the process exits: freeing their models and lexicons
    /// object by object just before exiting is wasted work (7M instructions after a one-passage
    /// run, on whichever thread let go last, while the exit waited for it).
    nonisolated(unsafe) static var keptUntilExit: [any PluginInstance] = []

    func run() throws {
        try guarded {
            var engine = Engine(plugins: try common.loadPlugins(plugins))
            Classify.keptUntilExit = engine.plugins
            engine.options.allTargets = allTargets
            engine.options.rollUp = rollUp

            var options = BatchOptions()
            options.input.textField = textField
            options.input.idField = idField
            options.input.textColumn = textColumn
            options.input.idColumn = idColumn
            options.input.keepFields = keepFields.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
            options.input.maxRecordBytes = maxRecordBytes
            options.onError = onError
            options.format = format
            options.segment = segment
            options.aggregate = aggregate
            options.summary = summary
            options.jobs = jobs
            options.style = Style.auto(isTerminal: output == nil && isatty(1) != 0, environment: ProcessInfo.processInfo.environment)

            let sources: [InputReader.Source] = files.isEmpty
                ? [.init(name: "<stdin>", path: nil, format: inputFormat == .auto ? .jsonl : inputFormat)]
                : files.map { .init(name: $0, path: $0, format: inputFormat == .auto ? InputFormat.detect(path: $0) : inputFormat) }
            for s in sources where s.path != nil && s.format != .dir && !FileManager.default.isReadableFile(atPath: s.path!) {
                throw RhetorError.input("\(s.path!): cannot open the input file; check the path")
            }

            // Output, and the checkpoint that makes it resumable.
            var skip = 0
            var counts = BatchCounts()
            let sink: OutputSink
            var checkpointPath: String?
            if let o = output {
                let cpPath = Checkpoint.path(for: o)
                checkpointPath = cpPath
                let fm = FileManager.default
                if resume, fm.fileExists(atPath: cpPath) {
                    let cp = try Checkpoint.load(cpPath)
                    guard cp.settings == settings else {
                        throw RhetorError.usage("\(o): was started with other settings; resume with the same options, or drop --resume to start over")
                    }
                    let fd = open(o, O_WRONLY)
                    guard fd >= 0 else { throw RhetorError.input("\(o): cannot open the output to resume it; check the path") }
                    var st = stat()
                    fstat(fd, &st)
                    guard Int(st.st_size) >= cp.bytes else {
                        throw RhetorError.input("\(o): shorter than its checkpoint says (\(st.st_size) < \(cp.bytes) bytes); delete it and \(cpPath) to start over")
                    }
                    // Drop anything after the last complete batch, half-written records included.
                    guard ftruncate(fd, off_t(cp.bytes)) == 0, lseek(fd, 0, SEEK_END) >= 0 else { throw RhetorError.input("\(o): cannot truncate to resume") }
                    sink = OutputSink(fd: fd, bytes: cp.bytes)
                    skip = cp.records
                    counts = cp.counts
                    if !quiet { warn("rhetor: resuming \(o) after \(cp.records) records") }
                } else {
                    if resume, let size = (try? fm.attributesOfItem(atPath: o))?[.size] as? Int, size > 0 {
                        if !quiet { warn("rhetor: \(o) is complete (it has no checkpoint \(cpPath)); nothing to do. Delete it to classify again.") }
                        return
                    }
                    // The checkpoint exists before the output does: an output without one is complete.
                    try Checkpoint(settings: settings, records: 0, bytes: 0, counts: counts).save(cpPath)
                    let fd = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                    guard fd >= 0 else { throw RhetorError.input("\(o): cannot create the output file; check the path") }
                    sink = OutputSink(fd: fd)
                }
            } else {
                sink = OutputSink(fd: 1)
            }
            if sink.bytes == 0 && !summary && (format == .csv || format == .tsv) {
                let sep = format == .csv ? "," : "\t"
                try sink.write(Encoders.tableHeader.joined(separator: sep) + "\n")
            }

            let runner = BatchRunner(worker: BatchWorker(engine: engine, options: options), sources: sources, sink: sink, skip: skip, counts: counts)
            if let cp = checkpointPath { runner.checkpoint = (cp, settings) }
            if isatty(2) != 0 && !quiet && !noProgress {
                runner.progress = ProgressLine(total: InputReader.knownSize(sources), alreadyDone: counts.bytesIn)
            }
            let interrupt = Classify.handleInterrupts(runner, quiet: quiet, output: output)

            let outcome = try runner.run()
            interrupt.forEach { $0.cancel() }
            if let s = runner.summary {
                if format == .csv || format == .tsv {
                    let rows = s.rows().map { r in format == .csv ? r.map(Encoders.csvField).joined(separator: ",") : r.map(Encoders.tsvField).joined(separator: "\t") }
                    try sink.write(rows.joined(separator: "\n") + "\n")
                } else {
                    try sink.write(s.table())
                }
            }
            var c = runner.counts
            switch outcome {
            case .completed:
                if let cp = checkpointPath { unlink(cp) }
                if !quiet { warn("rhetor: " + c.line) }
            case .failed(let message):
                c.recordsIn += 1
                warn("rhetor: " + c.line + " (stopped at the bad record)")
                throw RhetorError.input(message + "; fix the record, or rerun with --on-error skip|record" + (output != nil ? " (add --resume to continue)" : ""))
            case .fatal(let message):
                warn("rhetor: " + c.line + " (stopped)")
                throw RhetorError.input(message)
            }
        }
    }

    /// Ctrl-C or SIGTERM: finish the batch being written, save the checkpoint, exit 130. The
    /// output then ends with a whole record, and `--resume` continues it.
    static func handleInterrupts(_ runner: BatchRunner, quiet: Bool, output: String?) -> [DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler {
                runner.writeLock.lock()
                runner.saveCheckpoint(force: true)
                runner.progress?.clear()
                let how = output.map { " (rerun with --resume -o \($0) to continue)" } ?? ""
                warn("rhetor: interrupted: " + runner.counts.line + how)
                // Output is written with write(2), unbuffered: nothing to flush. _exit skips
                // atexit work that would race the worker threads.
                _exit(130)
            }
            src.resume()
            return src
        }
    }
}
