import Foundation
import RhetorKit

/// What a session needs from outside: whether a person is typing, colours, where history and
/// the user's corpus live. Built by the `rhetor repl` command; tests build their own.
public struct SessionConfig: Sendable {
    /// A person at a terminal: prompts, verdicts in colour, history. Off on a pipe: JSONL out.
    public var interactive: Bool
    public var style: Style
    /// History file (nil: history in memory only).
    public var historyPath: String?
    public var historyCapacity = HistoryStore.defaultCapacity
    /// Where `:save` appends labels by default (nil: `:save` needs a file).
    public var userCorpus: String?
    /// Shown in the banner.
    public var modelsDir = ""
    /// Threads for `:load`.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount

    public init(interactive: Bool, style: Style, historyPath: String? = nil, userCorpus: String? = nil) {
        self.interactive = interactive
        self.style = style
        self.historyPath = historyPath
        self.userCorpus = userCorpus
    }
}

/// The REPL: its state and commands, independent of any terminal. Lines come in through
/// `handle(_:)` (or `run(_:)` with a `LineReader`); text goes out through two sinks, results
/// and messages (both stdout on a terminal; on a pipe, messages go to stderr so stdout stays JSONL).
public final class Session {
    public let config: SessionConfig
    public var style: Style
    /// Every loaded plugin, in catalog order; `:use` picks the enabled ones.
    public private(set) var plugins: [any PluginInstance]
    public private(set) var enabled: [String]
    public var options = ClassifyOptions()
    public private(set) var json = false
    /// The last classified passage and its verdicts: what `:explain` and `:label` work on.
    public private(set) var last: (text: String, passage: Passage, results: [(String, [Decision])])?
    /// Labels recorded with `:label`, not yet saved.
    public private(set) var pending: [LabelledPassage] = []
    public private(set) var history: HistoryStore
    /// Whether `:load` should stop (Ctrl-C while it runs); polled between chunks.
    public var isInterrupted: () -> Bool = { InterruptFlag.isRaised }
    /// Prefix of the ids given to labelled passages (`repl-20250101T120000-1`).
    public var labelIDPrefix: String
    /// Called with the history after every change, so a reader can offer it (Up-arrow).
    public var onHistoryChange: (([String]) -> Void)?
    /// Terminal width for lists.
    public var width: () -> Int = { 80 }

    let output: (String) -> Void
    let messages: (String) -> Void
    let analyzer = Analyzer()
    /// Lines of a passage still being typed (after `\`, or inside `:paste`).
    private var pendingLines: [String] = []
    private var pasting = false
    /// `:quit` was refused once because of unsaved labels; the next one leaves.
    private var quitWarned = false
    private var passages = 0
    private var lineNumber = 0
    /// Index in `pending` of the last passage's record, once it has a label.
    private var lastRecord: Int?
    /// Passages labelled this session, saved or not: numbers their ids.
    private var labelled = 0

    public init(plugins: [any PluginInstance], config: SessionConfig,
                output: @escaping (String) -> Void, messages: ((String) -> Void)? = nil) {
        self.plugins = plugins
        self.enabled = plugins.map(\.descriptor.id)
        self.config = config
        self.style = config.style
        self.output = output
        self.messages = messages ?? output
        history = HistoryStore(path: config.interactive ? config.historyPath : nil, capacity: config.historyCapacity)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss"
        labelIDPrefix = "repl-" + f.string(from: Date())
    }

    public var interactive: Bool { config.interactive }
    public var enabledPlugins: [any PluginInstance] { plugins.filter { enabled.contains($0.descriptor.id) } }
    public var levels: [String: PluginLevel] {
        Dictionary(plugins.map { ($0.descriptor.id, $0.descriptor.level) }, uniquingKeysWith: { a, _ in a })
    }
    /// Whether a passage is being continued (`\` or `:paste`): the prompt changes.
    public var isContinuing: Bool { pasting || !pendingLines.isEmpty }

    // MARK: prompts and banner

    public static let promptWord = "rhetor"

    public var prompt: String {
        guard interactive else { return "" }
        if isContinuing { return Prompt.coloured("   ...", "2", enabled: style.enabled) + "> " }
        return Prompt.coloured(Session.promptWord, "1;36", enabled: style.enabled) + "> "
    }

