/// A hand-tuned lexicon: weighted, categorised, multi-word entries matched whole-token,
/// longest first, over folded tokens.
///
/// File format (UTF-8, one entry a line, `#` starts a comment line, blank lines ignored):
///
///     entry<TAB>category<TAB>weight<TAB>note
///
/// - `entry`: one or more words; folded like passage text (case, apostrophes, hyphens),
///   so `Kata'ib Hizballah` also matches `kataib hizballah`.
/// - `category`: free text the plugin interprets (`against`, `hostile/anti-shia`, `cue:passive`).
/// - `weight`: a signed number, in log-odds units toward the category.
/// - `note`: why the entry is there (provenance); required, may be `-`.
public struct Lexicon: Sendable {
    public struct Entry: Sendable, Equatable {
        public var text: String
        public var category: String
        public var weight: Double
        public var note: String
        /// Where it was defined, for messages: "file:line".
        public var origin: String
        /// Its folded words.
        public var words: [String]

        public init(text: String, category: String, weight: Double, note: String, origin: String, words: [String] = []) {
            self.text = text; self.category = category; self.weight = weight; self.note = note; self.origin = origin; self.words = words
        }

        /// `category.split(separator: separator, maxSplits: 1)` as its first part and the rest
        /// (`hostile` and `anti-shia` of `hostile/anti-shia`, `favor` and `iran` of `favor:iran`;
        /// nil when there is none), on bytes: a Character split costs more than the rest of a cue.
        public static func categoryParts(_ category: String, separator: UInt8) -> (head: Substring, rest: Substring?)? {
            let u = category.utf8
            guard let start = u.firstIndex(where: { $0 != separator }) else { return nil }
            guard let at = u[start...].firstIndex(of: separator) else { return (category[start...], nil) }
            let rest = category[u.index(after: at)...]
            return (category[start..<at], rest.isEmpty ? nil : rest)
        }
    }

    public struct Hit: Sendable {
        /// Indices into `entries` of every entry with this exact phrase.
        public var entries: [Int]
        /// Token range in the passage, inclusive.
        public var tokens: ClosedRange<Int>
    }

    public private(set) var entries: [Entry] = []
    private var table = TokenTable()
    // Trie over word ids: `edges` maps (node, word id) to the child node; terminal[node] lists
    // entries. One flat table rather than a dictionary per node: loading builds thousands.
    private var edges = FeatureMap()
    private var terminal: [[Int]] = [[]]
    /// The root's children as a flat array indexed by word id (-1: none): every passage token
    /// is tried at the root, so that step is an array read, not a dictionary lookup.
    private var rootChildren: [Int32] = []

    public init() {}

    public init(entries: [Entry]) {
        for e in entries { add(e) }
    }

    /// Parses lexicon text; `name` is used in messages (a path, usually).
    public init(parsing source: String, name: String) throws {
        // Lines and fields split on bytes (a tab or newline byte is never inside a character),
        // by index, each field made a string once: every model load parses thousands of lines.
        var source = source
        let originPrefix = name + ":"
        try source.withUTF8 { all in
            // Room for a word or two per line up front: the tables do not grow and rehash as they fill.
            let lines = all.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            table = TokenTable(capacity: 2 * lines)
            edges.reserve(2 * lines)
            func string(_ r: Range<Int>) -> Substring { Substring(String(decoding: UnsafeBufferPointer(rebasing: all[r]), as: UTF8.self)) }
            var lineNo = 0
            var next = 0
            while next <= all.count {   // the text after the last newline is a line too
                lineNo += 1
                let start = next
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                next = end + 1
                if end > start, all[end - 1] == 0x0D { end -= 1 }
                if end > start && all[start] == UInt8(ascii: "#") { continue }
                var blank = true
                for k in start..<end where all[k] != 0x20 && all[k] != 0x09 { blank = false; break }
                if blank { continue }
                // The four fields' ranges (any past the fourth counted, for the message).
                var fields: [Range<Int>] = []
                fields.reserveCapacity(4)
                var f = start
                for k in start..<end where all[k] == 0x09 { fields.append(f..<k); f = k + 1 }
                fields.append(f..<end)
                guard fields.count == 4 else {
                    throw RhetorError.input("\(name):\(lineNo): expected 4 tab-separated fields (entry, category, weight, note), found \(fields.count); separate fields with one tab, or start the line with # to comment it out")
                }
                let weight = string(fields[2])
                guard let w = Double(Lexicon.trimSpaces(weight)), w.isFinite else {
                    throw RhetorError.input("\(name):\(lineNo): weight '\(weight)' is not a number; write a signed decimal such as 1.5 or -0.8")
                }
                let entry = Entry(text: Lexicon.trimSpaces(string(fields[0])), category: Lexicon.trimSpaces(string(fields[1])),
                                  weight: w, note: String(string(fields[3])), origin: originPrefix + String(lineNo), words: [])
                guard !entry.text.isEmpty, !entry.category.isEmpty else {
                    throw RhetorError.input("\(name):\(lineNo): empty entry or category; fill both in")
                }
                add(entry)
            }
        }
    }

