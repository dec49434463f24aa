/// Turns text into a `Passage` in one pass over its UTF-8 bytes.
///
/// Folding rules (shared by lexicons, gazetteers and models, so all match alike):
/// - ASCII is lower-cased; common accented Latin letters fold to their base letter.
/// - Apostrophe-like marks (' ’ ʿ ʼ ʾ `) inside a word vanish: `Kata'ib` = `Kataib`;
///   a trailing `'s` is dropped and flags the token possessive.
/// - Hyphens between letters split tokens: `al-Kadhimi` = `al Kadhimi`, and
///   `Iran-backed` gives `iran` + `backed` (flagged hyphen-joined).
/// - Arabic script is kept whole; diacritics and tatweel drop, alef forms fold.
/// - `#CamelCase_tags` split into words; @handles and URLs are single tokens; each
///   emoji is a token.
public struct Analyzer: Sendable {
    public init() {}

    /// Words that open a negation scope running to the next punctuation mark.
    static let negators: Set<String> = [
        "not", "no", "never", "nor", "neither", "without", "cannot", "hardly", "none", "nobody",
        "nothing", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "wont",
        "cant", "couldnt", "shouldnt", "wouldnt", "hasnt", "havent", "hadnt", "لا", "لن", "ليس", "لم",
    ]
    /// `negators` packed into integers (every one is at most 8 bytes): a word is checked with
    /// integer compares, without making a String.
    static let negatorKeys: [UInt64] = negators.map { pack(Array($0.utf8), 0, $0.utf8.count) }.sorted()

    /// Up to 8 bytes, little-endian; words hold no NUL byte, so lengths cannot collide.
    @inline(__always)
    static func pack(_ norm: [UInt8], _ a: Int, _ b: Int) -> UInt64 {
        var key: UInt64 = 0
        var k = b
        while k > a { k -= 1; key = key << 8 | UInt64(norm[k]) }
        return key
    }

    /// For each first byte, a bit per length (1-8) some negator starting with it has: most
    /// words are ruled out by one lookup.
    static let negatorShapes: [UInt16] = {
        var t = [UInt16](repeating: 0, count: 256)
        for w in negators { t[Int(w.utf8.first!)] |= 1 << w.utf8.count }
        return t
    }()

    /// Whether `norm[a..<b]` is a negator, given `negatorShapes` and `negatorKeys` (passed in: a
    /// loop over a passage's words reads the globals once, not once a word).
    @inline(__always)
    static func isNegator(_ norm: [UInt8], _ a: Int, _ b: Int, shapes: [UInt16], keys: [UInt64]) -> Bool {
        guard b > a, b - a <= 8, shapes[Int(norm[a])] & (1 << (b - a)) != 0 else { return false }
        let key = pack(norm, a, b)
        return keys.withUnsafeBufferPointer { keys in
            for k in keys where k == key { return true }
            return false
        }
    }

