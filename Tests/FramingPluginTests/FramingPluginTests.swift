import Foundation
import XCTest
import RhetorKit
@testable import FramingPlugin

/// FramingPlugin trained in memory, exactly as `rhetor train framing` trains it (corpora/train and
/// Plugins/Framing/lexicon.tsv), then checked: its descriptor examples, its lexicon, learning.
/// Add cases of your own below. Run: `swift test --filter FramingPluginTests`.
final class FramingPluginTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func load() throws -> (plugin: FramingPlugin, lexicon: Lexicon) {
        let d = FramingPlugin.descriptor
        let lexicon = try Lexicon.load(path: root + "/" + d.lexiconPath)
        var options = TrainingOptions()
        let actors = root + "/corpora/actors.tsv"
        if FileManager.default.fileExists(atPath: actors) { options.gazetteer = try Gazetteer.load(path: actors) }
        let corpus = try Corpus.load([root + "/corpora/train"])
        try corpus.requireClean()
        return (try FramingPlugin(model: FramingPlugin.train(corpus, lexicon: lexicon, options: options)), lexicon)
    }

    /// Trained once for all the tests of this class.
    static let trained = Result { try load() }

    func classify(_ plugin: FramingPlugin, _ text: String) -> [Decision] {
        var options = ClassifyOptions()
        options.allTargets = true
        return plugin.classify(Analyzer().analyze(text), options: options)
    }

    /// Each example: `label` (passage level), or `subject=label` (a target or an actor).
    func verdict(_ decisions: [Decision], _ expect: String) -> String? {
        let parts = expect.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 1 { return decisions.first?.label }
        return decisions.contains { $0.subject == parts[0] && $0.label == parts[1] } ? parts[1]
            : decisions.first { $0.subject == parts[0] }?.label
    }

    func testDescriptorExamplesClassifyAsExpected() throws {
        let plugin = try Self.trained.get().plugin
        XCTAssertFalse(FramingPlugin.descriptor.examples.isEmpty, "give FramingPlugin.descriptor example passages")
        for x in FramingPlugin.descriptor.examples {
            let decisions = classify(plugin, x.text)
            for e in x.expect {
                let want = String(e.split(separator: "=").last!)
                XCTAssertEqual(verdict(decisions, e), want, "«\(x.text)»: expected \(e)")
            }
        }
    }

    func testLexiconIsCleanAndNamesLabels() throws {
        let lexicon = try Self.trained.get().lexicon
        XCTAssertEqual(lexicon.lint(), [])
        for e in lexicon.entries {
            let label = String(e.category.split(separator: ":").first ?? "")
            XCTAssertTrue(FramingPlugin.descriptor.labels.contains(label), "\(e.origin): category '\(e.category)' names no label of framing")
        }
    }

    func testLearningAPassageMovesItsScore() throws {
        var plugin = try Self.trained.get().plugin
        let x = try XCTUnwrap(FramingPlugin.descriptor.examples.first)
        let passage = Analyzer().analyze(x.text)
        let before = classify(plugin, x.text)
        let current = try XCTUnwrap(verdict(before, x.expect[0]))
        let other = try XCTUnwrap(FramingPlugin.descriptor.labels.first { $0 != current })
        let subject = x.expect[0].contains("=") ? String(x.expect[0].split(separator: "=")[0]) : nil
        func score(_ ds: [Decision]) -> Double { ds.first { subject == nil || $0.subject == subject }?.scores.first { $0.0 == other }?.1 ?? 0 }
        let correction = Correction.passage(other)
        try plugin.learn(passage, correction: correction)
        XCTAssertGreaterThan(score(classify(plugin, x.text)), score(before))
    }

    // MARK: framing's own cases

    /// A frame's second and later cues count `repeatDecay` times less each, strongest first.
    func testRepeatedCuesOfOneFrameSaturate() throws {
        let lexicon = try Self.trained.get().lexicon
        let p = Analyzer().analyze("Rockets, drones and a car bomb hit the base after the airstrike, in what parliament called a violation of sovereignty.")
        let votes = FramingPlugin.features(p, lexicon: lexicon).votes
        let security = votes.filter { FramingPlugin.descriptor.labels[$0.label] == "security" }.sorted { $0.weight > $1.weight }
        XCTAssertGreaterThanOrEqual(security.count, 3)
        XCTAssertFalse(security[0].source.contains("×"), "the strongest cue counts in full")
        XCTAssertTrue(security[1].source.contains("×0.60"), security[1].source)
        XCTAssertEqual(security[1].weight, 0.6 * 1.5, accuracy: 1e-9, "airstrike/car bomb (1.5) second in line counts 0.6 of itself")
    }

    /// A regression guard on the held-out split (no tuning happens here): the plugin beats the
    /// bag-of-words baseline and stays near its published macro-F1 (docs/plugins.md).
    func testHeldOutMacroF1() throws {
        let plugin = try Self.trained.get().plugin
        let test = try Corpus.load([Self.root + "/corpora/test"])
        let train = try Corpus.load([Self.root + "/corpora/train"])
        let combined = Evaluator.evaluate(plugin, on: test, mode: .combined).headline
        let baseline = Evaluator.evaluate(BagOfWordsBaseline(descriptor: plugin.descriptor, train: train), on: test, mode: .model).headline
        XCTAssertGreaterThan(combined, baseline)
        XCTAssertGreaterThan(combined, 0.6)
    }
}
