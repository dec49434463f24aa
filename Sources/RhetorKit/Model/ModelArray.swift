import Foundation

/// The bytes of a file (a model, a corpus part), mapped read-only (or copied, for bytes already
/// in memory), and kept so for as long as this object lives: a `ModelArray` that reads its
/// numbers in place keeps it.
final class FileBytes: @unchecked Sendable {   // immutable: the bytes never change while it lives
    let bytes: UnsafeBufferPointer<UInt8>
    private let mapped: Bool

    /// Mapped when it can be (no megabytes to allocate, zero and copy before the first byte is
    /// looked at), else read, with `readBytes`' errors for a missing or unreadable file.
    static func read(_ path: String) throws -> FileBytes {
        if let mapped = FileBytes(mapping: path) { return mapped }
        return try readBytes(path).withUnsafeBufferPointer { FileBytes(copying: $0) }
    }

    /// nil when the file is not a non-empty regular file or cannot be mapped: the caller reads it
    /// instead (and reports a missing or unreadable file as it always has). Files are replaced by
    /// rename, never rewritten in place, so a mapped file does not change under us.
    init?(mapping path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { Foundation.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0 else { return nil }
        let p = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { return nil }
        bytes = UnsafeBufferPointer(start: UnsafePointer(p.assumingMemoryBound(to: UInt8.self)), count: Int(st.st_size))
        mapped = true
    }

    /// A copy at an address aligned as a mapping's is, so numbers can be read in place from it too.
    init(copying source: UnsafeBufferPointer<UInt8>) {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(source.count, 1), alignment: FileBytes.alignment)
        if let s = source.baseAddress { p.copyMemory(from: s, byteCount: source.count) }
        bytes = UnsafeBufferPointer(start: UnsafePointer(p.assumingMemoryBound(to: UInt8.self)), count: source.count)
        mapped = false
    }

    deinit {
        let p = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
        if mapped { munmap(p, bytes.count) } else { p.deallocate() }
    }

    /// Arrays in a model file's [data] start at multiples of this (mappings start on a page).
    static let alignment = 16
}

/// Numbers of a model: an ordinary array, or read in place from the model file they were loaded
/// from, so that loading a model copies nothing. Changing one (training, learning) copies it into
/// an array first.
public struct ModelArray<Element: BitwiseCopyable>: @unchecked Sendable {   // in place: read-only memory `file` keeps alive
    private var array: [Element]
    private var file: FileBytes? = nil
    private var inPlace = UnsafeBufferPointer<Element>(start: nil, count: 0)

    public init(_ array: [Element] = []) { self.array = array }

    /// `count` elements at `offset` in `file` (aligned for `Element`; the caller checked the range).
    init(file: FileBytes, offset: Int, count: Int) {
        precondition(offset % MemoryLayout<Element>.alignment == 0 && offset + count * MemoryLayout<Element>.stride <= file.bytes.count)
        array = []
        self.file = file
        inPlace = UnsafeBufferPointer(start: UnsafeRawPointer(file.bytes.baseAddress! + offset).bindMemory(to: Element.self, capacity: count), count: count)
    }

    public var count: Int { file == nil ? array.count : inPlace.count }

    @inline(__always)
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        file == nil ? try array.withUnsafeBufferPointer(body) : try body(inPlace)
    }

    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (inout UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        own()
        return try array.withUnsafeMutableBufferPointer(body)
    }

    /// Copies elements read in place into an array of their own, before a change.
    private mutating func own() {
        guard file != nil else { return }
        array = Array(inPlace)
        file = nil
        inPlace = UnsafeBufferPointer(start: nil, count: 0)
    }

    public mutating func append(_ x: Element) { own(); array.append(x) }
    public mutating func append(contentsOf xs: some Sequence<Element>) { own(); array.append(contentsOf: xs) }
    public mutating func removeLast(_ k: Int) { own(); array.removeLast(k) }
    public mutating func reserveCapacity(_ n: Int) { own(); array.reserveCapacity(n) }
}

extension ModelArray: RandomAccessCollection, MutableCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> Element {
        @inline(__always) get {
            guard file != nil else { return array[i] }
            precondition(i >= 0 && i < inPlace.count, "index out of range")
            return inPlace[i]
        }
        set { own(); array[i] = newValue }
    }
}

extension ModelArray: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: Element...) { self.init(elements) }
}

extension ModelArray: Equatable where Element: Equatable {
    public static func == (a: ModelArray, b: ModelArray) -> Bool { a.elementsEqual(b) }
}
