/// One piece of evidence behind a decision: a span of the passage (or none), its signed
/// weight toward the decided label in log-odds units, and where it came from
/// (`lexicon:<entry or category>`, `feature:<feature>`, `rule:<name>`).
public struct Evidence: Sendable, Equatable {
    public var start: Int?
    public var end: Int?
    public var text: String
    public var weight: Double
    public var source: String
    public init(start: Int? = nil, end: Int? = nil, text: String, weight: Double, source: String) {
        self.start = start; self.end = end; self.text = text; self.weight = weight; self.source = source
    }

    public init(_ p: Passage, tokens: ClosedRange<Int>?, weight: Double, source: String) {
        if let r = tokens {
            let (s, e) = p.span(r)
            self.init(start: s, end: e, text: p.surface(tokens: r), weight: weight, source: source)
        } else {
            self.init(text: "", weight: weight, source: source)
        }
    }

    /// Whether `other` says the same thing: the same span and source.
    public func repeats(_ other: Evidence) -> Bool { start == other.start && end == other.end && source == other.source }

    /// Drops every item that repeats an earlier one (keeping the first).
    public static func removeRepeats(_ evidence: inout [Evidence]) {
        guard evidence.count > 1 else { return }
        var k = 1
        while k < evidence.count {
            let e = evidence[k]
            if evidence[..<k].contains(where: { $0.repeats(e) }) {
                evidence.remove(at: k)
            } else {
                k += 1
            }
        }
    }
}

/// A plugin's verdict on one subject (a stance target, an actor mention) or on the passage.
public struct Decision: Sendable {
    public var subject: String?
    public var mention: String?
    public var start: Int?
    public var end: Int?
    public var label: String
    public var confidence: Double
    /// Label → probability, in the plugin's label order.
    public var scores: [(String, Double)]
    public var evidence: [Evidence]

    public init(subject: String? = nil, mention: String? = nil, start: Int? = nil, end: Int? = nil, label: String,
                confidence: Double, scores: [(String, Double)] = [], evidence: [Evidence] = []) {
        self.subject = subject; self.mention = mention; self.start = start; self.end = end
        self.label = label; self.confidence = confidence; self.scores = scores; self.evidence = evidence
    }
}

/// What a plugin decides about: the whole passage, each stance target, or each actor mention.
public enum PluginLevel: String, Sendable, CaseIterable {
    case passage, perTarget = "per-target", perActor = "per-actor"
}

/// An example passage with its expected verdict: documentation (`rhetor plugins --examples`)
/// and a test (one generic test runs them for every plugin).
public struct PluginExample: Sendable {
    public var text: String
    /// Expected labels: `label` (passage level), `target=label`, or `actor=role`.
    public var expect: [String]
    public init(_ text: String, expect: [String]) { self.text = text; self.expect = expect }
}

public struct PluginDescriptor: Sendable {
    public var id: String
    public var summary: String
    public var labels: [String]
    public var level: PluginLevel
    public var version: Int
    /// The plugin's folder in the repository (`Plugins/Stance`), where its lexicon lives.
    public var directory: String
    /// The corpus field holding this plugin's gold labels.
    public var corpusField: String
    public var examples: [PluginExample]

    public init(id: String, summary: String, labels: [String], level: PluginLevel, version: Int = 1,
                directory: String, corpusField: String? = nil, examples: [PluginExample] = []) {
        self.id = id; self.summary = summary; self.labels = labels; self.level = level; self.version = version
        self.directory = directory; self.corpusField = corpusField ?? id; self.examples = examples
    }

    public var lexiconPath: String { directory + "/lexicon.tsv" }
}

/// Which knowledge a plugin uses when classifying: both (the product), or one of them (ablation).
/// How a plugin decides: `combined` (the product), and the ablations `eval` prints beside it —
/// the lexicon alone, the learned model alone (naive Bayes, with its logistic layer when the
/// plugin has one), and naive Bayes alone.
public enum ScoringMode: String, Sendable, CaseIterable {
    case combined, lexicon, model
    case naiveBayes = "naive Bayes"
}

public struct ClassifyOptions: Sendable {
    public var mode: ScoringMode = .combined
    /// Stance: also emit targets judged `none`.
    public var allTargets = false
    /// Actor roles: also report each mention at its ancestors' level.
    public var rollUp = false
    /// Evidence items kept per decision.
    public var maxEvidence = 8
    public init() {}
}

public struct TrainingOptions: Sendable {
    /// Lidstone smoothing α; nil = the plugin's own tuned default.
    public var alpha: Double? = nil
    /// The actor gazetteer (needed by plugins that find actors or targets).
    public var gazetteer = Gazetteer()
    /// Manifest settings for data-only plugins.
    public var settings: [String: String] = [:]
    public init() {}
}

/// A correction recorded in the REPL (`:label`), applied as one more training example.
public enum Correction: Sendable, Equatable {
    case passage(String)
    case target(String, String)
    case actor(String, String)
}

/// What the engine runs: a loaded plugin. Swift plugins get this from `ClassifierPlugin`;
/// data-only plugins implement it from their manifest.
public protocol PluginInstance: Sendable {
    var descriptor: PluginDescriptor { get }
    func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision]
    /// Adds one labelled example to the in-memory model (exact incremental update).
    mutating func learn(_ passage: Passage, correction: Correction) throws
    /// The model as it now stands (after `learn`), for saving.
    var model: PluginModel { get }
}

/// The contract of a Swift classifier plugin: a self-describing type, built from its model
/// file and able to train that model from a corpus and its lexicon.
public protocol ClassifierPlugin: PluginInstance {
    static var descriptor: PluginDescriptor { get }
    init(model: PluginModel) throws
    static func train(_ corpus: Corpus, lexicon: Lexicon, options: TrainingOptions) throws -> PluginModel
}

extension ClassifierPlugin {
    public var descriptor: PluginDescriptor { Self.descriptor }
}

extension Correction {
    /// Parses the REPL/CLI form: `label`, `target=label`, `actor=role`.
    public static func parse(_ s: String, level: PluginLevel, labels: [String]) throws -> Correction {
        let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
        switch level {
        case .passage:
            guard parts.count == 1, labels.contains(s) else { throw RhetorError.usage("expected one of: \(labels.joined(separator: ", "))") }
            return .passage(s)
        case .perTarget:
            guard parts.count == 2, labels.contains(parts[1]) else { throw RhetorError.usage("expected target=label, label one of \(labels.joined(separator: ", "))") }
            return .target(parts[0], parts[1])
        case .perActor:
            guard parts.count == 2, labels.contains(parts[1]) else { throw RhetorError.usage("expected actor=role, role one of \(labels.joined(separator: ", "))") }
            return .actor(parts[0], parts[1])
        }
    }
}
