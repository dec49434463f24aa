import Foundation
import RhetorKit

/// Everything the REPL prints about passages and plugins: pure functions from data to text,
/// so they are tested without a terminal. Colour comes from `Style` (off: plain text, and
/// evidence spans in [brackets]).
public enum Renderer {
    /// Evidence items shown beside each verdict (`:explain` shows all of them).
    public static let evidenceInline = 2
    /// Evidence spans per decision marked in the re-printed passage.
    public static let evidenceMarked = 4
    /// Labels that mean "nothing found" (ANNOTATION.md's `none`, actor-role's `mention`): their
    /// evidence is listed beside the verdict but not marked in the passage, which would
    /// otherwise fill with the words that make a passage ordinary.
    public static let quietLabels: Set<String> = ["none", "mention"]

    // MARK: verdict

    /// One plugin's verdicts on a passage, a line per decision, then the passage with its
    /// evidence marked: supporting spans underlined yellow, opposing ones magenta, actor
    /// mentions bold.
    public static func verdict(text: String, results: [(String, [Decision])], levels: [String: PluginLevel], style: Style) -> String {
        let width = (results.map(\.0.count).max() ?? 0) + 2
        var out = ""
        var marks: [(Int, Int, Mark)] = []
        for (plugin, decisions) in results {
            let name = style.bold(plugin) + String(repeating: " ", count: max(1, width - plugin.count))
            let pad = String(repeating: " ", count: width)
            if decisions.isEmpty {
                out += name + style.dim(nothingFound(levels[plugin])) + "\n"
                continue
            }
            for (k, d) in decisions.enumerated() {
                out += (k == 0 ? name : pad) + decisionLine(d, style: style)
                // The strongest evidence, each text once (a word can count as a lexicon entry and as a feature).
                var seen = Set<String>()
                let distinct = d.evidence.filter { seen.insert($0.text.isEmpty ? $0.source : $0.text).inserted }
                let why = distinct.prefix(evidenceInline).map { evidenceShort($0, style: style) }
                if !why.isEmpty { out += "   " + why.joined(separator: style.dim(" · ")) }
                out += "\n"
                if !quietLabels.contains(d.label) {
                    for e in d.evidence.prefix(evidenceMarked) {
                        if let s = e.start, let t = e.end { marks.append((s, t, e.weight >= 0 ? .support : .oppose)) }
                    }
                }
                if let s = d.start, let t = d.end { marks.append((s, t, .mention)) }
            }
        }
        out += "  " + style.dim("»") + " " + highlight(text, marks: marks, style: style).replacingOccurrences(of: "\n", with: "\n    ") + "\n"
        return out
    }

    static func nothingFound(_ level: PluginLevel?) -> String {
        switch level {
        case .perTarget: return "no stance: every target none"
        case .perActor: return "no known actor mentioned"
        default: return "no decision"
        }
    }

    /// `label 0.93`, `militias → against 0.87`, `iran «Tehran» → sponsor 0.91`.
    public static func decisionLine(_ d: Decision, style: Style) -> String {
        let verdict = style.label(d.label) + " " + style.dim(fixed(d.confidence, 2))
        guard let s = d.subject else { return verdict }
        let who = d.mention.map { s + " «" + $0 + "»" } ?? s
        return who + " → " + verdict
    }

    /// `“so-called” +1.50`, or the rule's name when the evidence has no span.
    static func evidenceShort(_ e: Evidence, style: Style) -> String {
        let what = e.text.isEmpty ? sourceParts(e.source).body : "“" + e.text + "”"
        return what + " " + style.dim(signed(e.weight))
    }

    static func signed(_ x: Double) -> String { (x >= 0 ? "+" : "−") + fixed(abs(x), 2) }

    /// `lexicon:so-called (against)` → ("lexicon", "so-called (against)").
    static func sourceParts(_ source: String) -> (kind: String, body: String) {
        guard let colon = source.firstIndex(of: ":") else { return ("", source) }
        return (String(source[..<colon]), String(source[source.index(after: colon)...]))
    }

    typealias Mark = PrettyPrinter.Mark

