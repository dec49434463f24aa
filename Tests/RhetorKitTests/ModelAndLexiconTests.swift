import XCTest
@testable import RhetorKit

final class ModelAndLexiconTests: XCTestCase {
    func tmp(_ name: String) -> String { NSTemporaryDirectory() + "rhetor-test-\(getpid())-\(name)" }

    func sampleModel() throws -> PluginModel {
        let lex = try Lexicon(parsing: "# test\nso-called\tagainst\t1.5\tdelegitimising\nheroes\tfavor\t2\tpraise\n", name: "t.tsv")
        let corpus = Corpus(records: [
            CorpusRecord(id: "1", text: "The so-called resistance looted the state", fields: [("tone", .string("against"))]),
            CorpusRecord(id: "2", text: "Heroes who defended Baghdad", fields: [("tone", .string("favor"))]),
        ])
        let m = Manifest(id: "tone", summary: "test", labels: ["favor", "against"], field: "tone", alpha: 0.5, variant: .multinomial,
                         lexiconScale: 1, examples: [PluginExample("heroes", expect: ["favor"])], directory: "Plugins/Tone")
        return try DataOnlyPlugin.train(manifest: m, corpus: corpus, lexicon: lex)
    }

    func testLexiconLongestWholeTokenMatch() throws {
        let lex = try Lexicon(parsing: "kataib hezbollah\tactor\t1\tx\nhezbollah\tactor\t1\tx\nrafida\thostile\t2\tx\n", name: "l")
        let p = Analyzer().analyze("Kata'ib Hezbollah and Hezbollah; rafidas are not rafida.")
        let hits = lex.match(p).map { p.surface(tokens: $0.tokens) }
        XCTAssertEqual(hits, ["Kata'ib Hezbollah", "Hezbollah", "rafida"])
    }

    func testLexiconErrorsNameFileAndLine() {
        XCTAssertThrowsError(try Lexicon(parsing: "# c\nok\tcat\t1\tn\nbroken line\n", name: "x.tsv")) { e in
            XCTAssertTrue("\(e)".hasPrefix("x.tsv:3:"), "\(e)")
        }
        XCTAssertThrowsError(try Lexicon(parsing: "w\tcat\tlots\tn\n", name: "y.tsv")) { e in XCTAssertTrue("\(e)".contains("y.tsv:1: weight")) }
    }

    func testLexiconLint() throws {
        let lex = try Lexicon(parsing: "proxy\tagainst\t1\ta\nProxy\tagainst\t1\tb\nthugs\tagainst\t1\ta\nthugs\tagainst\t2\tb\n!!!\tagainst\t1\tc\n", name: "l.tsv")
        let problems = lex.lint()
        XCTAssertTrue(problems.contains { $0.hasPrefix("l.tsv:2: duplicate of l.tsv:1") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.hasPrefix("l.tsv:4: conflicting weight") })
        XCTAssertTrue(problems.contains { $0.hasPrefix("l.tsv:5:") && $0.contains("can never match") })
    }

    func testModelRoundTripAndDeterministicBytes() throws {
        let a = try sampleModel().serialized(), b = try sampleModel().serialized()
        XCTAssertEqual(a, b)
        let back = try PluginModel(bytes: a, name: "m")
        XCTAssertEqual(back.serialized(), a)
        XCTAssertEqual(back.classifier("label")?.documentCount, 2)
        XCTAssertEqual(back.lexicon.entries.count, 2)
        XCTAssertEqual(back.meta("field"), "tone")
    }

    /// A model read from its file uses the file's tables in place; learning copies what it
    /// changes, and ends exactly where learning in memory does.
    func testModelReadInPlaceLearnsAsInMemory() throws {
        var memory = try sampleModel()
        let path = tmp("inplace.model")
        try memory.write(to: path)
        var mapped = try PluginModel.load(path: path)
        XCTAssertEqual(mapped.serialized(), memory.serialized())
        let p = Analyzer().analyze("Heroes and brand-new words, so-called")
        var bag = FeatureBag()
        TextFeatures.add(p, to: &bag)
        var a = try XCTUnwrap(memory.classifier("label")), b = try XCTUnwrap(mapped.classifier("label"))
        a.add(bag, passage: p, label: 1)
        b.add(bag, passage: p, label: 1)
        memory.setClassifier("label", a)
        mapped.setClassifier("label", b)
        XCTAssertEqual(a.predict(bag, passage: p).probabilities, b.predict(bag, passage: p).probabilities)
        XCTAssertEqual(a.featureCount, b.featureCount)
        XCTAssertEqual(mapped.serialized(), memory.serialized())
        // The file itself is untouched, and reads as before.
        XCTAssertEqual(try PluginModel.load(path: path).classifier("label")?.featureCount, try sampleModel().classifier("label")?.featureCount)
    }

