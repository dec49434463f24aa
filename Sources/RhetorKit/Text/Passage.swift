import Synchronization

/// A passage analysed once, shared read-only by every plugin.
///
/// Offsets: `start`/`end` are Unicode-scalar offsets into `text` (end exclusive), so
/// Python's `text[start:end]` returns the token's surface. `normStart`/`normEnd` index
/// `normalized`, the folded bytes that lexicons and models match against.
public struct Passage: Sendable {
    public let text: String
    public let bytes: [UInt8]
    public let normalized: [UInt8]
    public let tokens: [Token]
    /// Token index ranges, one per sentence.
    public let sentences: [Range<Int>]
    /// `TokenTable.hash` of each token's folded bytes: every lexicon and model looks tokens up
    /// by it, so each token is hashed once per passage.
    public let hashes: [UInt64]
    /// What more than one plugin works out from the passage alone, kept for the next to ask.
    let memo = PassageMemo()

    public init(text: String, bytes: [UInt8], normalized: [UInt8], tokens: [Token], sentences: [Range<Int>]) {
        self.text = text
        self.bytes = bytes
        self.normalized = normalized
        self.tokens = tokens
        self.sentences = sentences
        hashes = normalized.withUnsafeBufferPointer { nb in tokens.map { TokenTable.hash(nb, Int($0.normStart), Int($0.normEnd)) } }
    }

    /// The folded form of token `i` as a String (for display and tests, not hot paths).
    public func norm(_ i: Int) -> String {
        let t = tokens[i]
        return String(decoding: normalized[Int(t.normStart)..<Int(t.normEnd)], as: UTF8.self)
    }

    /// Surface text between two token indices (inclusive range of tokens).
    public func surface(tokens range: ClosedRange<Int>) -> String {
        let a = Int(tokens[range.lowerBound].byteStart), b = Int(tokens[range.upperBound].byteEnd)
        return String(decoding: bytes[a..<b], as: UTF8.self)
    }

    public func surface(_ i: Int) -> String { surface(tokens: i...i) }

    /// Scalar span of a token range, for evidence.
    public func span(_ range: ClosedRange<Int>) -> (start: Int, end: Int) {
        (Int(tokens[range.lowerBound].start), Int(tokens[range.upperBound].end))
    }

    /// Whether token `i`'s folded form equals the given ASCII word (no allocation).
    @inline(__always)
    public func normEquals(_ i: Int, _ word: StaticString) -> Bool {
        let t = tokens[i]
        let n = Int(t.normEnd - t.normStart)
        guard n == word.utf8CodeUnitCount else { return false }
        let p = word.utf8Start
        var k = 0
        while k < n {
            if normalized[Int(t.normStart) + k] != p[k] { return false }
            k += 1
        }
        return true
    }
}

public enum TokenKind: UInt8, Sendable {
    case word, number, hashtag, handle, url, emoji, punct
}

public struct TokenFlags: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Inside a negation scope (after a negator, up to the next punctuation).
    public static let negated = TokenFlags(rawValue: 1 << 0)
    /// Inside quotation marks: someone else's voice unless the author adopts it.
    public static let quoted = TokenFlags(rawValue: 1 << 1)
    public static let capitalized = TokenFlags(rawValue: 1 << 2)
    public static let allCaps = TokenFlags(rawValue: 1 << 3)
    /// Followed by a possessive 's (the 's itself is dropped).
    public static let possessive = TokenFlags(rawValue: 1 << 4)
    /// Joined to the previous token by a hyphen ("Iran-backed": "backed" has it).
    public static let hyphenJoined = TokenFlags(rawValue: 1 << 5)
    /// First word token of a sentence.
    public static let sentenceStart = TokenFlags(rawValue: 1 << 6)
    /// A negator word itself.
    public static let negator = TokenFlags(rawValue: 1 << 7)
}

public struct Token: Sendable {
    public var byteStart: Int32
    public var byteEnd: Int32
    public var start: Int32
    public var end: Int32
    public var normStart: Int32
    public var normEnd: Int32
    public var kind: TokenKind
    public var flags: TokenFlags
    public var sentence: Int32

    public var isWordLike: Bool { kind != .punct && kind != .url && kind != .emoji }
}

/// A passage's memo (see `Passage.memo`): the gazetteer's mentions, which stance and actor
/// roles both read, found once (keyed by the gazetteer's alias table, held so that its storage
/// is never another gazetteer's while the memo lives); and the text features four plugins start from.
final class PassageMemo: Sendable {
    private let mentions = Mutex<(key: [Gazetteer.Casing], found: [Gazetteer.Mention])?>(nil)
    private let text = Mutex<FeatureBag?>(nil)

    func textBag(_ make: () -> FeatureBag) -> FeatureBag {
        if let known = text.withLock({ $0 }) { return known }
        let bag = make()
        text.withLock { $0 = bag }
        return bag
    }

    func mentions(_ key: [Gazetteer.Casing], _ find: () -> [Gazetteer.Mention]) -> [Gazetteer.Mention] {
        if let known = mentions.withLock({ m in m.flatMap { PassageMemo.same($0.key, key) ? $0.found : nil } }) { return known }
        let found = find()
        mentions.withLock { $0 = (key, found) }
        return found
    }

    private static func same(_ a: [Gazetteer.Casing], _ b: [Gazetteer.Casing]) -> Bool {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress && x.count == y.count } }
    }
}
