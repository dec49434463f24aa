/// Splits long documents into passages (`--segment`) and rolls segment verdicts back up to the
/// document (`--aggregate`).
public enum Segmenter {
    public struct Segment: Sendable {
        public var text: String
        /// Unicode-scalar offset of the segment's first character in the document, so evidence
        /// offsets can be reported against the whole document.
        public var offset: Int
    }

    /// The document's segments, in order. A document with no text still yields one (empty)
    /// segment, so it gets an output record: nothing is lost.
    public static func split(_ text: String, mode: SegmentMode, analyzer: Analyzer = Analyzer()) -> [Segment] {
        let out: [Segment]
        switch mode {
        case .paragraph: out = paragraphs(text)
        case .sentence: out = sentences(text, analyzer: analyzer)
        }
        return out.isEmpty ? [Segment(text: text, offset: 0)] : out
    }

    @inline(__always)
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A || c == 0x0B || c == 0x0C }

    /// Paragraphs: runs of lines separated by blank lines (lines of white space only), trimmed.
    static func paragraphs(_ text: String) -> [Segment] {
        var out: [Segment] = []
        let b = Array(text.utf8)
        var i = 0
        var scalars = 0                       // scalar offset of byte i
        var paraStart = -1, paraScalar = 0, lastNonSpace = -1
        var lineBlank = true
        func flush(_ end: Int) {
            if paraStart >= 0, lastNonSpace >= paraStart {
                out.append(Segment(text: String(decoding: b[paraStart...lastNonSpace], as: UTF8.self), offset: paraScalar))
            }
            paraStart = -1
        }
        while i < b.count {
            let c = b[i]
            if c == 0x0A {
                if lineBlank { flush(i) }
                lineBlank = true
            } else if !isSpace(c) {
                if paraStart < 0 { paraStart = i; paraScalar = scalars }
                lastNonSpace = i
                lineBlank = false
            }
            if c & 0xC0 != 0x80 { scalars += 1 }
            i += 1
            // Keep multi-byte characters whole at the paragraph's end.
            while i < b.count, b[i] & 0xC0 == 0x80 { if lastNonSpace == i - 1 { lastNonSpace = i }; i += 1 }
        }
        flush(b.count)
        return out
    }

    /// Sentences as the analyser splits them (abbreviations, initials, quotes closing a sentence).
    static func sentences(_ text: String, analyzer: Analyzer) -> [Segment] {
        let p = analyzer.analyze(text)
        var out: [Segment] = []
        for r in p.sentences {
            guard var first = r.first, var last = r.last else { continue }
            // A blank line is a sentence-ending token of its own: not part of any sentence's text.
            while first <= last, p.normalized[Int(p.tokens[first].normStart)] == 0x0A, p.tokens[first].kind == .punct { first += 1 }
            while last >= first, p.normalized[Int(p.tokens[last].normStart)] == 0x0A, p.tokens[last].kind == .punct { last -= 1 }
            guard first <= last, (first...last).contains(where: { p.tokens[$0].kind != .punct }) else {
                // Punctuation only: attach it to the previous sentence's record by skipping it.
                continue
            }
            let a = Int(p.tokens[first].byteStart), z = Int(p.tokens[last].byteEnd)
            out.append(Segment(text: String(decoding: p.bytes[a..<z], as: UTF8.self), offset: Int(p.tokens[first].start)))
        }
        return out
    }

    /// Shifts every offset in the verdicts by `by` scalars (segment → document offsets).
    public static func shift(_ results: inout [(String, [Decision])], by: Int) {
        guard by != 0 else { return }
        for k in results.indices {
            for j in results[k].1.indices {
                var d = results[k].1[j]
                if let s = d.start { d.start = s + by }
                if let e = d.end { d.end = e + by }
                for n in d.evidence.indices {
                    if let s = d.evidence[n].start { d.evidence[n].start = s + by }
                    if let e = d.evidence[n].end { d.evidence[n].end = e + by }
                }
                results[k].1[j] = d
            }
        }
    }
}

/// Rolls segment verdicts up into one document-level verdict per plugin.
///
/// - per-target plugins (stance): a target's document stance comes from the segments that took
///   a side (label other than `none`): their mean scores, the strongest side wins. A target no
///   segment took a side on is `none`.
/// - ordinal passage plugins (sectarian): the most severe level any segment reached: one
///   inciting paragraph makes an inciting document.
/// - other passage plugins: the label with the largest summed confidence.
/// - per-actor plugins (actor-role): actors merged: one decision per actor and role, the most
///   confident mention standing for the others.
public enum Aggregator {
    /// Passage-level plugins whose labels are ordered by severity (first = none).
    public static let ordinalPlugins: Set<String> = ["sectarian"]
    /// The label of a per-target plugin meaning "takes no side".
    public static let noStance = "none"