    static func highlight(_ text: String, marks: [(Int, Int, Mark)], style: Style) -> String {
        PrettyPrinter.highlight(text, marks: marks, style: style)
    }

    // MARK: explain

    /// Every piece of evidence behind each decision, with its weight: what `:explain` prints.
    public static func explain(results: [(String, [Decision])], levels: [String: PluginLevel], style: Style) -> String {
        var out = ""
        for (plugin, decisions) in results {
            if decisions.isEmpty {
                out += style.bold(plugin) + "  " + style.dim(nothingFound(levels[plugin])) + "\n"
                if levels[plugin] == .perTarget { out += "  " + style.dim("(:explain \(plugin) TARGET shows why a target is none)") + "\n" }
                continue
            }
            for d in decisions {
                out += style.bold(plugin) + " · " + decisionLine(d, style: style) + "\n"
                if !d.scores.isEmpty {
                    out += "  scores  " + d.scores.map { "\($0.0) \(fixed($0.1, 3))" }.joined(separator: "  ") + "\n"
                }
                if d.evidence.isEmpty { out += "  " + style.dim("no evidence: the class prior decided") + "\n"; continue }
                let kindWidth = d.evidence.map { sourceParts($0.source).kind.count }.max() ?? 0
                for e in d.evidence {
                    let (kind, body) = sourceParts(e.source)
                    let w = signed(e.weight)
                    var line = "  " + String(repeating: " ", count: max(0, 7 - w.count)) + (e.weight >= 0 ? style.positive(w) : style.negative(w))
                    line += "  " + kind.padding(toLength: kindWidth, withPad: " ", startingAt: 0) + "  " + body
                    if !e.text.isEmpty, !body.contains(e.text) { line += "  " + style.dim("“" + e.text + "”") }
                    if let s = e.start, let t = e.end { line += style.dim(" [\(s)–\(t))") }
                    out += line + "\n"
                }
                let net = d.evidence.reduce(0) { $0 + $1.weight }
                out += "  " + style.dim("\(d.evidence.count) items, net \(signed(net)) toward \(d.label) (log-odds; + for it, − against it)") + "\n"
            }
        }
        return out
    }

    // MARK: labels before/after

    /// The corrected plugin's verdict on the passage before and after learning.
    public static func beforeAfter(plugin: String, before: [Decision], after: [Decision], style: Style) -> String {
        func line(_ ds: [Decision]) -> String {
            ds.isEmpty ? style.dim("(no decision)") : ds.map { decisionLine($0, style: style) }.joined(separator: style.dim(" · "))
        }
        let pad = String(repeating: " ", count: plugin.count)
        return style.bold(plugin) + "  before  " + line(before) + "\n" + pad + "  after   " + line(after) + "\n"
    }

    // MARK: tables

    /// Left-aligned columns; the last column is not padded.
    public static func table(_ rows: [[String]], header: [String]? = nil, style: Style, rightAligned: Set<Int> = []) -> String {
        let all = (header.map { [$0] } ?? []) + rows
        guard let n = all.map(\.count).max(), n > 0 else { return "" }
        var widths = Array(repeating: 0, count: n)
        for r in all { for (k, c) in r.enumerated() { widths[k] = max(widths[k], c.count) } }
        func render(_ r: [String]) -> String {
            var cells: [String] = []
            for (k, c) in r.enumerated() {
                let pad = String(repeating: " ", count: widths[k] - c.count)
                if rightAligned.contains(k) { cells.append(pad + c) } else { cells.append(k == r.count - 1 ? c : c + pad) }
            }
            var line = cells.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
        var out = ""
        if let h = header { out += style.dim(render(h)) + "\n" }
        for r in rows { out += render(r) + "\n" }
        return out
    }

    /// Words in columns across a terminal of `width` characters (completion lists, :help).
    public static func columns(_ items: [String], width: Int) -> String {
        guard let longest = items.map(\.count).max() else { return "" }
        let col = longest + 2
        let perRow = max(1, width / col)
        var out = ""
        for (k, item) in items.enumerated() {
            let last = k % perRow == perRow - 1 || k == items.count - 1
            out += last ? item + "\n" : item.padding(toLength: col, withPad: " ", startingAt: 0)
        }
        return out
    }

    /// One JSONL result line (shared/schema/result.schema.json).
    public static func jsonl(id: String, results: [(String, [Decision])]) -> String {
        var w = JSONWriter()
        Encoders.jsonl(ResultRecord(id: id, plugins: results), into: &w)
        return String(decoding: w.out, as: UTF8.self)
    }
}

/// Label counts over a classified file: what `:load` prints.
public struct LoadSummary: Sendable {
    public var file: String
    public var passages = 0
    public var errors: [String] = []
    public var seconds = 0.0
    public var interrupted = false
    /// (plugin, subject, label) → count, in first-seen order.
    public private(set) var counts: [String: Int] = [:]
    private var order: [(String, String, String)] = []
    /// (plugin, role) → actor → mentions, for the actor-role rows.
    private var actorsByRole: [String: [String: Int]] = [:]
    public var levels: [String: PluginLevel] = [:]

