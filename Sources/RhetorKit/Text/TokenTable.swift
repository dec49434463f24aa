#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Interns folded token byte strings to dense ids, and looks passage tokens up without
/// allocating: an open-addressing hash table over one byte arena. A model file holds its
/// vocabulary laid out as here, and a loaded model looks words up in it in place.
public struct TokenTable: Sendable {
    private var arena = ModelArray<UInt8>()
    private var offsets: ModelArray<Int32> = [0]        // string k is arena[offsets[k]..<offsets[k+1]]
    /// Slot s is words 2s (a string's hash) and 2s + 1 (its id's bits; -1: empty), so a probe
    /// compares hashes without touching another array.
    private var slots: ModelArray<UInt64>
    /// Each id's hash, for growing; empty while the table is read in place (its slots hold them).
    private var hashes: [UInt64] = []
    public private(set) var count = 0

    public init(capacity: Int = 64) {
        var n = 64
        while n < capacity * 2 { n <<= 1 }
        slots = TokenTable.emptySlots(n)
    }

    private static func emptySlots(_ n: Int) -> ModelArray<UInt64> {
        var words = [UInt64](repeating: 0, count: 2 * n)
        for s in 0..<n { words[2 * s + 1] = UInt64(UInt32(bitPattern: -1)) }
        return ModelArray(words)
    }

    @inline(__always)
    private static func id(_ word: UInt64) -> Int32 { Int32(truncatingIfNeeded: word) }

