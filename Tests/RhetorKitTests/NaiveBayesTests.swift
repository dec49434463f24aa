import XCTest
@testable import RhetorKit

final class NaiveBayesTests: XCTestCase {
    func bag(_ p: Passage) -> FeatureBag {
        var b = FeatureBag()
        for i in p.tokens.indices where p.tokens[i].isWordLike { b.token(0, i) }
        return b
    }

    func train(_ docs: [(String, Int)], variant: NaiveBayes.Variant = .multinomial) -> NaiveBayes {
        var nb = NaiveBayes(classes: ["pos", "neg"], kinds: ["w"], alpha: 1, variant: variant)
        for (t, l) in docs { let p = Analyzer().analyze(t); nb.add(bag(p), passage: p, label: l) }
        return nb
    }

    let docs = [("good good great", 0), ("good fine", 0), ("bad awful", 1)]

    /// Hand computation: vocabulary {good, great, fine, bad, awful} (V=5), α=1.
    /// pos: 5 tokens, good=3 → θ(good|pos) = 4/10; neg: 2 tokens → θ(good|neg) = 1/7.
    /// Priors with add-one: P(pos) = 3/5, P(neg) = 2/5.
    /// "good": pos ∝ 3/5 · 4/10 = 0.24; neg ∝ 2/5 · 1/7 = 0.05714; P(pos) = 0.24/0.29714 = 0.80769.
    func testMultinomialMatchesHandComputation() {
        let nb = train(docs)
        let p = Analyzer().analyze("good")
        let pr = nb.predict(bag(p), passage: p)
        XCTAssertEqual(pr.probabilities[0], 0.24 / (0.24 + 0.4 / 7), accuracy: 1e-9)
        XCTAssertEqual(nb.weight(0, 0), log(4.0 / 10), accuracy: 1e-12)
    }

    /// Complement NB: θ̃(good|pos) uses neg counts: (0+1)/(2+5) ; θ̃(good|neg) = (3+1)/(5+5).
    func testComplementMatchesHandComputation() {
        let nb = train(docs, variant: .complement)
        let p = Analyzer().analyze("good")
        let pr = nb.predict(bag(p), passage: p)
        let sPos = -log(1.0 / 7), sNeg = -log(4.0 / 10)
        XCTAssertEqual(pr.probabilities[0], exp(sPos) / (exp(sPos) + exp(sNeg)), accuracy: 1e-9)
    }

    func testIncrementalUpdateEqualsRetraining() {
        var nb = train(Array(docs.prefix(2)))
        let extra = Analyzer().analyze(docs[2].0)
        nb.add(bag(extra), passage: extra, label: 1)
        let full = train(docs)
        for t in ["good", "bad awful", "unseen words", "fine bad"] {
            let p = Analyzer().analyze(t)
            let a = nb.predict(bag(p), passage: p).probabilities, b = full.predict(bag(p), passage: p).probabilities
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-12, t) }
        }
        for variant in [NaiveBayes.Variant.complement] {
            var inc = train(Array(docs.prefix(1)), variant: variant)
            for d in docs.dropFirst() { let p = Analyzer().analyze(d.0); inc.add(bag(p), passage: p, label: d.1) }
            let whole = train(docs, variant: variant)
            let p = Analyzer().analyze("good bad")
            XCTAssertEqual(inc.predict(bag(p), passage: p).probabilities[0], whole.predict(bag(p), passage: p).probabilities[0], accuracy: 1e-12)
        }
    }

    /// Runs counted from the tables merged so far (even tables some merges old), then merged in
    /// order: the model counted in one run, to the bit, with its features and words in the same order.
    func testRunsContinuedFromMergedTablesMergeToTheWholeCount() {
        let words = ["good", "bad", "fine", "awful", "great", "poor", "ok", "vile", "nice", "grim"]
        let texts: [String] = (0..<60).map { (n: Int) -> String in
            let picked: [String] = (0..<(2 + n % 5)).map { (j: Int) -> String in words[(j * 3 + n * n) % min(words.count, 3 + n / 6)] }
            return picked.joined(separator: " ")
        }
        func count(_ nb: inout NaiveBayes, _ range: Range<Int>) {
            for k in range {
                let p = Analyzer().analyze(texts[k])
                var b = FeatureBag()
                for i in p.tokens.indices { b.token(0, i, value: 0.5 + Double(k % 3)); if i > 0 { b.pair(1, i - 1, i) } }
                nb.addCounts(b, passage: p, label: k % 2, weight: k % 4 == 0 ? 0.25 : 1)
            }
        }
        var whole = NaiveBayes(classes: ["pos", "neg"], kinds: ["w", "b"], alpha: 1)
        count(&whole, 0..<60)
        var merged = NaiveBayes(classes: ["pos", "neg"], kinds: ["w", "b"], alpha: 1)
        var stale = merged.tables
        for r in 0..<6 {
            // Every other run starts from the tables of two merges before.
            let from = r % 2 == 0 ? merged.tables : stale
            stale = merged.tables
            var part = NaiveBayes(classes: ["pos", "neg"], kinds: ["w", "b"], alpha: 1, variant: .multinomial, continuing: from)
            count(&part, (r * 10)..<(r * 10 + 10))
            merged.merge(part)
        }
        XCTAssertEqual(merged.featureCount, whole.featureCount)
        XCTAssertEqual((0..<merged.featureCount).map(merged.featureName), (0..<whole.featureCount).map(whole.featureName))
        XCTAssertEqual(merged.counts, whole.counts)
        XCTAssertEqual(merged.classTotals, whole.classTotals)
        XCTAssertEqual(merged.classDocs, whole.classDocs)
    }

    func testExplanationNamesTheDecidingFeatures() {
        let nb = train(docs)
        let p = Analyzer().analyze("awful but good")
        let rows = nb.resolve(bag(p), passage: p)
        let top = nb.contributions(rows: rows, label: 1, other: 0).first!
        XCTAssertEqual(p.norm(Int(bag(p).items[top.item].a)), "awful")
        XCTAssertEqual(nb.mostInformative(10).first { $0.feature == "w:good" }?.label, "pos")
    }

    /// A resolver kept across passages (training passes do) must not reuse one passage's word
    /// ids for the next, even when the next is allocated where the freed one was.
    func testOneResolverAcrossPassagesGivesFreshRows() {
        let analyzer = Analyzer()
        let texts = ["militias attacked the base", "protesters praised the cleric", "Iran funded the factions", "the government paid salaries"]
        var nb = NaiveBayes(classes: ["a", "b"], kinds: TextFeatureKind.names)
        for (k, t) in texts.enumerated() {
            let p = analyzer.analyze(t)
            var bag = FeatureBag()
            TextFeatures.add(p, to: &bag)
            nb.add(bag, passage: p, label: k % 2)
        }
        let shared = FeatureResolver()
        for round in 0..<50 {
            let p = analyzer.analyze(texts[round % texts.count])   // freed at the end of each round
            var bag = FeatureBag()
            TextFeatures.add(p, to: &bag)
            nb.resolve(bag, passage: p, into: shared)
            XCTAssertEqual(shared.rows.map(\.f), nb.resolve(bag, passage: p).map(\.f), "round \(round)")
        }
    }
}