    public static func rollUp(_ segments: [[(String, [Decision])]], levels: [String: PluginLevel], maxEvidence: Int) -> [(String, [Decision])] {
        guard let first = segments.first else { return [] }
        var out: [(String, [Decision])] = []
        for (k, (plugin, _)) in first.enumerated() {
            let perSegment = segments.map { $0.count > k ? $0[k].1 : [] }
            let level = levels[plugin] ?? .passage
            let decisions: [Decision]
            switch level {
            case .perTarget: decisions = targets(perSegment, maxEvidence: maxEvidence)
            case .perActor: decisions = actors(perSegment, maxEvidence: maxEvidence)
            case .passage:
                decisions = ordinalPlugins.contains(plugin) ? ordinal(perSegment) : majority(perSegment, maxEvidence: maxEvidence)
            }
            out.append((plugin, decisions))
        }
        return out
    }

    static func meanScores(_ ds: [Decision]) -> [(String, Double)] {
        guard let f = ds.first else { return [] }
        var sums = f.scores.map { ($0.0, 0.0) }
        for d in ds {
            for (i, (l, p)) in d.scores.enumerated() where i < sums.count && sums[i].0 == l { sums[i].1 += p }
        }
        return sums.map { ($0.0, $0.1 / Double(ds.count)) }
    }

    static func topEvidence(_ ds: [Decision], extra: Evidence, maxEvidence: Int) -> [Evidence] {
        var ev = ds.flatMap(\.evidence)
        ev.sort { abs($0.weight) > abs($1.weight) }
        var out = [extra]
        for e in ev where out.count < maxEvidence && !out.contains(where: { $0.repeats(e) }) { out.append(e) }
        return out
    }

    static func targets(_ segs: [[Decision]], maxEvidence: Int) -> [Decision] {
        var order: [String] = []
        var by: [String: [Decision]] = [:]
        for ds in segs { for d in ds { let s = d.subject ?? ""; if by[s] == nil { order.append(s) }; by[s, default: []].append(d) } }
        return order.map { subject in
            let all = by[subject]!
            let sided = all.filter { $0.label != noStance }
            let n = segs.count
            if sided.isEmpty {
                let scores = meanScores(all)
                let conf = scores.first { $0.0 == noStance }?.1 ?? all.map(\.confidence).reduce(0, +) / Double(all.count)
                return Decision(subject: subject.isEmpty ? nil : subject, label: noStance, confidence: conf, scores: scores,
                                evidence: [Evidence(text: "", weight: 0, source: "rule:aggregate (no side taken in \(n) segments)")])
            }
            let scores = meanScores(sided)
            let best = scores.filter { $0.0 != noStance }.max { $0.1 < $1.1 }
            let label = best?.0 ?? sided[0].label
            let counts = Dictionary(grouping: sided, by: \.label).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
            let agreeing = sided.filter { $0.label == label }
            return Decision(subject: subject.isEmpty ? nil : subject, label: label, confidence: best?.1 ?? agreeing[0].confidence, scores: scores,
                            evidence: topEvidence(agreeing, extra: Evidence(text: "", weight: 0, source: "rule:aggregate (\(counts) of \(n) segments)"), maxEvidence: maxEvidence))
        }
    }

    static func ordinal(_ segs: [[Decision]]) -> [Decision] {
        var best: (seg: Int, d: Decision, rank: Int)?
        for (i, ds) in segs.enumerated() {
            guard let d = ds.first else { continue }
            let rank = d.scores.firstIndex { $0.0 == d.label } ?? 0
            if best == nil || rank > best!.rank || (rank == best!.rank && d.confidence > best!.d.confidence) { best = (i, d, rank) }
        }
        guard var b = best else { return [] }
        b.d.evidence.insert(Evidence(text: "", weight: 0, source: "rule:aggregate (most severe of \(segs.count) segments: segment \(b.seg))"), at: 0)
        return [b.d]
    }

    static func majority(_ segs: [[Decision]], maxEvidence: Int) -> [Decision] {
        let ds = segs.compactMap(\.first)
        guard !ds.isEmpty else { return [] }
        var mass: [String: Double] = [:]
        for d in ds { mass[d.label, default: 0] += d.confidence }
        let scores = meanScores(ds)
        let label = scores.map(\.0).filter { mass[$0] != nil }.max { mass[$0]! < mass[$1]! } ?? ds[0].label
        let agreeing = ds.filter { $0.label == label }
        return [Decision(label: label, confidence: scores.first { $0.0 == label }?.1 ?? agreeing[0].confidence, scores: scores,
                         evidence: topEvidence(agreeing, extra: Evidence(text: "", weight: 0, source: "rule:aggregate (\(agreeing.count) of \(ds.count) segments)"), maxEvidence: maxEvidence))]
    }

    static func actors(_ segs: [[Decision]], maxEvidence: Int) -> [Decision] {
        var order: [String] = []
        var best: [String: Decision] = [:]
        var count: [String: Int] = [:]
        for ds in segs {
            for d in ds {
                let key = (d.subject ?? "") + "\t" + d.label
                if best[key] == nil { order.append(key) }
                count[key, default: 0] += 1
                if best[key] == nil || d.confidence > best[key]!.confidence { best[key] = d }
            }
        }
        return order.map { key in
            var d = best[key]!
            let n = count[key]!
            if n > 1 {
                d.evidence.insert(Evidence(text: "", weight: 0, source: "rule:aggregate (\(n) mentions as \(d.label); the most confident shown)"), at: 0)
                if d.evidence.count > maxEvidence { d.evidence.removeLast(d.evidence.count - maxEvidence) }
            }
            return d
        }
    }
}
