/// Confusion matrix and the scores derived from it.
public struct ConfusionMatrix: Sendable {
    public let labels: [String]
    /// counts[gold][predicted]
    public private(set) var counts: [[Int]]

    public init(labels: [String]) {
        self.labels = labels
        counts = Array(repeating: Array(repeating: 0, count: labels.count), count: labels.count)
    }

    public mutating func add(gold: String, predicted: String) {
        guard let g = labels.firstIndex(of: gold), let p = labels.firstIndex(of: predicted) else { return }
        counts[g][p] += 1
    }

    public mutating func merge(_ other: ConfusionMatrix) {
        for g in labels.indices { for p in labels.indices { counts[g][p] += other.counts[g][p] } }
    }

    public var total: Int { counts.joined().reduce(0, +) }
    public var accuracy: Double { total == 0 ? 0 : Double(labels.indices.map { counts[$0][$0] }.reduce(0, +)) / Double(total) }

    public struct Scores: Sendable { public var precision, recall, f1: Double; public var support: Int }

    public func scores(_ label: String) -> Scores {
        guard let k = labels.firstIndex(of: label) else { return Scores(precision: 0, recall: 0, f1: 0, support: 0) }
        let tp = Double(counts[k][k])
        let predicted = Double(labels.indices.map { counts[$0][k] }.reduce(0, +))
        let gold = counts[k].reduce(0, +)
        return prf(tp: tp, predicted: predicted, gold: Double(gold), support: gold)
    }

    public var macroF1: Double { labels.isEmpty ? 0 : labels.map { scores($0).f1 }.reduce(0, +) / Double(labels.count) }

    /// SemEval-2016 stance score: mean F1 of favor and against.
    public var fAvg: Double { (scores("favor").f1 + scores("against").f1) / 2 }

    /// Collapses labels into two: `positive` (every label but `negative`) vs `negative`.
    public func binary(negative: String) -> Scores {
        guard let n = labels.firstIndex(of: negative) else { return Scores(precision: 0, recall: 0, f1: 0, support: 0) }
        var tp = 0, fp = 0, fn = 0
        for g in labels.indices { for p in labels.indices {
            if g != n && p != n { tp += counts[g][p] }
            if g == n && p != n { fp += counts[g][p] }
            if g != n && p == n { fn += counts[g][p] }
        } }
        return prf(tp: Double(tp), predicted: Double(tp + fp), gold: Double(tp + fn), support: tp + fn)
    }

    /// A plain-text table: gold in rows, predicted in columns.
    public func rendered() -> String {
        let w = max(10, (labels.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        var out = pad("gold\\pred") + labels.map(pad).joined() + "\n"
        for (g, row) in counts.enumerated() { out += pad(labels[g]) + row.map { pad(String($0)) }.joined() + "\n" }
        return out
    }
}

public func prf(tp: Double, predicted: Double, gold: Double, support: Int) -> ConfusionMatrix.Scores {
    let p = predicted == 0 ? 0 : tp / predicted
    let r = gold == 0 ? 0 : tp / gold
    let f = p + r == 0 ? 0 : 2 * p * r / (p + r)
    return .init(precision: p, recall: r, f1: f, support: support)
}

/// Precision/recall over sets of items (mention detection, (actor, role) pairs).
public struct SetScore: Sendable {
    public var truePositives = 0, predicted = 0, gold = 0
    public init() {}
    public mutating func add<T: Hashable>(gold g: Set<T>, predicted p: Set<T>) {
        truePositives += g.intersection(p).count
        predicted += p.count
        gold += g.count
    }
    public var scores: ConfusionMatrix.Scores { prf(tp: Double(truePositives), predicted: Double(predicted), gold: Double(gold), support: gold) }
}

/// Deterministic pseudo-random numbers (SplitMix64) for folds and benchmark corpora.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

/// Stratified k-fold: each fold gets a share of every stratum. Returns fold index per item.
public func stratifiedFolds(strata: [String], k: Int, seed: UInt64 = 42) -> [Int] {
    var rng = SeededGenerator(seed: seed)
    var groups: [String: [Int]] = [:]
    for (i, s) in strata.enumerated() { groups[s, default: []].append(i) }
    var fold = Array(repeating: 0, count: strata.count)
    var next = 0
    for key in groups.keys.sorted() {
        var idx = groups[key]!
        idx.shuffle(using: &rng)
        for i in idx { fold[i] = next % k; next += 1 }
    }
    return fold
}