    public func banner() -> String {
        let ids = enabled.joined(separator: ", ")
        var s = style.bold("Rhetor") + " — " + (ids.isEmpty ? "no plugins" : ids)
        if !config.modelsDir.isEmpty { s += style.dim(" (models: \(config.modelsDir))") }
        s += "\nType or paste a passage to classify it. :help lists the commands, Tab completes, Ctrl-D leaves.\n"
        if let p = history.problem { s += style.negative("warning: ") + p + "\n" }
        return s
    }

    // MARK: the loop

    /// Reads lines until the input ends or the user quits.
    public func run(_ reader: LineReader) {
        reader.completer = { [unowned self] in self.completion(for: $0) }
        onHistoryChange = { [unowned reader] in reader.setHistory($0) }
        defer { reader.completer = nil; onHistoryChange = nil }
        if interactive {
            reader.setHistory(history.entries)
            messages(banner())
        }
        while handle(reader.readLine(prompt: prompt)) {}
    }

    /// Handles one input; returns false when the session should end.
    @discardableResult
    public func handle(_ input: LineInput) -> Bool {
        switch input {
        case .interrupt:
            // Ctrl-C drops the line (the reader shows ^C) and any unfinished passage.
            pendingLines = []
            pasting = false
            quitWarned = false
            return true
        case .end:
            if isContinuing {
                // Ctrl-D ends a passage being pasted; a second one leaves.
                if interactive { messages("\n") }
                finishPassage()
                return true
            }
            if interactive { messages("\n") }
            return quit()
        case .line(let raw):
            lineNumber += 1
            return line(raw)
        }
    }

