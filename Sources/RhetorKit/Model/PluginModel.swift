import Foundation

/// A plugin's trained, self-contained model: what `rhetor train` writes to `Models/<id>.model`
/// and what a plugin is built from.
///
/// File format (byte-for-byte deterministic): tab-separated UTF-8 text lines, then the
/// classifiers' numbers and lookup tables as raw arrays, laid out as they are used, so a loaded
/// model reads them in place from the mapped file (nothing parsed, built or copied):
///
///     rhetor-model<TAB>3
///     [meta]                 key<TAB>value lines (plugin, version, alpha, corpus-sha256, …)
///     [lexicon]              the lexicon, in lexicon file format
///     [table NAME]           free rows of tab-separated cells (gazetteer, alliances, …)
///     [nb NAME]              classes / kinds / variant / alpha / docs / features (how many),
///                            and `logistic` (mix, l2) when it has a logistic layer
///     [data]<TAB>LENGTH      spaces up to the line end, so that the LENGTH bytes after it
///                            start at a multiple of 16 in the file; they hold little-endian
///                            arrays, each starting at a multiple of 16 (zero bytes between):
///                            - UInt64 × 4: how many words, vocabulary slots, feature keys
///                              and feature-index slots
///                            - the words of every classifier (`TokenTable.fileArrays`): Int32
///                              offsets (one more than the words), the bytes, the slots
///                            - the feature index that the classifiers share (`FeatureMap`):
///                              every classifier's keys, numbered where first met
///                            - per [nb], in order: its UInt64 feature keys (kind, word, word),
///                              sorted as their names are; when the file has more than one
///                              [nb], its Int32 row for each index number (-1: none); its
///                              Float64 counts (feature-major); and when it has a `logistic`
///                              line, its Float64 weights (feature-major) and biases
///     [end]<TAB>XXH64 of everything above (16 hex digits), checked at every load
public struct PluginModel: Sendable {
    public static let formatVersion = 3

    public var pluginID: String
    public var meta: [(String, String)] = []
    public var lexicon = Lexicon()
    public var tables: [(String, [[String]])] = []
    public var classifiers: [(String, NaiveBayes)] = []

    public init(pluginID: String) { self.pluginID = pluginID }

    public func meta(_ key: String) -> String? { meta.first { $0.0 == key }?.1 }
    public mutating func setMeta(_ key: String, _ value: String) {
        if let k = meta.firstIndex(where: { $0.0 == key }) { meta[k].1 = value } else { meta.append((key, value)) }
    }
    public func table(_ name: String) -> [[String]] { tables.first { $0.0 == name }?.1 ?? [] }
    public func classifier(_ name: String) -> NaiveBayes? { classifiers.first { $0.0 == name }?.1 }
    public mutating func setClassifier(_ name: String, _ nb: NaiveBayes) {
        if let k = classifiers.firstIndex(where: { $0.0 == name }) { classifiers[k].1 = nb } else { classifiers.append((name, nb)) }
    }

    // MARK: writing

