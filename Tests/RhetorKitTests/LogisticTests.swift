import XCTest
@testable import RhetorKit

final class LogisticTests: XCTestCase {
    /// Four word features, three classes, one word per class plus a shared word, and a rare class.
    func examples() -> [LogisticLayer.Example] {
        func ex(_ fs: [Int], _ label: Int) -> LogisticLayer.Example {
            LogisticLayer.Example(rows: fs.enumerated().map { (f: $0.element, value: 1, item: $0.offset) }, label: label)
        }
        return Array(repeating: ex([0, 3], 0), count: 20) + Array(repeating: ex([1, 3], 1), count: 20) + [ex([2, 3], 2), ex([2], 2)]
    }

    func testFitsSeparableClassesIncludingARareOne() {
        let layer = LogisticLayer.train(examples(), features: 4, classes: 3, l2: 0.1, mix: 0.5)
        for (features, label) in [([0, 3], 0), ([1, 3], 1), ([2, 3], 2)] {
            let lp = layer.logProbabilities(rows: features.map { (f: $0, value: 1, item: 0) })
            XCTAssertEqual(lp.indices.max { lp[$0] < lp[$1] }, label, "\(features): \(lp)")
            XCTAssertEqual(lp.map(exp).reduce(0, +), 1, accuracy: 1e-9)
        }
        // The shared word says nothing; class balance keeps the rare class's prior from vanishing.
        XCTAssertLessThan(abs(layer.weight(3, 0) - layer.weight(3, 1)), 0.05)
    }

    func testPenaltyShrinksWeights() {
        let loose = LogisticLayer.train(examples(), features: 4, classes: 3, l2: 0.01, mix: 0.5)
        let tight = LogisticLayer.train(examples(), features: 4, classes: 3, l2: 10, mix: 0.5)
        XCTAssertGreaterThan(abs(loose.weight(0, 0)), abs(tight.weight(0, 0)) * 2)
    }

    func testSameExamplesGiveTheSameWeights() {
        let a = LogisticLayer.train(examples(), features: 4, classes: 3, l2: 1, mix: 0.5)
        let b = LogisticLayer.train(examples(), features: 4, classes: 3, l2: 1, mix: 0.5)
        XCTAssertEqual(a.weights, b.weights)
        XCTAssertEqual(a.bias, b.bias)
    }

    /// The layer is written with its naive Bayes model and read back feature for feature,
    /// although the file orders features by name, not by their order of first appearance.
    func testModelFileKeepsTheLayerAndItsScores() throws {
        let analyzer = Analyzer()
        let texts = [("zebra militias attacked", 0), ("apple government praised", 1), ("militias praised zebra", 0), ("government attacked apple", 1)]
        var nb = NaiveBayes(classes: ["a", "b"], kinds: TextFeatureKind.names, alpha: 0.5)
        var bags: [(FeatureBag, Passage)] = []
        for (text, label) in texts {
            let p = analyzer.analyze(text)
            var bag = FeatureBag()
            TextFeatures.add(p, to: &bag)
            nb.add(bag, passage: p, label: label)
            bags.append((bag, p))
        }
        let examples = zip(bags, texts).map { LogisticLayer.Example(rows: nb.resolve($0.0.0, passage: $0.0.1), label: $0.1.1) }
        nb = LogisticLayer.fit([nb], [examples], l2: 0.5, mix: 0.4)[0]
        var model = PluginModel(pluginID: "t")
        model.setClassifier("c", nb)
        let bytes = model.serialized()
        let back = try PluginModel(bytes: bytes, name: "t.model")
        let loaded = try XCTUnwrap(back.classifier("c"))
        XCTAssertEqual(loaded.logistic?.mix, 0.4)
        XCTAssertEqual(loaded.logistic?.l2, 0.5)
        XCTAssertEqual(back.serialized(), bytes)
        for (bag, p) in bags {
            let before = nb.modelScores(rows: nb.resolve(bag, passage: p))
            let after = loaded.modelScores(rows: loaded.resolve(bag, passage: p))
            for (x, y) in zip(before, after) { XCTAssertEqual(x, y, accuracy: 1e-12) }
            XCTAssertNotEqual(nb.modelScores(rows: nb.resolve(bag, passage: p), naiveBayesOnly: true), before)
        }
    }
}
