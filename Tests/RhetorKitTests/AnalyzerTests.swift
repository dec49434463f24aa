import XCTest
@testable import RhetorKit

final class AnalyzerTests: XCTestCase {
    let analyzer = Analyzer()

    func words(_ p: Passage) -> [String] { p.tokens.indices.filter { p.tokens[$0].kind != .punct }.map { p.norm($0) } }

    /// Python's text[start:end] must return the token's surface: scalar offsets.
    func assertOffsetsMatchSurface(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let p = analyzer.analyze(text)
        let scalars = Array(text.unicodeScalars)
        for (i, t) in p.tokens.enumerated() {
            var s = ""
            s.unicodeScalars.append(contentsOf: scalars[Int(t.start)..<Int(t.end)])
            XCTAssertEqual(s, p.surface(i), "token \(i)", file: file, line: line)
        }
    }

    func testFoldingApostrophesHyphensAndCase() {
        XCTAssertEqual(words(analyzer.analyze("Kata'ib Hizballah")), ["kataib", "hizballah"])
        XCTAssertEqual(words(analyzer.analyze("Kata’ib")), ["kataib"])
        XCTAssertEqual(words(analyzer.analyze("al-Kadhimi")), words(analyzer.analyze("al Kadhimi")))
        XCTAssertEqual(words(analyzer.analyze("Hashd al-Sha'bi")), ["hashd", "al", "shabi"])
        let p = analyzer.analyze("Iran-backed fighters")
        XCTAssertEqual(words(p), ["iran", "backed", "fighters"])
        XCTAssertTrue(p.tokens[1].flags.contains(.hyphenJoined))
    }

    /// Plain entries (ASCII words one space apart) skip the scanner: they must fold as it does.
    func testPlainTextFoldsAsTheScannerDoes() throws {
        for s in ["kataib hezbollah", "Kataib Hezbollah", "since 2003", "F16 3rd US", "www", "http", "a", "x y z", "HASHD"] {
            XCTAssertEqual(Analyzer.plainWords(s), Analyzer.scannedWords(s), s)
        }
        for s in ["", " a", "a ", "a  b", "sit-in", "U.S.", "al-Sadr", "Kata'ib", "café", "#tag", "@user", "http://x.org", "a\tb"] {
            XCTAssertNil(Analyzer.plainWords(s), s)
            XCTAssertEqual(Analyzer.words(s), Analyzer.scannedWords(s), s)
        }
        // Every entry of the shipped lexicons.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let plugins = try FileManager.default.contentsOfDirectory(atPath: root + "/Plugins")
        var plain = 0
        for dir in plugins where FileManager.default.fileExists(atPath: root + "/Plugins/\(dir)/lexicon.tsv") {
            for entry in try Lexicon.load(path: root + "/Plugins/\(dir)/lexicon.tsv").entries {
                if let p = Analyzer.plainWords(entry.text) { plain += 1; XCTAssertEqual(p, Analyzer.scannedWords(entry.text), entry.origin) }
            }
        }
        XCTAssertGreaterThan(plain, 1000)
    }

    func testPossessiveAndInitials() {
        let p = analyzer.analyze("Iran's proxies met U.S. envoys.")
        XCTAssertEqual(words(p), ["iran", "proxies", "met", "us", "envoys"])
        XCTAssertTrue(p.tokens[0].flags.contains(.possessive))
        XCTAssertEqual(p.surface(0), "Iran")
        XCTAssertTrue(p.tokens[3].flags.contains(.allCaps))
    }

    func testArabicKeptWholeAndFolded() {
        let p = analyzer.analyze("الرافضة والنواصب")
        XCTAssertEqual(p.tokens.count, 2)
        XCTAssertEqual(p.norm(0), "الرافضه")          // ta marbuta folds to ha
        assertOffsetsMatchSurface("قال: \"الرافضة\" — Kata'ib 🇮🇶 ok")
        // Diacritics vanish: رَافِضَة = رافضة.
        XCTAssertEqual(analyzer.analyze("رَافِضَة").norm(0), analyzer.analyze("رافضة").norm(0))
    }

    func testEmojiHashtagsHandlesURLs() {
        let text = "🔥🔥 #Safavid_militias #NoToIran @SomeUser https://t.co/x1 👍🏽 done"
        let p = analyzer.analyze(text)
        let kinds = p.tokens.map(\.kind)
        XCTAssertEqual(kinds.filter { $0 == .emoji }.count, 3)
        XCTAssertEqual(words(p).filter { !$0.hasPrefix("🔥") && !$0.hasPrefix("👍") }, ["safavid", "militias", "no", "to", "iran", "@someuser", "<url>", "done"])
        XCTAssertTrue(p.tokens.contains { $0.kind == .hashtag && p.norm(p.tokens.firstIndex(where: { _ in true })!) != "" })
        assertOffsetsMatchSurface(text)
    }

    func testCurlyQuotesMarkQuotedSpan() {
        let text = "Posters calling them “rafida” were torn down."
        let p = analyzer.analyze(text)
        let rafida = p.tokens.indices.first { p.norm($0) == "rafida" }!
        XCTAssertTrue(p.tokens[rafida].flags.contains(.quoted))
        let torn = p.tokens.indices.first { p.norm($0) == "torn" }!
        XCTAssertFalse(p.tokens[torn].flags.contains(.quoted))
        assertOffsetsMatchSurface(text)
        let single = analyzer.analyze("calling our neighbours 'nawasib'. Tore it down.")
        let n = single.tokens.indices.first { single.norm($0) == "nawasib" }!
        XCTAssertTrue(single.tokens[n].flags.contains(.quoted))
        XCTAssertFalse(single.tokens[single.tokens.indices.first { single.norm($0) == "tore" }!].flags.contains(.quoted))
    }

    func testNegationScopeAndSentences() {
        let p = analyzer.analyze("This is not a defence of the militias, but a warning. Mr. Sudani agreed! Did he?")
        let defence = p.tokens.indices.first { p.norm($0) == "defence" }!
        XCTAssertTrue(p.tokens[defence].flags.contains(.negated))
        let warning = p.tokens.indices.first { p.norm($0) == "warning" }!
        XCTAssertFalse(p.tokens[warning].flags.contains(.negated))
        XCTAssertEqual(p.sentences.count, 3)            // "Mr." does not end a sentence
    }

    func testInvalidUTF8AndBOMDoNotCrash() {
        let bad = String(decoding: [0x61, 0xFF, 0x62, 0x20, 0x63], as: UTF8.self)
        XCTAssertEqual(words(analyzer.analyze(bad)).last, "c")
        XCTAssertEqual(words(analyzer.analyze("\u{FEFF}hello")), ["hello"])
    }
}
