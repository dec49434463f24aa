import Foundation

/// Multinomial logistic regression over a naive Bayes model's own features, mixed with it.
///
/// Naive Bayes counts every feature as independent evidence, so correlated features (a cue
/// word, its clause slot and its bigram) are counted several times over. A logistic model
/// fitted on the same features weighs them jointly. The plugin decides from both, in log
/// space: `(1 − mix) × NB's joint log-likelihood + mix × the logistic log-probabilities`,
/// and the lexicon's votes are added to that sum as before. Chosen by 5-fold
/// cross-validation on the training split (docs/plugins.md has the figures).
///
/// It lives inside the `NaiveBayes` it extends: it reads the rows that `resolve` finds
/// (weights are feature-major, `f * classes + c`, indexed like the counts), and it is written
/// in the same `[nb]` section of the model file.
public struct LogisticLayer: Sendable {
    /// Share of the logistic model in the mix (0: naive Bayes alone).
    public let mix: Double
    /// The L2 penalty on the weights (1/C in scikit-learn's terms); biases are not penalised.
    public let l2: Double
    public let classes: Int
    /// Feature-major, as `NaiveBayes.counts` (read in place from a loaded model's file).
    public private(set) var weights: ModelArray<Double>
    public private(set) var bias: [Double]

    public init(mix: Double, l2: Double, classes: Int, weights: [Double], bias: [Double]) {
        self.init(mix: mix, l2: l2, classes: classes, weights: ModelArray(weights), bias: bias)
    }

    init(mix: Double, l2: Double, classes: Int, weights: ModelArray<Double>, bias: [Double]) {
        self.mix = mix; self.l2 = l2; self.classes = classes; self.weights = weights; self.bias = bias
    }

    /// Features the layer was fitted on; features naive Bayes learns later (`learn` in the
    /// REPL) have no logistic weight, and naive Bayes alone speaks for them.
    public var featureCount: Int { weights.count / classes }

    /// Log-probabilities of each class for one example's resolved rows.
    public func logProbabilities(rows: [NaiveBayes.Row]) -> [Double] {
        var z = bias
        weights.withUnsafeBufferPointer { w in
            z.withUnsafeMutableBufferPointer { z in
                for r in rows {
                    let base = r.f * classes
                    guard base < w.count else { continue }
                    for c in 0..<classes { z[c] += r.value * w[base + c] }
                }
            }
        }
        let top = z.max() ?? 0
        let logSum = top + log(z.reduce(0) { $0 + exp($1 - top) })
        return z.map { $0 - logSum }
    }

    /// `(1 − mix) × s + mix × logProbabilities(rows:)`, into `s`: the same arithmetic, without
    /// the intermediate arrays (this runs for every decision).
    func mix(into s: inout [Double], rows: [NaiveBayes.Row]) {
        let n = classes
        guard n > 0 else { return }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { z in
            _ = z.initialize(fromContentsOf: bias)
            weights.withUnsafeBufferPointer { w in
                for r in rows {
                    let base = r.f * n
                    guard base < w.count else { continue }
                    for c in 0..<n { z[c] += r.value * w[base + c] }
                }
            }
            mix(into: &s, logits: UnsafeBufferPointer(z))
        }
    }

    /// The tail of `mix(into:rows:)`, from the layer's summed logits `z`.
    func mix(into s: inout [Double], logits z: UnsafeBufferPointer<Double>) {
        let n = classes
        guard n > 0 else { return }
        // As `max()` and `reduce` in `logProbabilities`.
        var top = z[0]
        for c in 1..<n where top < z[c] { top = z[c] }
        var sum = 0.0
        for c in 0..<n { sum = sum + exp(z[c] - top) }
        let logSum = top + log(sum)
        for c in 0..<n { s[c] = (1 - mix) * s[c] + mix * (z[c] - logSum) }
    }

    /// Weight of feature f for class c in the logistic model.
    @inline(__always) public func weight(_ f: Int, _ c: Int) -> Double { f * classes < weights.count ? weights[f * classes + c] : 0 }

    // MARK: training

    /// One training example: its resolved feature rows, its class and its weight.
    public struct Example: Sendable {
        public var features: [Int32]
        public var values: [Double]
        public var label: Int
        public var weight: Double
        public init(rows: [NaiveBayes.Row], label: Int, weight: Double = 1) {
            features = rows.map { Int32($0.f) }
            values = rows.map(\.value)
            self.label = label
            self.weight = weight
        }
    }

    /// Fits the layer by L-BFGS on the penalised, class-balanced log-loss: each class weighs
    /// as much as the others in total (stance's `none` is most examples, and would otherwise
    /// teach the model to say `none`). Deterministic: the same examples give the same bytes.
    public static func train(_ examples: [Example], features: Int, classes: Int, l2: Double, mix: Double,
                             iterations: Int = 300) -> LogisticLayer {
        var perClass = [Double](repeating: 0, count: classes)
        for e in examples { perClass[e.label] += e.weight }
        let total = perClass.reduce(0, +)
        let present = Double(perClass.filter { $0 > 0 }.count)
        let balance = perClass.map { $0 > 0 ? total / (present * $0) : 0 }
        let objective = Objective(examples: examples, features: features, classes: classes, l2: l2, balance: balance)
        let x = LBFGS.minimize(count: features * classes + classes, iterations: iterations, objective.evaluate)
        return LogisticLayer(mix: mix, l2: l2, classes: classes, weights: Array(x[0..<(features * classes)]),
                             bias: Array(x[(features * classes)...]))
    }

