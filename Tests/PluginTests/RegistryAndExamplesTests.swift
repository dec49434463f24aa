import Foundation
import XCTest
import RhetorKit
import RhetorPlugins

/// The package root, found from this file's path, so tests run from any working directory.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The shipped catalog: registered Swift plugins, data-only plugins, shipped models.
func shippedCatalog() -> Catalog {
    FileManager.default.changeCurrentDirectoryPath(packageRoot)
    return Catalog(registered: registeredPlugins, modelsDir: packageRoot + "/Models", pluginsDir: packageRoot + "/Plugins")
}

/// Checks one example's expectations against decisions; returns what failed.
func unmet(_ example: PluginExample, _ d: PluginDescriptor, _ decisions: [Decision]) -> [String] {
    example.expect.compactMap { e in
        let parts = e.split(separator: "=", maxSplits: 1).map(String.init)
        switch d.level {
        case .passage:
            return decisions.first?.label == e ? nil : "expected \(e), got \(decisions.first?.label ?? "nothing")"
        case .perTarget:
            let got = decisions.first { $0.subject == parts[0] }?.label ?? "none"
            return got == parts[1] ? nil : "\(parts[0]): expected \(parts[1]), got \(got)"
        case .perActor:
            return decisions.contains { $0.subject == parts[0] && $0.label == parts[1] } ? nil
                : "\(parts[0]): expected \(parts[1]), got \(decisions.filter { $0.subject == parts[0] }.map(\.label))"
        }
    }
}

final class RegistryAndExamplesTests: XCTestCase {
    func testEveryPluginFolderIsRegistered() throws {
        let cat = shippedCatalog()
        let folders = try FileManager.default.contentsOfDirectory(atPath: packageRoot + "/Plugins").filter { !$0.hasPrefix(".") }
        XCTAssertFalse(folders.isEmpty)
        for f in folders {
            let dir = "Plugins/" + f
            let known = cat.entries.contains { $0.descriptor.directory == dir || $0.descriptor.directory.hasSuffix("/" + dir) }
            XCTAssertTrue(known, "\(dir) is not registered: add its type to Sources/RhetorPlugins/Registry.swift and its target to Package.swift (`rhetor new-plugin` does both), or give it a plugin.json")
        }
    }

    func testEveryRegisteredPluginHasALoadableModel() throws {
        let cat = shippedCatalog()
        for e in cat.entries {
            XCTAssertTrue(FileManager.default.fileExists(atPath: e.modelPath), "\(e.descriptor.id) has no model at \(e.modelPath): run `rhetor train \(e.descriptor.id)`")
            XCTAssertNoThrow(try cat.load(e.descriptor.id), "\(e.descriptor.id)")
        }
    }

    /// Every plugin's descriptor examples are documentation and tests at once.
    func testDescriptorExamples() throws {
        let cat = shippedCatalog()
        let analyzer = Analyzer()
        var total = 0
        for e in cat.entries {
            let plugin = try cat.load(e.descriptor.id)
            XCTAssertFalse(plugin.descriptor.examples.isEmpty, "\(e.descriptor.id) has no example passages in its descriptor")
            for x in plugin.descriptor.examples {
                let failures = unmet(x, plugin.descriptor, plugin.classify(analyzer.analyze(x.text), options: ClassifyOptions()))
                XCTAssertTrue(failures.isEmpty, "\(e.descriptor.id) example «\(x.text)»: \(failures.joined(separator: "; "))")
                total += 1
            }
        }
        XCTAssertGreaterThan(total, 10)
    }
}

final class LexiconLintTests: XCTestCase {
    /// Every plugin's lexicon loads and lints clean (no duplicates, conflicts or dead entries).
    func testEveryPluginLexiconLintsClean() throws {
        let cat = shippedCatalog()
        var checked = 0
        for e in cat.entries {
            let path = packageRoot + "/" + e.descriptor.lexiconPath
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let problems = try Lexicon.load(path: path).lint()
            XCTAssertTrue(problems.isEmpty, "\(e.descriptor.lexiconPath):\n" + problems.prefix(20).joined(separator: "\n"))
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 3)
    }
}
