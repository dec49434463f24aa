import Foundation

/// Canonical actors and their aliases (the `actors.tsv` format: id, type, parent, aliases
/// separated by `|`), and the mention finder built on them.
public struct Gazetteer: Sendable {
    public struct Actor: Sendable {
        public var id: String
        public var type: String
        public var parent: String?
        public var aliases: [String]
    }

    public struct Mention: Sendable, Equatable {
        public var actor: String
        public var tokens: ClosedRange<Int>
        public var start: Int
        public var end: Int
        public var surface: String
    }

    public private(set) var actors: [Actor] = []
    public private(set) var byID: [String: Int] = [:]
    private var aliases = Lexicon()
    /// How each alias must be written to count, by index in `aliases.entries`.
    private var casing: [Casing] = []

    /// See `mentions(in:)`.
    enum Casing { case any, allCaps, exact, capitalised }

    /// Single-word aliases that are also ordinary words: matched only when capitalised.
    static let capitalisedOnly: Set<String> = ["badr", "nasr", "ataa", "azm", "hikma", "goran", "sepah", "basij", "atabat", "change movement", "fadhila"]
    /// Longest all-capitals alias treated as an acronym (matched only in capitals: IS, US, KH, CF).
    static let acronymMaxLength = 5

    public init() {}

    public init(rows: [[String]], name: String = "gazetteer") throws {
        for (n, r) in rows.enumerated() {
            guard r.count >= 4 else { throw RhetorError.input("\(name):\(n + 1): expected 4 tab-separated fields (id, type, parent, aliases)") }
            // Aliases split at each `|` byte (a separator, like the tabs), not by characters: no
            // grapheme breaking over every alias at each start.
            let names = r[3].utf8.split(separator: UInt8(ascii: "|")).map { Lexicon.trimSpaces(Substring($0)) }.filter { !$0.isEmpty }
            let actor = Actor(id: r[0], type: r[1], parent: r[2].isEmpty ? nil : r[2], aliases: names)
            guard byID[actor.id] == nil else { throw RhetorError.input("\(name):\(n + 1): duplicate actor id '\(actor.id)'") }
            byID[actor.id] = actors.count
            actors.append(actor)
            for a in actor.aliases {
                aliases.add(Lexicon.Entry(text: a, category: actor.id, weight: 0, note: "", origin: "\(name):\(n + 1)", words: []))
            }
        }
        for a in actors { if let p = a.parent, byID[p] == nil { throw RhetorError.input("\(name): actor '\(a.id)' has unknown parent '\(p)'") } }
        casing = aliases.entries.map(Gazetteer.casing)
    }

    /// The gazetteer of these rows, built once per process: stance and actor roles embed the same
    /// table, and building it (folding every alias) is a noticeable part of start-up. Models load
    /// in parallel, so the lock is held while building: the second caller waits for the first.
    public static func shared(rows: [[String]]) throws -> Gazetteer {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let c = cache, c.0 == rows { return c.1 }
        let g = try Gazetteer(rows: rows)
        cache = (rows, g)
        return g
    }
    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var cache: ([[String]], Gazetteer)?

