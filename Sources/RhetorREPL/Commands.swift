/// The REPL's commands: a line starting with `:`. One table gives `:help`, completion and
/// the suggestion for a mistyped name.
public enum Command: String, CaseIterable, Sendable {
    case help, plugins, use, targets, explain, json, load, label, save, history, paste, quit

    public var usage: String {
        switch self {
        case .help: return "[COMMAND]"
        case .use: return "ID[,ID…] | +ID | -ID | all"
        case .explain: return "[PLUGIN [SUBJECT]]"
        case .load: return "FILE"
        case .label: return "PLUGIN LABEL|TARGET=LABEL|ACTOR=ROLE …"
        case .save: return "[FILE]"
        case .history: return "[N]"
        default: return ""
        }
    }

    public var summary: String {
        switch self {
        case .help: return "list the commands, or explain one"
        case .plugins: return "list the plugins: enabled or not, level, labels"
        case .use: return "choose the plugins that classify (enable, disable)"
        case .targets: return "list the stance targets, and the actors behind each"
        case .explain: return "the full evidence for the last passage, with every weight"
        case .json: return "toggle raw JSONL output"
        case .load: return "classify a file (.jsonl or .txt) and count its labels"
        case .label: return "correct the last passage; the model learns it at once"
        case .save: return "append your labels to your corpus file"
        case .history: return "show the last N lines you entered"
        case .paste: return "read a multi-line passage, up to a line holding a single ."
        case .quit: return "leave the REPL (Ctrl-D does too)"
        }
    }

    /// Longer help for `:help COMMAND`.
    public var details: String {
        switch self {
        case .use: return """
            :use stance,sectarian   only these plugins classify
            :use +actor-role        enable one more;  :use -stance  disable one
            :use all                every loaded plugin;  :use  shows the current choice
            """
        case .explain: return """
            :explain                every decision on the last passage, every feature and lexicon entry with its weight
            :explain stance         that plugin only, including targets judged none
            :explain stance iran    one target (or actor) of one plugin
            Weights are log-odds toward the decided label: + pulls toward it, − away from it.
            """
        case .label: return """
            :label sectarian hostile              a passage-level label
            :label stance militias=against        a stance toward one target (repeatable: militias=against iran=favor)
            :label actor-role iran=sponsor        an actor's role (`mention`: plays no role)
            The plugin learns the correction at once (exact naive-Bayes update) and shows its verdict
            before and after. :save appends the labels to your corpus; `rhetor train` folds them in.
            """
        case .load: return """
            :load FILE              .jsonl records {"id", "text", …} or .txt (a passage a line)
            Prints a table of label counts (JSONL per record after :json). Ctrl-C stops it.
            """
        case .save: return """
            :save                   append to $XDG_DATA_HOME/rhetor/corpus.jsonl (~/.local/share/rhetor/corpus.jsonl)
            :save FILE              append to FILE instead (never into the shipped corpora/)
            Then: rhetor train PLUGIN --corpus corpora/train --corpus FILE
            """
        case .paste: return """
            :paste, then the passage over as many lines as you like, then a line with a single `.`
            (a line ending in \\ also continues a passage onto the next line)
            """
        default: return ":\(rawValue) \(usage)".trimmingCharacters(in: .whitespaces) + " — " + summary
        }
    }

    static let aliases: [String: Command] = ["q": .quit, "exit": .quit, "h": .help, "?": .help]

    public static func lookup(_ name: String) -> Command? {
        Command(rawValue: name) ?? aliases[name]
    }

    /// The command a mistyped name most likely meant: a unique prefix, else the nearest by
    /// edit distance when it is close (at most 2 edits, and fewer than the name's length).
    public static func suggestion(for name: String) -> Command? {
        let names = allCases.map(\.rawValue)
        let prefixed = names.filter { $0.hasPrefix(name) }
        if !name.isEmpty && prefixed.count == 1 { return Command(rawValue: prefixed[0]) }
        guard let best = nearest(name, in: names) else { return nil }
        return Command(rawValue: best)
    }
}

/// The candidate nearest to `word` by edit distance, when close enough to be a typo.
public func nearest(_ word: String, in candidates: [String], maxDistance: Int = 2) -> String? {
    let scored = candidates.map { ($0, editDistance(word, $0)) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    guard let best = scored.first, best.1 <= maxDistance, best.1 < max(word.count, 2) else { return nil }
    return best.0
}

/// Levenshtein distance over characters (insert, delete, substitute, each 1).
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    var cur = Array(repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}
