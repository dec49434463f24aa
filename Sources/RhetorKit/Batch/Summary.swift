/// `--summary`: label counts per plugin, per stance target, per actor and role, instead of records.
public struct BatchSummary: Sendable {
    public struct PluginCounts: Sendable {
        public var labels: [String]
        public var level: PluginLevel
        /// label → decisions
        public var byLabel: [String: Int] = [:]
        /// subject (target or actor) → label → decisions
        public var bySubject: [String: [String: Int]] = [:]
    }

    /// Classified records counted (segments, or documents with --aggregate).
    public var records = 0
    public var errors = 0
    public var plugins: [(String, PluginCounts)] = []

    public init(descriptors: [PluginDescriptor]) {
        plugins = descriptors.map { ($0.id, PluginCounts(labels: $0.labels, level: $0.level)) }
    }

    public mutating func add(_ r: ResultRecord) {
        if r.error != nil { errors += 1; return }
        records += 1
        for (id, decisions) in r.plugins {
            guard let k = plugins.firstIndex(where: { $0.0 == id }) else { continue }
            for d in decisions {
                plugins[k].1.byLabel[d.label, default: 0] += 1
                if let s = d.subject { plugins[k].1.bySubject[s, default: [:]][d.label, default: 0] += 1 }
            }
        }
    }

    public mutating func merge(_ o: BatchSummary) {
        records += o.records
        errors += o.errors
        for (id, c) in o.plugins {
            guard let k = plugins.firstIndex(where: { $0.0 == id }) else { plugins.append((id, c)); continue }
            for (l, n) in c.byLabel { plugins[k].1.byLabel[l, default: 0] += n }
            for (s, m) in c.bySubject { for (l, n) in m { plugins[k].1.bySubject[s, default: [:]][l, default: 0] += n } }
        }
    }

    /// Labels in the plugin's order, then any others seen (sorted).
    static func labelOrder(_ c: PluginCounts) -> [String] {
        var seen = Set(c.byLabel.keys)
        for m in c.bySubject.values { seen.formUnion(m.keys) }
        return c.labels + seen.subtracting(c.labels).sorted()
    }

    /// Subjects by decisions, most first (ties by name).
    static func subjectOrder(_ c: PluginCounts) -> [String] {
        let totals: [(String, Int)] = c.bySubject.map { (key: String, m: [String: Int]) -> (String, Int) in (key, m.values.reduce(0, +)) }
        let sorted = totals.sorted { (a: (String, Int), b: (String, Int)) -> Bool in a.1 != b.1 ? a.1 > b.1 : a.0 < b.0 }
        return sorted.map { $0.0 }
    }

    /// A readable report.
    public func table() -> String {
        var out = "records classified: \(records)" + (errors > 0 ? ", errors: \(errors)" : "") + "\n"
        for (id, c) in plugins {
            let labels = BatchSummary.labelOrder(c)
            let subjects = BatchSummary.subjectOrder(c)
            let what = c.level == .perTarget ? "target" : c.level == .perActor ? "actor" : ""
            let nameWidth = max(12, (subjects.map(\.count).max() ?? 0) + 2, what.count + 2)
            let widths = labels.map { max(8, $0.count + 2) }
            func row(_ name: String, _ cells: [String]) -> String {
                name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                    + zip(cells, widths).map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined() + "\n"
            }
            out += "\n" + id + " (" + c.level.rawValue + ")\n"
            out += row(what.isEmpty ? "" : what, labels)
            out += row("all", labels.map { String(c.byLabel[$0] ?? 0) })
            for s in subjects { out += row(s, labels.map { String(c.bySubject[s]?[$0] ?? 0) }) }
        }
        return out
    }

    /// Long form for machines: plugin, subject ("" for all), label, count.
    public func rows() -> [[String]] {
        var out: [[String]] = [["plugin", "subject", "label", "count"]]
        for (id, c) in plugins {
            let labels = BatchSummary.labelOrder(c)
            for l in labels { out.append([id, "", l, String(c.byLabel[l] ?? 0)]) }
            for s in BatchSummary.subjectOrder(c) { for l in labels where (c.bySubject[s]?[l] ?? 0) > 0 { out.append([id, s, l, String(c.bySubject[s]![l]!)]) } }
        }
        return out
    }
}