    /// Short words that end with a period but do not end a sentence.
    static let abbreviations: Set<String> = ["mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "maj", "capt", "sen", "rep", "prof", "no", "vs", "jan", "feb", "aug", "sept", "oct", "nov", "dec"]
    /// `abbreviations` packed as `negatorKeys` are.
    static let abbreviationKeys: [UInt64] = abbreviations.map { pack(Array($0.utf8), 0, $0.utf8.count) }

    static func isAbbreviation(_ norm: [UInt8], _ a: Int, _ b: Int) -> Bool {
        guard b > a, b - a <= 8 else { return false }
        let key = pack(norm, a, b)
        return abbreviationKeys.withUnsafeBufferPointer { $0.contains(key) }
    }

    public func analyze(_ text: String) -> Passage {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3); return analyze(String(decoding: bytes, as: UTF8.self)) }
        let scanned = Scanner.scan(bytes)
        let norm = scanned.norm
        var tokens = scanned.tokens
        markNegation(&tokens, normalized: norm)
        let sentences = splitSentences(&tokens, normalized: norm)
        return Passage(text: text, bytes: bytes, normalized: norm, tokens: tokens, sentences: sentences)
    }

    /// The folded words of `text` (tokens other than punctuation), as `analyze` finds them;
    /// without the passage's negation scopes and sentences (lexicon loading folds thousands).
    public static func words(_ text: String) -> [String] {
        plainWords(text) ?? scannedWords(text)
    }

    /// `words` of a text that is only ASCII letters and digits in words one space apart, as
    /// most lexicon entries are: for those the scanner's tokens are the words, lower-cased
    /// (no URL, apostrophe, hyphen or dot to treat otherwise), so it need not run. nil for
    /// any other text.
    static func plainWords(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { b -> [String]? in
            var words: [String] = []
            words.reserveCapacity(4)
            var start = 0
            for i in 0...b.count {
                if i == b.count || b[i] == 0x20 {
                    guard i > start else { return nil }       // empty text, or a space at an end or twice
                    let word = UnsafeBufferPointer(rebasing: b[start..<i])
                    if !word.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
                        words.append(String(decoding: word, as: UTF8.self))
                    } else {
                        words.append(String(unsafeUninitializedCapacity: word.count) { out in
                            for k in word.indices { out[k] = word[k] >= UInt8(ascii: "A") ? word[k] | 0x20 : word[k] }
                            return word.count
                        })
                    }
                    start = i + 1
                    continue
                }
                let c = b[i], lower = c | 0x20
                guard (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) else { return nil }
            }
            return words
        }
    }

    /// `words` by the passage scanner.
    static func scannedWords(_ text: String) -> [String] {
        var bytes = Array(text.utf8)
        while bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let (norm, tokens) = Scanner.scan(bytes)
        return tokens.filter { $0.kind != .punct }.map { String(decoding: norm[Int($0.normStart)..<Int($0.normEnd)], as: UTF8.self) }
    }


    private func markNegation(_ tokens: inout [Token], normalized: [UInt8]) {
        var inScope = false
        let shapes = Analyzer.negatorShapes, keys = Analyzer.negatorKeys
        // The tokens' buffer taken once: no uniqueness check per flag set.
        tokens.withUnsafeMutableBufferPointer { tokens in
            for i in tokens.indices {
                if tokens[i].kind == .punct {
                    let c = normalized[Int(tokens[i].normStart)]
                    if c != UInt8(ascii: "'") && c != UInt8(ascii: "\"") { inScope = false }
                    continue
                }
                if tokens[i].kind == .word, tokens[i].normEnd - tokens[i].normStart <= 8,
                   Analyzer.isNegator(normalized, Int(tokens[i].normStart), Int(tokens[i].normEnd), shapes: shapes, keys: keys) {
                    tokens[i].flags.insert(.negator)
                    inScope = true
                    continue
                }
                if inScope { tokens[i].flags.insert(.negated) }
            }
        }
    }

    private func splitSentences(_ tokens: inout [Token], normalized: [UInt8]) -> [Range<Int>] {
        // The tokens' buffer taken once: no uniqueness check per token written.
        tokens.withUnsafeMutableBufferPointer { splitSentences($0, normalized: normalized) }
    }

    private func splitSentences(_ tokens: UnsafeMutableBufferPointer<Token>, normalized: [UInt8]) -> [Range<Int>] {
        var sentences: [Range<Int>] = []
        var start = 0
        var i = 0
        while i < tokens.count {
            tokens[i].sentence = Int32(sentences.count)
            if tokens[i].kind == .punct {
                let c = normalized[Int(tokens[i].normStart)]
                var ends = c == UInt8(ascii: "!") || c == UInt8(ascii: "?") || c == UInt8(ascii: "\n")
                if c == UInt8(ascii: ".") {
                    ends = true
                    if i > 0, tokens[i - 1].kind == .word, tokens[i - 1].byteEnd == tokens[i].byteStart {
                        let a = Int(tokens[i - 1].normStart), b = Int(tokens[i - 1].normEnd)
                        if Analyzer.isAbbreviation(normalized, a, b) || (b - a == 1 && tokens[i - 1].flags.contains(.allCaps)) { ends = false }
                    }
                    if i + 1 < tokens.count, tokens[i + 1].kind == .word, !tokens[i + 1].flags.contains(.capitalized) { ends = false }
                }
                if ends {
                    // Closing quotes and brackets belong to the sentence they close.
                    while i + 1 < tokens.count, tokens[i + 1].kind == .punct, Scanner.isCloser(normalized[Int(tokens[i + 1].normStart)]) {
                        i += 1
                        tokens[i].sentence = Int32(sentences.count)
                    }
                    sentences.append(start..<(i + 1))
                    start = i + 1
                }
            }
            i += 1
        }
        if start < tokens.count { sentences.append(start..<tokens.count) }
        for r in sentences {
            if let first = r.first(where: { tokens[$0].kind != .punct }) { tokens[first].flags.insert(.sentenceStart) }
        }
        return sentences
    }
}

