import Foundation

/// The features a plugin extracts from one passage (or one mention), before they are
/// resolved against a model's vocabulary. Atoms refer to passage tokens by index, or to
/// literal strings (lexicon categories, cue names), so extraction allocates no strings.
public struct FeatureBag: Sendable {
    public struct Item: Sendable {
        public var kind: UInt8
        public var a: Int32          // ≥ 0: passage token index; ≤ -2: literal index (-2 - k); -1: none
        public var b: Int32
        public var value: Double
        // The span as two Int32s (first -1: none): 32-byte items rather than 48, and bags are
        // copied once per stance target.
        private var first: Int32
        private var last: Int32

        init(kind: UInt8, a: Int32, b: Int32, value: Double, span: ClosedRange<Int>?) {
            self.kind = kind; self.a = a; self.b = b; self.value = value
            first = span.map { Int32($0.lowerBound) } ?? -1
            last = span.map { Int32($0.upperBound) } ?? -1
        }

        /// Token span behind the feature, for evidence (inclusive); nil when it has none.
        public var span: ClosedRange<Int>? {
            get { first < 0 ? nil : Int(first)...Int(last) }
            set { first = newValue.map { Int32($0.lowerBound) } ?? -1; last = newValue.map { Int32($0.upperBound) } ?? -1 }
        }
    }
    public var items: [Item] = []
    public var literals: [String] = []
    public init() { items.reserveCapacity(128) }

    public mutating func token(_ kind: UInt8, _ i: Int, value: Double = 1) {
        items.append(Item(kind: kind, a: Int32(i), b: -1, value: value, span: i...i))
    }

    public mutating func pair(_ kind: UInt8, _ i: Int, _ j: Int, value: Double = 1) {
        items.append(Item(kind: kind, a: Int32(i), b: Int32(j), value: value, span: min(i, j)...max(i, j)))
    }

    /// A token paired with a literal tag (e.g. a cue word and its position class).
    public mutating func tokenTagged(_ kind: UInt8, _ i: Int, _ tag: String, value: Double = 1, span: ClosedRange<Int>? = nil) {
        items.append(Item(kind: kind, a: Int32(i), b: literal(tag), value: value, span: span ?? i...i))
    }

    public mutating func literal(_ kind: UInt8, _ name: String, value: Double = 1, span: ClosedRange<Int>? = nil) {
        items.append(Item(kind: kind, a: literal(name), b: -1, value: value, span: span))
    }

    private mutating func literal(_ s: String) -> Int32 {
        // Room for a mention's or a passage's usual literals at once, not grown one by one.
        if literals.capacity == 0 { literals.reserveCapacity(16) }
        // Equal strings have equal lengths: most candidates are rejected without comparing.
        let length = s.utf8.count
        if let k = literals.firstIndex(where: { $0.utf8.count == length && $0 == s }) { return -2 - Int32(k) }
        literals.append(s)
        return -2 - Int32(literals.count - 1)
    }
}

/// Multinomial or complement naive Bayes with Lidstone smoothing.
///
/// For class c and feature counts x_f, the multinomial rule scores
///     log P(c) + Σ_f x_f · log θ_cf,   θ_cf = (N_cf + α) / (N_c + α·V)
/// and the complement rule (Rennie et al. 2003) scores −Σ_f x_f · log θ̃_cf, with θ̃ built
/// from the counts of every class but c. Counting (`add`) is kept apart from the logs, which
/// are cached per feature and per class, so adding one example updates only what it touched
/// and stays exactly equal to retraining from scratch.
public struct NaiveBayes: Sendable {
    public enum Variant: String, Sendable { case multinomial, complement }

    public let classes: [String]
    public let kinds: [String]
    public let alpha: Double
    public let variant: Variant

    public private(set) var vocabulary = TokenTable()
    /// Feature key → row; or, when `sharedRows` is set, → an id in the index that the
    /// classifiers of one model file share (see `init(…index:rows:)`).
    private var featureIndex = FeatureMap()
    private var sharedRows: ModelArray<Int32>? = nil
    private var featureKeys = ModelArray<UInt64>()
    public private(set) var counts = ModelArray<Double>()          // feature-major: f * classes.count + c
    public private(set) var classTotals: [Double]
    public private(set) var classDocs: [Double]
    private var logNumerator: [Double] = []
    private var logDenominator: [Double]
    /// Per feature, its counts summed over the classes (complement logs, learning). A
    /// multinomial model read from its file leaves them to its first change (`ownTotals`):
    /// classifying needs only the class totals.
    private var featureTotals: [Double] = []
    /// A logistic model over the same features, mixed with this one (see `LogisticLayer`);
    /// nil for plugins that decide by naive Bayes alone.
    public var logistic: LogisticLayer?
    /// How many features and words this model has by position from the model it continues
    /// (see `init(…continuing:)`); `merge` adds those rows without looking them up.
    private var continued = (features: 0, words: 0)

    public init(classes: [String], kinds: [String], alpha: Double = 1.0, variant: Variant = .multinomial) {
        precondition(kinds.count < 256, "at most 255 feature kinds")
        self.classes = classes
        self.kinds = kinds
        self.alpha = alpha
        self.variant = variant
        classTotals = Array(repeating: 0, count: classes.count)
        classDocs = Array(repeating: 0, count: classes.count)
        logDenominator = Array(repeating: 0, count: classes.count)
    }

    /// The words and features of a model being counted, without its counts: what the next run
    /// of examples is counted from (see `init(…continuing:)`).
    struct Tables: Sendable {
        fileprivate let vocabulary: TokenTable
        fileprivate let featureIndex: FeatureMap
        fileprivate let featureKeys: ModelArray<UInt64>
    }

