/// One output record: the result of classifying one input record (or one segment of it).
public struct ResultRecord: Sendable {
    public var id: String
    public var segment: Int?
    public var plugins: [(String, [Decision])]
    public var error: String?
    /// Input fields carried through (`--keep-fields`), written after `plugins`.
    public var kept: [(String, JSONValue)] = []
    public init(id: String, segment: Int? = nil, plugins: [(String, [Decision])], error: String? = nil) {
        self.id = id; self.segment = segment; self.plugins = plugins; self.error = error
    }
}

public enum OutputFormat: String, Sendable, CaseIterable {
    case jsonl, csv, tsv, pretty
}

public enum Encoders {
    /// One JSONL line per `shared/schema/result.schema.json`.
    public static func jsonl(_ r: ResultRecord, into w: inout JSONWriter) {
        w.raw("{\"id\":"); w.string(r.id)
        if let s = r.segment { w.raw(",\"segment\":"); w.int(s) }
        w.raw(",\"plugins\":{")
        for (k, (id, decisions)) in r.plugins.enumerated() {
            if k > 0 { w.raw(",") }
            w.string(id); w.raw(":[")
            for (j, d) in decisions.enumerated() {
                if j > 0 { w.raw(",") }
                decision(d, into: &w)
            }
            w.raw("]")
        }
        w.raw("}")
        if let e = r.error { w.raw(",\"error\":"); w.string(e) }
        for (k, v) in r.kept { w.raw(","); w.string(k); w.raw(":"); w.value(v) }
        w.raw("}\n")
    }

    public static func decision(_ d: Decision, into w: inout JSONWriter) {
        w.withRoom(bound(d)) { decision(d, into: &$0) }
    }

    /// Room `decision` takes at most: keys and punctuation, numbers, and each string escaped.
    static func bound(_ d: Decision) -> Int {
        typealias C = JSONWriter.Cursor
        var n = 96 + 3 * C.numberBound + C.bound(d.label)
        if let s = d.subject { n += C.bound(s) }
        if let m = d.mention { n += C.bound(m) }
        for (l, _) in d.scores { n += 2 + C.bound(l) + C.numberBound }
        for e in d.evidence { n += 48 + 3 * C.numberBound + C.bound(e.text) + C.bound(e.source) }
        return n
    }

    static func decision(_ d: Decision, into w: inout JSONWriter.Cursor) {
        w.raw("{")
        if let s = d.subject { w.raw("\"subject\":"); w.string(s); w.raw(",") }
        if let m = d.mention { w.raw("\"mention\":"); w.string(m); w.raw(",") }
        if let s = d.start, let e = d.end { w.raw("\"start\":"); w.int(s); w.raw(",\"end\":"); w.int(e); w.raw(",") }
        w.raw("\"label\":"); w.string(d.label)
        w.raw(",\"confidence\":"); w.rounded(d.confidence)
        w.raw(",\"scores\":{")
        for (k, (l, p)) in d.scores.enumerated() {
            if k > 0 { w.raw(",") }
            w.string(l); w.raw(":"); w.rounded(p)
        }
        w.raw("},\"evidence\":[")
        for (k, e) in d.evidence.enumerated() {
            if k > 0 { w.raw(",") }
            w.raw("{")
            if let s = e.start, let en = e.end { w.raw("\"start\":"); w.int(s); w.raw(",\"end\":"); w.int(en); w.raw(",") }
            w.raw("\"text\":"); w.string(e.text)
            w.raw(",\"weight\":"); w.rounded(e.weight)
            w.raw(",\"source\":"); w.string(e.source)
            w.raw("}")
        }
        w.raw("]}")
    }

    public static let tableHeader = ["id", "segment", "plugin", "subject", "mention", "start", "end", "label", "confidence", "evidence"]

    /// One row per decision (a record with no decision still gets one row, so none is lost).
    public static func rows(_ r: ResultRecord) -> [[String]] {
        var rows: [[String]] = []
        let seg = r.segment.map(String.init) ?? ""
        if let e = r.error { return [[r.id, seg, "", "", "", "", "", "error", "", e]] }
        for (plugin, decisions) in r.plugins {
            for d in decisions {
                let top = d.evidence.prefix(3).map { "\($0.text.isEmpty ? $0.source : $0.text) (\(fixed($0.weight, 2)))" }.joined(separator: "; ")
                rows.append([r.id, seg, plugin, d.subject ?? "", d.mention ?? "", d.start.map(String.init) ?? "", d.end.map(String.init) ?? "",
                             d.label, fixed(d.confidence, 4), top])
            }
        }
        if rows.isEmpty { rows.append([r.id, seg, "", "", "", "", "", "", "", ""]) }
        return rows
    }