    private func line(_ raw: String) -> Bool {
        if pasting {
            if raw.trimmingCharacters(in: .whitespaces) == "." { pasting = false; finishPassage() } else { pendingLines.append(raw) }
            return true
        }
        // A line ending in a backslash continues the passage (on a terminal; a pipe is one passage a line).
        if interactive, raw.hasSuffix("\\") {
            pendingLines.append(String(raw.dropLast()))
            return true
        }
        if !pendingLines.isEmpty {
            pendingLines.append(raw)
            finishPassage()
            return true
        }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return true }
        remember(raw)
        if trimmed.hasPrefix(":") { return command(trimmed) }
        quitWarned = false
        classify(raw)
        return true
    }

    /// Classifies the lines gathered by `\` or `:paste` as one passage.
    private func finishPassage() {
        let lines = pendingLines
        pendingLines = []
        pasting = false
        let text = lines.joined(separator: "\n")
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
        // History keeps the passage as one line, so Up-arrow brings all of it back.
        if let first = lines.first, HistoryStore.shouldRecord(first) {
            remember(lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " "))
        }
        quitWarned = false
        classify(text)
    }

    private func remember(_ line: String) {
        var entry = line
        while entry.last?.isWhitespace == true { entry.removeLast() }
        guard interactive, history.add(entry) else { return }
        onHistoryChange?(history.entries)
    }

    // MARK: classification

    /// Classifies a passage with the enabled plugins and shows the verdict.
    public func classify(_ text: String) {
        let p = analyzer.analyze(text)
        let results = enabledPlugins.map { ($0.descriptor.id, $0.classify(p, options: options)) }
        passages += 1
        last = (text, p, results)
        lastRecord = nil
        if json || !interactive {
            output(Renderer.jsonl(id: interactive ? String(passages) : String(lineNumber), results: results))
        } else {
            output(Renderer.verdict(text: text, results: results, levels: levels, style: style))
        }
    }

    // MARK: commands

    func info(_ s: String) { messages(s.hasSuffix("\n") ? s : s + "\n") }
    func fail(_ s: String) { info(style.negative("error:") + " " + s) }

    private func command(_ line: String) -> Bool {
        let body = line.dropFirst()
        let name = String(body.prefix { !$0.isWhitespace })
        let rest = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        let args = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let cmd = Command.lookup(name) else {
            var msg = "unknown command :\(name)"
            if let s = Command.suggestion(for: name) { msg += "; did you mean :\(s.rawValue)?" }
            fail(msg + " (:help lists the commands)")
            return true
        }
        if cmd != .quit { quitWarned = false }
        switch cmd {
        case .help: help(args.first)
        case .plugins: listPlugins()
        case .use: use(args)
        case .targets: targets()
        case .explain: explain(args)
        case .json:
            json.toggle()
            info(json ? "JSONL output on: one result record per passage (:json again for verdicts)" : "JSONL output off")
        case .load:
            if rest.isEmpty { fail("usage: :load FILE") } else { load(expandTilde(rest)) }
        case .label: label(args)
        case .save: save(rest.isEmpty ? nil : expandTilde(rest))
        case .history: showHistory(args.first)
        case .paste:
            pasting = true
            if interactive { info(style.dim("Paste the passage, then a line with a single . (Ctrl-D ends it too, Ctrl-C drops it).")) }
        case .quit: return quit()
        }
        return true
    }

    private func quit() -> Bool {
        guard !pending.isEmpty else { return false }
        let n = pending.count
        let what = "\(n) labelled passage\(n == 1 ? "" : "s") not saved"
        if !interactive { info("rhetor: warning: \(what) (a piped session does not save them; add :save)"); return false }
        if quitWarned { return false }
        quitWarned = true
        info(style.negative("warning:") + " \(what): :save keeps them; :quit (or Ctrl-D) again leaves without saving")
        return true
    }

    private func help(_ topic: String?) {
        if let t = topic {
            let name = t.hasPrefix(":") ? String(t.dropFirst()) : t
            guard let c = Command.lookup(name) else {
                fail("no command :\(name)" + (Command.suggestion(for: name).map { "; did you mean :\($0.rawValue)?" } ?? ""))
                return
            }
            info(style.bold(":\(c.rawValue) \(c.usage)".trimmingCharacters(in: .whitespaces)) + "\n" + c.details)
            return
        }
        let rows = Command.allCases.map { [":" + $0.rawValue, $0.usage, $0.summary] }
        var s = Renderer.table(rows, style: style)
        s += style.dim("""
            A line not starting with : is a passage: every enabled plugin classifies it.
            End a line with \\ to continue the passage; :paste for longer ones. Tab completes
            commands, plugins, targets, labels, actors and files. Ctrl-C drops the line, Ctrl-D leaves.
            Examples for one command: :help COMMAND.
            """) + "\n"
        info(s)
    }

    private func listPlugins() {
        var s = ""
        for p in plugins {
            let d = p.descriptor
            let on = enabled.contains(d.id)
            s += (on ? style.positive("on ") : style.dim("off")) + "  " + style.bold(d.id) + "  " + style.dim("[\(d.level.rawValue)]") + "  " + d.labels.joined(separator: ", ") + "\n"
            if !d.summary.isEmpty { s += "     " + style.dim(d.summary) + "\n" }
        }
        if plugins.isEmpty { s = "no plugins loaded\n" }
        info(s)
    }

    private func plugin(named id: String) -> Int? {
        if let k = plugins.firstIndex(where: { $0.descriptor.id == id }) { return k }
        let ids = plugins.map(\.descriptor.id)
        fail("unknown plugin '\(id)'" + (nearest(id, in: ids).map { "; did you mean \($0)?" } ?? "") + " (plugins: \(ids.joined(separator: ", ")))")
        return nil
    }

    private func use(_ args: [String]) {
        let ids = plugins.map(\.descriptor.id)
        let items = args.flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
        if items.isEmpty {
            info("enabled: \(enabled.isEmpty ? "none" : enabled.joined(separator: ", "))" + style.dim("  (loaded: \(ids.joined(separator: ", ")))"))
            return
        }
        var next: [String]
        if items == ["all"] {
            next = ids
        } else {
            let relative = items.allSatisfy { $0.hasPrefix("+") || $0.hasPrefix("-") }
            var chosen = Set(relative ? enabled : [])
            for item in items {
                let sign = item.first == "+" || item.first == "-" ? item.first! : "+"
                let id = item.first == "+" || item.first == "-" ? String(item.dropFirst()) : item
                guard plugin(named: id) != nil else { return }
                if sign == "-" { chosen.remove(id) } else { chosen.insert(id) }
            }
            next = ids.filter { chosen.contains($0) }
        }
        guard !next.isEmpty else { fail("keep at least one plugin enabled"); return }
        enabled = next
        info("enabled: \(enabled.joined(separator: ", "))")
    }

    /// The subjects a plugin decides about: stance targets, or actor ids.
    public func subjects(of p: any PluginInstance) -> [String] {
        switch p.descriptor.level {
        case .passage: return []
        case .perTarget:
            let fromModels = p.model.classifiers.map(\.0).filter { $0.hasPrefix("target:") }.map { String($0.dropFirst(7)) }
            return fromModels.isEmpty ? p.model.table("target-actors").compactMap(\.first) : fromModels
        case .perActor:
            return p.model.table("gazetteer").compactMap(\.first)
        }
    }

    private func targets() {
        var s = ""
        for p in plugins {
            let d = p.descriptor
            switch d.level {
            case .perTarget:
                let actors = Dictionary(p.model.table("target-actors").compactMap { r in r.first.map { ($0, Array(r.dropFirst())) } }, uniquingKeysWith: { a, _ in a })
                s += style.bold(d.id) + " targets:\n"
                let rows = subjects(of: p).map { t in [t, (actors[t] ?? []).isEmpty ? "" : style.dim("actors: " + actors[t]!.joined(separator: ", "))] }
                s += Renderer.table(rows.map { ["  " + $0[0], $0[1]] }, style: style)
                s += style.dim("  label one with :label \(d.id) TARGET=\(d.labels.joined(separator: "|"))") + "\n"
            case .perActor:
                let n = subjects(of: p).count
                s += style.bold(d.id) + ": \(n) known actor ids; roles \(d.labels.joined(separator: ", "))\n"
                s += style.dim("  label one with :label \(d.id) ACTOR=ROLE (Tab completes the actors of the last passage)") + "\n"
            case .passage: break
            }
        }
        info(s.isEmpty ? "no loaded plugin decides per target or per actor" : s)
    }

    /// Evidence kept per decision by `:explain`: more than a passage can produce (a few features
    /// per token and kind, plus lexicon votes), so nothing that contributed is left out. A bound,
    /// not Int.max: the engine reserves room for this many.
    static func explainEvidenceBound(_ p: Passage) -> Int { 256 + 64 * p.tokens.count }

    private func explain(_ args: [String]) {
        guard let last else { fail("nothing to explain yet: type a passage first"); return }
        var opts = options
        opts.maxEvidence = Session.explainEvidenceBound(last.passage)
        var chosen = enabledPlugins
        var subject: String?
        if let id = args.first {
            guard let k = plugin(named: id) else { return }
            chosen = [plugins[k]]
            // A named plugin shows every subject, including targets judged none.
            opts.allTargets = true
            subject = args.count > 1 ? args[1] : nil
        }
        var results = chosen.map { ($0.descriptor.id, $0.classify(last.passage, options: opts)) }
        if let s = subject {
            results = results.map { ($0.0, $0.1.filter { $0.subject == s }) }
            if results.allSatisfy({ $0.1.isEmpty }) { fail("no decision about '\(s)' in the last passage"); return }
        }
        info(Renderer.explain(results: results, levels: levels, style: style))
    }

    // MARK: learning

    private func label(_ args: [String]) {
        guard let last else { fail("nothing to label yet: type a passage first"); return }
        guard args.count >= 2 else { fail("usage: :label \(Command.label.usage)   (:help label shows examples)"); return }
        guard let k = plugin(named: args[0]) else { return }
        let d = plugins[k].descriptor
        var opts = options
        opts.allTargets = true
        for spec in args.dropFirst() {
            let c: Correction
            do { c = try Correction.parse(spec, level: d.level, labels: d.labels) } catch {
                fail("\(d.id) \(spec): \(error)")
                return
            }
            func about(_ ds: [Decision]) -> [Decision] {
                switch c {
                case .passage: return ds
                case .target(let t, _), .actor(let t, _): return ds.filter { $0.subject == t }
                }
            }
            let before = about(plugins[k].classify(last.passage, options: opts))
            do { try plugins[k].learn(last.passage, correction: c) } catch {
                fail("\(d.id) \(spec): \(error)")
                return
            }
            let after = about(plugins[k].classify(last.passage, options: opts))
            info(Renderer.beforeAfter(plugin: d.id, before: before, after: after, style: style))
            var mention: String?
            if case .actor = c { mention = before.first?.mention }
            if lastRecord == nil {
                labelled += 1
                pending.append(LabelledPassage(id: "\(labelIDPrefix)-\(labelled)", text: last.text))
                lastRecord = pending.count - 1
            }
            if pending[lastRecord!].replaces(c, field: d.corpusField) {
                info(style.dim("note: this replaces the passage's earlier \(d.id) label in the record; the model in memory has learned both until the session ends"))
            }
            pending[lastRecord!].apply(c, field: d.corpusField, mention: mention)
        }
        // The shown verdicts now come from the updated model.
        self.last!.results = enabledPlugins.map { ($0.descriptor.id, $0.classify(last.passage, options: options)) }
        let n = pending.count
        let whereTo = config.userCorpus.map { " to \(tildeAbbreviated($0))" } ?? ""
        info(style.dim("learned; \(n) labelled passage\(n == 1 ? "" : "s") unsaved (:save appends \(n == 1 ? "it" : "them")\(whereTo))"))
    }

    private func save(_ explicit: String?) {
        guard !pending.isEmpty else { fail("nothing to save: label a passage with :label first"); return }
        guard let path = explicit ?? config.userCorpus else {
            fail("no corpus file: set XDG_DATA_HOME or HOME, or name one: :save FILE")
            return
        }
        guard !UserCorpus.isShipped(path) else {
            fail("\(path) is inside the shipped corpora/, which only reviewed changes touch; save to your own file and pass it to `rhetor train --corpus`")
            return
        }
        do { try UserCorpus.append(pending, to: path) } catch {
            fail("\(error)")
            return
        }
        let ids = Array(Set(pending.flatMap { $0.fields.map(\.0) })).compactMap { f in plugins.first { $0.descriptor.corpusField == f }?.descriptor.id }
        let n = pending.count
        info("saved \(n) record\(n == 1 ? "" : "s") to \(path)\n" +
             style.dim("fold into the models: rhetor train \(ids.sorted().joined(separator: " ")) --corpus corpora/train --corpus \(path)"))
        pending = []
        lastRecord = nil
    }

    private func showHistory(_ arg: String?) {
        let n = arg.flatMap(Int.init) ?? 20
        let entries = history.entries
        guard !entries.isEmpty else { info(interactive ? "no history yet" : "no history on a pipe"); return }
        let start = max(0, entries.count - n)
        var s = ""
        for k in start..<entries.count { s += style.dim(String(k + 1).leftPadded(5)) + "  " + entries[k] + "\n" }
        info(s)
    }

    // MARK: :load

    /// Passages classified per round of `:load`; the interrupt flag is checked between rounds.
    static let loadChunk = 64

    private func load(_ path: String) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue, var file = PassageFile(path: path) else {
            fail("\(path): no such file; pass a .jsonl or .txt file (Tab completes paths)")
            return
        }
        defer { file.close() }
        var opts = options
        // The summary counts every target, none included.
        if !json { opts.allTargets = true }
        let chosen = enabledPlugins
        var summary = LoadSummary(file: path, levels: levels)
        let start = Date()
        InterruptFlag.clear()
        while true {
            var chunk: [PassageFile.Item] = []
            while chunk.count < Session.loadChunk * max(1, config.jobs), let item = file.next() {
                if let p = item.problem { summary.errors.append(p) } else { chunk.append(item) }
            }
            if chunk.isEmpty { break }
            let results = ParallelClassifier.classify(chunk.map(\.text), plugins: chosen, options: opts, jobs: config.jobs)
            for (item, r) in zip(chunk, results) {
                if json { output(Renderer.jsonl(id: item.id, results: r)) }
                summary.add(r)
            }
            if isInterrupted() { summary.interrupted = true; break }
        }
        summary.seconds = Date().timeIntervalSince(start)
        InterruptFlag.clear()
        // The terminal echoed ^C where the cursor was.
        if summary.interrupted && interactive { info("") }
        if json {
            info(style.dim("\(path): \(summary.passages) passages\(summary.errors.isEmpty ? "" : ", \(summary.errors.count) unreadable")\(summary.interrupted ? " — interrupted" : "")"))
            for e in summary.errors.prefix(3) { fail(e) }
        } else {
            info(summary.render(style: style))
        }
    }
}

/// `~/x` → `$HOME/x`.
func expandTilde(_ path: String) -> String {
    guard path == "~" || path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] else { return path }
    return home + path.dropFirst()
}

/// `$HOME/x` → `~/x`, for messages.
func tildeAbbreviated(_ path: String) -> String {
    guard let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty, path.hasPrefix(home + "/") else { return path }
    return "~" + path.dropFirst(home.count)
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