    /// `trimmingCharacters(in: .whitespaces)` (tab and the Zs spaces) without bridging to
    /// NSString: model loading parses thousands of entries.
    static func trimSpaces(_ s: Substring) -> String {
        // Nearly every field starts and ends with a visible ASCII character: nothing to trim.
        if let a = s.utf8.first, let z = s.utf8.last, a > 0x20 && a < 0x80 && z > 0x20 && z < 0x80 { return String(s) }
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == "\t" || c.properties.generalCategory == .spaceSeparator }
        let u = s.unicodeScalars
        guard let a = u.firstIndex(where: { !isSpace($0) }), let z = u.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(u[a...z])
    }

    public static func load(path: String) throws -> Lexicon {
        try Lexicon(parsing: try readTextFile(path), name: path)
    }

    /// Folds an entry's text into its words, with the passage analyser's scanner.
    public static func fold(_ text: String) -> [String] { Analyzer.words(text) }

    /// Adds an entry; its `words` are the fold of its text (kept when an entry taken from
    /// another lexicon already has them).
    public mutating func add(_ e: Entry) {
        var entry = e
        if entry.words.isEmpty { entry.words = Lexicon.fold(e.text) }
        let index = entries.count
        entries.append(entry)
        guard !entry.words.isEmpty else { return }
        var node = 0
        for w in entry.words {
            let id = table.intern(w)
            if let next = child(node, id) { node = Int(next) } else {
                terminal.append([])
                let next = Int32(terminal.count - 1)
                edges.insert(Lexicon.edge(node, id), next)
                if node == 0 {
                    while rootChildren.count <= Int(id) { rootChildren.append(-1) }
                    rootChildren[Int(id)] = next
                }
                node = Int(next)
            }
        }
        terminal[node].append(index)
    }

    @inline(__always)
    private static func edge(_ node: Int, _ id: Int32) -> UInt64 { UInt64(node) << 32 | UInt64(UInt32(bitPattern: id)) }

    /// Ids of the passage's tokens in this lexicon's word table (-1 = not a lexicon word).
    public func wordIDs(_ p: Passage) -> [Int32] {
        table.lookupWords(p)
    }

    @inline(__always)
    private func child(_ node: Int, _ id: Int32) -> Int32? {
        if node == 0 {
            let k = Int(id)
            guard k < rootChildren.count else { return nil }
            let c = rootChildren[k]
            return c >= 0 ? c : nil
        }
        return edges[Lexicon.edge(node, id)]
    }

    /// Longest, non-overlapping matches, left to right.
    public func match(_ p: Passage) -> [Hit] {
        guard !entries.isEmpty else { return [] }   // no word to look up (a plugin without a lexicon)
        let ids = wordIDs(p)
        var hits: [Hit] = []
        var i = 0
        while i < ids.count {
            if let h = longest(at: i, ids) {
                hits.append(h)
                i = h.tokens.upperBound + 1
            } else {
                i += 1
            }
        }
        return hits
    }

    /// The longest match starting at each token, overlaps included (callers choose among them).
    public func matchEverywhere(_ p: Passage) -> [Hit] {
        let ids = wordIDs(p)
        return ids.indices.compactMap { longest(at: $0, ids) }
    }

    @inline(__always)
    private func longest(at i: Int, _ ids: [Int32]) -> Hit? {
        var node = 0, j = i
        var best: (end: Int, node: Int)? = nil
        while j < ids.count, ids[j] >= 0, let next = child(node, ids[j]) {
            node = Int(next)
            if !terminal[node].isEmpty { best = (j, node) }
            j += 1
        }
        return best.map { Hit(entries: terminal[$0.node], tokens: i...$0.end) }
    }

    /// The lexicon as file text (entries in their original order), for model files.
    public var source: String {
        entries.map { "\($0.text)\t\($0.category)\t\(formatNumber($0.weight))\t\($0.note)" }.joined(separator: "\n")
    }

    /// Problems a curator should fix: duplicates, conflicting weights, entries that can never match.
    public func lint() -> [String] {
        var problems: [String] = []
        var seen: [String: Entry] = [:]
        for e in entries {
            if e.words.isEmpty {
                problems.append("\(e.origin): entry '\(e.text)' has no words after folding and can never match; remove it")
                continue
            }
            if Analyzer().analyze(e.text).tokens.contains(where: { $0.kind == .punct }) {
                problems.append("\(e.origin): entry '\(e.text)' contains punctuation, which matching never crosses; remove the punctuation")
            }
            let key = e.words.joined(separator: " ") + "\t" + e.category
            if let prior = seen[key] {
                if prior.weight == e.weight {
                    problems.append("\(e.origin): duplicate of \(prior.origin) ('\(e.text)', \(e.category)); delete one")
                } else {
                    problems.append("\(e.origin): conflicting weight for '\(e.text)' (\(e.category)): \(formatNumber(e.weight)) here, \(formatNumber(prior.weight)) at \(prior.origin); keep one")
                }
            } else {
                seen[key] = e
            }
        }
        return problems
    }
}