    public init(file: String, levels: [String: PluginLevel]) { self.file = file; self.levels = levels }

    static func key(_ p: String, _ s: String, _ l: String) -> String { p + "\u{1F}" + s + "\u{1F}" + l }

    public mutating func add(_ results: [(String, [Decision])]) {
        passages += 1
        for (plugin, decisions) in results {
            let level = levels[plugin] ?? .passage
            for d in decisions {
                // Per-actor rows group by role; the actors in each role are listed beside it.
                let subject = level == .perActor ? "" : (d.subject ?? "")
                let k = Self.key(plugin, subject, d.label)
                if counts[k] == nil { order.append((plugin, subject, d.label)) }
                counts[k, default: 0] += 1
                if level == .perActor, let a = d.subject { actorsByRole[plugin + "\u{1F}" + d.label, default: [:]][a, default: 0] += 1 }
            }
        }
    }

    public func count(_ plugin: String, _ subject: String, _ label: String) -> Int { counts[Self.key(plugin, subject, label)] ?? 0 }

    public func render(style: Style) -> String {
        var head = "\(file): \(passages) passages"
        if !errors.isEmpty { head += ", \(errors.count) unreadable" }
        head += " (\(fixed(seconds, 2)) s)"
        if interrupted { head += " — interrupted" }
        var out = style.bold(head) + "\n"
        for e in errors.prefix(3) { out += "  " + style.negative("error") + " " + e + "\n" }
        if errors.count > 3 { out += "  … and \(errors.count - 3) more\n" }
        // Group rows: plugins in first-seen order, then subjects, labels by count.
        var plugins: [String] = []
        for (p, _, _) in order where !plugins.contains(p) { plugins.append(p) }
        var rows: [[String]] = []
        for p in plugins {
            let mine = order.filter { $0.0 == p }
            var subjects: [String] = []
            for (_, s, _) in mine where !subjects.contains(s) { subjects.append(s) }
            var firstRow = true
            for s in subjects {
                let labels = mine.filter { $0.1 == s }.map(\.2).sorted { (count(p, s, $0), $1) > (count(p, s, $1), $0) }
                var firstOfSubject = true
                for l in labels {
                    let n = count(p, s, l)
                    let share = passages > 0 && levels[p] != .perActor ? "\(Int((Double(n) / Double(passages) * 100).rounded()))%" : ""
                    var note = ""
                    if levels[p] == .perActor, let actors = actorsByRole[p + "\u{1F}" + l] {
                        note = actors.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    }
                    rows.append([firstRow ? p : "", firstOfSubject ? s : "", l, String(n), share, note])
                    firstRow = false
                    firstOfSubject = false
                }
            }
        }
        if rows.isEmpty { return out + "  " + style.dim("no decisions") + "\n" }
        let header = ["plugin", "subject", "label", "count", "share", rows.contains { !$0[5].isEmpty } ? "top actors (mentions)" : ""]
        return out + Renderer.table(rows, header: header, style: style, rightAligned: [3, 4])
    }
}