    var tables: Tables {
        precondition(sharedRows == nil, "a model read from a file is not counted into")
        return Tables(vocabulary: vocabulary, featureIndex: featureIndex, featureKeys: featureKeys)
    }

    /// A model with no counts that starts with the words and features of `tables` (shared until
    /// it adds one): counting a run of examples into it finds nearly all their features there
    /// already, with no table to grow, and merging it into the model the tables came from, as it
    /// is then (words and features are only ever appended), adds those rows by position.
    init(classes: [String], kinds: [String], alpha: Double, variant: Variant, continuing t: Tables) {
        self.init(classes: classes, kinds: kinds, alpha: alpha, variant: variant)
        vocabulary = t.vocabulary
        featureIndex = t.featureIndex
        featureKeys = t.featureKeys
        counts = ModelArray(Array(repeating: 0, count: featureKeys.count * classes.count))
        featureTotals = Array(repeating: 0, count: featureKeys.count)
        continued = (featureKeys.count, vocabulary.count)
    }

    public var featureCount: Int { featureKeys.count }
    public var documentCount: Double { classDocs.reduce(0, +) }

    public func classIndex(_ label: String) -> Int? { classes.firstIndex(of: label) }
    public func kindIndex(_ name: String) -> UInt8 { UInt8(kinds.firstIndex(of: name)!) }

    @inline(__always)
    static func key(_ kind: UInt8, _ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(kind) << 56 | UInt64(UInt32(bitPattern: a) & 0x0FFF_FFFF) << 28 | UInt64(UInt32(bitPattern: b) & 0x0FFF_FFFF)
    }

    private mutating func internAtom(_ atom: Int32, _ bag: FeatureBag, _ p: Passage, _ tokenIDs: inout [Int32]) -> Int32 {
        if atom == -1 { return 0x0FFF_FFFF }
        if atom >= 0 {
            let k = Int(atom)
            if tokenIDs[k] < 0 { tokenIDs[k] = vocabulary.intern(p, k) }
            return tokenIDs[k]
        }
        return vocabulary.intern(bag.literals[Int(-2 - atom)])
    }

    /// The row of a feature key, or nil.
    @inline(__always)
    private func row(_ key: UInt64) -> Int32? {
        guard let u = featureIndex[key] else { return nil }
        guard let rows = sharedRows else { return u }
        return rows[Int(u)] >= 0 ? rows[Int(u)] : nil
    }

    /// Gives a model whose index is shared an index of its own, before it gains a feature.
    private mutating func ownIndex() {
        guard sharedRows != nil else { return }
        sharedRows = nil
        featureIndex = FeatureMap()
        featureIndex.reserve(featureKeys.count)
        for (f, k) in featureKeys.enumerated() { featureIndex.insert(k, Int32(f)) }
    }

    // MARK: counting

    /// Adds one labelled example (`weight` copies of it). Exact incremental update.
    public mutating func add(_ bag: FeatureBag, passage: Passage, label: Int, weight: Double = 1) {
        let touched = addCounts(bag, passage: passage, label: label, weight: weight)
        // Room for the logs of features new in it (`addCounts` leaves the logs alone).
        logNumerator.append(contentsOf: repeatElement(0, count: counts.count - logNumerator.count))
        for f in touched { refreshFeature(f) }
        refreshDenominators()
    }

    /// Adds one example's counts without refreshing the cached logs: bulk training, where
    /// `refreshAll()` once at the end gives exactly what `add` per example would (and must come
    /// before the model scores: the logs of new features are not even allocated). Returns the
    /// features touched.
    @discardableResult
    public mutating func addCounts(_ bag: FeatureBag, passage: Passage, label: Int, weight: Double = 1) -> [Int] {
        ownTotals()
        classDocs[label] += weight
        var touched: [Int] = []
        touched.reserveCapacity(bag.items.count)
        // Each token is interned once per example (it is an atom of several items); the words
        // known already are looked up first, all in one pass (loads that do not wait on one
        // another), the rest interned as they come.
        var tokenIDs = vocabulary.lookupWords(passage)
        // Keys first, then the lookups: independent loads, so the cache misses of a large
        // feature table overlap instead of queueing one behind the other.
        let keys = bag.items.map { item in
            NaiveBayes.key(item.kind, internAtom(item.a, bag, passage, &tokenIDs), internAtom(item.b, bag, passage, &tokenIDs))
        }
        for k in keys { touched.append(row(k).map(Int.init) ?? -1) }
        for (n, k) in keys.enumerated() where touched[n] < 0 {
            // A feature new in this example (perhaps twice in it).
            if let existing = row(k) { touched[n] = Int(existing); continue }
            ownIndex()
            touched[n] = featureKeys.count
            featureIndex.insert(k, Int32(featureKeys.count))
            featureKeys.append(k)
            counts.append(contentsOf: repeatElement(0, count: classes.count))
            featureTotals.append(0)
        }
        // Then the sums, in item order as before, through buffers (no checks per item).
        let n = classes.count
        var classTotal = classTotals[label]
        counts.withUnsafeMutableBufferPointer { counts in
            featureTotals.withUnsafeMutableBufferPointer { totals in
                for (item, f) in zip(bag.items, touched) {
                    counts[f * n + label] += item.value * weight
                    totals[f] += item.value * weight
                    classTotal += item.value * weight
                }
            }
        }
        classTotals[label] = classTotal
        return touched
    }

    /// How many examples `counting` counts apart before merging them into the model.
    public static let countingRun = 8192