    /// Models read ahead are the models read: taken when read, waited for while being read, read
    /// on the spot when not started yet; a file that fails to read gives nil (the catalog reads
    /// it again for its error).
    func testModelsReadAheadAreTheModelsRead() throws {
        let good = try sampleModel().serialized()
        let paths = (0..<4).map { tmp("ahead-\($0).model") }
        for p in paths.dropLast() { try writeFileAtomically(p, good) }
        try writeFileAtomically(paths.last!, Array(good.prefix(100)))
        let ahead = ModelReadAhead(paths: paths)
        let reader = Thread { ahead.readAll() }
        reader.start()
        for p in paths.dropLast() + [paths[0]] {   // the first again: taken already, read on the spot
            XCTAssertEqual(ahead.take(p)?.serialized(), good, p)
        }
        XCTAssertNil(ahead.take(paths.last!))
    }

    /// Several classifiers share one vocabulary and feature index in the file.
    func testModelWithSeveralClassifiersRoundTrips() throws {
        var model = try sampleModel()
        var other = NaiveBayes(classes: ["x", "y"], kinds: TextFeatureKind.names, alpha: 0.5)
        for (text, label) in [("heroes of Baghdad", 0), ("looted the state again", 1)] {
            let p = Analyzer().analyze(text)
            var bag = FeatureBag()
            TextFeatures.add(p, to: &bag)
            other.add(bag, passage: p, label: label)
        }
        model.setClassifier("other", other)
        let bytes = model.serialized()
        let back = try PluginModel(bytes: bytes, name: "m")
        XCTAssertEqual(back.serialized(), bytes)
        let p = Analyzer().analyze("heroes looted Baghdad")
        var bag = FeatureBag()
        TextFeatures.add(p, to: &bag)
        for (name, nb) in model.classifiers {
            let loaded = try XCTUnwrap(back.classifier(name))
            XCTAssertEqual(nb.predict(bag, passage: p).probabilities, loaded.predict(bag, passage: p).probabilities, name)
        }
    }