    static func casing(_ e: Lexicon.Entry) -> Casing {
        // Letters and capitals counted on bytes when ASCII (the Unicode property lookups are slow).
        let letters: Int, capitals: Int
        if e.text.utf8.allSatisfy({ $0 < 0x80 }) {
            capitals = e.text.utf8.count { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
            letters = capitals + e.text.utf8.count { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        } else {
            let scalars = e.text.unicodeScalars.filter { $0.properties.isAlphabetic }
            letters = scalars.count
            capitals = scalars.count { $0.properties.isUppercase }
        }
        if letters <= Gazetteer.acronymMaxLength, letters >= 2, capitals == letters { return .allCaps }
        // Mixed-case acronyms (CoR, GoI): exact case.
        if letters <= Gazetteer.acronymMaxLength, capitals >= 2 { return .exact }
        if Gazetteer.capitalisedOnly.contains(e.words.joined(separator: " ")) { return .capitalised }
        return .any
    }

    /// Reads an actors.tsv file (comment lines start with #; a header line starting `id` is skipped).
    public static func load(path: String) throws -> Gazetteer {
        try Gazetteer(rows: try rows(path: path), name: path)
    }

    public static func rows(path: String) throws -> [[String]] {
        try readTextFile(path).split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("id\t") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Rows for embedding into a model file.
    public var rows: [[String]] { actors.map { [$0.id, $0.type, $0.parent ?? "", $0.aliases.joined(separator: "|")] } }
    public var ids: Set<String> { Set(actors.map(\.id)) }
    public func actor(_ id: String) -> Actor? { byID[id].map { actors[$0] } }

    /// The actor and every ancestor, nearest first.
    public func lineage(_ id: String) -> [String] {
        var out: [String] = []
        var cur: String? = id
        while let c = cur, let a = actor(c), !out.contains(c) { out.append(c); cur = a.parent }
        return out
    }

    /// Every alias mention: overlapping candidates are taken longest first, so "the State of Law
    /// Coalition" is not read as "the state" + "of Law Coalition";
    /// acronyms only in capitals, common-word aliases only capitalised. Pronouns are never guessed.
    public func mentions(in p: Passage) -> [Mention] {
        // Stance and actor roles share one gazetteer (`shared(rows:)`): the second to ask reads the first's.
        p.memo.mentions(casing) { findMentions(in: p) }
    }

    private func findMentions(in p: Passage) -> [Mention] {
        var candidates: [(hit: Lexicon.Hit, entry: Int)] = []
        for hit in aliases.matchEverywhere(p) {
            // An alias phrase may belong to one actor only; the first listed wins.
            guard let entryIndex = hit.entries.first(where: { accept($0, p, hit.tokens) }) else { continue }
            candidates.append((hit, entryIndex))
        }
        var taken = [Bool](repeating: false, count: p.tokens.count)
        var chosen: [(hit: Lexicon.Hit, entry: Int)] = []
        // Longest first; between equals the later one, whose head noun ends the phrase ("the State
        // Department" is the department, not "the state").
        for c in candidates.sorted(by: { ($0.hit.tokens.count, $0.hit.tokens.lowerBound) > ($1.hit.tokens.count, $1.hit.tokens.lowerBound) })
        where !c.hit.tokens.contains(where: { taken[$0] }) {
            for k in c.hit.tokens { taken[k] = true }
            chosen.append(c)
        }
        return chosen.sorted { $0.hit.tokens.lowerBound < $1.hit.tokens.lowerBound }.map { c in
            let (s, t) = p.span(c.hit.tokens)
            return Mention(actor: aliases.entries[c.entry].category, tokens: c.hit.tokens, start: s, end: t, surface: p.surface(tokens: c.hit.tokens))
        }
    }

    private func accept(_ entry: Int, _ p: Passage, _ r: ClosedRange<Int>) -> Bool {
        switch casing[entry] {
        case .any: return true
        case .allCaps: return r.allSatisfy { p.tokens[$0].flags.contains(.allCaps) || p.tokens[$0].kind == .number }
        case .capitalised: return p.tokens[r.lowerBound].flags.contains(.capitalized)
        case .exact:
            let text = aliases.entries[entry].text
            let a = Int(p.tokens[r.lowerBound].byteStart), b = Int(p.tokens[r.upperBound].byteEnd)
            if p.bytes[a..<b].elementsEqual(text.utf8) { return true }
            // Different bytes can still be the same text (canonical equivalence) outside ASCII.
            let ascii = p.bytes[a..<b].allSatisfy { $0 < 0x80 } && text.utf8.allSatisfy { $0 < 0x80 }
            return !ascii && p.surface(tokens: r) == text
        }
    }
}