    /// A new model with `count` examples counted in, on every core: `add(k, &nb)` counts
    /// example k into `nb`. Fixed-size runs of examples are counted apart and merged in order,
    /// so the model does not depend on the number of cores; with whole-number feature values
    /// (text features and lexicon hits) it equals counting one by one, bit for bit.
    public static func counting(_ count: Int, classes: [String], kinds: [String], alpha: Double, variant: Variant,
                                _ add: @Sendable (Int, inout NaiveBayes) -> Void) -> NaiveBayes {
        let run = countingRun
        var model = NaiveBayes(classes: classes, kinds: kinds, alpha: alpha, variant: variant)
        // Every core counts runs; each is merged as soon as those before it are (see makeInOrder),
        // and counted from the tables merged so far.
        let merged = Shared(model.tables)
        makeInOrder((count + run - 1) / run, make: { r in
            var part = NaiveBayes(classes: classes, kinds: kinds, alpha: alpha, variant: variant, continuing: merged.value)
            for k in (r * run)..<min(count, (r + 1) * run) { add(k, &part) }
            return part
        }, take: { part in
            model.merge(part)
            merged.value = model.tables
        })
        return model
    }

    /// Adds another model's counts (same classes and kinds) to this one's; logs are not refreshed
    /// (call `refreshAll()`).
    mutating func merge(_ other: NaiveBayes) {
        precondition(other.classes == classes && other.kinds == kinds)
        let n = classes.count
        // The features and words it continued from this model (`init(…continuing:)`) are this
        // model's by position: those rows are added as they lie. (The zeros of rows it never
        // counted change nothing: a sum that starts at +0 is never -0.)
        let (shared, sharedWords) = other.continued
        precondition(shared <= featureKeys.count && sharedWords <= vocabulary.count
                     && (shared == 0 || featureKeys[shared - 1] == other.featureKeys[shared - 1]), "merging a model continued from another")
        ownTotals()
        let otherTotals = other.featureTotals.count == other.featureKeys.count ? other.featureTotals : other.rowTotals()
        counts.withUnsafeMutableBufferPointer { counts in
            featureTotals.withUnsafeMutableBufferPointer { totals in
                other.counts.withUnsafeBufferPointer { otherCounts in
                    otherTotals.withUnsafeBufferPointer { otherTotals in
                        for i in 0..<(shared * n) { counts[i] += otherCounts[i] }
                        for f in 0..<shared { totals[f] += otherTotals[f] }
                    }
                }
            }
        }
        // Its other word ids, in this model's vocabulary.
        let ids = (0..<other.vocabulary.count).map { w in
            w < sharedWords ? Int32(w) : other.vocabulary.withBytes(Int32(w)) { vocabulary.intern($0, 0, $0.count) }
        }
        ownIndex()
        featureIndex.reserve(featureKeys.count + other.featureKeys.count - shared)
        for f in shared..<other.featureKeys.count {
            let (kind, a, b) = other.parts(f)
            let k = NaiveBayes.key(UInt8(kind), ids[Int(a)], b == 0x0FFF_FFFF ? b : ids[Int(b)])
            let g: Int
            if let existing = featureIndex[k] { g = Int(existing) } else {
                g = featureKeys.count
                featureIndex.insert(k, Int32(g))
                featureKeys.append(k)
                counts.append(contentsOf: repeatElement(0, count: n))
                featureTotals.append(0)
            }
            for c in 0..<n { counts[g * n + c] += other.counts[f * n + c] }
            featureTotals[g] += otherTotals[f]
        }
        for c in 0..<n {
            classTotals[c] += other.classTotals[c]
            classDocs[c] += other.classDocs[c]
        }
    }

    /// Recomputes every cached log: after bulk loading.
    public mutating func refreshAll() {
        if variant == .complement { ownTotals() }
        let n = classes.count
        let multinomial = variant == .multinomial
        var logs = LogCounts(alpha: alpha)
        // Every element written before it is read: no zeroing pass first.
        logNumerator = [Double](unsafeUninitializedCapacity: counts.count) { num, done in
            counts.withUnsafeBufferPointer { counts in
                featureTotals.withUnsafeBufferPointer { totals in
                    // Multinomial numerators are the counts' own: one flat pass.
                    if multinomial {
                        for i in 0..<counts.count { num[i] = logs.log(counts[i]) }
                    } else {
                        for f in 0..<totals.count {
                            for c in 0..<n { num[f * n + c] = logs.log(totals[f] - counts[f * n + c]) }
                        }
                    }
                }
            }
            done = counts.count
        }
        refreshDenominators()
    }

    /// `featureTotals`, before they are changed or used, for a model that left them.
    private mutating func ownTotals() {
        if featureTotals.count != featureKeys.count { featureTotals = rowTotals() }
    }

    /// Each feature's counts summed over the classes, in class order.
    private func rowTotals() -> [Double] {
        let n = classes.count
        return [Double](unsafeUninitializedCapacity: featureKeys.count) { totals, done in
            counts.withUnsafeBufferPointer { counts in
                for f in 0..<featureKeys.count {
                    var total = 0.0
                    for c in 0..<n { total += counts[f * n + c] }
                    totals[f] = total
                }
            }
            done = featureKeys.count
        }
    }

    private mutating func refreshFeature(_ f: Int) {
        let n = classes.count
        for c in 0..<n {
            let x = variant == .multinomial ? counts[f * n + c] : featureTotals[f] - counts[f * n + c]
            logNumerator[f * n + c] = log(x + alpha)
        }
    }

    private mutating func refreshDenominators() {
        let v = Double(featureKeys.count)
        let grand = classTotals.reduce(0, +)
        for c in classes.indices {
            let total = variant == .multinomial ? classTotals[c] : grand - classTotals[c]
            logDenominator[c] = log(total + alpha * v)
        }
    }

    // MARK: prediction

    public struct Prediction: Sendable {
        public var probabilities: [Double]
        public var logJoint: [Double]
        public var best: Int { probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0 }
    }

    public typealias Row = (f: Int, value: Double, item: Int)