    /// Each model with a logistic layer fitted on its examples, the models on all cores
    /// (each fit is sequential, so the result does not depend on the number of cores).
    public static func fit(_ models: [NaiveBayes], _ examples: [[Example]], l2: Double, mix: Double) -> [NaiveBayes] {
        nonisolated(unsafe) var out = models
        out.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer   // each model writes its own slot
            DispatchQueue.concurrentPerform(iterations: models.count) { k in
                slots[k].logistic = train(examples[k], features: models[k].featureCount, classes: models[k].classes.count, l2: l2, mix: mix)
            }
        }
        return out
    }

    /// The penalised log-loss and its gradient; parameters are the weights then the biases.
    struct Objective {
        let examples: [Example]
        let features: Int
        let classes: Int
        let l2: Double
        let balance: [Double]

        func evaluate(_ x: [Double], _ grad: inout [Double]) -> Double {
            let n = classes, biasBase = features * classes
            var loss = 0.0
            for k in grad.indices { grad[k] = 0 }
            var z = [Double](repeating: 0, count: n)
            x.withUnsafeBufferPointer { x in
                grad.withUnsafeMutableBufferPointer { g in
                    for e in examples {
                        for c in 0..<n { z[c] = x[biasBase + c] }
                        for (f, v) in zip(e.features, e.values) {
                            let base = Int(f) * n
                            for c in 0..<n { z[c] += v * x[base + c] }
                        }
                        let top = z.max()!
                        var sum = 0.0
                        for c in 0..<n { z[c] = exp(z[c] - top); sum += z[c] }
                        let w = e.weight * balance[e.label]
                        loss -= w * (log(z[e.label] / sum))
                        // d loss / d z_c = w × (p_c − [c = label])
                        for c in 0..<n { z[c] = w * (z[c] / sum - (c == e.label ? 1 : 0)) }
                        for c in 0..<n { g[biasBase + c] += z[c] }
                        for (f, v) in zip(e.features, e.values) {
                            let base = Int(f) * n
                            for c in 0..<n { g[base + c] += v * z[c] }
                        }
                    }
                    for k in 0..<biasBase {
                        loss += 0.5 * l2 * x[k] * x[k]
                        g[k] += l2 * x[k]
                    }
                }
            }
            return loss
        }
    }
}

/// Limited-memory BFGS with a backtracking (Armijo) line search, from zero.
enum LBFGS {
    static let memory = 10

    static func minimize(count: Int, iterations: Int, _ f: (_ x: [Double], _ grad: inout [Double]) -> Double) -> [Double] {
        var x = [Double](repeating: 0, count: count)
        var g = [Double](repeating: 0, count: count)
        var fx = f(x, &g)
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var xNew = x, gNew = g
        for iteration in 0..<iterations {
            // Search direction: −H·g by the two-loop recursion.
            var d = g.map { -$0 }
            var alpha = [Double](repeating: 0, count: s.count)
            for k in stride(from: s.count - 1, through: 0, by: -1) {
                alpha[k] = rho[k] * dot(s[k], d)
                axpy(-alpha[k], y[k], &d)
            }
            if let last = s.indices.last {
                let scale = dot(s[last], y[last]) / dot(y[last], y[last])
                for i in d.indices { d[i] *= scale }
            }
            for k in s.indices {
                let beta = rho[k] * dot(y[k], d)
                axpy(alpha[k] - beta, s[k], &d)
            }
            var slope = dot(g, d)
            if slope >= 0 { d = g.map { -$0 }; slope = dot(g, d); s = []; y = []; rho = [] }
            var step = iteration == 0 ? 1 / max(1, sqrt(dot(g, g))) : 1
            var fNew = fx
            var accepted = false
            for _ in 0..<40 {
                for i in x.indices { xNew[i] = x[i] + step * d[i] }
                fNew = f(xNew, &gNew)
                if fNew <= fx + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            guard accepted else { break }
            var sk = xNew, yk = gNew
            for i in x.indices { sk[i] -= x[i]; yk[i] -= g[i] }
            let sy = dot(sk, yk)
            if sy > 1e-10 {
                s.append(sk); y.append(yk); rho.append(1 / sy)
                if s.count > memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            let decrease = fx - fNew
            swap(&x, &xNew); swap(&g, &gNew); fx = fNew
            if decrease <= 1e-9 * max(1, abs(fx)) { break }
        }
        return x
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
            var s = 0.0
            for i in a.indices { s += a[i] * b[i] }
            return s
        } }
    }

    static func axpy(_ k: Double, _ a: [Double], _ b: inout [Double]) {
        a.withUnsafeBufferPointer { a in b.withUnsafeMutableBufferPointer { b in
            for i in a.indices { b[i] += k * a[i] }
        } }
    }
}
