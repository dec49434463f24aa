/// A small JSON reader and writer over UTF-8 bytes: the input side of batch runs and the
/// corpus reader, and the output side of every encoder (no Foundation coders in hot loops).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var number: Double? { if case .number(let n) = self { return n }; return nil }
    public var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var object: [(String, JSONValue)]? { if case .object(let o) = self { return o }; return nil }

    /// Text form of a scalar value (an id given as a number stays readable).
    public var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return formatNumber(n)
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }
}

public struct JSONParseError: Error, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "\(message) at byte \(offset + 1)" }
}

/// Whether `b` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or values past
/// U+10FFFF). `String(validating:)` answers the same, several times slower.
public func isValidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    let n = b.count
    while i < n {
        // ASCII eight bytes at a time.
        if i + 8 <= n, UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
        let c = b[i]
        if c < 0x80 { i += 1; continue }
        let len: Int, lo: UInt8, hi: UInt8
        switch c {
        case 0xC2...0xDF: len = 2; lo = 0x80; hi = 0xBF
        case 0xE0: len = 3; lo = 0xA0; hi = 0xBF
        case 0xE1...0xEC, 0xEE...0xEF: len = 3; lo = 0x80; hi = 0xBF
        case 0xED: len = 3; lo = 0x80; hi = 0x9F
        case 0xF0: len = 4; lo = 0x90; hi = 0xBF
        case 0xF1...0xF3: len = 4; lo = 0x80; hi = 0xBF
        case 0xF4: len = 4; lo = 0x80; hi = 0x8F
        default: return false
        }
        guard i + len <= n, b[i + 1] >= lo, b[i + 1] <= hi else { return false }
        for k in 2..<len where b[i + k] & 0xC0 != 0x80 { return false }
        i += len
    }
    return true
}

