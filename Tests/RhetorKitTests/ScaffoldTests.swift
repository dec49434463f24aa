import Foundation
import XCTest
@testable import RhetorKit

/// `rhetor new-plugin`'s pure half: names, generated files, and the edits to Package.swift
/// and Registry.swift. (That generated Swift compiles and classifies is checked end to end by
/// Tests/e2e/test-plugin-walkthrough.sh.)
final class ScaffoldTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func options(_ level: PluginLevel = .passage, dataOnly: Bool = false, labels: [String]? = nil) -> Scaffold.Options {
        Scaffold.Options(name: "Urgency", id: "urgency", labels: labels ?? Scaffold.defaultLabels(level), level: level, dataOnly: dataOnly)
    }

    static let package = """
    // swift-tools-version:6.0
    import PackageDescription

    let pluginTargets: [(name: String, path: String)] = [
        ("StancePlugin", "Plugins/Stance"),
    ]

    let package = Package(
        name: "Rhetor",
        targets: [
            .target(name: "RhetorKit"),
            .testTarget(name: "CLITests", dependencies: ["RhetorKit"]),
        ] + pluginTargets.map { .target(name: $0.name, dependencies: ["RhetorKit"], path: $0.path, exclude: ["lexicon.tsv"]) }
    )
    """

    static let registry = """
    import RhetorKit
    import StancePlugin

    public let registeredPlugins: [any ClassifierPlugin.Type] = [
        StancePlugin.self,
    ]
    """

    func testNamesGiveTypeNameAndKebabID() throws {
        let cases: [(String, String, String)] = [
            ("Urgency", "Urgency", "urgency"), ("urgency", "Urgency", "urgency"), ("ActorRole", "ActorRole", "actor-role"),
            ("actor-role", "ActorRole", "actor-role"), ("state_media", "StateMedia", "state-media"), ("HTTPStatus", "HTTPStatus", "http-status"),
            ("UrgencyPlugin", "Urgency", "urgency"), ("framing", "Framing", "framing"), ("Covid19Stance", "Covid19Stance", "covid19-stance"),
        ]
        for (raw, name, id) in cases {
            let n = try Scaffold.names(raw)
            XCTAssertEqual(n.name, name, raw)
            XCTAssertEqual(n.id, id, raw)
        }
        for bad in ["", "1st", "two words", "ünï", "trailing-", "a--b", "semi;colon"] {
            XCTAssertThrowsError(try Scaffold.names(bad), bad) { XCTAssertTrue("\($0)".contains("must start with a letter"), "\($0)") }
        }
    }

    func testLabelsAreValidated() {
        XCTAssertNoThrow(try Scaffold.validate(labels: ["wire", "state-media"]))
        XCTAssertThrowsError(try Scaffold.validate(labels: ["only"]))
        XCTAssertThrowsError(try Scaffold.validate(labels: ["a", "a"]))
        XCTAssertThrowsError(try Scaffold.validate(labels: ["Urgent", "calm"])) { XCTAssertTrue("\($0)".contains("lowercase")) }
        XCTAssertThrowsError(try Scaffold.validate(labels: ["ok", "not ok"]))
    }

    func testPackageEditAppendsTargetAndTestTarget() throws {
        let edited = try Scaffold.addingTarget(to: Self.package, options())
        let lines = edited.components(separatedBy: "\n")
        let target = try XCTUnwrap(lines.firstIndex(of: "    (\"UrgencyPlugin\", \"Plugins/Urgency\"),"))
        XCTAssertEqual(lines[target - 1], "    (\"StancePlugin\", \"Plugins/Stance\"),")
        XCTAssertEqual(lines[target + 1], "]")
        let test = try XCTUnwrap(lines.firstIndex { $0.contains(".testTarget(name: \"UrgencyPluginTests\"") })
        XCTAssertEqual(lines[test], "        .testTarget(name: \"UrgencyPluginTests\", dependencies: [\"RhetorKit\", \"UrgencyPlugin\"], path: \"Tests/UrgencyPluginTests\"),")
        XCTAssertTrue(lines[test + 1].trimmingCharacters(in: .whitespaces).hasPrefix("] + pluginTargets.map"))
        XCTAssertEqual(lines.count, Self.package.components(separatedBy: "\n").count + 2, "exactly two lines added")
        XCTAssertThrowsError(try Scaffold.addingTarget(to: edited, options())) { XCTAssertTrue("\($0)".contains("already lists")) }
    }

    func testPackageEditFailsClearlyWithoutItsMarkers() {
        let noList = Self.package.replacingOccurrences(of: "let pluginTargets", with: "let targetsOfPlugins")
        XCTAssertThrowsError(try Scaffold.addingTarget(to: noList, options())) { e in
            XCTAssertTrue("\(e)".hasPrefix("Package.swift: cannot find the list `let pluginTargets"), "\(e)")
            XCTAssertTrue("\(e)".contains("(\"UrgencyPlugin\", \"Plugins/Urgency\")"), "says what to add by hand: \(e)")
        }
        let noTargetsEnd = Self.package.replacingOccurrences(of: "] + pluginTargets.map", with: "] + others.map")
        XCTAssertThrowsError(try Scaffold.addingTarget(to: noTargetsEnd, options())) { e in
            XCTAssertTrue("\(e)".contains("`] + pluginTargets.map { … }`"), "\(e)")
        }
    }

    func testRegistryEditAddsImportAndType() throws {
        let edited = try Scaffold.addingPlugin(to: Self.registry, options())
        let lines = edited.components(separatedBy: "\n")
        XCTAssertEqual(lines[2], "import UrgencyPlugin")
        let entry = try XCTUnwrap(lines.firstIndex(of: "    UrgencyPlugin.self,"))
        XCTAssertEqual(lines[entry - 1], "    StancePlugin.self,")
        XCTAssertEqual(lines[entry + 1], "]")
        XCTAssertThrowsError(try Scaffold.addingPlugin(to: edited, options())) { XCTAssertTrue("\($0)".contains("already registers")) }
        XCTAssertThrowsError(try Scaffold.addingPlugin(to: "import RhetorKit\nlet plugins = [StancePlugin.self]\n", options())) { e in
            XCTAssertTrue("\(e)".contains("cannot find") && "\(e)".contains("UrgencyPlugin.self,"), "\(e)")
        }
    }

    /// The repository's own files keep the markers the scaffold edits by.
    func testRepositoryPackageAndRegistryAcceptTheEdits() throws {
        let o = Scaffold.Options(name: "ScaffoldProbe", id: "scaffold-probe", labels: ["yes", "no"])
        XCTAssertNoThrow(try Scaffold.addingTarget(to: try readTextFile(Self.root + "/Package.swift"), o))
        XCTAssertNoThrow(try Scaffold.addingPlugin(to: try readTextFile(Self.root + "/Sources/RhetorPlugins/Registry.swift"), o))
    }

    func testSwiftPluginFilesForEveryLevel() {
        for level in PluginLevel.allCases {
            let o = options(level)
            let files = Scaffold.files(o)
            XCTAssertEqual(files.map(\.path), ["Plugins/Urgency/lexicon.tsv", "Plugins/Urgency/UrgencyPlugin.swift", "Tests/UrgencyPluginTests/UrgencyPluginTests.swift"])
            let source = files[1].contents
            XCTAssertTrue(source.contains("public struct UrgencyPlugin: ClassifierPlugin {"))
            XCTAssertTrue(source.contains("id: \"urgency\""))
            XCTAssertTrue(source.contains("level: .\(level == .passage ? "passage" : level == .perTarget ? "perTarget" : "perActor")"))
            XCTAssertTrue(source.contains("labels: [\(o.labels.map { "\"\($0)\"" }.joined(separator: ", "))]"))
            XCTAssertTrue(source.contains("corpusField: \"urgency\""))
            XCTAssertEqual(source.components(separatedBy: "PluginExample(").count - 1, o.labels.count, "one example per label")
            for file in files { XCTAssertFalse(file.contents.contains("__"), "\(file.path) keeps a template placeholder") }
            XCTAssertTrue(files[2].contents.contains("import UrgencyPlugin"))
            XCTAssertTrue(files[2].contents.contains("final class UrgencyPluginTests: XCTestCase"))
        }
    }

    func testSummaryIsEscapedInSwift() {
        var o = options()
        o.summary = "Says \"now!\" \\ urgently"
        XCTAssertTrue(Scaffold.swiftPlugin(o).contains(#"summary: "Says \"now!\" \\ urgently","#))
    }

    func testStubLexiconDocumentsItsFormatParsesAndLints() throws {
        for level in PluginLevel.allCases {
            let o = options(level)
            let text = Scaffold.lexicon(o)
            XCTAssertTrue(text.hasPrefix("# Lexicon of the urgency plugin"))
            for field in ["entry", "category", "weight", "note"] { XCTAssertTrue(text.contains("#   \(field)"), "header documents \(field)") }
            let lex = try Lexicon(parsing: text, name: "lexicon.tsv")
            XCTAssertEqual(lex.entries.map(\.category), o.labels)
            XCTAssertEqual(lex.lint(), [])
        }
    }

    func testDataOnlyManifestLoadsAndStubTrainsAndClassifiesItsExamples() throws {
        let o = Scaffold.Options(name: "Tone", id: "tone", labels: ["warm", "cold", "state-media"], dataOnly: true)
        XCTAssertEqual(Scaffold.files(o).map(\.path), ["Plugins/Tone/lexicon.tsv", "Plugins/Tone/plugin.json"])
        let dir = NSTemporaryDirectory() + "rhetor-scaffold-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFileAtomically(dir + "/Plugins/Tone/plugin.json", Array(Scaffold.manifest(o).utf8))
        let m = try Manifest.load(directory: dir + "/Plugins/Tone")
        XCTAssertEqual(m.id, "tone")
        XCTAssertEqual(m.labels, o.labels)
        XCTAssertEqual(m.field, "tone")
        XCTAssertEqual(m.examples.count, 3)
        for f in Scaffold.corpusStub(o) { try writeFileAtomically(dir + "/" + f.path, Array(f.contents.utf8)) }
        let train = try Corpus.load([dir + "/corpora/train"])
        XCTAssertEqual(train.problems.map(\.description), [])
        XCTAssertEqual(train.records.count, 6)
        XCTAssertEqual(try Corpus.load([dir + "/corpora/test"]).records.count, 3)
        let plugin = try DataOnlyPlugin(model: DataOnlyPlugin.train(manifest: m, corpus: train, lexicon: Lexicon(parsing: Scaffold.lexicon(o), name: "l")))
        for x in m.examples {
            XCTAssertEqual(plugin.classify(Analyzer().analyze(x.text), options: ClassifyOptions()).first?.label, x.expect[0], x.text)
        }
    }

    func testCorpusStubShapesPerLevel() throws {
        let target = Scaffold.corpusStub(options(.perTarget))[0].contents.components(separatedBy: "\n")
        XCTAssertEqual(try JSONReader.parse(target[0])["urgency"]?["iran"]?.string, "favor")
        XCTAssertEqual(try JSONReader.parse(target[4])["urgency"]?.object?.count, 0, "the default label is an absent target")
        let actor = Scaffold.corpusStub(options(.perActor))[0].contents.components(separatedBy: "\n")
        let item = try XCTUnwrap(try JSONReader.parse(actor[0])["urgency"]?.array?.first)
        XCTAssertEqual(item["actor"]?.string, "iran")
        XCTAssertEqual(item["label"]?.string, "agent")
        let text = try XCTUnwrap(try JSONReader.parse(actor[0])["text"]?.string)
        XCTAssertTrue(text.contains(item["mention"]?.string ?? "?"))
    }

    /// Data-only plugins have no generated test target; their lexicons are checked here.
    func testShippedDataOnlyLexiconsAreCleanAndNameLabels() throws {
        let plugins = Self.root + "/Plugins"
        for dir in try FileManager.default.contentsOfDirectory(atPath: plugins).sorted() {
            let d = plugins + "/" + dir
            guard FileManager.default.fileExists(atPath: d + "/plugin.json"), FileManager.default.fileExists(atPath: d + "/lexicon.tsv") else { continue }
            let m = try Manifest.load(directory: d)
            let lex = try Lexicon.load(path: d + "/lexicon.tsv")
            XCTAssertEqual(lex.lint(), [], dir)
            for e in lex.entries { XCTAssertTrue(m.labels.contains(e.category), "\(e.origin): category '\(e.category)' is not a label of \(m.id)") }
        }
    }
}
