import Foundation

/// One annotated passage in the JSONL format of ANNOTATION.md.
public struct CorpusRecord: Sendable {
    public struct Actor: Sendable, Equatable {
        public var actor: String
        public var mention: String
        public var role: String
        public init(actor: String, mention: String, role: String) { self.actor = actor; self.mention = mention; self.role = role }
    }
    public var id: String
    public var text: String
    public var genre: String?
    /// Target → label, as annotated (a missing target means `none`).
    public var stance: [String: String]
    public var sectarian: String?
    public var actors: [Actor]
    /// Every field of the record, for data-only plugins that read their own label field.
    public var fields: [(String, JSONValue)]
    /// "file:line".
    public var origin: String

    public init(id: String, text: String, genre: String? = nil, stance: [String: String] = [:], sectarian: String? = nil,
                actors: [Actor] = [], fields: [(String, JSONValue)] = [], origin: String = "") {
        self.id = id; self.text = text; self.genre = genre; self.stance = stance; self.sectarian = sectarian
        self.actors = actors; self.fields = fields; self.origin = origin
    }

    public func field(_ name: String) -> JSONValue? { fields.first { $0.0 == name }?.1 }
    public var hasActorAnnotation: Bool { fields.contains { $0.0 == "actors" } }
}

/// The labels ANNOTATION.md allows, used by validation.
public enum Annotation {
    public static let stanceLabels = ["favor", "against", "none"]
    public static let stanceTargets = ["militias", "iran", "iraqi-government", "sadrists", "protesters", "united-states"]
    public static let sectarianLevels = ["none", "framing", "hostile", "incitement"]
    public static let roles = ["agent", "target", "sponsor", "mediator"]
    public static let genres = ["wire", "analysis", "opinion", "statement", "state-media", "social", "speech"]
}

public struct CorpusProblem: Sendable, CustomStringConvertible {
    public var origin: String
    public var message: String
    public var description: String { "\(origin): \(message)" }
}

/// A set of records read from JSONL files, with every problem found on the way.
public struct Corpus: Sendable {
    public var records: [CorpusRecord]
    public var problems: [CorpusProblem]
    public var files: [String] { didSet { checksum = nil } }
    /// `sha256` of the files as `load` or `stream` read them; nil for a corpus made of records.
    private var checksum: String? = nil

    public init(records: [CorpusRecord], problems: [CorpusProblem] = [], files: [String] = []) {
        self.records = records; self.problems = problems; self.files = files
    }