    /// RFC 4180 CSV field.
    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// TSV field: tabs and newlines become spaces (TSV has no quoting).
    public static func tsvField(_ s: String) -> String {
        s.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    public static func table(_ r: ResultRecord, format: OutputFormat) -> String {
        rows(r).map { row in
            format == .csv ? row.map(csvField).joined(separator: ",") : row.map(tsvField).joined(separator: "\t")
        }.joined(separator: "\n") + "\n"
    }
}

/// Terminal styling; empty strings when colour is off.
public struct Style: Sendable {
    public var enabled: Bool
    public init(enabled: Bool) { self.enabled = enabled }
    /// Colour only on a terminal, never with NO_COLOR set or TERM=dumb.
    public static func auto(isTerminal: Bool, environment: [String: String]) -> Style {
        Style(enabled: isTerminal && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb")
    }
    public func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    public func bold(_ s: String) -> String { wrap(s, "1") }
    public func dim(_ s: String) -> String { wrap(s, "2") }
    public func positive(_ s: String) -> String { wrap(s, "1;32") }
    public func negative(_ s: String) -> String { wrap(s, "1;31") }
    public func label(_ s: String) -> String { wrap(s, "1;36") }
}

public enum PrettyPrinter {
    /// A compact, readable verdict: per plugin its decisions, then the passage with every
    /// evidence span marked (colour, or [brackets] without it).
    public static func render(id: String?, passage: Passage, results: [(String, [Decision])], style: Style) -> String {
        var out = ""
        if let id { out += style.dim("── \(id)") + "\n" }
        var spans: [(Int, Int, Bool)] = []
        for (plugin, decisions) in results {
            if decisions.isEmpty { out += "  \(style.bold(plugin)): " + style.dim("(nothing found)") + "\n"; continue }
            out += "  \(style.bold(plugin)):"
            let items = decisions.map { d -> String in
                let who = d.subject.map { s in d.mention.map { "\(s) «\($0)»" } ?? s }
                let lab = style.label(d.label) + style.dim(" \(fixed(d.confidence, 2))")
                return who.map { "\($0) → \(lab)" } ?? lab
            }
            out += items.count == 1 ? " " + items[0] + "\n" : "\n" + items.map { "    " + $0 }.joined(separator: "\n") + "\n"
            for d in decisions { for e in d.evidence.prefix(4) { if let s = e.start, let t = e.end { spans.append((s, t, e.weight >= 0)) } } }
        }
        out += "  " + highlight(passage.text, spans: spans, style: style) + "\n"
        return out
    }

    /// The text with spans marked; overlapping spans merge.
    public static func highlight(_ text: String, spans: [(Int, Int, Bool)], style: Style) -> String {
        highlight(text, marks: spans.map { ($0.0, $0.1, $0.2 ? .support : .oppose) }, style: style)
    }

    /// What a highlighted span shows, in rising precedence where spans overlap.
    public enum Mark: Int, Sendable { case none = 0, mention, oppose, support }

    /// The text with spans marked (colour, or [brackets] without it); where spans overlap,
    /// support wins over oppose over mention.
    public static func highlight(_ text: String, marks: [(Int, Int, Mark)], style: Style) -> String {
        let scalars = Array(text.unicodeScalars)
        var mark = Array(repeating: Mark.none, count: scalars.count)
        for (s, e, m) in marks where s >= 0 && s < e && e <= scalars.count {
            for k in s..<e where mark[k].rawValue < m.rawValue { mark[k] = m }
        }
        var out = ""
        var k = 0
        while k < scalars.count {
            let m = mark[k]
            var j = k
            while j < scalars.count, mark[j] == m { j += 1 }
            var piece = ""
            piece.unicodeScalars.append(contentsOf: scalars[k..<j])
            switch m {
            case .none: out += piece
            case .mention: out += style.enabled ? style.bold(piece) : piece
            case .support: out += style.enabled ? style.wrap(piece, "4;33") : "[" + piece + "]"
            case .oppose: out += style.enabled ? style.wrap(piece, "4;35") : "[" + piece + "]"
            }
            k = j
        }
        return out
    }
}