    /// Resolved feature rows of a bag: (feature index, value, bag item index).
    public func resolve(_ bag: FeatureBag, passage: Passage) -> [Row] {
        let r = FeatureResolver()
        resolve(bag, passage: passage, into: r)
        return r.rows
    }

    /// `resolve`, into `r.rows`; token ids stay cached in `r` for the next model that shares
    /// this one's vocabulary.
    public func resolve(_ bag: FeatureBag, passage: Passage, into r: FeatureResolver) {
        r.prepare(passage, vocabulary: vocabulary.storageKey, index: featureIndex.storageKey, items: bag.items.count)
        // Items the caller vouches are the last bag's, whose index entries are all still here.
        let trusted = min(r.stablePrefix, r.validItems, bag.items.count)
        r.validItems = bag.items.count
        // Worked on outside the class (no exclusivity check per access), then handed back.
        var tokenIDs = r.tokenIDs, rows = r.rows, itemKeys = r.itemKeys, itemIDs = r.itemIDs
        r.tokenIDs = []; r.rows = []; r.itemKeys = []; r.itemIDs = []
        defer { r.tokenIDs = tokenIDs; r.rows = rows; r.itemKeys = itemKeys; r.itemIDs = itemIDs }
        rows.removeAll(keepingCapacity: true)
        let shared = sharedRows ?? []
        let isShared = sharedRows != nil
        // A token is an atom of several items (its word, two bigrams, position tags): each token
        // and literal is looked up once (-3 = not looked up yet, -2 = not in the vocabulary).
        // Rows go to a scratch buffer first and into `rows` in one copy: no append per row.
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: bag.literals.count) { literalIDs in
          withUnsafeTemporaryAllocation(of: Row.self, capacity: bag.items.count) { found in
            literalIDs.initialize(repeating: -3)
            var count = 0
            tokenIDs.withUnsafeMutableBufferPointer { tokenIDs in
              itemKeys.withUnsafeMutableBufferPointer { itemKeys in
                itemIDs.withUnsafeMutableBufferPointer { itemIDs in
                  shared.withUnsafeBufferPointer { shared in
                    @inline(__always) func atom(_ x: Int32) -> Int32 {
                        if x == -1 { return 0x0FFF_FFFF }
                        if x >= 0 {
                            let k = Int(x)
                            if tokenIDs[k] == -3 { let id = vocabulary.lookup(passage, k); tokenIDs[k] = id < 0 ? -2 : id }
                            return tokenIDs[k]
                        }
                        let k = Int(-2 - x)
                        if literalIDs[k] == -3 { let id = vocabulary.lookup(bag.literals[k]); literalIDs[k] = id < 0 ? -2 : id }
                        return literalIDs[k]
                    }
                    bag.items.withUnsafeBufferPointer { items in
                        for n in 0..<trusted {
                            let u = itemIDs[n]
                            if u < 0 { continue }
                            let f = isShared ? shared[Int(u)] : u
                            if f >= 0 { found.initializeElement(at: count, to: (Int(f), items[n].value, n)); count += 1 }
                        }
                        for n in trusted..<items.count {
                            // An item with a word the model lacks has no entry (and none cached).
                            let a = atom(items[n].a)
                            if a == -2 { itemKeys[n] = .max; itemIDs[n] = -1; continue }
                            let b = atom(items[n].b)
                            if b == -2 { itemKeys[n] = .max; itemIDs[n] = -1; continue }
                            // The index entry of item n, unless the last bag looked up in this index
                            // had the same feature at n (stance's targets share most of their bags).
                            let key = NaiveBayes.key(items[n].kind, a, b)
                            var u = itemIDs[n]
                            if itemKeys[n] != key {
                                u = featureIndex[key] ?? -1
                                itemKeys[n] = key; itemIDs[n] = u
                            }
                            if u < 0 { continue }
                            let f = isShared ? shared[Int(u)] : u
                            if f >= 0 { found.initializeElement(at: count, to: (Int(f), items[n].value, n)); count += 1 }
                        }
                    }
                  }
                }
              }
            }
            rows.append(contentsOf: UnsafeBufferPointer(rebasing: found[..<count]))
            found.baseAddress!.deinitialize(count: count)
          }
        }
    }

    public func logPrior(_ c: Int) -> Double {
        let n = documentCount
        return log((classDocs[c] + 1) / (n + Double(classes.count)))
    }

    /// Weight of feature f for class c: the term it adds to the class's log score.
    @inline(__always)
    public func weight(_ f: Int, _ c: Int) -> Double {
        let w = logNumerator[f * classes.count + c] - logDenominator[c]
        return variant == .multinomial ? w : -w
    }

    public func predict(_ bag: FeatureBag, passage: Passage) -> Prediction {
        predict(rows: resolve(bag, passage: passage))
    }

    public func predict(rows: [Row]) -> Prediction {
        let jll = jointLogLikelihood(rows: rows)
        return Prediction(probabilities: softmax(jll), logJoint: jll)
    }

    /// The learned score of each class: naive Bayes' joint log-likelihood, mixed with the
    /// logistic layer's log-probabilities when there is one (`naiveBayesOnly` leaves it out).
    public func modelScores(rows: [Row], naiveBayesOnly: Bool = false) -> [Double] {
        guard let lr = logistic, !naiveBayesOnly else { return jointLogLikelihood(rows: rows) }
        let n = classes.count
        guard lr.classes == n else {
            var scores = jointLogLikelihood(rows: rows)
            lr.mix(into: &scores, rows: rows)
            return scores
        }
        // Both models over the same rows, each sum in the same order as apart.
        var scores = (0..<n).map { variant == .multinomial ? logPrior($0) : 0 }
        let multinomial = variant == .multinomial
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { z in
            _ = z.initialize(fromContentsOf: lr.bias)
            rows.withUnsafeBufferPointer { rows in
                logNumerator.withUnsafeBufferPointer { num in
                    logDenominator.withUnsafeBufferPointer { den in
                        scores.withUnsafeMutableBufferPointer { j in NaiveBayes.addTerms(rows, n, num, den, multinomial, j) }
                    }
                }
                lr.weights.withUnsafeBufferPointer { lw in
                    for c in 0..<n {
                        var sum = z[c]
                        for r in rows {
                            // Features the layer was not fitted on (learnt later) have no weight.
                            let base = r.f * n
                            if base < lw.count { sum += r.value * lw[base + c] }
                        }
                        z[c] = sum
                    }
                }
            }
            lr.mix(into: &scores, logits: UnsafeBufferPointer(z))
        }
        return scores
    }

    /// `predict(rows:).logJoint` alone (the combiner makes its own probabilities).
    public func jointLogLikelihood(rows: [Row]) -> [Double] {
        let n = classes.count
        var jll = (0..<n).map { variant == .multinomial ? logPrior($0) : 0 }
        // The same sums as `jll[c] += r.value * weight(r.f, c)`, without per-access checks.
        let multinomial = variant == .multinomial
        rows.withUnsafeBufferPointer { rows in
            logNumerator.withUnsafeBufferPointer { num in
                logDenominator.withUnsafeBufferPointer { den in
                    jll.withUnsafeMutableBufferPointer { j in NaiveBayes.addTerms(rows, n, num, den, multinomial, j) }
                }
            }
        }
        return jll
    }

    /// Each row's term in each class's sum (`j[c] += r.value * weight(r.f, c)` without per-access
    /// checks): the step both `jointLogLikelihood` and `modelScores` take, so they sum alike.
    /// Class by class over the rows: each sum still takes its terms in row order (the same
    /// doubles as row by row), with the class's denominator and the variant's sign out of the loop.
    @inline(__always)
    private static func addTerms(_ rows: UnsafeBufferPointer<Row>, _ n: Int, _ num: UnsafeBufferPointer<Double>, _ den: UnsafeBufferPointer<Double>,
                                 _ multinomial: Bool, _ j: UnsafeMutableBufferPointer<Double>) {
        for c in 0..<n {
            let d = den[c]
            var sum = j[c]
            if multinomial {
                for r in rows { sum += r.value * (num[r.f * n + c] - d) }
            } else {
                for r in rows { sum += r.value * -(num[r.f * n + c] - d) }
            }
            j[c] = sum
        }
    }

    /// Each resolved feature's pull toward `label` against `other`, largest first.
    public func contributions(rows: [Row], label: Int, other: Int) -> [(item: Int, weight: Double)] {
        rows.map { ($0.item, $0.value * (weight($0.f, label) - weight($0.f, other))) }
            .sorted { $0.weight > $1.weight }
    }

    /// The first `k` of `contributions(rows:label:other:)`, without sorting them all: the same
    /// items in the same order (ties keep row order, as the stable sort does), except that an
    /// item repeating an earlier one's feature and span (a word near two mentions of a target)
    /// is left out: it would be the same evidence twice.
    public func topContributions(rows: [Row], bag: FeatureBag, label: Int, other: Int, k: Int) -> [(item: Int, weight: Double)] {
        guard k > 0 else { return [] }
        let n = classes.count
        let sign: Double = variant == .multinomial ? 1 : -1
        let denLabel = logDenominator[label], denOther = logDenominator[other]
        let lr = logistic
        let mix = lr?.mix ?? 0, lc = lr?.classes ?? 0
        // The best k so far, in a scratch buffer (shifted by hand: no array insert per row).
        return withUnsafeTemporaryAllocation(of: (item: Int, weight: Double, f: Int).self, capacity: k + 1) { top in
            var count = 0
            logNumerator.withUnsafeBufferPointer { num in
              (lr?.weights ?? []).withUnsafeBufferPointer { lw in
                bag.items.withUnsafeBufferPointer { items in
                    for r in rows {
                        // value × (weight(f, label) − weight(f, other)), the denominators as `weight` has them.
                        var w = r.value * (sign * (num[r.f * n + label] - denLabel) - sign * (num[r.f * n + other] - denOther))
                        // With a logistic layer, a feature's pull is its share of the mixed score
                        // (`LogisticLayer.weight`: 0 for a feature it was not fitted on).
                        if lr != nil {
                            let fitted = r.f * lc < lw.count
                            let wl = fitted ? lw[r.f * lc + label] : 0, wo = fitted ? lw[r.f * lc + other] : 0
                            w = (1 - mix) * w + mix * r.value * (wl - wo)
                        }
                        if count == k, !(w > top[k - 1].weight) { continue }
                        var pos = count
                        while pos > 0, top[pos - 1].weight < w { pos -= 1 }
                        // A repeat has the same weight, so it sits among the equal weights just before `pos`.
                        var q = pos
                        var repeated = false
                        while q > 0, top[q - 1].weight == w {
                            q -= 1
                            if top[q].f == r.f && items[top[q].item].span == items[r.item].span { repeated = true; break }
                        }
                        if repeated { continue }
                        var j = count
                        while j > pos { top[j] = top[j - 1]; j -= 1 }
                        top[pos] = (r.item, w, r.f)
                        if count < k { count += 1 }
                    }
                }
              }
            }
            return (0..<count).map { (top[$0].item, top[$0].weight) }
        }
    }

    /// Features that most favour each class over the rest (data, not printing).
    public func mostInformative(_ k: Int) -> [(feature: String, label: String, ratio: Double)] {
        var out: [(String, String, Double)] = []
        for f in 0..<featureKeys.count {
            let ws = (0..<classes.count).map { weight(f, $0) }
            guard let best = ws.indices.max(by: { ws[$0] < ws[$1] }) else { continue }
            let rest = ws.enumerated().filter { $0.offset != best }.map(\.element).max() ?? 0
            out.append((featureName(f), classes[best], ws[best] - rest))
        }
        return Array(out.sorted { $0.2 > $1.2 }.prefix(k))
    }

    // MARK: names (model files, explanations)

    public func featureName(_ f: Int) -> String {
        let k = featureKeys[f]
        let kind = kinds[Int(k >> 56)]
        let a = Int32((k >> 28) & 0x0FFF_FFFF), b = Int32(k & 0x0FFF_FFFF)
        var s = kind + ":" + vocabulary.string(a)
        if b != 0x0FFF_FFFF { s += " " + vocabulary.string(b) }
        return s
    }

    /// The name a bag item would have as a feature (for evidence of unresolved items too),
    /// after `prefix`; built in one allocation.
    public static func itemName(_ item: FeatureBag.Item, bag: FeatureBag, passage: Passage, kinds: [String], prefix: StaticString = "") -> String {
        var kind = kinds[Int(item.kind)]
        var a = atomText(item.a, bag), b = atomText(item.b, bag)
        return kind.withUTF8 { k in
            a.withUTF8 { la in
                b.withUTF8 { lb in
                    passage.normalized.withUnsafeBufferPointer { norm in
                        func bytes(_ x: Int32, _ literal: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
                            guard x >= 0 else { return literal }
                            let t = passage.tokens[Int(x)]
                            return UnsafeBufferPointer(rebasing: norm[Int(t.normStart)..<Int(t.normEnd)])
                        }
                        let pa = bytes(item.a, la), pb = bytes(item.b, lb)
                        let count = prefix.utf8CodeUnitCount + k.count + 1 + pa.count + (item.b != -1 ? 1 + pb.count : 0)
                        // Written in scratch, then one `String(decoding:)`: a third of what
                        // `String(unsafeUninitializedCapacity:)` costs for the same bytes.
                        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { out in
                            var o = 0
                            func put(_ p: UnsafeBufferPointer<UInt8>) {
                                guard let base = p.baseAddress else { return }
                                (out.baseAddress! + o).update(from: base, count: p.count)
                                o += p.count
                            }
                            put(UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
                            put(k)
                            out[o] = UInt8(ascii: ":"); o += 1
                            put(pa)
                            if item.b != -1 { out[o] = UInt8(ascii: " "); o += 1; put(pb) }
                            return String(decoding: UnsafeBufferPointer(rebasing: out[..<o]), as: UTF8.self)
                        }
                    }
                }
            }
        }
    }

    /// A literal atom's text; empty for token atoms and none (their bytes come from the passage).
    private static func atomText(_ x: Int32, _ bag: FeatureBag) -> String { x <= -2 ? bag.literals[Int(-2 - x)] : "" }

    /// A copy keeping only features seen at least `minCount` times in all (feature selection:
    /// smaller models, and rare words stop voting on their one example's label).
    public func pruned(minCount: Double) -> NaiveBayes {
        var out = NaiveBayes(classes: classes, kinds: kinds, alpha: alpha, variant: variant)
        out.setDocs(classDocs)
        for (kind, a, b, row) in serializedRows() where row.reduce(0, +) >= minCount {
            try? out.loadRow(kind: kind, a: a, b: b, counts: row)
        }
        out.refreshAll()
        return out
    }

    /// Rows for the model file: (kind, a, b, counts per class), sorted for byte-stable output.
    func serializedRows() -> [(String, String, String, [Double])] {
        serializedOrder().map { f in
            let (kind, a, b) = parts(f)
            return (kinds[kind], vocabulary.string(a), b == 0x0FFF_FFFF ? "" : vocabulary.string(b),
                    Array(counts[(f * classes.count)..<((f + 1) * classes.count)]))
        }
    }

    /// Feature `f`'s kind index and word ids (b is 0x0FFF_FFFF when it has none).
    func parts(_ f: Int) -> (kind: Int, a: Int32, b: Int32) {
        let k = featureKeys[f]
        return (Int(k >> 56), Int32((k >> 28) & 0x0FFF_FFFF), Int32(k & 0x0FFF_FFFF))
    }

    /// Feature indices in model-file order: by kind, then a, then b, as their Strings compare
    /// (compared through each word's rank, not String by String; ties keep feature order).
    func serializedOrder() -> [Int] {
        let words = vocabulary.ranks()
        let kindRank = TokenTable.ranks(kinds)
        // A missing b is written as the empty string.
        let emptyID = vocabulary.lookup("")
        let none = emptyID >= 0 ? words[Int(emptyID)] : -1
        let keys = featureKeys.indices.map { f -> (Int32, Int32, Int32) in
            let (kind, a, b) = parts(f)
            return (kindRank[kind], words[Int(a)], b == 0x0FFF_FFFF ? none : words[Int(b)])
        }
        return featureKeys.indices.sorted { keys[$0] < keys[$1] }
    }

    /// Bulk load of one count row (model reading); call `refreshAll()` after the last.
    mutating func loadRow(kind: String, a: String, b: String, counts row: [Double]) throws {
        guard let kk = kinds.firstIndex(of: kind) else { throw RhetorError.input("unknown feature kind '\(kind)'") }
        let ai = vocabulary.intern(a)
        let bi = b.isEmpty ? Int32(0x0FFF_FFFF) : vocabulary.intern(b)
        try row.withUnsafeBufferPointer { try appendRow(NaiveBayes.key(UInt8(kk), ai, bi), $0) { "duplicate feature \(kind):\(a) \(b)" } }
    }

    private mutating func appendRow(_ key: UInt64, _ counts: UnsafeBufferPointer<Double>, duplicate: () -> String) throws {
        guard row(key) == nil else { throw RhetorError.input(duplicate()) }
        ownIndex()
        ownTotals()
        featureIndex.insert(key, Int32(featureKeys.count))
        featureKeys.append(key)
        self.counts.append(contentsOf: counts)
        var total = 0.0
        for (c, x) in counts.enumerated() { classTotals[c] += x; total += x }
        featureTotals.append(total)
    }

    mutating func setDocs(_ docs: [Double]) { classDocs = docs }

    /// A model as its file holds it, read in place: feature keys over the ids of `vocabulary`
    /// and `classes.count` counts per feature, and the file's feature index, which its
    /// classifiers share (stance's six targets have 86% of their features in common, so a
    /// passage's features are looked up once for all), with `rows` taking its ids to this
    /// model's rows (nil when they are the same: a file with one classifier). The totals are
    /// summed row by row, as `loadRow` one row at a time would (the features' own only for the
    /// complement rule, whose logs need them: see `featureTotals`).
    init(classes: [String], kinds: [String], alpha: Double, variant: Variant, docs: [Double], vocabulary: TokenTable,
         keys: ModelArray<UInt64>, counts: ModelArray<Double>, index: FeatureMap, rows: ModelArray<Int32>?) throws {
        self.init(classes: classes, kinds: kinds, alpha: alpha, variant: variant)
        precondition(docs.count == classes.count && counts.count == keys.count * classes.count)
        // Every id in range: lookups read the tables unchecked.
        let words = UInt64(vocabulary.count), none: UInt64 = 0x0FFF_FFFF, kindCount = UInt64(kinds.count)
        let bad = keys.withUnsafeBufferPointer { keys in
            keys.firstIndex { k in k >> 56 >= kindCount || (k >> 28) & none >= words || (k & none >= words && k & none != none) }
        }
        if let f = bad { throw RhetorError.input("feature \(f) refers to no known word or kind") }
        if let rows {
            let f = Int32(keys.count)
            guard rows.count == index.count, rows.withUnsafeBufferPointer({ $0.allSatisfy { $0 >= -1 && $0 < f } }) else {
                throw RhetorError.input("feature rows out of range")
            }
        } else if index.count != keys.count {
            throw RhetorError.input("the feature index does not match the features")
        }
        self.vocabulary = vocabulary
        classDocs = docs
        featureIndex = index
        sharedRows = rows
        featureKeys = keys
        self.counts = counts
        let n = classes.count
        counts.withUnsafeBufferPointer { counts in
            classTotals.withUnsafeMutableBufferPointer { classTotals in
                for f in 0..<keys.count {
                    for c in 0..<n { classTotals[c] += counts[f * n + c] }
                }
            }
        }
        if variant == .complement { featureTotals = rowTotals() }
        refreshAll()
    }

    /// The file's feature index (see `init(…index:rows:)`): every classifier's keys, each id
    /// given to a key where it is first met, classifier by classifier, row by row; and each
    /// classifier's rows by id (nil for a file with one classifier, whose ids are its rows).
    static func fileIndex(keys: [[UInt64]]) -> (index: FeatureMap, rows: [[Int32]?]) {
        var index = FeatureMap()
        var ids: [[Int32]] = []
        for ks in keys {
            ids.append(ks.map { k in
                if let u = index[k] { return u }
                index.insert(k, Int32(index.count))
                return Int32(index.count - 1)
            })
        }
        let rows: [[Int32]?] = ids.map { ids in
            guard keys.count > 1 else { return nil }
            var r = [Int32](repeating: -1, count: index.count)
            for (f, u) in ids.enumerated() { r[Int(u)] = Int32(f) }
            return r
        }
        return (index, rows)
    }
}

