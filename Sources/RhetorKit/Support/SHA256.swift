import CSHA256

/// SHA-256 (FIPS 180-4), so model files can record what they were built from without
/// pulling a crypto package into the build. Blocks go through the CPU's SHA instructions where
/// it has them (CSHA256), else through the portable code below.
public enum SHA256 {
    static let hardware = rhetor_sha256_hw_available() != 0

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    public static func hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBufferPointer { hex($0) } }

    /// The hex digest of bytes in place (a mapped model file: no copy into an array first).
    public static func hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String { hexString(digest(bytes, hardware: hardware)) }

    static func hexString(_ digest: [UInt8]) -> String {
        digest.map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    public static func hex(_ s: String) -> String { hex(Array(s.utf8)) }

    public static func digest(_ message: [UInt8]) -> [UInt8] { digest(message, hardware: hardware) }

    static func digest(_ message: [UInt8], hardware: Bool) -> [UInt8] {
        message.withUnsafeBufferPointer { digest($0, hardware: hardware) }
    }

    static func digest(_ message: UnsafeBufferPointer<UInt8>, hardware: Bool) -> [UInt8] {
        var s = Stream(hardware: hardware)
        s.add(message)
        return s.digest()
    }

    /// The hex digest of a message given in pieces, each hashed where it lies: a corpus of
    /// several files is checksummed as one message without copying the files into one array.
    public struct Stream {
        private var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        /// The start of a block whose end has not come yet (under 64 bytes).
        private var partial: [UInt8] = []
        private var length = 0
        private let hardware: Bool

        public init() { self.init(hardware: SHA256.hardware) }
        init(hardware: Bool) { self.hardware = hardware }

        public mutating func add(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { add($0) } }
        public mutating func add(_ s: String) { add(Array(s.utf8)) }

        public mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
            length += bytes.count
            var rest = bytes[...]
            if !partial.isEmpty {
                let take = min(64 - partial.count, rest.count)
                partial += rest.prefix(take)
                rest = rest.dropFirst(take)
                guard partial.count == 64 else { return }
                partial.withUnsafeBufferPointer { SHA256.blocks(&h, $0.baseAddress!, 1, hardware: hardware) }
                partial.removeAll(keepingCapacity: true)
            }
            // Whole blocks straight from the bytes (no copy of them); the rest waits for more.
            let whole = rest.count / 64
            if whole > 0 { SHA256.blocks(&h, bytes.baseAddress! + rest.startIndex, whole, hardware: hardware) }
            partial += rest.dropFirst(whole * 64)
        }

        /// The digest of everything added (the padded last block is hashed on a copy).
        public func digest() -> [UInt8] {
            var h = h
            var tail = partial
            let bitLength = UInt64(length) * 8
            tail.append(0x80)
            while tail.count % 64 != 56 { tail.append(0) }
            for s in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(s))) }
            tail.withUnsafeBufferPointer { SHA256.blocks(&h, $0.baseAddress!, $0.count / 64, hardware: hardware) }
            return SHA256.bigEndian(h)
        }

        public func hex() -> String { SHA256.hexString(digest()) }
    }

    /// Hashes `count` whole 64-byte blocks at `p` into `h`.
    private static func blocks(_ h: inout [UInt32], _ p: UnsafePointer<UInt8>, _ count: Int, hardware: Bool) {
        if hardware {
            h.withUnsafeMutableBufferPointer { hp in rhetor_sha256_blocks(hp.baseAddress!, p, count) }
            return
        }
        var w = [UInt32](repeating: 0, count: 64)
        h.withUnsafeMutableBufferPointer { hp in
            w.withUnsafeMutableBufferPointer { wp in
                k.withUnsafeBufferPointer { kp in
                    for block in 0..<count { compress(p + block * 64, hp, wp, kp) }
                }
            }
        }
    }

    private static func bigEndian(_ h: [UInt32]) -> [UInt8] {
        h.flatMap { v in [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    }

    @inline(__always)
    private static func compress(_ m: UnsafePointer<UInt8>, _ h: UnsafeMutableBufferPointer<UInt32>, _ w: UnsafeMutableBufferPointer<UInt32>, _ k: UnsafeBufferPointer<UInt32>) {
        for t in 0..<16 {
            let p = t * 4
            w[t] = UInt32(m[p]) << 24 | UInt32(m[p + 1]) << 16 | UInt32(m[p + 2]) << 8 | UInt32(m[p + 3])
        }
        for t in 16..<64 {
            let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
            let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
        // Eight rounds per pass, the variables' roles rotating through the calls instead of
        // being moved along after every round.
        var t = 0
        while t < 64 {
            round(a, b, c, &d, e, f, g, &hh, k[t] &+ w[t])
            round(hh, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
            round(g, hh, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
            round(f, g, hh, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
            round(e, f, g, &hh, a, b, c, &d, k[t + 4] &+ w[t + 4])
            round(d, e, f, &g, hh, a, b, &c, k[t + 5] &+ w[t + 5])
            round(c, d, e, &f, g, hh, a, &b, k[t + 6] &+ w[t + 6])
            round(b, c, d, &e, f, g, hh, &a, k[t + 7] &+ w[t + 7])
            t += 8
        }
        h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
    }

    /// One round: with (a…h) the working variables, d becomes the new e and h the new a (the
    /// others keep their values and change roles).
    @inline(__always)
    private static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                              _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ kw
        let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
        d = d &+ t1
        h = t1 &+ t2
    }

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
}
