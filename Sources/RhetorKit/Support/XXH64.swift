/// XXH64 (Yann Collet's xxHash, 64-bit, seed 0): the checksum model files end with, verified at
/// every start. It catches corruption and truncation as surely as a checksum needs to (zstd and
/// LZ4 frames use it for that), at ~10 GB/s against SHA-256's ~1 GB/s with the SHA instructions:
/// hashing the shipped models took a third of start-up. (SHA-256 still names what a model was
/// built from: corpus, lexicon and gazetteer hashes in its [meta].)
enum XXH64 {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { x << r | x >> (64 - r) }

    @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }

    @inline(__always) private static func merge(_ acc: UInt64, _ v: UInt64) -> UInt64 {
        (acc ^ round(0, v)) &* p1 &+ p4
    }

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let p = UnsafeRawPointer(bytes.baseAddress)   // nil only when there is nothing to read
        let n = bytes.count
        @inline(__always) func word(_ at: Int) -> UInt64 { UInt64(littleEndian: p!.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        var at = 0
        var h: UInt64
        if n >= 32 {
            // Four lanes over 32-byte stripes.
            var v1 = p1 &+ p2, v2 = p2, v3: UInt64 = 0, v4 = 0 &- p1
            while at + 32 <= n {
                v1 = round(v1, word(at)); v2 = round(v2, word(at + 8))
                v3 = round(v3, word(at + 16)); v4 = round(v4, word(at + 24))
                at += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge(merge(merge(merge(h, v1), v2), v3), v4)
        } else {
            h = p5
        }
        h = h &+ UInt64(n)
        while at + 8 <= n {
            h = rotl(h ^ round(0, word(at)), 27) &* p1 &+ p4
            at += 8
        }
        if at + 4 <= n {
            h = rotl(h ^ UInt64(UInt32(littleEndian: p!.loadUnaligned(fromByteOffset: at, as: UInt32.self))) &* p1, 23) &* p2 &+ p3
            at += 4
        }
        while at < n {
            h = rotl(h ^ UInt64(p!.load(fromByteOffset: at, as: UInt8.self)) &* p5, 11) &* p1
            at += 1
        }
        h ^= h >> 33; h = h &* p2
        h ^= h >> 29; h = h &* p3
        h ^= h >> 32
        return h
    }

    static func hash(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBufferPointer { hash($0) } }

    /// The hash as model files write it: 16 lowercase hex digits.
    static func hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let s = String(hash(bytes), radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBufferPointer { hex($0) } }
}