/// log(x + α) for counts x, the same doubles `log` gives, each distinct count's log computed
/// once: a model's counts take a few thousand distinct values (small whole numbers, and for
/// stance, whose weighted examples make 42% of its counts fractional, their fractions). A
/// lookup by bit pattern costs less than a `log` call, and than telling whole counts from the
/// rest first, a coin toss for the branch predictor on stance's counts. Building a model's logs
/// at load is then neither hundreds of thousands of calls nor of mispredicted branches.
struct LogCounts {
    let alpha: Double
    /// The counts met, by bit pattern (`UInt64.max`: empty slot), and their logs.
    private var seen = [UInt64](repeating: .max, count: LogCounts.slots)
    private var seenLogs = [Double](repeating: 0, count: LogCounts.slots)
    private var seenCount = 0
    private static let slots = 8192

    init(alpha: Double) { self.alpha = alpha }

    @inline(__always)
    mutating func log(_ x: Double) -> Double {
        let bits = x.bitPattern
        var s = Int(truncatingIfNeeded: (bits &* 0x9E37_79B9_7F4A_7C15) >> 51) & (LogCounts.slots - 1)
        while seen[s] != .max {
            if seen[s] == bits { return seenLogs[s] }
            s = (s + 1) & (LogCounts.slots - 1)
        }
        // A full table (more distinct counts than expected) or a NaN takes the call.
        guard !x.isNaN, seenCount < LogCounts.slots / 2 else { return Foundation.log(x + alpha) }
        let value = Foundation.log(x + alpha)
        seen[s] = bits
        seenLogs[s] = value
        seenCount += 1
        return value
    }
}