    public func serialized() -> [UInt8] {
        var s = "rhetor-model\t\(PluginModel.formatVersion)\n[meta]\nplugin\t\(pluginID)\n"
        for (k, v) in meta where k != "plugin" { s += "\(k)\t\(PluginModel.clean(v))\n" }
        s += "[lexicon]\n"
        let lex = lexicon.source
        if !lex.isEmpty { s += lex + "\n" }
        for (name, rows) in tables {
            s += "[table \(name)]\n"
            for r in rows { s += r.map(PluginModel.clean).joined(separator: "\t") + "\n" }
        }
        // One vocabulary for all the classifiers, its ids given in file order: reading the file
        // back and writing it again gives the same bytes.
        var words = TokenTable()
        var keys: [[UInt64]] = []
        var numbers: [(counts: [Double], logistic: (weights: [Double], bias: [Double])?)] = []
        for (name, nb) in classifiers {
            s += "[nb \(name)]\n"
            s += "classes\t" + nb.classes.joined(separator: "\t") + "\n"
            s += "kinds\t" + nb.kinds.joined(separator: "\t") + "\n"
            s += "variant\t\(nb.variant.rawValue)\nalpha\t\(formatNumber(nb.alpha))\n"
            s += "docs\t" + nb.classDocs.map(formatNumber).joined(separator: "\t") + "\n"
            s += "features\t\(nb.featureCount)\n"
            let order = nb.serializedOrder()
            let n = nb.classes.count
            var ks: [UInt64] = [], counts: [Double] = []
            ks.reserveCapacity(order.count)
            counts.reserveCapacity(order.count * n)
            for f in order {
                let (kind, a, b) = nb.parts(f)
                let wa = nb.vocabulary.withBytes(a) { words.intern($0, 0, $0.count) }
                let wb = b == 0x0FFF_FFFF ? b : nb.vocabulary.withBytes(b) { words.intern($0, 0, $0.count) }
                ks.append(NaiveBayes.key(UInt8(kind), wa, wb))
                counts += nb.counts[(f * n)..<((f + 1) * n)]
            }
            var logistic: (weights: [Double], bias: [Double])? = nil
            if let lr = nb.logistic {
                s += "logistic\t\(formatNumber(lr.mix))\t\(formatNumber(lr.l2))\n"
                var w: [Double] = []
                w.reserveCapacity(order.count * n)
                for f in order { for c in 0..<n { w.append(lr.weight(f, c)) } }
                logistic = (w, lr.bias)
            }
            keys.append(ks)
            numbers.append((counts, logistic))
        }
        let (index, rows) = NaiveBayes.fileIndex(keys: keys)
        let vocabulary = words.fileArrays
        var data: [UInt8] = []
        func put<T>(_ xs: UnsafeBufferPointer<T>) {
            data += repeatElement(0, count: (FileBytes.alignment - data.count % FileBytes.alignment) % FileBytes.alignment)
            data += UnsafeRawBufferPointer(xs)
        }
        [UInt64(words.count), UInt64(vocabulary.slots.count / 2), UInt64(index.count), UInt64(index.slotWords.count / 2)].withUnsafeBufferPointer(put)
        vocabulary.offsets.withUnsafeBufferPointer(put)
        vocabulary.arena.withUnsafeBufferPointer(put)
        vocabulary.slots.withUnsafeBufferPointer(put)
        index.slotWords.withUnsafeBufferPointer(put)
        for k in classifiers.indices {
            keys[k].withUnsafeBufferPointer(put)
            rows[k]?.withUnsafeBufferPointer(put)
            numbers[k].counts.withUnsafeBufferPointer(put)
            if let lr = numbers[k].logistic { lr.weights.withUnsafeBufferPointer(put); lr.bias.withUnsafeBufferPointer(put) }
        }
        var bytes = Array(s.utf8)
        var line = "[data]\t\(data.count)"
        while (bytes.count + line.utf8.count + 1) % FileBytes.alignment != 0 { line += " " }
        bytes += (line + "\n").utf8
        bytes += data
        bytes.append(0x0A)
        bytes += "[end]\t\(XXH64.hex(bytes))\n".utf8
        return bytes
    }