/// The byte scanner behind `Analyzer`. Kept separate so its state is plain stored vars.
struct Scanner {
    /// The text's bytes, and the folded bytes written so far: raw pointers, because the scanner
    /// reads and appends a byte per character and an array's checks cost more than the byte.
    let bytes: UnsafeBufferPointer<UInt8>
    var norm: ByteBuffer
    var tokens: [Token] = []
    var i = 0
    var scalar = 0            // scalar offset of byte i
    var inQuote = false
    var inSingleQuote = false

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        norm = ByteBuffer(capacity: bytes.count + 16)
        tokens.reserveCapacity(bytes.count / 5)
    }

    /// The folded bytes and the tokens of `bytes`.
    static func scan(_ bytes: [UInt8]) -> (norm: [UInt8], tokens: [Token]) {
        bytes.withUnsafeBufferPointer { p in
            var s = Scanner(bytes: p)
            defer { s.norm.release() }
            s.run()
            return (s.norm.array, s.tokens)
        }
    }

    static func isCloser(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "\"") || c == UInt8(ascii: ")") || c == UInt8(ascii: "'") || c == UInt8(ascii: "]")
    }

    /// Decodes the scalar at byte `p`: (value, byte length). Invalid bytes read as U+FFFD.
    @inline(__always)
    func decode(_ p: Int) -> (UInt32, Int) {
        let b0 = bytes[p]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        let n = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1
        if n == 1 || p + n > bytes.count { return (0xFFFD, 1) }
        var v = UInt32(b0) & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07)
        for k in 1..<n {
            let c = bytes[p + k]
            if c & 0xC0 != 0x80 { return (0xFFFD, 1) }
            v = (v << 6) | UInt32(c & 0x3F)
        }
        return (v, n)
    }

    enum Class { case space, letter, digit, apostrophe, hyphen, quote, emoji, joiner, other }

    @inline(__always)
    static func classify(_ v: UInt32) -> Class {
        if v < 0x80 { return classifyASCII(UInt8(v)) }
        return classifyNonASCII(v)
    }

    /// The scanner's commonest question, answered with compares (a table would be a lazily
    /// initialised global, checked on every access).
    @inline(__always)
    static func classifyASCII(_ b: UInt8) -> Class {
        do {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return .letter
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return .digit
            case UInt8(ascii: " "), 9, 10, 11, 12, 13: return .space
            case UInt8(ascii: "'"), UInt8(ascii: "`"): return .apostrophe
            case UInt8(ascii: "-"): return .hyphen
            case UInt8(ascii: "\""): return .quote
            default: return .other
            }
        }
    }

    @inline(never)
    static func classifyNonASCII(_ v: UInt32) -> Class {
        switch v {
        case 0xA0, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: return .space
        case 0x2019, 0x2018, 0x02BC, 0x02BF, 0x02BE, 0x02BB: return .apostrophe
        case 0x2010, 0x2011: return .hyphen
        case 0x201C, 0x201D, 0x201E, 0xAB, 0xBB: return .quote
        case 0x200D, 0xFE0F, 0xFE0E, 0x1F3FB...0x1F3FF: return .joiner
        case 0x0640, 0x064B...0x065F, 0x0670: return .letter        // Arabic marks stay inside the word
        case 0x2600...0x27BF, 0x1F000...0x1FAFF, 0x2B00...0x2BFF: return .emoji
        default:
            if let s = Unicode.Scalar(v), s.properties.isAlphabetic { return .letter }
            if let s = Unicode.Scalar(v), s.properties.numericType != nil { return .digit }
            return .other
        }
    }

    /// Appends the folded form of scalar `v` to `norm`.
    @inline(__always)
    mutating func appendFolded(_ v: UInt32, raw p: Int, len: Int) {
        if v < 0x80 {
            let b = UInt8(v)
            norm.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            return
        }
        appendFoldedNonASCII(v, raw: p, len: len)
    }

    @inline(never)
    mutating func appendFoldedNonASCII(_ v: UInt32, raw p: Int, len: Int) {
        switch v {
        case 0x00C0...0x00FF:
            let f = Scanner.latin1Fold[Int(v - 0xC0)]
            if f != UInt8(ascii: "?") { norm.append(f); return }
        case 0x0100...0x017F:
            // Latin Extended-A comes in upper/lower pairs sharing a base letter.
            let f = Scanner.latinExtAFold[Int(v - 0x100) / 2]
            if f != UInt8(ascii: "?") { norm.append(f); return }
        case 0x1E00...0x1EFF:
            // Latin Extended Additional (dotted transliteration letters): pairs as well.
            let f = Scanner.latinExtAdditionalFold(v)
            if f != 0 { norm.append(f); return }
        case 0x0640, 0x064B...0x065F, 0x0670: return              // tatweel and harakat
        case 0x0622, 0x0623, 0x0625, 0x0671: appendScalar(0x0627); return  // alef forms → ا
        case 0x0649: appendScalar(0x064A); return                 // ى → ي
        case 0x0629: appendScalar(0x0647); return                 // ة → ه
        default: break
        }
        if let s = Unicode.Scalar(v), s.properties.isUppercase, let low = s.properties.lowercaseMapping.unicodeScalars.first, s.properties.lowercaseMapping.unicodeScalars.count == 1 {
            appendScalar(low.value)
            return
        }
        norm.append(contentsOf: bytes[p..<(p + len)])
    }

    mutating func appendScalar(_ v: UInt32) {
        guard let s = Unicode.Scalar(v) else { return }
        norm.append(contentsOf: String(s).utf8)
    }

    // À..ÿ folded to ASCII base letters; '?' = no fold.
    static let latin1Fold: [UInt8] = Array("aaaaaaaceeeeiiiidnooooo?ouuuuytsaaaaaaaceeeeiiiidnooooo?ouuuuyty".utf8)
    // Ā..ſ in pairs.
    static let latinExtAFold: [UInt8] = Array("aaacccccddeeeeegggghhiiiiiiijjkkllllllnnnnnooorrrssssttttuuuuuuwyzzzs".utf8)
    static func latinExtAdditionalFold(_ v: UInt32) -> UInt8 {
        switch v {
        case 0x1E0C, 0x1E0D: return UInt8(ascii: "d")
        case 0x1E24, 0x1E25: return UInt8(ascii: "h")
        case 0x1E62, 0x1E63: return UInt8(ascii: "s")
        case 0x1E6C, 0x1E6D: return UInt8(ascii: "t")
        case 0x1E92, 0x1E93: return UInt8(ascii: "z")
        default: return 0
        }
    }

    mutating func emit(kind: TokenKind, b0: Int, b1: Int, s0: Int, s1: Int, n0: Int, flags: TokenFlags) {
        var f = flags
        if inQuote || inSingleQuote { f.insert(.quoted) }
        tokens.append(Token(byteStart: Int32(b0), byteEnd: Int32(b1), start: Int32(s0), end: Int32(s1),
                            normStart: Int32(n0), normEnd: Int32(norm.count), kind: kind, flags: f, sentence: 0))
    }

    mutating func run() {
        var pendingHyphen = false
        while i < bytes.count {
            let (v, len) = decode(i)
            let cls = Scanner.classify(v)
            switch cls {
            case .space:
                if v == 10, i + 1 < bytes.count, bytes[i + 1] == 10 {
                    // A blank line ends a sentence.
                    let n0 = norm.count
                    norm.append(10)
                    emit(kind: .punct, b0: i, b1: i + 1, s0: scalar, s1: scalar + 1, n0: n0, flags: [])
                }
                pendingHyphen = false
                advance(len)
            case .letter, .digit:
                let b = bytes[i] | 0x20
                if b == UInt8(ascii: "h") || b == UInt8(ascii: "w"), startsURL() { scanURL(); pendingHyphen = false; continue }
                scanWord(hyphenJoined: pendingHyphen)
                pendingHyphen = false
            case .hyphen:
                // A hyphen joining two word characters splits them into two tokens.
                if let last = tokens.last, last.byteEnd == Int32(i), last.isWordLike, i + len < bytes.count {
                    let (nv, _) = decode(i + len)
                    let nc = Scanner.classify(nv)
                    if nc == .letter || nc == .digit { pendingHyphen = true; advance(len); continue }
                }
                punct(v, len)
            case .apostrophe, .quote:
                quoteMark(v, len, cls)
            case .emoji:
                let b0 = i, s0 = scalar, n0 = norm.count
                norm.append(contentsOf: bytes[i..<(i + len)])
                advance(len)
                // Keep ZWJ sequences, skin tones and variation selectors in one emoji token.
                while i < bytes.count {
                    let (nv, nl) = decode(i)
                    let c = Scanner.classify(nv)
                    if c == .joiner {
                        advance(nl)
                        if nv == 0x200D, i < bytes.count { let (ev, el) = decode(i); if Scanner.classify(ev) == .emoji { norm.append(contentsOf: bytes[i..<(i + el)]); advance(el) } }
                    } else { break }
                }
                emit(kind: .emoji, b0: b0, b1: i, s0: s0, s1: scalar, n0: n0, flags: [])
            case .joiner:
                advance(len)
            case .other:
                if v == UInt32(UInt8(ascii: "#")), i + 1 < bytes.count, isWordStart(i + 1) {
                    advance(1)
                    scanHashtag()
                } else if v == UInt32(UInt8(ascii: "@")), i + 1 < bytes.count, isWordStart(i + 1) {
                    scanHandle()
                } else {
                    punct(v, len)
                }
            }
        }
    }

    func isWordStart(_ p: Int) -> Bool {
        let (v, _) = decode(p)
        let c = Scanner.classify(v)
        return c == .letter || c == .digit
    }

    @inline(__always)
    mutating func advance(_ len: Int) {
        i += len
        scalar += 1
    }

    mutating func punct(_ v: UInt32, _ len: Int) {
        let n0 = norm.count
        // Unicode ellipsis counts as a full stop.
        if v == 0x2026 { norm.append(UInt8(ascii: ".")) } else { norm.append(contentsOf: bytes[i..<(i + len)]) }
        emit(kind: .punct, b0: i, b1: i + len, s0: scalar, s1: scalar + 1, n0: n0, flags: [])
        advance(len)
    }

    /// Quote marks toggle quotation state; apostrophes only when they stand at a word edge.
    mutating func quoteMark(_ v: UInt32, _ len: Int, _ cls: Class) {
        let prevIsWord = tokens.last.map { $0.byteEnd == Int32(i) && $0.isWordLike } ?? false
        let nextIsWord = i + len < bytes.count && isWordStart(i + len)
        if cls == .apostrophe {
            if v == 0x02BF || v == 0x02BE || v == 0x02BB || v == 0x02BC { advance(len); return }  // ayn/hamza marks
            let opens = !prevIsWord && nextIsWord && (v == 0x27 || v == 0x2018 || v == 0x60)
            let closes = prevIsWord && !nextIsWord && inSingleQuote
            if opens && !inSingleQuote {
                let n0 = norm.count; norm.append(UInt8(ascii: "'"))
                emit(kind: .punct, b0: i, b1: i + len, s0: scalar, s1: scalar + 1, n0: n0, flags: [])
                inSingleQuote = true
            } else if closes {
                inSingleQuote = false
                let n0 = norm.count; norm.append(UInt8(ascii: "'"))
                emit(kind: .punct, b0: i, b1: i + len, s0: scalar, s1: scalar + 1, n0: n0, flags: [])
            }
            advance(len)
            return
        }
        let n0 = norm.count
        norm.append(UInt8(ascii: "\""))
        let opening: Bool
        switch v {
        case 0x201C, 0x201E, 0xAB: opening = true
        case 0x201D, 0xBB: opening = false
        default: opening = !inQuote
        }
        if opening {
            inQuote = true
            emit(kind: .punct, b0: i, b1: i + len, s0: scalar, s1: scalar + 1, n0: n0, flags: [])
        } else {
            emit(kind: .punct, b0: i, b1: i + len, s0: scalar, s1: scalar + 1, n0: n0, flags: [])
            inQuote = false
        }
        advance(len)
    }

    /// Letters, digits and in-word apostrophes; `U.S.`-style initials; decimal numbers.
    mutating func scanWord(hyphenJoined: Bool) {
        let b0 = i, s0 = scalar, n0 = norm.count
        var letters = 0, uppers = 0, digits = 0
        var firstUpper = false
        var possessive = false
        while i < bytes.count {
            // ASCII letters and digits, most of most text, in a tight loop (what the general
            // path below does for them: count, lower-case, advance), on locals: one folded byte
            // each, written where room was made once.
            let input = bytes
            norm.reserve(input.count - i)
            var out = norm.base + norm.count
            // Only a word's first character can set `firstUpper`.
            if letters == 0 && digits == 0, (input[i] | 0x20) &- UInt8(ascii: "a") < 26 { firstUpper = input[i] <= UInt8(ascii: "Z") }
            var k = i
            while k < input.count {
                let b = input[k], lower = b | 0x20
                if lower &- UInt8(ascii: "a") < 26 {
                    letters &+= 1
                    uppers &+= b <= UInt8(ascii: "Z") ? 1 : 0
                    out.pointee = lower
                } else if b &- UInt8(ascii: "0") < 10 {
                    digits &+= 1
                    out.pointee = b
                } else {
                    break
                }
                out += 1
                k &+= 1
            }
            norm.added(k - i)
            scalar += k - i
            i = k
            guard i < bytes.count else { break }
            // The commonest end of a word, a space or an ASCII mark other than an apostrophe or a
            // period, ends it here (what the general path below does with it).
            let next = bytes[i]
            if next < 0x80 && next != UInt8(ascii: "'") && next != UInt8(ascii: "`") && next != UInt8(ascii: ".") { break }
            let (v, len) = decode(i)
            let c = Scanner.classify(v)
            if c == .letter || c == .digit {
                if c == .digit { digits += 1 } else {
                    let isUpper = (v >= 0x41 && v <= 0x5A) || (v >= 0x80 && (Unicode.Scalar(v)?.properties.isUppercase ?? false))
                    if letters == 0 && digits == 0 { firstUpper = isUpper }
                    letters += 1
                    if isUpper { uppers += 1 }
                }
                appendFolded(v, raw: i, len: len)
                advance(len)
                continue
            }
            if c == .apostrophe, v != 0x2018, i + len < bytes.count, isWordStart(i + len) {
                // 's at the end of a word is a possessive; elsewhere the mark folds away.
                let nb = bytes[i + len] | 0x20
                let after = i + len + 1
                if nb == UInt8(ascii: "s"), after >= bytes.count || !isWordStart(after) {
                    possessive = true
                    let end = i
                    advance(len); advance(1)
                    finishWord(b0: b0, b1: end, s0: s0, s1: scalar - 2, n0: n0, letters: letters, uppers: uppers, digits: digits, firstUpper: firstUpper, possessive: possessive, hyphenJoined: hyphenJoined)
                    return
                }
                advance(len)
                continue
            }
            if v == 0x2E, i + 1 < bytes.count {
                // Initials (U.S., U.N.) and decimals (3.5) stay one token.
                let nb = bytes[i + 1]
                if digits > 0 && letters == 0 && nb >= 0x30 && nb <= 0x39 { norm.append(0x2E); advance(1); continue }
                if uppers == letters && letters >= 1 && digits == 0 && lastRunIsSingleLetter(b0: b0),
                   i + 2 < bytes.count, (nb >= 0x41 && nb <= 0x5A), bytes[i + 2] == 0x2E {
                    advance(1)
                    continue
                }
                if uppers == letters && letters >= 2 && digits == 0 && lastRunIsSingleLetter(b0: b0) && bytes[i - 2] == 0x2E {
                    // Final dot of U.S. belongs to the word.
                    advance(1)
                    break
                }
            }
            break
        }
        finishWord(b0: b0, b1: i, s0: s0, s1: scalar, n0: n0, letters: letters, uppers: uppers, digits: digits, firstUpper: firstUpper, possessive: possessive, hyphenJoined: hyphenJoined)
    }

    /// True when the bytes just before `i` are a single letter preceded by a dot or the word start.
    func lastRunIsSingleLetter(b0: Int) -> Bool {
        guard i - 1 >= b0 else { return false }
        return i - 1 == b0 || bytes[i - 2] == 0x2E
    }

    mutating func finishWord(b0: Int, b1: Int, s0: Int, s1: Int, n0: Int, letters: Int, uppers: Int, digits: Int, firstUpper: Bool, possessive: Bool, hyphenJoined: Bool) {
        var flags: TokenFlags = []
        if firstUpper { flags.insert(.capitalized) }
        if letters >= 2 && uppers == letters { flags.insert(.allCaps) }
        if letters == 1 && uppers == 1 { flags.insert(.allCaps) }
        if possessive { flags.insert(.possessive) }
        if hyphenJoined { flags.insert(.hyphenJoined) }
        let kind: TokenKind = letters == 0 && digits > 0 ? .number : .word
        emit(kind: kind, b0: b0, b1: b1, s0: s0, s1: s1, n0: n0, flags: flags)
    }

    /// `#Safavid_militias`, `#NoToIran`: split on underscores and camel-case humps.
    mutating func scanHashtag() {
        var b0 = i, s0 = scalar, n0 = norm.count
        var prevLower = false
        var letters = 0, uppers = 0, digits = 0
        var firstUpper = false
        func flush(_ s: inout Scanner) {
            if s.norm.count > n0 {
                var f: TokenFlags = []
                if firstUpper { f.insert(.capitalized) }
                if letters >= 2 && uppers == letters { f.insert(.allCaps) }
                s.emit(kind: .hashtag, b0: b0, b1: s.i, s0: s0, s1: s.scalar, n0: n0, flags: f)
            }
        }
        while i < bytes.count {
            let (v, len) = decode(i)
            let c = Scanner.classify(v)
            if v == 0x5F || c == .hyphen || c == .apostrophe {
                if v == 0x5F || c == .hyphen {
                    flush(&self)
                    advance(len)
                    b0 = i; s0 = scalar; n0 = norm.count; letters = 0; uppers = 0; digits = 0; prevLower = false
                    if i >= bytes.count || !isWordStart(i) { return }
                } else { advance(len) }
                continue
            }
            guard c == .letter || c == .digit else { break }
            let isUpper = v >= 0x41 && v <= 0x5A
            if isUpper && prevLower {
                flush(&self)
                b0 = i; s0 = scalar; n0 = norm.count; letters = 0; uppers = 0; digits = 0
            }
            if c == .digit { digits += 1 } else {
                if letters == 0 { firstUpper = isUpper }
                letters += 1; if isUpper { uppers += 1 }
            }
            prevLower = !isUpper && c == .letter
            appendFolded(v, raw: i, len: len)
            advance(len)
        }
        flush(&self)
    }

    mutating func scanHandle() {
        let b0 = i, s0 = scalar, n0 = norm.count
        norm.append(UInt8(ascii: "@"))
        advance(1)
        while i < bytes.count {
            let (v, len) = decode(i)
            let c = Scanner.classify(v)
            guard c == .letter || c == .digit || v == 0x5F else { break }
            appendFolded(v, raw: i, len: len)
            advance(len)
        }
        emit(kind: .handle, b0: b0, b1: i, s0: s0, s1: scalar, n0: n0, flags: [])
    }

    func startsURL() -> Bool {
        func has(_ prefix: StaticString) -> Bool {
            let n = prefix.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            for k in 0..<n where bytes[i + k] | 0x20 != prefix.utf8Start[k] { return false }
            return true
        }
        return has("http://") || has("https://") || has("www.")
    }

    /// A URL runs to the next white space.
    mutating func scanURL() {
        let b0 = i, s0 = scalar, n0 = norm.count
        norm.append(contentsOf: Array("<url>".utf8))
        while i < bytes.count {
            let (v, len) = decode(i)
            if Scanner.classify(v) == .space { break }
            advance(len)
        }
        emit(kind: .url, b0: b0, b1: i, s0: s0, s1: scalar, n0: n0, flags: [])
    }
}

/// Growable bytes behind a raw pointer, released by its owner (`release()`).
struct ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func release() { base.deallocate() }

    var array: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    subscript(k: Int) -> UInt8 { base[k] }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        if count == capacity { grow() }
        base[count] = b
        count += 1
    }

    mutating func append<C: Collection>(contentsOf c: C) where C.Element == UInt8 {
        for b in c { append(b) }
    }

    /// Room for `n` more bytes: a loop may write them from `base + count` on, with no check per
    /// byte, then count them in with `added`.
    mutating func reserve(_ n: Int) {
        while count + n > capacity { grow() }
    }

    mutating func added(_ n: Int) {
        assert(count + n <= capacity)
        count += n
    }

    @inline(never)
    private mutating func grow() {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }
}