    @inline(__always)
    static func hash<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var h: UInt64 = 0xcbf29ce484222325                   // FNV-1a
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }

    @inline(__always)
    static func hash(_ buf: [UInt8], _ a: Int, _ b: Int) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        var k = a
        while k < b { h = (h ^ UInt64(buf[k])) &* 0x100000001b3; k += 1 }
        return h
    }

    /// The id of `buf[a..<b]`, or -1.
    @inline(__always)
    public func lookup(_ buf: [UInt8], _ a: Int, _ b: Int) -> Int32 {
        precondition(a >= 0 && a <= b && b <= buf.count)
        if a == b { return lookupEmpty() }
        return buf.withUnsafeBufferPointer { p in lookup(hash: TokenTable.hash(p, a, b), p.baseAddress! + a, b - a) }
    }

    @inline(__always)
    static func hash(_ p: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325                   // FNV-1a, as `hash`
        var k = a
        while k < b { h = (h ^ UInt64(p[k])) &* 0x100000001b3; k += 1 }
        return h
    }

    /// The id of the `n` bytes at `p` whose `hash` is `h`, or -1: the hot path of every model
    /// and lexicon (passages carry their tokens' hashes, so nothing is hashed twice).
    @inline(__always)
    public func lookup(hash h: UInt64, _ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        slots.withUnsafeBufferPointer { sl in
            let mask = sl.count / 2 - 1
            var s = Int(truncatingIfNeeded: h) & mask
            while true {
                let id = TokenTable.id(sl[2 * s + 1])
                if id < 0 { return -1 }
                if sl[2 * s] == h && equal(Int(id), p, n) { return id }
                s = (s + 1) & mask
            }
        }
    }

    /// The id of the empty string, or -1 (off the hot path: empty buffers have no base address).
    private func lookupEmpty() -> Int32 {
        let h = TokenTable.hash([UInt8]())
        let mask = slots.count / 2 - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = TokenTable.id(slots[2 * s + 1])
            if id < 0 { return -1 }
            if slots[2 * s] == h && offsets[Int(id)] == offsets[Int(id) + 1] { return id }
            s = (s + 1) & mask
        }
    }

    @inline(__always)
    private func equal(_ id: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let o0 = Int(offsets[id]), o1 = Int(offsets[id + 1])
        guard o1 - o0 == n else { return false }
        return arena.withUnsafeBufferPointer { ar in memcmp(ar.baseAddress! + o0, p, n) == 0 }
    }

    /// The id of passage token `i`, or -1.
    @inline(__always)
    public func lookup(_ p: Passage, _ i: Int) -> Int32 {
        let t = p.tokens[i]
        let a = Int(t.normStart), n = Int(t.normEnd) - a
        if n == 0 { return lookupEmpty() }
        return p.normalized.withUnsafeBufferPointer { lookup(hash: p.hashes[i], $0.baseAddress! + a, n) }
    }

    /// The id of every token of `p` (-1: not in the table), punctuation left out (-1), with
    /// the buffers taken once for the whole passage.
    public func lookupWords(_ p: Passage) -> [Int32] {
        p.tokens.withUnsafeBufferPointer { tokens in
            p.hashes.withUnsafeBufferPointer { hashes in
                p.normalized.withUnsafeBufferPointer { norm in
                    slots.withUnsafeBufferPointer { sl in
                        offsets.withUnsafeBufferPointer { off in
                            arena.withUnsafeBufferPointer { ar in
                                let mask = sl.count / 2 - 1
                                return (0..<tokens.count).map { i -> Int32 in
                                    let t = tokens[i]
                                    guard t.kind != .punct else { return -1 }
                                    let a = Int(t.normStart), n = Int(t.normEnd) - a
                                    if n == 0 { return lookupEmpty() }
                                    let h = hashes[i]
                                    var s = Int(truncatingIfNeeded: h) & mask
                                    while true {
                                        let id = TokenTable.id(sl[2 * s + 1])
                                        if id < 0 { return -1 }
                                        if sl[2 * s] == h {
                                            let o0 = Int(off[Int(id)])
                                            if Int(off[Int(id) + 1]) - o0 == n && memcmp(ar.baseAddress! + o0, norm.baseAddress! + a, n) == 0 { return id }
                                        }
                                        s = (s + 1) & mask
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The id of a string, or -1 (no copy of its bytes).
    public func lookup(_ s: String) -> Int32 {
        var s = s
        return s.withUTF8 { b in b.isEmpty ? lookupEmpty() : lookup(hash: TokenTable.hash(b, 0, b.count), b.baseAddress!, b.count) }
    }

    /// Identifies the table's storage: copies that share it (the models of one plugin, loaded
    /// together) give the same ids, so ids looked up once serve them all.
    var storageKey: UnsafeRawPointer? { slots.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }

    @discardableResult
    public mutating func intern(_ s: String) -> Int32 {
        var s = s
        return s.withUTF8 { intern($0, 0, $0.count) }
    }

    @discardableResult
    public mutating func intern(_ buf: [UInt8], _ a: Int, _ b: Int) -> Int32 {
        precondition(a >= 0 && a <= b && b <= buf.count)
        return buf.withUnsafeBufferPointer { intern($0, a, b) }
    }

    /// Interns passage token `i` (by the hash the passage carries).
    @discardableResult
    public mutating func intern(_ p: Passage, _ i: Int) -> Int32 {
        let t = p.tokens[i]
        return p.normalized.withUnsafeBufferPointer { intern($0, Int(t.normStart), Int(t.normEnd), hash: p.hashes[i]) }
    }

    @discardableResult
    public mutating func intern(_ buf: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int, hash: UInt64? = nil) -> Int32 {
        let h = hash ?? TokenTable.hash(buf, a, b)
        if a < b {
            let found = lookup(hash: h, buf.baseAddress! + a, b - a)
            if found >= 0 { return found }
        } else {
            let found = lookupEmpty()
            if found >= 0 { return found }
        }
        ownHashes()
        if (count + 1) * 4 > slots.count { grow() }
        let id = Int32(count)
        arena.append(contentsOf: buf[a..<b])
        offsets.append(Int32(arena.count))
        hashes.append(h)
        insertSlot(id, h)
        count += 1
        return id
    }

    private mutating func insertSlot(_ id: Int32, _ h: UInt64) {
        slots.withUnsafeMutableBufferPointer { sl in
            let mask = sl.count / 2 - 1
            var s = Int(truncatingIfNeeded: h) & mask
            while TokenTable.id(sl[2 * s + 1]) >= 0 { s = (s + 1) & mask }
            sl[2 * s] = h
            sl[2 * s + 1] = UInt64(UInt32(bitPattern: id))
        }
    }

    private mutating func grow() {
        slots = TokenTable.emptySlots(slots.count)
        for id in 0..<count { insertSlot(Int32(id), hashes[id]) }
    }

    /// Before a table read in place gains a word: each id's hash, from its slot.
    private mutating func ownHashes() {
        guard hashes.count < count else { return }
        hashes = Array(repeating: 0, count: count)
        for s in 0..<(slots.count / 2) {
            let id = TokenTable.id(slots[2 * s + 1])
            if id >= 0 { hashes[Int(id)] = slots[2 * s] }
        }
    }

    /// The table as model files hold it: string k is `arena[offsets[k]..<offsets[k + 1]]`, and
    /// the slots as described at `slots`.
    var fileArrays: (offsets: ModelArray<Int32>, arena: ModelArray<UInt8>, slots: ModelArray<UInt64>) { (offsets, arena, slots) }

    /// A table as `fileArrays` gave it, read in place; nil unless the offsets rise from 0 to the
    /// arena's end and the slots are a power of two in number, hold each id once and leave one
    /// empty (so no lookup reads out of bounds or probes forever).
    init?(offsets: ModelArray<Int32>, arena: ModelArray<UInt8>, slots: ModelArray<UInt64>) {
        let words = offsets.count - 1
        let size = slots.count / 2
        guard words >= 0, offsets[0] == 0, Int(offsets[words]) == arena.count, slots.count % 2 == 0,
              size > words, size & (size - 1) == 0 else { return nil }
        let risen = offsets.withUnsafeBufferPointer { o in (0..<words).allSatisfy { o[$0] <= o[$0 + 1] } }
        var seen = [Bool](repeating: false, count: words)
        let once = slots.withUnsafeBufferPointer { sl in
            (0..<size).allSatisfy { s in
                let id = Int(TokenTable.id(sl[2 * s + 1]))
                guard id >= 0 else { return id == -1 && sl[2 * s + 1] == UInt64(UInt32(bitPattern: -1)) }
                guard id < words, !seen[id] else { return false }
                seen[id] = true
                return true
            }
        }
        guard risen, once, !seen.contains(false) else { return nil }
        self.offsets = offsets
        self.arena = arena
        self.slots = slots
        count = words
    }

    /// Each id's rank in String order (canonically equivalent strings share a rank).
    func ranks() -> [Int32] { TokenTable.ranks((0..<count).map { string(Int32($0)) }) }

    static func ranks(_ strings: [String]) -> [Int32] {
        let order = strings.indices.sorted { strings[$0] < strings[$1] }
        var rank = [Int32](repeating: 0, count: strings.count)
        var r: Int32 = 0
        for (n, id) in order.enumerated() {
            if n > 0, strings[order[n - 1]] < strings[id] { r += 1 }
            rank[id] = r
        }
        return rank
    }

    /// The bytes of `id`.
    func withBytes<R>(_ id: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let a = Int(offsets[Int(id)]), b = Int(offsets[Int(id) + 1])
        return arena.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[a..<b])) }
    }

    public func string(_ id: Int32) -> String {
        withBytes(id) { String(decoding: $0, as: UTF8.self) }
    }
}