/// Parses one JSON document from `bytes[range]`.
public struct JSONReader {
    let b: UnsafeBufferPointer<UInt8>
    var i: Int
    let end: Int
    /// Set when a string held invalid UTF-8 (replaced by U+FFFD).
    public private(set) var repairedUTF8 = false

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try parse(bytes, 0..<bytes.count).value
    }

    public static func parse(_ s: String) throws -> JSONValue { try parse(Array(s.utf8)) }

    public static func parse(_ bytes: [UInt8], _ range: Range<Int>) throws -> (value: JSONValue, repairedUTF8: Bool) {
        try bytes.withUnsafeBufferPointer { try parse($0, range) }
    }

    /// Parses `buf[range]` in place (a line of a mapped file).
    public static func parse(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws -> (value: JSONValue, repairedUTF8: Bool) {
        var r = JSONReader(b: buf, i: range.lowerBound, end: range.upperBound)
        r.skipSpace()
        let v = try r.value(depth: 0)
        r.skipSpace()
        if r.i < r.end { throw JSONParseError(message: "unexpected text after the JSON value", offset: r.i - range.lowerBound) }
        return (v, r.repairedUTF8)
    }

    mutating func skipSpace() {
        while i < end, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    func fail(_ m: String) -> JSONParseError { JSONParseError(message: m, offset: i) }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw fail("nesting deeper than 512") }
        guard i < end else { throw fail("unexpected end of input") }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            var pairs: [(String, JSONValue)] = []
            skipSpace()
            if i < end, b[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            while true {
                skipSpace()
                guard i < end, b[i] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
                let k = try string()
                skipSpace()
                guard i < end, b[i] == UInt8(ascii: ":") else { throw fail("expected ':' after key \"\(k)\"") }
                i += 1
                skipSpace()
                pairs.append((k, try value(depth: depth + 1)))
                skipSpace()
                guard i < end else { throw fail("unterminated object") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                throw fail("expected ',' or '}' in object")
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if i < end, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < end else { throw fail("unterminated array") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw fail("expected ',' or ']' in array")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            return .number(try number())
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard i + n <= end else { throw fail("unexpected end of input") }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { throw fail("invalid literal") }
        i += n
    }

    mutating func number() throws -> Double {
        let s = i
        while i < end {
            let c = b[i]
            if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { i += 1 } else { break }
        }
        guard i > s, let v = Double(String(decoding: UnsafeBufferPointer(rebasing: b[s..<i]), as: UTF8.self)) else {
            i = s
            throw fail("invalid value (expected a string, number, object, array, true, false or null)")
        }
        return v
    }

    /// Whether any of the eight bytes of `x` is a quote, a backslash or a control byte: what ends
    /// a plain run of a JSON string, read or written (the usual zero-byte test: exact for "is
    /// there one").
    @inline(__always)
    static func hasSpecialByte(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = x ^ (ones &* 0x22), backslash = x ^ (ones &* 0x5C)
        return (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((x &- ones &* 0x20) & ~x)) & highs != 0
    }

    mutating func string() throws -> String {
        i += 1                                      // opening quote
        let start = i
        // Fast path: no escapes and plain bytes; eight at a time while none is a quote, a
        // backslash or a control byte (the usual zero-byte test: exact for "is there one"),
        // then byte by byte. On a local: `i` is a field, stored back once.
        var j = i
        while j + 8 <= end, !JSONReader.hasSpecialByte(UnsafeRawPointer(b.baseAddress! + j).loadUnaligned(as: UInt64.self)) { j += 8 }
        while j < end, b[j] != UInt8(ascii: "\""), b[j] != UInt8(ascii: "\\"), b[j] >= 0x20 { j += 1 }
        i = j
        if i < end, b[i] == UInt8(ascii: "\"") {
            let slice = UnsafeBufferPointer(rebasing: b[start..<i])
            i += 1
            return decodeUTF8(slice)
        }
        var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: b[start..<i]))
        while i < end {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return out.withUnsafeBufferPointer { decodeUTF8($0) } }
            if c < 0x20 { throw fail("control character inside a string (escape it as \\n, \\t, …)") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < end else { break }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if v >= 0xD800 && v < 0xDC00, i + 1 < end, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let lo = try hex4()
                    if lo >= 0xDC00 && lo < 0xE000 { v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00) } else { v = 0xFFFD }
                }
                let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
                out.append(contentsOf: String(scalar).utf8)
            default: throw fail("invalid escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= end else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("bad hex digit in \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    mutating func decodeUTF8(_ slice: UnsafeBufferPointer<UInt8>) -> String {
        if !isValidUTF8(slice) { repairedUTF8 = true }
        return String(decoding: slice, as: UTF8.self)
    }
}

/// Appends JSON text to a byte buffer.
///
/// The buffer keeps spare room past the written bytes, so a value is written with raw stores
/// into room reserved once (`withRoom`), not appended byte by byte to an array.
public struct JSONWriter {
    /// Written bytes are `buffer[..<count]`; the rest is room.
    private var buffer: [UInt8]
    public private(set) var count = 0

    /// The room is left uninitialised (bytes are always written before they are read): a batch's
    /// writer is megabytes, and zeroing it cost a memset per batch.
    public init(capacity: Int = 1024) { buffer = JSONWriter.room(max(capacity, 64)) }

    private static func room(_ n: Int) -> [UInt8] { [UInt8](unsafeUninitializedCapacity: n) { _, count in count = n } }

    /// The bytes written (a copy).
    public var out: [UInt8] { Array(buffer[..<count]) }

    /// The bytes written, without a copy; the writer is left empty.
    public mutating func take() -> [UInt8] {
        var b: [UInt8] = []
        swap(&b, &buffer)
        b.removeLast(b.count - count)
        count = 0
        return b
    }

    /// Makes room for `n` more bytes and lets `body` write at most that many at the end;
    /// `body` returns how many it wrote.
    @inline(__always)
    public mutating func withRoom(_ n: Int, _ body: (inout Cursor) -> Void) {
        if buffer.count - count < n { grow(n) }
        let start = count
        count = buffer.withUnsafeMutableBufferPointer { b in
            var c = Cursor(b.baseAddress! + start)
            body(&c)
            return start + (b.baseAddress! + start).distance(to: c.p)
        }
    }

    @inline(never)
    private mutating func grow(_ n: Int) {
        var bigger = JSONWriter.room(buffer.count + max(buffer.count, count + n - buffer.count))
        let written = count
        bigger.withUnsafeMutableBufferPointer { b in
            buffer.withUnsafeBufferPointer { old in UnsafeMutableRawBufferPointer(b).copyMemory(from: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: old[..<written]))) }
        }
        buffer = bigger
    }

    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { u in withRoom(u.count) { $0.bytes(u) } }
    }

    @inline(__always) public mutating func raw(_ s: StaticString) { withRoom(s.utf8CodeUnitCount) { $0.raw(s) } }
    public mutating func string(_ s: String) { withRoom(Cursor.bound(s)) { $0.string(s) } }
    public mutating func number(_ x: Double) { withRoom(Cursor.numberBound) { $0.number(x) } }
    /// A probability or weight, rounded to 4 decimals: stable, short output.
    public mutating func rounded(_ x: Double) { withRoom(Cursor.numberBound) { $0.rounded(x) } }
    public mutating func int(_ x: Int) { withRoom(Cursor.numberBound) { $0.int(x) } }

    public mutating func value(_ v: JSONValue) {
        switch v {
        case .null: raw("null")
        case .bool(let b): if b { raw("true") } else { raw("false") }
        case .number(let n): number(n)
        case .string(let s): string(s)
        case .array(let a):
            raw("[")
            for (k, x) in a.enumerated() { if k > 0 { raw(",") }; value(x) }
            raw("]")
        case .object(let o):
            raw("{")
            for (k, (key, x)) in o.enumerated() {
                if k > 0 { raw(",") }
                string(key); raw(":"); value(x)
            }
            raw("}")
        }
    }

    /// Raw stores into room made by `withRoom`; the caller has checked it suffices (`bound`,
    /// `numberBound`).
    public struct Cursor {
        fileprivate(set) var p: UnsafeMutablePointer<UInt8>
        init(_ p: UnsafeMutablePointer<UInt8>) { self.p = p }

        /// Room a number takes at most (`-1.2345678901234567e-308` and the like).
        public static let numberBound = 32
        /// Room `string(s)` takes at most: quotes and every byte escaped as \u00XX.
        @inline(__always) public static func bound(_ s: String) -> Int { s.utf8.count * 6 + 2 }

        @inline(__always) public mutating func byte(_ b: UInt8) { p.pointee = b; p += 1 }

        @inline(__always) public mutating func raw(_ s: StaticString) {
            let n = s.utf8CodeUnitCount
            p.update(from: s.utf8Start, count: n)
            p += n
        }

        @inline(__always) mutating func bytes(_ u: UnsafeBufferPointer<UInt8>) {
            guard let base = u.baseAddress else { return }
            p.update(from: base, count: u.count)
            p += u.count
        }

        public mutating func string(_ s: String) {
            // Read in place when it can be (native and small strings): no copy of `s` to make mutable.
            if s.utf8.withContiguousStorageIfAvailable({ string($0) }) != nil { return }
            var s = s
            s.withUTF8 { string($0) }
        }

        mutating func string(_ u: UnsafeBufferPointer<UInt8>) {
            byte(UInt8(ascii: "\""))
            // Runs of bytes that need no escape are copied whole; found eight bytes at a time
            // while none is a quote, a backslash or a control byte (as `JSONReader.string` finds them).
            var start = 0
            var i = 0
            while i < u.count {
                if i + 8 <= u.count, !JSONReader.hasSpecialByte(UnsafeRawPointer(u.baseAddress! + i).loadUnaligned(as: UInt64.self)) {
                    i += 8; continue
                }
                let c = u[i]
                if c >= 0x20 && c != 0x22 && c != 0x5C { i += 1; continue }
                if i > start { bytes(UnsafeBufferPointer(rebasing: u[start..<i])) }
                start = i + 1
                i += 1
                switch c {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                default:
                    raw("\\u00")
                    byte(Cursor.hex[Int(c >> 4)]); byte(Cursor.hex[Int(c & 0xF)])
                }
            }
            if u.count > start { bytes(UnsafeBufferPointer(rebasing: u[start..<u.count])) }
            byte(UInt8(ascii: "\""))
        }

        static let hex: [UInt8] = Array("0123456789abcdef".utf8)

        public mutating func number(_ x: Double) {
            var s = formatNumber(x)
            s.withUTF8 { bytes($0) }
        }

        /// A probability or weight, rounded to 4 decimals: stable, short output.
        public mutating func rounded(_ x: Double) {
            // Fast path, byte for byte what `formatNumber` prints for the rounded value: below 1e11
            // the rounded value k/10000 has at most 15 significant digits, so its shortest
            // round-tripping form is that decimal with trailing zeros dropped.
            if abs(x) < 1e11 {
                let q = (x * 10000).rounded()
                if q == 0 { byte(UInt8(ascii: "0")); return }
                let qi = Int64(q)
                if qi < 0 { byte(UInt8(ascii: "-")) }
                let m = qi < 0 ? -qi : qi
                digits(UInt64(m / 10000))
                let frac = Int(m % 10000)
                if frac != 0 {
                    // All four digits in one store (the room is there: `numberBound`), then the
                    // trailing zeros dropped: the high bytes of the store that are "0".
                    let four = Cursor.fourDigits[frac]
                    byte(UInt8(ascii: "."))
                    UnsafeMutableRawPointer(p).storeBytes(of: four, as: UInt32.self)
                    p += 4 - (four ^ 0x3030_3030).leadingZeroBitCount / 8
                }
                return
            }
            let r = (x * 10000).rounded() / 10000
            number(r == 0 ? 0 : r)
        }

        /// "0000" … "9999", four ASCII digits a number, the first in the low byte (memory order).
        static let fourDigits: [UInt32] = (0..<UInt32(10000)).map { n in
            let d0: UInt32 = 0x30 + n / 1000, d1: UInt32 = 0x30 + n / 100 % 10
            let d2: UInt32 = 0x30 + n / 10 % 10, d3: UInt32 = 0x30 + n % 10
            return d0 | d1 << 8 | d2 << 16 | d3 << 24
        }

        /// Decimal digits of `v`: counted by comparison, written two at a time from the end.
        @inline(__always)
        mutating func digits(_ v: UInt64) {
            if v < 10 { byte(0x30 + UInt8(v)); return }
            var n = 2
            var limit: UInt64 = 100
            while n < 20, v >= limit { n += 1; limit &*= 10 }
            var x = v
            var k = n
            Cursor.twoDigits.withUnsafeBufferPointer { pairs in
                while x >= 10 {
                    let r = Int(x % 100)
                    x /= 100
                    k -= 2
                    p[k] = pairs[2 * r]; p[k + 1] = pairs[2 * r + 1]
                }
                if k > 0 { p[0] = 0x30 + UInt8(x) }
            }
            p += n
        }

        /// "00" … "99", two ASCII digits a number.
        static let twoDigits: [UInt8] = (0..<UInt8(100)).flatMap { (n: UInt8) -> [UInt8] in [0x30 + n / 10, 0x30 + n % 10] }

        public mutating func int(_ x: Int) {
            if x < 0 { byte(UInt8(ascii: "-")); digits(UInt64(x.magnitude)) } else { digits(UInt64(x)) }
        }
    }
}