    /// Expands folders to their `.jsonl` files (sorted, recursively), keeps files as given.
    public static func expand(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw RhetorError.input("\(p): no such file or folder; pass a corpus .jsonl file or a folder of them")
            }
            if isDir.boolValue {
                let items = (fm.enumerator(atPath: p)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
                out += items.map { (p as NSString).appendingPathComponent($0) }
            } else {
                out.append(p)
            }
        }
        return out
    }

    /// Reads and validates. Problems never drop a record silently: a record with a problem is
    /// kept out of `records` and named in `problems` with its file:line.
    public static func load(_ paths: [String], knownActors: Set<String>? = nil) throws -> Corpus {
        var corpus = Corpus(records: [], problems: [], files: try expand(paths))
        var checksum = SHA256.Stream()
        var seen: [String: Place] = [:]
        for (f, file) in corpus.files.enumerated() {
            let (text, lines) = try read(file)
            Corpus.addToChecksum(&checksum, file, text.bytes)
            // Lines are parsed on every core (most of the work), and the results taken in file
            // order, so problems and duplicates read as one pass finds them.
            let chunk = 2048
            var parsed = [[ParsedLine]](repeating: [], count: (lines.count + chunk - 1) / chunk)
            parsed.withUnsafeMutableBufferPointer { buffer in
                nonisolated(unsafe) let slots = buffer   // each chunk writes its own slot
                DispatchQueue.concurrentPerform(iterations: slots.count) { c in
                    slots[c] = lines[(c * chunk)..<min(lines.count, (c + 1) * chunk)].map { line in
                        parseLine(text.bytes, line.range, origin: "\(file):\(line.number)", knownActors: knownActors)
                    }
                }
            }
            // Chunk by chunk, each let go once taken (records are not held twice).
            seen.reserveCapacity(seen.count + lines.count)   // no rehashing as it grows
            for c in parsed.indices {
                let taken = parsed[c]
                parsed[c] = []
                for (k, line) in taken.enumerated() {
                    if let r = corpus.take(line, at: Place(file: f, line: lines[c * chunk + k].number), seen: &seen) { corpus.records.append(r) }
                }
            }
        }
        corpus.checksum = checksum.hex()
        return corpus
    }

    /// Reads and validates as `load` does, without keeping the records: runs of `run` lines
    /// (`runStarts`) are parsed on every core, each run's valid records given to `each` on the core that parsed
    /// them, and what it returns given to `merge` in file order, one run at a time (see
    /// `makeInOrder`), so reading overlaps with the caller's work and the records are let go
    /// run by run. `each` sees a record before a later check can find its id a duplicate; that
    /// is reported in `problems` all the same: check them (`requireClean`) before using what
    /// `merge` made. The corpus returned has `load`'s problems, files and checksum, no records.
    public static func stream<Part>(_ paths: [String], knownActors: Set<String>? = nil, run: Int,
                                    each: @Sendable ([CorpusRecord]) -> Part, merge: (Part) -> Void) throws -> Corpus {
        var corpus = Corpus(records: [], problems: [], files: try expand(paths))
        var checksum = SHA256.Stream()
        var seen: [String: Place] = [:]
        for (f, file) in corpus.files.enumerated() {
            let (text, lines) = try read(file)
            seen.reserveCapacity(seen.count + lines.count)
            let starts = runStarts(lines.count, run: run)
            // The checksum (name, NUL, bytes) is a serial pass over the file: its bytes are added a
            // run at a time as the runs are taken, rather than before any run is parsed.
            Corpus.addToChecksum(&checksum, file, [])
            var hashed = 0      // bytes of the file in the checksum
            makeInOrder(starts.count - 1, make: { r in
                var parsed = lines[starts[r]..<starts[r + 1]].map { line in
                    parseLine(text.bytes, line.range, origin: "\(file):\(line.number)", knownActors: knownActors)
                }
                // The valid records moved out to `each`: taking a line in order needs only its
                // record's id and origin, and the rest is let go on the core that parsed it.
                var records: [CorpusRecord] = []
                records.reserveCapacity(parsed.count)
                for k in parsed.indices {
                    guard let r = parsed[k].record else { continue }
                    parsed[k].record = CorpusRecord(id: r.id, text: "", origin: r.origin)
                    if parsed[k].valid { records.append(r) }
                }
                return (r, parsed, each(records))
            }, take: { (r, parsed, part) in
                let end = r + 2 < starts.count ? lines[starts[r + 1]].range.lowerBound : text.bytes.count
                checksum.add(UnsafeBufferPointer(rebasing: text.bytes[hashed..<end]))
                hashed = end
                for k in parsed.indices { _ = corpus.take(parsed[k], at: Place(file: f, line: lines[starts[r] + k].number), seen: &seen) }
                merge(part)
            })
            checksum.add(UnsafeBufferPointer(rebasing: text.bytes[hashed...]))   // all of a file without lines
        }
        corpus.checksum = checksum.hex()
        return corpus
    }

    /// Where the runs of `count` lines start (and, last, `count`): `run` lines each, but the lines
    /// after the last full run but one go in quarter runs, so the cores finish nearly together
    /// rather than one idling while another counts a whole run. Depends on `count` alone.
    static func runStarts(_ count: Int, run: Int) -> [Int] {
        let whole = max(0, count - run) / run * run        // lines in full-size runs
        let small = max(1, run / 4)
        return Array(stride(from: 0, to: whole, by: run)) + Array(stride(from: whole, to: count, by: small)) + [count]
    }

    /// A corpus file's bytes, and its lines that are not blank (number, byte range without the
    /// line end or a leading byte-order mark).
    static func read(_ file: String) throws -> (text: FileBytes, lines: [(number: Int, range: Range<Int>)]) {
        let text = try FileBytes.read(file)
        let b = text.bytes
        var lines: [(number: Int, range: Range<Int>)] = []
        var lineNo = 0
        var start = 0
        if let base = b.baseAddress {
            while start < b.count {
                // memchr: the newline search is a serial pass over megabytes.
                let end = memchr(base + start, 0x0A, b.count - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? b.count
                lineNo += 1
                var lineEnd = end
                if lineEnd > start, b[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                var lineStart = start
                if lineNo == 1, b[start...].starts(with: [0xEF, 0xBB, 0xBF]) { lineStart += 3 }
                if !b[lineStart..<lineEnd].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { lines.append((lineNo, lineStart..<lineEnd)) }
                start = end + 1
            }
        }
        return (text, lines)
    }

    /// Where a line is: its file's index in `files`, its line number. (The ids seen are kept with
    /// this rather than with the records' origins: no string per record to free at the end.)
    struct Place { var file: Int; var line: Int }

    /// Takes one parsed line, at `place`, in file order: its problems, and its id's if it is a
    /// duplicate. Returns its record when that is valid and its id new.
    mutating func take(_ line: ParsedLine, at place: Place, seen: inout [String: Place]) -> CorpusRecord? {
        problems += line.problems
        guard let r = line.record else { return nil }
        if let first = seen[r.id] {
            problems.append(CorpusProblem(origin: r.origin, message: "duplicate id '\(r.id)' (first at \(files[first.file]):\(first.line)); give each record a unique id"))
            return nil
        }
        seen[r.id] = place
        return line.valid ? r : nil
    }

    /// One line, parsed: its record (with its origin, even when invalid: duplicates are told
    /// by it), its problems, and whether the record is valid (invalid UTF-8 is reported but
    /// does not drop it).
    struct ParsedLine: Sendable {
        var record: CorpusRecord?
        var problems: [CorpusProblem] = []
        var valid = false
    }

    static func parseLine(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, origin: String, knownActors: Set<String>?) -> ParsedLine {
        do {
            let (value, repaired) = try JSONReader.parse(bytes, range)
            var line = ParsedLine()
            if repaired { line.problems.append(CorpusProblem(origin: origin, message: "invalid UTF-8 (replaced with U+FFFD); re-save the file as UTF-8")) }
            let (record, messages) = parseRecord(value, origin: origin, knownActors: knownActors)
            line.problems += messages.map { CorpusProblem(origin: origin, message: $0) }
            line.record = record
            line.record?.origin = origin
            line.valid = messages.isEmpty
            return line
        } catch {
            return ParsedLine(problems: [CorpusProblem(origin: origin, message: "bad JSON: \(error); each line must be one JSON object")])
        }
    }

    /// Turns one JSON object into a record; returns the problems found in it.
    public static func parseRecord(_ v: JSONValue, origin: String, knownActors: Set<String>?) -> (CorpusRecord?, [String]) {
        guard let obj = v.object else { return (nil, ["expected a JSON object {\"id\": …, \"text\": …}"]) }
        var problems: [String] = []
        guard let id = v["id"]?.scalarText, !id.isEmpty else { return (nil, ["missing \"id\"; every record needs a unique id"]) }
        guard let text = v["text"]?.string else { return (nil, ["record '\(id)': missing \"text\" (a string)"]) }
        // The same set as .whitespacesAndNewlines (Z*, tab, LF…CR, NEL), without bridging to NSString;
        // a text that starts with a visible ASCII character is not blank (no Unicode table lookup).
        let startsVisible = text.utf8.first.map { $0 > 0x20 && $0 < 0x7F } ?? false
        if !startsVisible && text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) { problems.append("record '\(id)': empty text") }
        var r = CorpusRecord(id: id, text: text, genre: v["genre"]?.string, fields: obj)
        if let g = r.genre, !Annotation.genres.contains(g) {
            problems.append("record '\(id)': unknown genre '\(g)' (expected one of \(Annotation.genres.joined(separator: ", ")))")
        }
        if let s = v["stance"] {
            guard let pairs = s.object else { return (nil, ["record '\(id)': \"stance\" must be an object {target: label}"]) }
            for (target, label) in pairs {
                guard let l = label.string, Annotation.stanceLabels.contains(l) else {
                    problems.append("record '\(id)': stance label for '\(target)' must be favor, against or none")
                    continue
                }
                r.stance[target] = l
            }
        }
        if let s = v["sectarian"] {
            if let l = s.string, Annotation.sectarianLevels.contains(l) { r.sectarian = l } else {
                problems.append("record '\(id)': sectarian must be one of \(Annotation.sectarianLevels.joined(separator: ", "))")
            }
        }
        if let a = v["actors"] {
            guard let items = a.array else { return (nil, ["record '\(id)': \"actors\" must be an array"]) }
            for item in items {
                guard let actor = item["actor"]?.string, let mention = item["mention"]?.string, let role = item["role"]?.string else {
                    problems.append("record '\(id)': each actor needs \"actor\", \"mention\" and \"role\" strings")
                    continue
                }
                if !Annotation.roles.contains(role) { problems.append("record '\(id)': unknown role '\(role)' for \(actor) (expected \(Annotation.roles.joined(separator: ", ")))") }
                if let known = knownActors, !known.contains(actor) { problems.append("record '\(id)': unknown actor id '\(actor)'; use an id from corpora/actors.tsv or add it there") }
                if !text.contains(mention) { problems.append("record '\(id)': mention '\(mention)' of \(actor) is not in the text; copy the exact surface form") }
                r.actors.append(.init(actor: actor, mention: mention, role: role))
            }
        }
        return (r, problems)
    }

    /// The records carrying a passage-level label in `field`, each with its label's index in
    /// `labels`; records without the field are skipped. A label outside `labels` is an error naming
    /// the record (ending with `fix`), and so is a corpus with no labelled record at all.
    public func labelled(field: String, labels: [String], fix: String) throws -> [(record: CorpusRecord, label: Int)] {
        var out: [(record: CorpusRecord, label: Int)] = []
        for r in records {
            guard let k = try Corpus.label(of: r, field: field, labels: labels, fix: fix) else { continue }
            out.append((r, k))
        }
        guard !out.isEmpty else { throw Corpus.noLabelledRecord(field: field) }
        return out
    }

    /// The index in `labels` of `r`'s label in `field`; nil when it has no such field. A label
    /// outside `labels` is an error naming the record (ending with `fix`).
    public static func label(of r: CorpusRecord, field: String, labels: [String], fix: String) throws -> Int? {
        guard let value = r.field(field) else { return nil }
        guard let label = value.scalarText, let k = labels.firstIndex(of: label) else {
            throw RhetorError.input("\(r.origin): \"\(field)\" is '\(value.scalarText ?? "?")', not one of \(labels.joined(separator: ", ")); \(fix)")
        }
        return k
    }

    /// The error of a corpus without one record labelled in `field`.
    public static func noLabelledRecord(field: String) -> RhetorError {
        RhetorError.input("no record in the corpus has the field \"\(field)\"; label some passages (docs/plugins.md)")
    }

    /// Throws with every problem listed when any was found.
    public func requireClean() throws {
        guard problems.isEmpty else {
            let shown = problems.prefix(20).map(\.description).joined(separator: "\n")
            let more = problems.count > 20 ? "\n… and \(problems.count - 20) more (run `rhetor corpus lint` for all)" : ""
            throw RhetorError.input(shown + more)
        }
    }

    /// SHA-256 of each file's name, a NUL and its bytes, in order: as the files were read
    /// (`load`, `stream`), else as they are now.
    public var sha256: String {
        if let checksum { return checksum }
        var s = SHA256.Stream()
        for f in files {
            guard let b = try? readBytes(f) else { continue }
            Corpus.addToChecksum(&s, f, b)
        }
        return s.hex()
    }

    static func addToChecksum(_ s: inout SHA256.Stream, _ file: String, _ bytes: UnsafeBufferPointer<UInt8>) {
        s.add((file as NSString).lastPathComponent)
        s.add([0])
        s.add(bytes)
    }

    static func addToChecksum(_ s: inout SHA256.Stream, _ file: String, _ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { addToChecksum(&s, file, $0) }
    }
}