    func testCorruptTruncatedAndWrongVersionModelsGiveClearErrors() throws {
        let good = try sampleModel().serialized()
        let path = tmp("corrupt.model")
        try writeFileAtomically(path, Array(good.prefix(good.count / 2)))
        XCTAssertThrowsError(try PluginModel.load(path: path)) { e in
            XCTAssertTrue("\(e)".contains(path) && "\(e)".contains("rhetor train"), "\(e)")
        }
        var flipped = good
        flipped[40] ^= 0x01
        XCTAssertThrowsError(try PluginModel(bytes: flipped, name: "m")) { e in XCTAssertTrue("\(e)".contains("checksum")) }
        var body = Array(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "rhetor-model\t\(PluginModel.formatVersion)", with: "rhetor-model\t9").split(separator: "\n").dropLast().joined(separator: "\n").utf8)
        body.append(0x0A)
        body += Array("[end]\t\(SHA256.hex(body))\n".utf8)
        XCTAssertThrowsError(try PluginModel(bytes: body, name: "m")) { e in XCTAssertTrue("\(e)".contains("version 9"), "\(e)") }
        // Arrays that do not fit together are refused, even under a valid checksum: nothing is
        // read out of bounds.
        var bad = Array(good.dropLast())
        bad = Array(bad[...bad.lastIndex(of: 0x0A)!])                    // without the [end] line
        let data = bad[bad.firstRange(of: Array("\n[data]\t".utf8))!.upperBound...].firstIndex(of: 0x0A)! + 1
        bad[data] = 0xFF                                                   // the word count
        bad += Array("[end]\t\(XXH64.hex(bad))\n".utf8)
        XCTAssertThrowsError(try PluginModel(bytes: bad, name: "m")) { e in
            XCTAssertTrue("\(e)".hasPrefix("m: bad [data]") && "\(e)".contains("rhetor train"), "\(e)")
        }
    }

    func testXXH64KnownVectors() {
        XCTAssertEqual(XXH64.hex([]), "ef46db3751d8e999")
        XCTAssertEqual(XXH64.hex(Array("abc".utf8)), "44bc2cf5ad770999")
        // Past one 32-byte stripe, with a tail of 8-, 4- and 1-byte steps.
        XCTAssertEqual(XXH64.hex(Array("Nobody inspects the spammish repetition".utf8)), "fbcea83c8a378bf1")
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testSHA256InstructionsMatchThePortableCode() {
        var bytes: [UInt8] = []
        var x: UInt32 = 12345
        for n in 0..<300 {
            if n > 0 { x = x &* 1_103_515_245 &+ 12345; bytes.append(UInt8(truncatingIfNeeded: x >> 16)) }
            XCTAssertEqual(SHA256.digest(bytes, hardware: false), SHA256.digest(bytes, hardware: SHA256.hardware), "length \(n)")
        }
    }

    /// A message hashed in pieces (the corpus checksum, file by file) has the digest of the whole.
    func testSHA256OfPiecesIsTheDigestOfTheWhole() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        for hardware in [false, SHA256.hardware] {
            for cuts in [[0], [1], [63], [64], [65], [10, 70], [64, 128], [3, 200, 299], [300]] {
                var s = SHA256.Stream(hardware: hardware)
                var at = 0
                for c in cuts + [bytes.count] { s.add(Array(bytes[at..<c])); at = c }
                XCTAssertEqual(s.digest(), SHA256.digest(bytes, hardware: false), "cuts \(cuts), hardware \(hardware)")
            }
        }
        XCTAssertEqual(SHA256.Stream().hex(), SHA256.hex(""))
    }

    func testDataOnlyPluginClassifiesWithEvidence() throws {
        let plugin = try DataOnlyPlugin(model: try sampleModel())
        let d = plugin.classify(Analyzer().analyze("those so-called defenders"), options: ClassifyOptions())
        XCTAssertEqual(d.first?.label, "against")
        XCTAssertTrue(d.first!.evidence.contains { $0.source.hasPrefix("lexicon:so-called") && $0.text == "so-called" })
    }

    func testCorpusValidationNamesFileAndLine() throws {
        let path = tmp("corpus.jsonl")
        let lines = [
            #"{"id":"a","text":"Kataib Hezbollah fired rockets.","stance":{"militias":"against"},"sectarian":"none","actors":[{"actor":"kataib-hezbollah","mention":"Kataib Hezbollah","role":"agent"}]}"#,
            #"{"id":"a","text":"dup"}"#,
            #"{"id":"b","text":"x","stance":{"iran":"maybe"}}"#,
            #"{"id":"c","text":"x","actors":[{"actor":"nobody","mention":"y","role":"agent"}]}"#,
            #"{"id": "d", "text": broken}"#,
            #"{"id":"e","text":"ok","sectarian":"hateful"}"#,
        ]
        try writeFileAtomically(path, Array(lines.joined(separator: "\n").utf8))
        let c = try Corpus.load([path], knownActors: ["kataib-hezbollah"])
        XCTAssertEqual(c.records.map(\.id), ["a"])
        let msgs = c.problems.map(\.description)
        XCTAssertTrue(msgs.contains { $0.hasPrefix("\(path):2: duplicate id 'a'") }, "\(msgs)")
        XCTAssertTrue(msgs.contains { $0.hasPrefix("\(path):3:") && $0.contains("favor, against or none") })
        XCTAssertTrue(msgs.contains { $0.hasPrefix("\(path):4:") && $0.contains("unknown actor id 'nobody'") })
        XCTAssertTrue(msgs.contains { $0.hasPrefix("\(path):4:") && $0.contains("not in the text") })
        XCTAssertTrue(msgs.contains { $0.hasPrefix("\(path):5: bad JSON") })
        XCTAssertTrue(msgs.contains { $0.hasPrefix("\(path):6:") && $0.contains("sectarian") })
    }

    /// `stream` reads as `load` does (the same problems in the same order, the same checksum),
    /// handing the valid records to `each` in file order, whatever the run length.
    func testCorpusStreamReadsAsLoadDoes() throws {
        let a = tmp("stream-a.jsonl"), b = tmp("stream-b.jsonl")
        try writeFileAtomically(a, Array([
            #"{"id":"1","text":"One.","genre":"wire"}"#, "", #"{"id":"2","text":"Two."}"#, #"{"id": "3", "text": broken}"#,
            #"{"id":"4","text":"Four.","genre":"opinion"}"#, #"{"id":"1","text":"dup"}"#, #"{"id":"5","text":"   "}"#,
        ].joined(separator: "\n").utf8))
        try writeFileAtomically(b, Array([#"{"id":"6","text":"Six."}"#, #"{"id":"4","text":"dup again"}"#, #"{"id":"7","text":"Seven."}"#].joined(separator: "\r\n").utf8))
        let loaded = try Corpus.load([a, b])
        XCTAssertEqual(loaded.records.map(\.id), ["1", "2", "4", "6", "7"])
        XCTAssertEqual(loaded.problems.count, 4)
        for run in [1, 2, 3, 100] {
            var given: [String] = []
            let streamed = try Corpus.stream([a, b], run: run, each: { $0.map(\.id) }, merge: { given += $0 })
            XCTAssertEqual(streamed.problems.map(\.description), loaded.problems.map(\.description), "run \(run)")
            // Records are given before their ids are checked: duplicates too (they are problems all the same).
            XCTAssertEqual(given, ["1", "2", "4", "1", "6", "4", "7"], "run \(run)")
            XCTAssertEqual(streamed.files, loaded.files)
            XCTAssertTrue(streamed.records.isEmpty)
            XCTAssertEqual(streamed.sha256, loaded.sha256)
        }
        // The checksum taken while reading is the one of the files read again.
        XCTAssertEqual(Corpus(records: [], files: [a, b]).sha256, loaded.sha256)
    }

    /// A data-only plugin trained while its corpus is read: the model trained on the corpus
    /// loaded first, byte for byte, and the same errors.
    /// `minCount` in the manifest leaves out features seen fewer times; 1 (the default) keeps all.
    func testDataOnlyMinCountDropsRareFeatures() throws {
        let corpus = Corpus(records: [
            CorpusRecord(id: "1", text: "Heroes defended Baghdad", fields: [("tone", .string("favor"))]),
            CorpusRecord(id: "2", text: "Heroes defended Basra", fields: [("tone", .string("favor"))]),
            CorpusRecord(id: "3", text: "The so-called resistance looted the state", fields: [("tone", .string("against"))]),
        ])
        func trained(_ minCount: Double) throws -> NaiveBayes {
            var m = Manifest(id: "tone", summary: "s", labels: ["favor", "against"], field: "tone", alpha: 1, variant: .multinomial,
                             lexiconScale: 1, examples: [], directory: "Plugins/Tone")
            m.minCount = minCount
            return try XCTUnwrap(DataOnlyPlugin.train(manifest: m, corpus: corpus, lexicon: Lexicon()).classifier("label"))
        }
        let all = try trained(1), pruned = try trained(2)
        let kept = pruned.serializedRows().map { [$0.0, $0.1, $0.2] }
        XCTAssertTrue(kept.contains(["w", "heroes", ""]) && kept.contains(["b", "heroes", "defended"]), "\(kept)")
        XCTAssertTrue(kept.contains(["w", "the", ""]), "seen twice in one passage counts twice: \(kept)")
        XCTAssertFalse(kept.contains(["w", "basra", ""]) || kept.contains(["w", "looted", ""]), "\(kept)")
        XCTAssertTrue(pruned.serializedRows().allSatisfy { $0.3.reduce(0, +) >= 2 })
        XCTAssertEqual(all.serializedRows().filter { $0.3.reduce(0, +) >= 2 }.map { [$0.0, $0.1, $0.2] }, kept)
        XCTAssertEqual(pruned.documentCount, 3)

        let dir = tmp("mincount")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"id": "tone", "labels": ["favor", "against"], "minCount": 2}"#.write(toFile: dir + "/plugin.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(try Manifest.load(directory: dir).minCount, 2)
        try #"{"id": "tone", "labels": ["favor", "against"], "minCount": 0.5}"#.write(toFile: dir + "/plugin.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Manifest.load(directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("plugin.json: \"minCount\" must be a whole number"), "\(e)")
        }
    }

    func testDataOnlyTrainingWhileReadingEqualsTrainingOnTheLoadedCorpus() throws {
        let lexicon = try Lexicon(parsing: "so-called\tagainst\t1.5\tdelegitimising\nheroes\tfavor\t2\tpraise\n", name: "t.tsv")
        let m = Manifest(id: "tone", summary: "s", labels: ["favor", "against", "none"], field: "tone", alpha: 1, variant: .multinomial,
                         lexiconScale: 1, examples: [PluginExample("the heroes", expect: ["favor"])], directory: "Plugins/Tone")
        let words = ["the", "so-called", "heroes", "resistance", "looted", "state", "never", "defended", "Baghdad", "\\\"militias\\\"", ","]
        var n = 0
        func file(_ name: String, _ extra: [String] = []) throws -> String {
            var lines: [String] = []
            for _ in 0..<40 {
                n += 1
                let text = (0..<(3 + n % 7)).map { words[($0 * 7 + n * 3) % words.count] }.joined(separator: " ")
                let label = n % 5 == 0 ? "" : #","tone":"\#(m.labels[n % 3])""#
                lines.append(#"{"id":"r\#(n)","text":"\#(text)."\#(label)}"#)
            }
            let path = tmp(name)
            try writeFileAtomically(path, Array((lines + extra).joined(separator: "\n").utf8))
            return path
        }
        let paths = [try file("tone-a.jsonl"), try file("tone-b.jsonl")]
        let streamed = try DataOnlyPlugin.train(manifest: m, paths: paths, knownActors: nil, lexicon: lexicon)
        let loaded = try DataOnlyPlugin.train(manifest: m, corpus: Corpus.load(paths), lexicon: lexicon)
        XCTAssertEqual(streamed.model.serialized(), loaded.serialized())
        XCTAssertEqual(streamed.model.classifier("label")?.documentCount, 64)

        func error(_ f: () throws -> Any) -> String {
            do { _ = try f(); return "no error" } catch { return "\(error)" }
        }
        func errors(_ paths: [String], _ m: Manifest) -> (String, String) {
            (error { try DataOnlyPlugin.train(manifest: m, paths: paths, knownActors: nil, lexicon: lexicon) },
             error { let c = try Corpus.load(paths); try c.requireClean(); return try DataOnlyPlugin.train(manifest: m, corpus: c, lexicon: lexicon) })
        }
        let badLabel = try file("tone-bad.jsonl", [#"{"id":"x1","text":"a","tone":"maybe"}"#, #"{"id":"x2","text":"b","tone":"meh"}"#])
        var (s, l) = errors(paths + [badLabel], m)
        XCTAssertEqual(s, l)
        XCTAssertTrue(s.contains("tone-bad.jsonl:41: \"tone\" is 'maybe'"), s)
        let broken = try file("tone-broken.jsonl", [#"{"id":"r1","text":"dup","tone":"maybe"}"#, "{"])
        (s, l) = errors(paths + [badLabel, broken], m)
        XCTAssertEqual(s, l)
        XCTAssertTrue(s.contains("duplicate id 'r1'") && s.contains("bad JSON"), s)
        var unlabelled = m
        unlabelled.field = "nothing"
        (s, l) = errors(paths, unlabelled)
        XCTAssertEqual(s, l)
        XCTAssertTrue(s.contains("no record in the corpus has the field \"nothing\""), s)
    }

    /// JSON strings read eight bytes at a time stop at every escape, quote and control byte,
    /// wherever it falls in the eight.
    func testJSONStringsWithSpecialBytesAnywhere() throws {
        let specials: [(json: String, text: String?)] = [(#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\u00e9"#, "é"), ("é", "é"), ("\u{1}", nil)]
        for length in 0..<20 {
            for at in 0...length {
                for (json, text) in specials {
                    let before = String(repeating: "a", count: at), after = String(repeating: "b", count: length - at)
                    let line = #"{"k": ""# + before + json + after + #"", "n": 1}"#
                    if let text {
                        let v = try JSONReader.parse(line)
                        XCTAssertEqual(v["k"]?.string, before + text + after, line)
                        XCTAssertEqual(v["n"]?.number, 1, line)
                    } else {
                        XCTAssertThrowsError(try JSONReader.parse(line), line)
                    }
                }
            }
        }
        XCTAssertThrowsError(try JSONReader.parse(#"{"k": "abcdefghijklmnop"#), "unterminated")
    }

    func testMetrics() {
        var m = ConfusionMatrix(labels: ["favor", "against", "none"])
        for (g, p) in [("favor", "favor"), ("favor", "none"), ("against", "against"), ("none", "against"), ("none", "none")] { m.add(gold: g, predicted: p) }
        XCTAssertEqual(m.scores("favor").f1, 2 * 1 * 0.5 / 1.5, accuracy: 1e-12)
        XCTAssertEqual(m.scores("against").precision, 0.5)
        XCTAssertEqual(m.fAvg, (2.0 / 3 + 2.0 / 3) / 2, accuracy: 1e-12)
        let folds = stratifiedFolds(strata: Array(repeating: "a", count: 10) + Array(repeating: "b", count: 5), k: 5)
        for f in 0..<5 { XCTAssertEqual(folds.prefix(10).filter { $0 == f }.count, 2) }
        XCTAssertEqual(folds, stratifiedFolds(strata: Array(repeating: "a", count: 10) + Array(repeating: "b", count: 5), k: 5))
    }
}
