import XCTest
@testable import RhetorKit

/// The hand-written fast paths agree with the plain code they replace.
final class FastPathTests: XCTestCase {
    func testUTF8ValidationMatchesTheStandardLibrary() {
        var x: UInt32 = 7
        func next() -> UInt8 { x = x &* 1_103_515_245 &+ 12345; return UInt8(truncatingIfNeeded: x >> 16) }
        // Random bytes biased towards multi-byte lead and continuation bytes, and known edge cases.
        var cases: [[UInt8]] = [[], [0xC0, 0x80], [0xE0, 0x9F, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                                [0xF0, 0x9F, 0x98, 0x80], [0xE2, 0x80], Array("plain ascii text, long enough".utf8)]
        for _ in 0..<5000 {
            cases.append((0..<Int(next() % 12)).map { _ in let b = next(); return b % 3 == 0 ? b : (b | 0x80) & (b % 2 == 0 ? 0xBF : 0xFF) })
        }
        for c in cases {
            c.withUnsafeBufferPointer { p in
                XCTAssertEqual(isValidUTF8(p), String(validating: p, as: UTF8.self) != nil, "\(c)")
            }
        }
    }
}
