import Foundation

/// A plugin's trained, self-contained model: what `rhetor train` writes to `Models/<id>.model`
/// and what a plugin is built from.
///
/// File format (UTF-8 text, tab-separated, byte-for-byte deterministic):
///
///     rhetor-model<TAB>1
///     [meta]                 key<TAB>value lines (plugin, version, alpha, corpus-sha256, …)
///     [lexicon]              the lexicon, in lexicon file format
///     [table NAME]           free rows of tab-separated cells (gazetteer, alliances, …)
///     [nb NAME]              classes / kinds / variant / alpha / docs, then
///                            f<TAB>kind<TAB>a<TAB>b<TAB>count per class
///     [end]<TAB>sha256 of everything above
public struct PluginModel: Sendable {
    public static let formatVersion = 1

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
        var bytes = Array(s.utf8)
        for (name, nb) in classifiers {
            var head = "[nb \(name)]\n"
            head += "classes\t" + nb.classes.joined(separator: "\t") + "\n"
            head += "kinds\t" + nb.kinds.joined(separator: "\t") + "\n"
            head += "variant\t\(nb.variant.rawValue)\nalpha\t\(formatNumber(nb.alpha))\n"
            head += "docs\t" + nb.classDocs.map(formatNumber).joined(separator: "\t") + "\n"
            bytes += head.utf8
            // Hundreds of thousands of rows: written as bytes, not built as Strings.
            let kinds = nb.kinds.map { Array($0.utf8) }
            let n = nb.classes.count
            nb.counts.withUnsafeBufferPointer { counts in
                for f in nb.serializedOrder() {
                    let (kind, a, b) = nb.parts(f)
                    bytes += "f\t".utf8
                    bytes += kinds[kind]
                    bytes.append(0x09)
                    nb.vocabulary.withBytes(a) { bytes += $0 }
                    bytes.append(0x09)
                    if b != 0x0FFF_FFFF { nb.vocabulary.withBytes(b) { bytes += $0 } }
                    for c in 0..<n {
                        bytes.append(0x09)
                        PluginModel.appendNumber(counts[f * n + c], to: &bytes)
                    }
                    bytes.append(0x0A)
                }
            }
        }
        bytes.append(contentsOf: "[end]\t\(SHA256.hex(bytes))\n".utf8)
        return bytes
    }

    /// `formatNumber(x)`'s bytes; whole numbers written digit by digit.
    static func appendNumber(_ x: Double, to bytes: inout [UInt8]) {
        guard x == x.rounded(), abs(x) < 1e15 else { bytes += formatNumber(x).utf8; return }
        var v = Int64(x)
        if v < 0 { bytes.append(UInt8(ascii: "-")); v = -v }
        if v < 10 { bytes.append(0x30 + UInt8(v)); return }
        var digits: [UInt8] = []
        repeat { digits.append(0x30 + UInt8(v % 10)); v /= 10 } while v > 0
        bytes += digits.reversed()
    }

    static func clean(_ v: String) -> String {
        v.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    public func write(to path: String) throws { try writeFileAtomically(path, serialized()) }

    // MARK: reading

    public static func load(path: String) throws -> PluginModel {
        let bytes = try readBytes(path)
        return try PluginModel(bytes: bytes, name: path)
    }

    public init(bytes: [UInt8], name: String) throws {
        let rebuild = "rebuild it with `rhetor train` (or restore it from git)"
        func corrupt(_ why: String) -> RhetorError { .input("\(name): \(why); \(rebuild)") }
        // Checksum trailer first: catches truncation and corruption anywhere.
        guard let endMarker = PluginModel.lastLineStart(bytes), bytes[endMarker...].starts(with: Array("[end]\t".utf8)) else {
            throw corrupt("not a complete model file (no [end] line: truncated or not a model)")
        }
        let body = Array(bytes[..<endMarker])
        let recorded = String(decoding: bytes[(endMarker + 6)...], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard recorded == SHA256.hex(body) else { throw corrupt("checksum mismatch (the file is corrupt or was edited by hand)") }

        // Lines as byte ranges: feature rows (nearly all of a model) are parsed from the bytes
        // without making Strings; other lines go through String as before.
        var lines: [Range<Int>] = []
        body.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            var start = 0
            while start <= p.count {
                if let hit = memchr(base + start, 0x0A, p.count - start) {
                    let nl = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    lines.append(start..<nl)
                    start = nl + 1
                } else {
                    lines.append(start..<p.count)
                    break
                }
            }
        }
        if let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let firstRange = lines.first else { throw corrupt("empty file") }
        let first = Substring(String(decoding: body[firstRange], as: UTF8.self))
        let head = first.split(separator: "\t")
        guard head.count == 2, head[0] == "rhetor-model" else { throw corrupt("not a Rhetor model (bad first line)") }
        guard Int(head[1]) == PluginModel.formatVersion else {
            throw RhetorError.input("\(name): model format version \(head[1]) is not supported by this rhetor (it reads version \(PluginModel.formatVersion)); \(rebuild)")
        }
        pluginID = ""
        var section = ""
        var lexiconLines: Range<Int>? = nil
        var lexiconStart = 0
        var currentNB: (name: String, classes: [String], kinds: [String], variant: NaiveBayes.Variant, alpha: Double, nb: NaiveBayes?)? = nil
        var currentTable: (String, [[String]])? = nil
        // One vocabulary for all the model's classifiers (ids only grow, so each stays valid):
        // a passage's words are then looked up once for all of them.
        var words = TokenTable()

        func finishSection() throws {
            if let t = currentTable { tables.append(t); currentTable = nil }
            if var c = currentNB {
                if c.nb == nil { c.nb = NaiveBayes(classes: c.classes, kinds: c.kinds, alpha: c.alpha, variant: c.variant) }
                c.nb!.refreshAll()
                words = c.nb!.vocabulary
                classifiers.append((c.name, c.nb!))
                currentNB = nil
            }
        }

        var cells4 = [Range<Int>](repeating: 0..<0, count: 4)
        var row: [Double] = []
        var kind: (bytes: Range<Int>, index: Int)? = nil
        func isFeatureRow(_ r: Range<Int>) -> Bool { r.count > 2 && body[r.lowerBound] == UInt8(ascii: "f") && body[r.lowerBound + 1] == 0x09 }
        for (n, range) in lines.enumerated().dropFirst() {
            let lineNo = n + 1
            if currentNB != nil, isFeatureRow(range) {
                // f<TAB>kind<TAB>a<TAB>b<TAB>count per class
                guard currentNB!.nb != nil else { throw corrupt("line \(lineNo): malformed feature row") }
                let classes = currentNB!.classes.count
                row.removeAll(keepingCapacity: true)
                let problem = try body.withUnsafeBufferPointer { bp -> String? in
                    var cell = 0, cellStart = range.lowerBound
                    while true {
                        var end = cellStart
                        while end < range.upperBound, bp[end] != 0x09 { end += 1 }
                        if cell < 4 { cells4[cell] = cellStart..<end } else {
                            guard row.count < classes else { return "malformed feature row" }
                            guard let x = PluginModel.parseCount(bp, cellStart..<end) else {
                                return "bad count '\(String(decoding: bp[cellStart..<end], as: UTF8.self))'"
                            }
                            row.append(x)
                        }
                        cell += 1
                        if end == range.upperBound { break }
                        cellStart = end + 1
                    }
                    guard cell == 4 + classes else { return "malformed feature row" }
                    // Rows come sorted by kind: the kind cell is looked up when it changes.
                    if kind == nil || kind!.bytes.count != cells4[1].count || memcmp(bp.baseAddress! + kind!.bytes.lowerBound, bp.baseAddress! + cells4[1].lowerBound, cells4[1].count) != 0 {
                        guard let i = currentNB!.kinds.firstIndex(where: { $0.utf8.elementsEqual(bp[cells4[1]]) }) else {
                            throw corrupt("line \(lineNo): unknown feature kind '\(String(decoding: bp[cells4[1]], as: UTF8.self))'")
                        }
                        kind = (cells4[1], i)
                    }
                    do {
                        try row.withUnsafeBufferPointer { try currentNB!.nb!.loadRow(bp, kind: kind!.index, a: cells4[2], b: cells4[3], counts: $0) }
                    } catch let e as RhetorError { throw corrupt("line \(lineNo): \(e)") }
                    return nil
                }
                if let p = problem { throw corrupt("line \(lineNo): \(p)") }
                continue
            }
            let isHeader = range.count >= 2 && body[range.lowerBound] == UInt8(ascii: "[") && body[range.upperBound - 1] == UInt8(ascii: "]")
            if section == "lexicon" && !isHeader {
                // The lexicon's lines are parsed together, from one string of their bytes.
                lexiconLines = (lexiconLines?.lowerBound ?? range.lowerBound)..<range.upperBound
                continue
            }
            let line = Substring(String(decoding: body[range], as: UTF8.self))
            if isHeader {
                try finishSection()
                section = String(line.dropFirst().dropLast())
                if section == "lexicon" { lexiconStart = lineNo }
                if section.hasPrefix("table ") { currentTable = (String(section.dropFirst(6)), []) }
                if section.hasPrefix("nb ") { currentNB = (String(section.dropFirst(3)), [], [], .multinomial, 1, nil) }
                continue
            }
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            switch section {
            case "meta":
                guard cells.count == 2 else { throw corrupt("line \(lineNo): meta lines have 2 fields") }
                if cells[0] == "plugin" { pluginID = String(cells[1]) } else { meta.append((String(cells[0]), String(cells[1]))) }
            case _ where currentTable != nil:
                currentTable!.1.append(cells.map(String.init))
            case _ where currentNB != nil:
                switch cells[0] {
                case "classes": currentNB!.classes = cells.dropFirst().map(String.init)
                case "kinds": currentNB!.kinds = cells.dropFirst().map(String.init)
                case "variant":
                    guard let v = NaiveBayes.Variant(rawValue: String(cells[1])) else { throw corrupt("line \(lineNo): unknown variant") }
                    currentNB!.variant = v
                case "alpha": currentNB!.alpha = Double(cells[1]) ?? 1
                case "docs":
                    var nb = NaiveBayes(classes: currentNB!.classes, kinds: currentNB!.kinds, alpha: currentNB!.alpha, variant: currentNB!.variant)
                    let docs = cells.dropFirst().compactMap { Double($0) }
                    guard docs.count == nb.classes.count else { throw corrupt("line \(lineNo): docs has \(docs.count) values for \(nb.classes.count) classes") }
                    nb.setDocs(docs)
                    nb.adoptVocabulary(words)
                    nb.reserve(lines[(n + 1)...].prefix(while: isFeatureRow).count)
                    kind = nil
                    currentNB!.nb = nb
                case "f":
                    guard currentNB!.nb != nil, cells.count == 4 + currentNB!.classes.count else { throw corrupt("line \(lineNo): malformed feature row") }
                    var row: [Double] = []
                    row.reserveCapacity(cells.count - 4)
                    for c in cells[4...] {
                        guard let x = Double(c) else { throw corrupt("line \(lineNo): bad count '\(c)'") }
                        row.append(x)
                    }
                    do {
                        try currentNB!.nb!.loadRow(kind: String(cells[1]), a: String(cells[2]), b: String(cells[3]), counts: row)
                    } catch let e as RhetorError { throw corrupt("line \(lineNo): \(e)") }
                default: throw corrupt("line \(lineNo): unexpected '\(cells[0])' in [\(section)]")
                }
            default:
                throw corrupt("line \(lineNo): text outside any section")
            }
        }
        try finishSection()
        for k in classifiers.indices { classifiers[k].1.adoptVocabulary(words) }
        guard !pluginID.isEmpty else { throw corrupt("no plugin id in [meta]") }
        // Comment lines in front keep the lexicon's line numbers those of the model file.
        let lexiconText = lexiconLines.map { String(decoding: body[$0], as: UTF8.self) } ?? ""
        lexicon = try Lexicon(parsing: String(repeating: "#\n", count: lexiconStart) + lexiconText, name: name)
    }

    /// A count as written by `formatNumber`: integers parsed from the digits, anything else by `Double`.
    static func parseCount(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Double? {
        var k = r.lowerBound
        let negative = k < r.upperBound && b[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        guard k < r.upperBound, r.upperBound - k <= 15 else { return Double(String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)) }
        var v: Int64 = 0
        while k < r.upperBound {
            let d = b[k] &- 0x30
            guard d < 10 else { return Double(String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)) }
            v = v * 10 + Int64(d)
            k += 1
        }
        return Double(negative ? -v : v)
    }

    static func lastLineStart(_ b: [UInt8]) -> Int? {
        guard !b.isEmpty else { return nil }
        var k = b.count - 1
        if b[k] == 0x0A { k -= 1 }
        while k >= 0, b[k] != 0x0A { k -= 1 }
        return k + 1
    }
}