    static func clean(_ v: String) -> String {
        v.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    public func write(to path: String) throws { try writeFileAtomically(path, serialized()) }

    // MARK: reading

    public static func load(path: String) throws -> PluginModel {
        // Mapped, not read: hashed straight from the page cache, and its numbers used where they
        // lie, with no buffer of megabytes to allocate, zero and fill.
        if let mapped = FileBytes(mapping: path) { return try PluginModel(file: mapped, name: path) }
        let bytes = try readBytes(path)
        return try PluginModel(bytes: bytes, name: path)
    }

    public init(bytes: [UInt8], name: String) throws {
        self = try bytes.withUnsafeBufferPointer { try PluginModel(file: FileBytes(copying: $0), name: name) }
    }

    init(file model: FileBytes, name: String) throws {
        let file = model.bytes
        let rebuild = "rebuild it with `rhetor train` (or restore it from git)"
        func corrupt(_ why: String) -> RhetorError { .input("\(name): \(why); \(rebuild)") }
        // The [end] line first: catches truncation; its checksum catches corruption anywhere.
        guard let endMarker = PluginModel.lastLineStart(file), file[endMarker...].starts(with: Array("[end]\t".utf8)) else {
            throw corrupt("not a complete model file (no [end] line: truncated or not a model)")
        }
        let recorded = String(decoding: file[(endMarker + 6)...], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let body = UnsafeBufferPointer(rebasing: file[..<endMarker])
        // The version first: a file of another version may be laid out (and checksummed) otherwise.
        let firstEnd = body.firstIndex(of: 0x0A) ?? body.count
        let head = String(decoding: body[..<firstEnd], as: UTF8.self).split(separator: "\t")
        let otherVersion = head.count == 2 && head[0] == "rhetor-model" && Int(head[1]) != PluginModel.formatVersion
        guard otherVersion || recorded == XXH64.hex(body) else { throw corrupt("checksum mismatch (the file is corrupt or was edited by hand)") }
        guard head.count == 2, head[0] == "rhetor-model" else { throw corrupt("not a Rhetor model (bad first line)") }
        guard !otherVersion else {
            throw RhetorError.input("\(name): model format version \(head[1]) is not supported by this rhetor (it reads version \(PluginModel.formatVersion)); \(rebuild)")
        }
        // The text lines, up to the [data] line.
        var lines: [Range<Int>] = [0..<firstEnd]
        var data: Range<Int>? = nil
        var start = firstEnd + 1
        while start < body.count {
            let nl = body[start...].firstIndex(of: 0x0A) ?? body.count
            if body[start..<nl].starts(with: "[data]\t".utf8) {
                // The length, then the spaces that align what follows.
                let field = String(decoding: body[(start + 7)..<nl], as: UTF8.self)
                guard let length = Int(field.prefix { $0 != " " }), length >= 0, nl + 1 + length + 1 == body.count,
                      (nl + 1) % FileBytes.alignment == 0 else {
                    throw corrupt("line \(lines.count + 1): bad [data] length")
                }
                data = (nl + 1)..<(nl + 1 + length)
                break
            }
            lines.append(start..<nl)
            start = nl + 1
        }
        guard let data else { throw corrupt("no [data] line (truncated or not a model)") }
        pluginID = ""
        var section = ""
        var lexiconLines: Range<Int>? = nil
        var lexiconStart = 0
        typealias Header = (name: String, classes: [String], kinds: [String], variant: NaiveBayes.Variant, alpha: Double, docs: [Double], features: Int,
                            logistic: (mix: Double, l2: Double)?)
        var headers: [Header] = []
        var currentTable: (String, [[String]])? = nil
        func finishTable() { if let t = currentTable { tables.append(t); currentTable = nil } }

        for (n, range) in lines.enumerated().dropFirst() {
            let lineNo = n + 1
            let isHeader = range.count >= 2 && body[range.lowerBound] == UInt8(ascii: "[") && body[range.upperBound - 1] == UInt8(ascii: "]")
            if section == "lexicon" && !isHeader {
                // The lexicon's lines are parsed together, from one string of their bytes.
                lexiconLines = (lexiconLines?.lowerBound ?? range.lowerBound)..<range.upperBound
                continue
            }
            let line = Substring(String(decoding: body[range], as: UTF8.self))
            if isHeader {
                finishTable()
                section = String(line.dropFirst().dropLast())
                if section == "lexicon" { lexiconStart = lineNo }
                if section.hasPrefix("table ") { currentTable = (String(section.dropFirst(6)), []) }
                if section.hasPrefix("nb ") { headers.append((String(section.dropFirst(3)), [], [], .multinomial, 1, [], -1, nil)) }
                continue
            }
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            switch section {
            case "meta":
                guard cells.count == 2 else { throw corrupt("line \(lineNo): meta lines have 2 fields") }
                if cells[0] == "plugin" { pluginID = String(cells[1]) } else { meta.append((String(cells[0]), String(cells[1]))) }
            case _ where currentTable != nil:
                currentTable!.1.append(cells.map(String.init))
            case _ where section.hasPrefix("nb "):
                let k = headers.count - 1
                switch cells[0] {
                case "classes": headers[k].classes = cells.dropFirst().map(String.init)
                case "kinds":
                    headers[k].kinds = cells.dropFirst().map(String.init)
                    guard headers[k].kinds.count < 256 else { throw corrupt("line \(lineNo): at most 255 feature kinds") }
                case "variant":
                    guard let v = NaiveBayes.Variant(rawValue: String(cells[1])) else { throw corrupt("line \(lineNo): unknown variant") }
                    headers[k].variant = v
                case "alpha": headers[k].alpha = Double(cells[1]) ?? 1
                case "docs":
                    headers[k].docs = cells.dropFirst().compactMap { Double($0) }
                    guard headers[k].docs.count == headers[k].classes.count else {
                        throw corrupt("line \(lineNo): docs has \(headers[k].docs.count) values for \(headers[k].classes.count) classes")
                    }
                case "features":
                    guard cells.count == 2, let f = Int(cells[1]), f >= 0 else { throw corrupt("line \(lineNo): bad feature count") }
                    headers[k].features = f
                case "logistic":
                    guard cells.count == 3, let mix = Double(cells[1]), let l2 = Double(cells[2]) else { throw corrupt("line \(lineNo): bad logistic line") }
                    headers[k].logistic = (mix, l2)
                default: throw corrupt("line \(lineNo): unexpected '\(cells[0])' in [\(section)]")
                }
            default:
                throw corrupt("line \(lineNo): text outside any section")
            }
        }
        finishTable()
        guard !pluginID.isEmpty else { throw corrupt("no plugin id in [meta]") }

        // The numbers and tables, used in place. One vocabulary serves all the classifiers, so a
        // passage's words are looked up once for all of them.
        var reader = ArrayReader(file: model, range: data)
        guard let sizes = reader.array(UInt64.self, 4), sizes.allSatisfy({ $0 < UInt64(Int32.max) }) else { throw corrupt("bad [data] sizes") }
        let (wordCount, wordSlots, indexCount, indexSlots) = (Int(sizes[0]), Int(sizes[1]), Int(sizes[2]), Int(sizes[3]))
        guard let offsets = reader.array(Int32.self, wordCount + 1), let last = offsets.last, last >= 0,
              let arena = reader.array(UInt8.self, Int(last)), let slots = reader.array(UInt64.self, 2 * wordSlots),
              let words = TokenTable(offsets: offsets, arena: arena, slots: slots) else {
            throw corrupt("bad [data] words")
        }
        guard let indexWords = reader.array(UInt64.self, 2 * indexSlots), let index = FeatureMap(slots: indexWords, count: indexCount) else {
            throw corrupt("bad [data] feature index")
        }
        for h in headers {
            guard h.features >= 0, h.docs.count == h.classes.count, let keys = reader.array(UInt64.self, h.features) else {
                throw corrupt("[nb \(h.name)]: missing or short data")
            }
            var rows: ModelArray<Int32>? = nil
            if headers.count > 1 {
                guard let r = reader.array(Int32.self, indexCount) else { throw corrupt("[nb \(h.name)]: missing or short data") }
                rows = r
            }
            guard let counts = reader.array(Double.self, h.features * h.classes.count) else { throw corrupt("[nb \(h.name)]: missing or short data") }
            do {
                var nb = try NaiveBayes(classes: h.classes, kinds: h.kinds, alpha: h.alpha, variant: h.variant, docs: h.docs,
                                        vocabulary: words, keys: keys, counts: counts, index: index, rows: rows)
                if let (mix, l2) = h.logistic {
                    let n = h.classes.count
                    guard let weights = reader.array(Double.self, h.features * n), let bias = reader.array(Double.self, n) else {
                        throw corrupt("[nb \(h.name)]: short logistic weights")
                    }
                    nb.logistic = LogisticLayer(mix: mix, l2: l2, classes: n, weights: weights, bias: Array(bias))
                }
                classifiers.append((h.name, nb))
            } catch let e as RhetorError { throw corrupt("[nb \(h.name)]: \(e)") }
        }
        guard reader.atEnd else { throw corrupt("[data] is longer than its classifiers") }
        // Comment lines in front keep the lexicon's line numbers those of the model file.
        let lexiconText = lexiconLines.map { String(decoding: body[$0], as: UTF8.self) } ?? ""
        lexicon = try Lexicon(parsing: String(repeating: "#\n", count: lexiconStart) + lexiconText, name: name)
    }

    static func lastLineStart(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !b.isEmpty else { return nil }
        var k = b.count - 1
        if b[k] == 0x0A { k -= 1 }
        while k >= 0, b[k] != 0x0A { k -= 1 }
        return k + 1
    }
}

/// Reads the raw arrays of a model file's [data] part, in place; nil when the part is too short.
struct ArrayReader {
    let file: FileBytes
    var at: Int
    let end: Int

    init(file: FileBytes, range: Range<Int>) { self.file = file; at = range.lowerBound; end = range.upperBound }

    var atEnd: Bool { at == end }

    /// The next array of `count` elements, past the zero bytes that align it.
    mutating func array<T: BitwiseCopyable>(_ type: T.Type, _ count: Int) -> ModelArray<T>? {
        let start = (at + FileBytes.alignment - 1) / FileBytes.alignment * FileBytes.alignment
        let (size, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !overflow, start <= end, size <= end - start else { return nil }
        at = start + size
        return ModelArray(file: file, offset: start, count: count)
    }
}

// Model files hold their numbers little-endian, as they are in memory here.
#if _endian(big)
#error("model files are read and written little-endian")
#endif