/// The scratch state of resolving one passage's feature bags (see `NaiveBayes.resolve(_:passage:into:)`).
/// Make one per passage and classify call: it is neither shared nor thread-safe.
public final class FeatureResolver {
    /// The token hashes of the passage the token ids were looked up for. Held (not just its
    /// address), so that a later passage allocated where a freed one was is never mistaken
    /// for it; equal hashes mean equal words, whose ids are the same.
    var passageHashes: [UInt64] = []
    var vocabularyKey: UnsafeRawPointer?
    var indexKey: UnsafeRawPointer?
    var tokenIDs: [Int32] = []
    /// The last bag's feature keys and their index entries, by item (checked against the key
    /// before use, so any bag can reuse them).
    var itemKeys: [UInt64] = []
    var itemIDs: [Int32] = []
    /// How many leading entries of `itemKeys` / `itemIDs` hold the last bag's items.
    var validItems = 0
    /// How many leading items of each bag resolved next are the same (the same atoms, values
    /// and literals) as the last bag's: their index entries are reused without looking again.
    /// A caller sharing the start of its bags (stance's targets) sets it; 0 trusts nothing.
    public var stablePrefix = 0
    public internal(set) var rows: [NaiveBayes.Row] = []

    public init() {}

    /// Keeps the cached token ids when the passage and the vocabulary are the ones they were
    /// looked up for, and the cached index entries when the index is the same too.
    func prepare(_ p: Passage, vocabulary: UnsafeRawPointer?, index: UnsafeRawPointer?, items: Int) {
        if p.hashes != passageHashes || vocabulary != vocabularyKey {
            passageHashes = p.hashes
            vocabularyKey = vocabulary
            indexKey = nil
            tokenIDs.removeAll(keepingCapacity: true)
            tokenIDs.append(contentsOf: repeatElement(-3, count: p.tokens.count))
        }
        if index != indexKey {
            indexKey = index
            itemKeys.removeAll(keepingCapacity: true)
            itemIDs.removeAll(keepingCapacity: true)
            validItems = 0
        }
        // No key is UInt64.max (see FeatureMap): new entries never match.
        if itemKeys.count < items {
            itemKeys.append(contentsOf: repeatElement(.max, count: items - itemKeys.count))
            itemIDs.append(contentsOf: repeatElement(-1, count: items - itemIDs.count))
        }
    }
}

