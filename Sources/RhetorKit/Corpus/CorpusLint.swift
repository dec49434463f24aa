/// Corpus checks beyond one record: near-duplicates and train/test leakage, and statistics.
public enum CorpusLint {
    /// Two passages sharing more than this share of word trigrams (of the shorter) are near-duplicates.
    public static let maxTrigramOverlap = 0.40

    /// Word trigrams of a text, hashed (folded words, punctuation skipped).
    static func trigrams(_ text: String) -> Set<UInt64> {
        let p = Analyzer().analyze(text)
        let words = p.tokens.indices.filter { p.tokens[$0].isWordLike }.map { i -> UInt64 in
            let t = p.tokens[i]
            return TokenTable.hash(p.normalized, Int(t.normStart), Int(t.normEnd))
        }
        guard words.count >= 3 else { return [] }
        var out = Set<UInt64>()
        for k in 0..<(words.count - 2) { out.insert(words[k] &* 31 &+ words[k + 1] &* 1_000_003 &+ words[k + 2] &* 998_244_353) }
        return out
    }

    /// Pairs of records whose trigram overlap exceeds the limit; `split` names each record's split
    /// so a cross-split pair is reported as leakage.
    public static func nearDuplicates(_ records: [CorpusRecord], split: [String]) -> [CorpusProblem] {
        let sets = records.map { trigrams($0.text) }
        var index: [UInt64: [Int]] = [:]
        for (i, s) in sets.enumerated() { for g in s { index[g, default: []].append(i) } }
        var problems: [CorpusProblem] = []
        for (i, s) in sets.enumerated() where !s.isEmpty {
            var shared: [Int: Int] = [:]
            for g in s { for j in index[g]! where j > i { shared[j, default: 0] += 1 } }
            for (j, n) in shared.sorted(by: { $0.key < $1.key }) {
                let overlap = Double(n) / Double(min(s.count, sets[j].count))
                guard overlap > maxTrigramOverlap else { continue }
                let what = split[i] != split[j] ? "train/test leakage: near-duplicate" : "near-duplicate"
                problems.append(CorpusProblem(origin: records[j].origin, message: "\(what) of '\(records[i].id)' at \(records[i].origin) (\(Int((overlap * 100).rounded()))% of word trigrams shared); rewrite one of them"))
            }
        }
        return problems
    }

    /// Annotated mentions the gazetteer does not find as that actor (the actor-role plugin
    /// cannot detect them): warnings, so the curator adds an alias or fixes the mention.
    public static func gazetteerGaps(_ records: [CorpusRecord], gazetteer: Gazetteer) -> [CorpusProblem] {
        var out: [CorpusProblem] = []
        let analyzer = Analyzer()
        for r in records where !r.actors.isEmpty {
            let found = gazetteer.mentions(in: analyzer.analyze(r.text))
            for a in r.actors where !found.contains(where: { RoleAlignment.matches(actor: $0.actor, span: $0.start..<$0.end, gold: a, text: r.text) }) {
                let other = found.first { m in RoleAlignment.span(of: a.mention, in: r.text).map { (m.start..<m.end).overlaps($0) } == true }.map { " (found as \($0.actor))" } ?? ""
                out.append(CorpusProblem(origin: r.origin, message: "mention '\(a.mention)' of \(a.actor) is not found by the gazetteer\(other)"))
            }
        }
        return out
    }

    public struct Stats: Sendable {
        public var passages = 0
        public var genres: [String: Int] = [:]
        public var stance: [String: [String: Int]] = [:]
        public var sectarian: [String: Int] = [:]
        public var roles: [String: Int] = [:]
        public var actorMentions = 0
        public var actors: [String: Int] = [:]
    }

    public static func stats(_ records: [CorpusRecord]) -> Stats {
        var s = Stats()
        for r in records {
            s.passages += 1
            s.genres[r.genre ?? "(none)", default: 0] += 1
            for t in Set(Annotation.stanceTargets).union(r.stance.keys) {
                s.stance[t, default: [:]][r.stance[t] ?? "none", default: 0] += 1
            }
            if let l = r.sectarian { s.sectarian[l, default: 0] += 1 }
            for a in r.actors { s.roles[a.role, default: 0] += 1; s.actors[a.actor, default: 0] += 1; s.actorMentions += 1 }
        }
        return s
    }
}
