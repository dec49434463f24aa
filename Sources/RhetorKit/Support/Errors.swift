import Foundation

/// Errors that reach the user. Each message says what was wrong, where, and what to do.
public enum RhetorError: Error, CustomStringConvertible, Equatable {
    /// Bad input data (exit code 1).
    case input(String)
    /// Bad command-line usage (exit code 2).
    case usage(String)

    public var description: String {
        switch self {
        case .input(let m), .usage(let m): return m
        }
    }
}

public func readTextFile(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw RhetorError.input("\(path): cannot read the file (missing or not readable); check the path")
    }
    return String(decoding: data, as: UTF8.self)
}

public func readBytes(_ path: String) throws -> [UInt8] {
    let cannot = RhetorError.input("\(path): cannot read the file (missing or not readable); check the path")
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw cannot }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
        guard let data = FileManager.default.contents(atPath: path) else { throw cannot }
        return [UInt8](data)
    }
    // A regular file straight into the array: models are megabytes, and Data would copy them.
    var failed = false
    let bytes = [UInt8](unsafeUninitializedCapacity: Int(st.st_size)) { buf, n in
        while n < buf.count {
            let got = read(fd, buf.baseAddress! + n, buf.count - n)
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { failed = got < 0; break }
            n += got
        }
    }
    if failed { throw cannot }
    return bytes
}

/// Writes through a temporary file and a rename, so readers never see half a file.
public func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
    let dir = (path as NSString).deletingLastPathComponent
    if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    let tmp = path + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
        throw RhetorError.input("\(tmp): cannot write; check that the folder is writable")
    }
    if rename(tmp, path) != 0 {
        unlink(tmp)
        throw RhetorError.input("\(path): cannot replace the file (errno \(errno)); check permissions")
    }
}

/// Shortest round-tripping decimal, integral values without ".0": deterministic text.
public func formatNumber(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return String(x)
}

/// Fixed-precision text for reports: printf's `%.*f` (what `String(format:)` gives), without
/// Foundation's formatter, which costs more than the rest of an evidence item.
public func fixed(_ x: Double, _ digits: Int = 3) -> String {
    if let s = fixedByIntegers(x, digits) { return s }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 352) { buf in
        let n = withVaList([Int32(digits), x]) { vsnprintf(buf.baseAddress!, buf.count, "%.*f", $0) }
        return String(decoding: UnsafeRawBufferPointer(start: buf.baseAddress!, count: Int(min(max(n, 0), Int32(buf.count - 1)))).bindMemory(to: UInt8.self), as: UTF8.self)
    }
}

/// `fixed` by integer arithmetic (vsnprintf costs some 13,000 instructions a call), or nil
/// when printf must decide (magnitudes past 2⁵⁰ once scaled). printf rounds the exact value to
/// nearest, ties to even: the scaled magnitude's rounding error is recovered exactly by a fused
/// multiply-add, so which side of a half the exact value lies on is known. A negative that
/// rounds to zero keeps its sign, as printf's does.
private func fixedByIntegers(_ x: Double, _ digits: Int) -> String? {
    guard digits >= 0, digits < fixedScales.count, x.isFinite else { return nil }
    let ax = abs(x), scale = fixedScales[digits]
    let y = ax * scale
    guard y < 0x1p50 else { return nil }
    let whole = y.rounded(.down)
    // Exact value − ½ − whole = (y − whole − ½) + (ax·scale − y), both parts exact doubles here.
    let d = (y - whole) - 0.5
    let e = (-y).addingProduct(ax, scale)
    let up = d > -e || (d == -e && UInt64(whole) & 1 == 1)
    var q = UInt64(whole) + (up ? 1 : 0)
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { out in
        var o = out.count
        for _ in 0..<digits { o -= 1; out[o] = 0x30 + UInt8(q % 10); q /= 10 }
        if digits > 0 { o -= 1; out[o] = UInt8(ascii: ".") }
        repeat { o -= 1; out[o] = 0x30 + UInt8(q % 10); q /= 10 } while q > 0
        if x.sign == .minus { o -= 1; out[o] = UInt8(ascii: "-") }
        return String(decoding: UnsafeBufferPointer(rebasing: out[o...]), as: UTF8.self)
    }
}

/// 10^digits for `fixedByIntegers`, each exact.
private let fixedScales: [Double] = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8]