public func softmax(_ xs: [Double]) -> [Double] {
    guard let m = xs.max() else { return [] }
    let e = xs.map { exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

/// UInt64 key → Int32 (feature key → feature index, trie edge → node): open addressing over a
/// power-of-two table with a multiplicative hash, much cheaper than `Dictionary`'s seeded
/// hashing on the classify hot path. A model file holds its feature index laid out as here, and
/// a loaded model looks keys up in it in place (`init(slots:count:)`).
struct FeatureMap: Sendable {
    /// Slot s is words 2s (the key; `UInt64.max`: empty, as no key is: feature kinds stop at
    /// 254) and 2s + 1 (the value's bits): key and value side by side, so a probe touches one
    /// cache line.
    private var slots = FeatureMap.empty(16)
    private(set) var count = 0

    init() {}

    /// A table as `slotWords` gave it, read in place (a model file's); nil unless its slots are a
    /// power of two in number, `count` of them full, with values 0..<count, and one empty (so no
    /// value read from it is out of range, and no lookup probes forever).
    init?(slots: ModelArray<UInt64>, count: Int) {
        let size = slots.count / 2
        guard slots.count % 2 == 0, size > count, size & (size - 1) == 0 else { return nil }
        let none = UInt64(UInt32(bitPattern: -1)), limit = UInt64(count)
        let full = slots.withUnsafeBufferPointer { sl -> Int? in
            var full = 0
            for s in 0..<size {
                if sl[2 * s] == .max { guard sl[2 * s + 1] == none else { return nil }; continue }
                guard sl[2 * s + 1] < limit else { return nil }
                full += 1
            }
            return full
        }
        guard full == count else { return nil }
        self.slots = slots
        self.count = count
    }

    /// The table as model files hold it.
    var slotWords: ModelArray<UInt64> { slots }

    private static func empty(_ size: Int) -> ModelArray<UInt64> {
        var words = [UInt64](repeating: .max, count: 2 * size)
        for s in 0..<size { words[2 * s + 1] = UInt64(UInt32(bitPattern: -1)) }
        return ModelArray(words)
    }

    /// Identifies the table's storage: copies that share it give the same entries.
    var storageKey: UnsafeRawPointer? { slots.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }

    @inline(__always)
    private static func slot(_ k: UInt64, _ mask: Int) -> Int {
        var h = k &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 31
        return Int(truncatingIfNeeded: h) & mask
    }

    subscript(key: UInt64) -> Int32? {
        @inline(__always) get {
            slots.withUnsafeBufferPointer { sl in
                let mask = sl.count / 2 - 1
                var s = FeatureMap.slot(key, mask)
                while true {
                    let k = sl[2 * s]
                    if k == key { return Int32(truncatingIfNeeded: sl[2 * s + 1]) }
                    if k == .max { return nil }
                    s = (s + 1) & mask
                }
            }
        }
    }

    mutating func insert(_ key: UInt64, _ value: Int32) {
        if (count + 1) * 4 > slots.count { grow() }
        let added = slots.withUnsafeMutableBufferPointer { sl in
            let mask = sl.count / 2 - 1
            var s = FeatureMap.slot(key, mask)
            while sl[2 * s] != .max && sl[2 * s] != key { s = (s + 1) & mask }
            let added = sl[2 * s] == .max
            sl[2 * s] = key
            sl[2 * s + 1] = UInt64(UInt32(bitPattern: value))
            return added
        }
        if added { count += 1 }
    }

    /// Room for `n` keys without growing.
    mutating func reserve(_ n: Int) {
        var size = slots.count / 2
        while n * 2 > size { size *= 2 }
        if size > slots.count / 2 { rehash(size) }
    }

    private mutating func grow() { rehash(slots.count) }

    private mutating func rehash(_ size: Int) {
        let old = slots
        slots = FeatureMap.empty(size)
        count = 0
        for s in 0..<(old.count / 2) where old[2 * s] != .max { insert(old[2 * s], Int32(truncatingIfNeeded: old[2 * s + 1])) }
    }
}
