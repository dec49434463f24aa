/// `rhetor new-plugin`: the files of a new plugin, and the edits that register it, as pure
/// functions of the plugin's name, labels and level (the command does the file I/O).
///
/// A Swift plugin gets `Plugins/<Name>/<Name>Plugin.swift` (a working lexicon + naive Bayes
/// classifier at the chosen level), `Plugins/<Name>/lexicon.tsv`, a test target
/// `Tests/<Name>PluginTests/`, a corpus stub `corpora/{train,test}/<id>.jsonl`, a line in
/// Package.swift's `pluginTargets` list, a test target in Package.swift and a line in
/// Sources/RhetorPlugins/Registry.swift. A data-only plugin gets `Plugins/<Name>/plugin.json`,
/// the lexicon and the corpus stub: nothing to compile, nothing to register.
///
/// Every stub (lexicon entries, example passages, corpus records) uses the label names
/// themselves as cues, so the new plugin trains, classifies and passes its tests the minute it
/// is created; docs/plugins.md walks through replacing them with real ones.
public enum Scaffold {
    public struct Options: Sendable, Equatable {
        /// UpperCamelCase: the folder (`Plugins/<Name>`) and the type (`<Name>Plugin`).
        public var name: String
        /// kebab-case plugin id.
        public var id: String
        public var labels: [String]
        public var level: PluginLevel
        public var dataOnly: Bool
        /// The corpus field holding the gold labels.
        public var field: String
        public var summary: String

        public init(name: String, id: String, labels: [String], level: PluginLevel = .passage, dataOnly: Bool = false,
                    field: String? = nil, summary: String? = nil) {
            self.name = name; self.id = id; self.labels = labels; self.level = level; self.dataOnly = dataOnly
            self.field = field ?? id
            self.summary = summary ?? "TODO: one line on what the \(id) plugin decides."
        }

        public var typeName: String { name + "Plugin" }
        public var directory: String { "Plugins/" + name }
        public var testTarget: String { typeName + "Tests" }
        /// The label a target or an actor mention gets when the corpus gives it none (the last one).
        public var defaultLabel: String { labels[labels.count - 1] }
    }

    public struct File: Sendable, Equatable {
        public var path: String
        public var contents: String
        public init(path: String, contents: String) { self.path = path; self.contents = contents }
    }

    /// The target a stub uses for per-target plugins, and the actor for per-actor ones: an
    /// actor of corpora/actors.tsv, so the gazetteer finds it.
    public static let stubActor = (id: "iran", surface: "Iran")

    // MARK: names

    /// `Urgency`, `urgency`, `ActorRole`, `actor-role`, `HTTPStatus` → (UpperCamel name, kebab id).
    public static func names(_ raw: String) throws -> (name: String, id: String) {
        var s = raw.trimmingCharacters(in: .whitespaces)
        if s.hasSuffix("Plugin"), s.count > 6 { s = String(s.dropLast(6)) }
        let isASCIIAlnum = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber) }
        guard let first = s.first, first.isASCII, first.isLetter,
              s.allSatisfy({ isASCIIAlnum($0) || $0 == "-" || $0 == "_" }),
              !s.hasSuffix("-"), !s.hasSuffix("_"), !s.contains("--") else {
            throw RhetorError.usage("plugin name '\(raw)' must start with a letter and hold only ASCII letters, digits and hyphens, e.g. Urgency or urgency or actor-role")
        }
        if s.contains("-") || s.contains("_") || s == s.lowercased() {
            // kebab (or snake) case in: capitalise each part for the type name.
            let parts = s.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).map(String.init)
            return (parts.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(), parts.joined(separator: "-"))
        }
        // UpperCamel in (a lowercase first letter is capitalised): split before an uppercase letter
        // that follows a lowercase letter or digit, or that starts a word after an acronym (HTTPStatus).
        let name = s.prefix(1).uppercased() + s.dropFirst()
        let chars = Array(name)
        var id = ""
        for (i, c) in chars.enumerated() {
            if i > 0, c.isUppercase {
                let prev = chars[i - 1]
                let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
                if prev.isLowercase || prev.isNumber || (prev.isUppercase && nextIsLower) { id += "-" }
            }
            id += c.lowercased()
        }
        return (name, id)
    }

    /// Labels when `--labels` is not given.
    public static func defaultLabels(_ level: PluginLevel) -> [String] {
        switch level {
        case .passage: return ["present", "absent"]
        case .perTarget: return ["favor", "against", "none"]
        case .perActor: return ["agent", "target", "mention"]
        }
    }

    /// Checks labels: at least two, distinct, each a plain token a lexicon can name.
    public static func validate(labels: [String]) throws {
        guard labels.count >= 2 else { throw RhetorError.usage("give at least two labels, e.g. --labels urgent,calm") }
        guard Set(labels).count == labels.count else { throw RhetorError.usage("labels repeat: \(labels.joined(separator: ",")); list each once") }
        for l in labels {
            guard !l.isEmpty, l.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }), l.first!.isLetter else {
                throw RhetorError.usage("label '\(l)' must be lowercase ASCII letters, digits and hyphens, starting with a letter (e.g. state-media)")
            }
        }
    }

    // MARK: all files

    /// Every new file, paths relative to the repository root.
    public static func files(_ o: Options) -> [File] {
        var out = [File(path: o.directory + "/lexicon.tsv", contents: lexicon(o))]
        if o.dataOnly {
            out.append(File(path: o.directory + "/plugin.json", contents: manifest(o)))
        } else {
            out.append(File(path: o.directory + "/" + o.typeName + ".swift", contents: swiftPlugin(o)))
            out.append(File(path: "Tests/" + o.testTarget + "/" + o.testTarget + ".swift", contents: testFile(o)))
        }
        return out
    }

    /// The corpus stub: a few records per label in `corpora/train/<id>.jsonl` and one in `corpora/test/<id>.jsonl`.
    public static func corpusStub(_ o: Options) -> [File] {
        [File(path: "corpora/train/\(o.id).jsonl", contents: stubRecords(o, split: "train", perLabel: 2)),
         File(path: "corpora/test/\(o.id).jsonl", contents: stubRecords(o, split: "test", perLabel: 1))]
    }

    // MARK: stub content

    /// One stub passage for a label. Every stub names its own label and nothing else that differs,
    /// so the stub model separates the labels.
    static func stubText(_ o: Options, label: String, variant: Int) -> String {
        let a = stubActor.surface
        switch o.level {
        case .passage:
            return variant == 0 ? "TODO replace this stub with a real passage labelled \(label)."
                : "TODO another stub record: a real \(label) passage goes here."
        case .perTarget:
            if label == o.defaultLabel { return variant == 0 ? "TODO replace this stub: a passage that names \(a) and takes no side." : "TODO another stub: \(a) is named here, nothing more." }
            return variant == 0 ? "TODO replace this stub: the author is \(label) toward \(a) here." : "TODO another stub: \(a) gets a \(label) verdict here."
        case .perActor:
            if label == o.defaultLabel { return variant == 0 ? "TODO replace this stub: a passage that names \(a) in passing." : "TODO another stub: \(a) is named here, nothing more." }
            return variant == 0 ? "TODO replace this stub: \(a) \(label) here." : "TODO another stub: \(a) \(label) again."
        }
    }

    /// The example a descriptor or manifest starts with, per label.
    static func exampleText(_ o: Options, label: String) -> String {
        let a = stubActor.surface
        switch o.level {
        case .passage: return "TODO: a real \(label) passage."
        case .perTarget: return label == o.defaultLabel ? "TODO: \(a) is named here." : "TODO: the author is \(label) toward \(a)."
        case .perActor: return label == o.defaultLabel ? "TODO: \(a) is named here." : "TODO: \(a) \(label) here."
        }
    }

    static func exampleExpect(_ o: Options, label: String) -> String {
        o.level == .passage ? label : "\(stubActor.id)=\(label)"
    }

    static func stubRecords(_ o: Options, split: String, perLabel: Int) -> String {
        var lines: [String] = []
        var n = 0
        for label in o.labels {
            for v in 0..<perLabel {
                n += 1
                let id = json("\(o.id)-stub-\(split)-\(n)")
                let text = json(stubText(o, label: label, variant: split == "test" ? 1 - v : v))
                let value: String
                switch o.level {
                case .passage: value = json(label)
                case .perTarget: value = label == o.defaultLabel ? "{}" : "{\(json(stubActor.id)): \(json(label))}"
                case .perActor:
                    value = label == o.defaultLabel ? "[]"
                        : "[{\"actor\": \(json(stubActor.id)), \"mention\": \(json(stubActor.surface)), \"label\": \(json(label))}]"
                }
                lines.append("{\"id\": \(id), \"text\": \(text), \(json(o.field)): \(value)}")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `plugin.json` for a data-only plugin.
    public static func manifest(_ o: Options) -> String {
        let examples = o.labels.map { "    {\"text\": \(json(exampleText(o, label: $0))), \"expect\": [\(json($0))]}" }
        return """
        {
          "id": \(json(o.id)),
          "summary": \(json(o.summary)),
          "labels": [\(o.labels.map(json).joined(separator: ", "))],
          "field": \(json(o.field)),
          "alpha": 1.0,
          "variant": "multinomial",
          "lexiconScale": 1.0,
          "examples": [
        \(examples.joined(separator: ",\n"))
          ]
        }

        """
    }

    /// The lexicon, its format documented in its header, with one stub entry per label.
    public static func lexicon(_ o: Options) -> String {
        var categories: String
        switch o.level {
        case .passage:
            categories = "#   category  the label the entry votes for: \(o.labels.joined(separator: ", "))"
        case .perTarget:
            categories = """
            #   category  a label (\(o.labels.joined(separator: ", "))): votes for it toward a target named
            #             within \(nearWindowDefault) words; or label:target (e.g. \(o.labels[0]):\(stubActor.id)): votes toward that
            #             target wherever it appears
            """
        case .perActor:
            categories = """
            #   category  the label (\(o.labels.joined(separator: ", "))) the entry votes for, for an actor
            #             mentioned within \(windowDefault) words of it in the same sentence
            """
        }
        return """
        # Lexicon of the \(o.id) plugin: hand-tuned cues, read by `rhetor train \(o.id)` into its model.
        #
        # One entry a line, four fields separated by single tabs:
        #   entry     one or more words, matched whole-word and case-insensitively; apostrophes and
        #             hyphens fold (Kata'ib = kataib, state-media = state media); no punctuation
        \(categories)
        #   weight    signed log-odds added to that label's score when the entry matches (1 = moderate,
        #             2 = strong, 3 = decisive; negative weights vote against the label)
        #   note      why the entry is here (provenance); required, may be -
        # Lines starting with # are comments. The longest entry wins where entries overlap.
        # After editing: `rhetor train \(o.id)`, then `rhetor eval \(o.id)`.
        #
        # TODO: the entries below are stubs (each label's own name); replace them with real cues.
        \(o.labels.map { "\($0)\t\($0)\t1\tstub: the label's own name" }.joined(separator: "\n"))

        """
    }

    static let nearWindowDefault = 6
    static let windowDefault = 4

    // MARK: registration edits

    /// Package.swift with the plugin appended to `pluginTargets` and its test target appended
    /// to `targets` (before the line `] + pluginTargets.map …` that closes it).
    public static func addingTarget(to package: String, _ o: Options) throws -> String {
        var lines = package.components(separatedBy: "\n")
        guard !package.contains("\"Plugins/\(o.name)\"") else {
            throw RhetorError.usage("Package.swift already lists Plugins/\(o.name); pick another name or remove the existing plugin first")
        }
        guard let open = lines.firstIndex(where: { $0.contains("let pluginTargets") && $0.hasSuffix("[") }),
              let close = lines[(open + 1)...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "]" }) else {
            throw RhetorError.input("Package.swift: cannot find the list `let pluginTargets: [(name: String, path: String)] = [` … `]` (the closing bracket alone on its line); add the line (\"\(o.typeName)\", \"\(o.directory)\"), to it by hand, or restore that list")
        }
        let indent = lines[(open + 1)..<close].first.map { String($0.prefix { $0 == " " }) } ?? "    "
        lines.insert("\(indent)(\"\(o.typeName)\", \"\(o.directory)\"),", at: close)
        guard let end = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("] + pluginTargets.map") }) else {
            throw RhetorError.input("Package.swift: cannot find the line `] + pluginTargets.map { … }` that closes the targets list; add .testTarget(name: \"\(o.testTarget)\", …) by hand, or restore that line")
        }
        let testIndent = lines[end - 1].prefix { $0 == " " }
        lines.insert("\(testIndent).testTarget(name: \"\(o.testTarget)\", dependencies: [\"RhetorKit\", \"\(o.typeName)\"], path: \"Tests/\(o.testTarget)\"),", at: end)
        return lines.joined(separator: "\n")
    }

    /// Registry.swift with `import <Name>Plugin` after the last import and `<Name>Plugin.self,`
    /// appended to `registeredPlugins`.
    public static func addingPlugin(to registry: String, _ o: Options) throws -> String {
        var lines = registry.components(separatedBy: "\n")
        guard !lines.contains(where: { $0.trimmingCharacters(in: .whitespaces) == "\(o.typeName).self," }) else {
            throw RhetorError.usage("Registry.swift already registers \(o.typeName); pick another name")
        }
        guard let open = lines.firstIndex(where: { $0.contains("let registeredPlugins") && $0.hasSuffix("[") }),
              let close = lines[(open + 1)...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "]" }),
              let lastImport = lines[..<open].lastIndex(where: { $0.hasPrefix("import ") }) else {
            throw RhetorError.input("Sources/RhetorPlugins/Registry.swift: cannot find the imports and the list `public let registeredPlugins: [any ClassifierPlugin.Type] = [` … `]`; add `import \(o.typeName)` and `\(o.typeName).self,` by hand, or restore that list")
        }
        let indent = lines[(open + 1)..<close].first.map { String($0.prefix { $0 == " " }) } ?? "    "
        lines.insert("\(indent)\(o.typeName).self,", at: close)
        lines.insert("import \(o.typeName)", at: lastImport + 1)
        return lines.joined(separator: "\n")
    }

    // MARK: Swift sources

    public static func swiftPlugin(_ o: Options) -> String {
        let template: String
        switch o.level {
        case .passage: template = passageTemplate
        case .perTarget: template = perTargetTemplate
        case .perActor: template = perActorTemplate
        }
        let examples = o.labels.map { "            PluginExample(\(json(exampleText(o, label: $0))), expect: [\(json(exampleExpect(o, label: $0)))])," }
        return fill(template, o, extra: ["__EXAMPLES__": examples.joined(separator: "\n")])
    }

    public static func testFile(_ o: Options) -> String {
        let learn: String
        switch o.level {
        case .passage: learn = "let correction = Correction.passage(other)"
        case .perTarget: learn = "let correction = Correction.target(\(json(stubActor.id)), other)"
        case .perActor: learn = "let correction = Correction.actor(\(json(stubActor.id)), other)"
        }
        return fill(testTemplate, o, extra: ["__CORRECTION__": learn])
    }

    static func fill(_ template: String, _ o: Options, extra: [String: String]) -> String {
        var s = template
        let pairs: [(String, String)] = extra.sorted { $0.key < $1.key } + [
            ("__NAME__", o.name), ("__ID__", o.id), ("__DIR__", o.directory), ("__FIELD__", o.field),
            ("__SUMMARY_LITERAL__", json(o.summary)), ("__SUMMARY__", o.summary.replacingOccurrences(of: "\n", with: " ")),
            ("__LABELS__", o.labels.map(json).joined(separator: ", ")), ("__DEFAULT__", o.defaultLabel),
            ("__NEAR__", String(nearWindowDefault)), ("__WINDOW__", String(windowDefault)),
        ]
        for (k, v) in pairs { s = s.replacingOccurrences(of: k, with: v) }
        return s
    }

    /// A JSON string literal (also a valid Swift string literal: the escapes coincide).
    static func json(_ s: String) -> String {
        var w = JSONWriter()
        w.string(s)
        return String(decoding: w.out, as: UTF8.self)
    }
}

// MARK: templates

extension Scaffold {
    static let passageTemplate = #"""
    import RhetorKit

    /// __SUMMARY__
    ///
    /// Passage level: one label per passage. Naive Bayes over the shared text features, plus
    /// votes from the lexicon (`__DIR__/lexicon.tsv`: an entry's category is the label it
    /// votes for), combined by `Combiner`. Gold labels: the corpus field "__FIELD__".
    /// Scaffolded by `rhetor new-plugin`; see docs/plugins.md.
    public struct __NAME__Plugin: ClassifierPlugin {
        public static let descriptor = PluginDescriptor(
            id: "__ID__",
            summary: __SUMMARY_LITERAL__,
            labels: [__LABELS__], level: .passage, version: 1,
            directory: "__DIR__", corpusField: "__FIELD__",
            examples: [
    __EXAMPLES__
            ])

        /// Lidstone smoothing α when `rhetor train --alpha` does not set one.
        static let defaultAlpha = 1.0
        /// How many log-odds units one unit of lexicon weight is worth beside naive Bayes.
        static let lexiconScale = 1.0
        /// Weight kept by a cue inside quotation marks: someone else's words count less.
        static let quotedFactor = 0.5
        /// Feature kinds: the shared text features (`lex` records which label's cues fired).
        static let kinds = TextFeatureKind.names

        public private(set) var model: PluginModel
        private var nb: NaiveBayes

        public init(model: PluginModel) throws {
            guard let nb = model.classifier("label") else {
                throw RhetorError.input("__ID__ model has no [nb label] section; rebuild it with `rhetor train __ID__`")
            }
            self.model = model
            self.nb = nb
        }

        /// The passage's features, and a vote for each lexicon cue whose category is a label.
        static func features(_ p: Passage, lexicon: Lexicon) -> (bag: FeatureBag, votes: [Vote]) {
            var bag = FeatureBag()
            TextFeatures.add(p, to: &bag)
            var votes: [Vote] = []
            for h in lexicon.match(p) {
                for e in h.entries {
                    let entry = lexicon.entries[e]
                    guard let k = descriptor.labels.firstIndex(of: entry.category) else { continue }
                    let quoted = p.tokens[h.tokens.lowerBound].flags.contains(.quoted)
                    bag.literal(TextFeatureKind.lexicon, entry.category, span: h.tokens)
                    votes.append(Vote(label: k, weight: entry.weight * (quoted ? quotedFactor : 1), tokens: h.tokens,
                                      source: "lexicon:\(entry.text) (\(entry.category)\(quoted ? ", quoted" : ""))"))
                }
            }
            return (bag, votes)
        }

        public func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision] {
            let (bag, votes) = Self.features(passage, lexicon: model.lexicon)
            return [Combiner.decide(nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: Self.lexiconScale,
                                    mode: options.mode, maxEvidence: options.maxEvidence)]
        }

        public mutating func learn(_ passage: Passage, correction: Correction) throws {
            guard case .passage(let label) = correction, let k = nb.classIndex(label) else {
                throw RhetorError.usage("__ID__ takes one label: \(Self.descriptor.labels.joined(separator: ", "))")
            }
            nb.add(Self.features(passage, lexicon: model.lexicon).bag, passage: passage, label: k)
            model.setClassifier("label", nb)
        }

        /// Trains on every record that carries the field "__FIELD__"; other records are skipped.
        public static func train(_ corpus: Corpus, lexicon: Lexicon, options: TrainingOptions) throws -> PluginModel {
            var nb = NaiveBayes(classes: descriptor.labels, kinds: kinds, alpha: options.alpha ?? defaultAlpha, variant: .multinomial)
            let analyzer = Analyzer()
            for (r, k) in try corpus.labelled(field: descriptor.corpusField, labels: descriptor.labels, fix: "fix the record, or add the label to __NAME__Plugin.descriptor") {
                let p = analyzer.analyze(r.text)
                nb.add(features(p, lexicon: lexicon).bag, passage: p, label: k)
            }
            var model = PluginModel(pluginID: descriptor.id)
            model.setMeta("alpha", formatNumber(options.alpha ?? defaultAlpha))
            model.lexicon = lexicon
            model.setClassifier("label", nb)
            return model
        }
    }

    """#

    static let perTargetTemplate = #"""
    import RhetorKit

    /// __SUMMARY__
    ///
    /// Per target: one label for each target, with one naive Bayes per target over the shared
    /// text features plus the words near the target's mentions, and votes from the lexicon
    /// (`__DIR__/lexicon.tsv`): a category `label` votes toward a target named near the cue,
    /// `label:target` toward that target anywhere. Targets come from the corpus field
    /// "__FIELD__" (`{"target": "label"}`; a target missing from it is `__DEFAULT__`). A target
    /// that is an actor id of corpora/actors.tsv is found by the actor's aliases (and its
    /// descendants'); any other by its own words (`climate-change` → "climate change").
    /// Scaffolded by `rhetor new-plugin`; see docs/plugins.md.
    public struct __NAME__Plugin: ClassifierPlugin {
        public static let descriptor = PluginDescriptor(
            id: "__ID__",
            summary: __SUMMARY_LITERAL__,
            labels: [__LABELS__], level: .perTarget, version: 1,
            directory: "__DIR__", corpusField: "__FIELD__",
            examples: [
    __EXAMPLES__
            ])

        /// Lidstone smoothing α when `rhetor train --alpha` does not set one.
        static let defaultAlpha = 1.0
        /// How many log-odds units one unit of lexicon weight is worth beside naive Bayes.
        static let lexiconScale = 1.0
        /// Tokens either side of a target mention that count as near it.
        static let nearWindow = __NEAR__
        /// A target the passage never names, with no cue of its own, leans to the default label by this much.
        static let absentWeight = 2.0
        /// Weight kept by a cue inside quotation marks: someone else's words count less.
        static let quotedFactor = 0.5
        /// The label of a target the record does not annotate (the last label).
        static var defaultLabel: String { descriptor.labels[descriptor.labels.count - 1] }

        static let kinds = TextFeatureKind.names + ["near", "tm"]
        static let nearWord: UInt8 = 5
        static let targetMention: UInt8 = 6

        public private(set) var model: PluginModel
        private var classifiers: [(target: String, nb: NaiveBayes)]
        private let finder: TargetFinder

        public init(model: PluginModel) throws {
            self.model = model
            classifiers = model.classifiers.filter { $0.0.hasPrefix("target:") }.map { (String($0.0.dropFirst(7)), $0.1) }
            guard !classifiers.isEmpty else { throw RhetorError.input("__ID__ model has no targets; rebuild it with `rhetor train __ID__`") }
            finder = try TargetFinder(gazetteerRows: model.table("gazetteer"), targets: classifiers.map(\.target))
        }

        /// Finds each target's mentions in a passage.
        struct TargetFinder: Sendable {
            let gazetteer: Gazetteer
            let targets: Set<String>
            let literal: Lexicon

            init(gazetteerRows: [[String]], targets: [String]) throws {
                gazetteer = try Gazetteer(rows: gazetteerRows)
                self.targets = Set(targets)
                var lex = Lexicon()
                for t in targets where gazetteer.actor(t) == nil {
                    lex.add(Lexicon.Entry(text: t.replacingOccurrences(of: "-", with: " "), category: t, weight: 0, note: "target name", origin: "target"))
                }
                literal = lex
            }

            func mentions(_ p: Passage) -> [String: [ClosedRange<Int>]] {
                var out: [String: [ClosedRange<Int>]] = [:]
                for m in gazetteer.mentions(in: p) {
                    for t in gazetteer.lineage(m.actor) where targets.contains(t) { out[t, default: []].append(m.tokens) }
                }
                for h in literal.match(p) { for e in h.entries { out[literal.entries[e].category, default: []].append(h.tokens) } }
                return out
            }
        }

        /// Features and votes of one target: the passage's words, the target's presence and the
        /// words near it; lexicon cues near the target (or naming it) vote.
        static func features(_ p: Passage, base: FeatureBag, hits: [Lexicon.Hit], lexicon: Lexicon,
                             target: String, mentions: [ClosedRange<Int>]) -> (bag: FeatureBag, votes: [Vote]) {
            var bag = base
            bag.literal(targetMention, mentions.isEmpty ? "absent" : "mentioned")
            for m in mentions {
                let lo = max(0, m.lowerBound - nearWindow), hi = min(p.tokens.count - 1, m.upperBound + nearWindow)
                for i in lo...hi where !m.contains(i) && p.tokens[i].isWordLike { bag.token(nearWord, i) }
            }
            var votes: [Vote] = []
            for h in hits {
                for e in h.entries {
                    let entry = lexicon.entries[e]
                    let parts = entry.category.split(separator: ":", maxSplits: 1).map(String.init)
                    guard let k = descriptor.labels.firstIndex(of: parts[0]) else { continue }
                    if parts.count == 2 {
                        guard parts[1] == target else { continue }
                    } else {
                        let near = mentions.contains { h.tokens.lowerBound <= $0.upperBound + nearWindow && $0.lowerBound <= h.tokens.upperBound + nearWindow }
                        guard near else { continue }
                    }
                    let quoted = p.tokens[h.tokens.lowerBound].flags.contains(.quoted)
                    bag.literal(TextFeatureKind.lexicon, parts[0], span: h.tokens)
                    votes.append(Vote(label: k, weight: entry.weight * (quoted ? quotedFactor : 1), tokens: h.tokens,
                                      source: "lexicon:\(entry.text) (\(entry.category)\(quoted ? ", quoted" : ""))"))
                }
            }
            if mentions.isEmpty && votes.isEmpty {
                votes.append(Vote(label: descriptor.labels.count - 1, weight: absentWeight, tokens: nil, source: "rule:\(target) not mentioned"))
            }
            return (bag, votes)
        }

        static func baseBag(_ p: Passage) -> FeatureBag {
            var bag = FeatureBag()
            TextFeatures.add(p, to: &bag)
            return bag
        }

        public func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision] {
            let base = Self.baseBag(passage)
            let hits = model.lexicon.match(passage)
            let mentions = finder.mentions(passage)
            var out: [Decision] = []
            for (target, nb) in classifiers {
                let (bag, votes) = Self.features(passage, base: base, hits: hits, lexicon: model.lexicon, target: target, mentions: mentions[target] ?? [])
                let d = Combiner.decide(nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: Self.lexiconScale,
                                        mode: options.mode, maxEvidence: options.maxEvidence, subject: target)
                if d.label != Self.defaultLabel || options.allTargets { out.append(d) }
            }
            return out
        }

        public mutating func learn(_ passage: Passage, correction: Correction) throws {
            guard case .target(let target, let label) = correction else {
                throw RhetorError.usage("__ID__ takes target=label, label one of \(Self.descriptor.labels.joined(separator: ", "))")
            }
            guard let k = classifiers.firstIndex(where: { $0.target == target }) else {
                throw RhetorError.usage("unknown target '\(target)'; targets: \(classifiers.map(\.target).joined(separator: ", "))")
            }
            guard let c = classifiers[k].nb.classIndex(label) else {
                throw RhetorError.usage("label must be one of \(Self.descriptor.labels.joined(separator: ", "))")
            }
            let (bag, _) = Self.features(passage, base: Self.baseBag(passage), hits: model.lexicon.match(passage), lexicon: model.lexicon,
                                         target: target, mentions: finder.mentions(passage)[target] ?? [])
            classifiers[k].nb.add(bag, passage: passage, label: c)
            model.setClassifier("target:" + target, classifiers[k].nb)
        }

        /// Trains one classifier per target found in the field "__FIELD__" of any record.
        public static func train(_ corpus: Corpus, lexicon: Lexicon, options: TrainingOptions) throws -> PluginModel {
            var annotated: [(CorpusRecord, [String: String])] = []
            var targets: [String] = []
            for r in corpus.records {
                guard let value = r.field(descriptor.corpusField) else { continue }
                guard let pairs = value.object else {
                    throw RhetorError.input("\(r.origin): \"\(descriptor.corpusField)\" must be an object {\"target\": \"label\"}")
                }
                var labels: [String: String] = [:]
                for (t, v) in pairs {
                    guard let l = v.string, descriptor.labels.contains(l) else {
                        throw RhetorError.input("\(r.origin): \"\(descriptor.corpusField)\".\(t) must be one of \(descriptor.labels.joined(separator: ", "))")
                    }
                    labels[t] = l
                    if !targets.contains(t) { targets.append(t) }
                }
                annotated.append((r, labels))
            }
            guard !targets.isEmpty else {
                throw RhetorError.input("no record in the corpus has a \"\(descriptor.corpusField)\" object naming a target; label some passages (docs/plugins.md)")
            }
            targets.sort()
            var model = PluginModel(pluginID: descriptor.id)
            model.setMeta("alpha", formatNumber(options.alpha ?? defaultAlpha))
            model.lexicon = lexicon
            model.tables.append(("gazetteer", options.gazetteer.rows))
            let finder = try TargetFinder(gazetteerRows: options.gazetteer.rows, targets: targets)
            var nbs = targets.map { _ in NaiveBayes(classes: descriptor.labels, kinds: kinds, alpha: options.alpha ?? defaultAlpha, variant: .multinomial) }
            let analyzer = Analyzer()
            for (r, labels) in annotated {
                let p = analyzer.analyze(r.text)
                let base = baseBag(p), hits = lexicon.match(p), mentions = finder.mentions(p)
                for (k, t) in targets.enumerated() {
                    let bag = features(p, base: base, hits: hits, lexicon: lexicon, target: t, mentions: mentions[t] ?? []).bag
                    nbs[k].add(bag, passage: p, label: nbs[k].classIndex(labels[t] ?? defaultLabel)!)
                }
            }
            for (k, t) in targets.enumerated() { model.setClassifier("target:" + t, nbs[k]) }
            return model
        }
    }

    """#

    static let perActorTemplate = #"""
    import RhetorKit

    /// __SUMMARY__
    ///
    /// Per actor: a label for every actor mention the gazetteer (corpora/actors.tsv) finds, from
    /// naive Bayes over the mention's context (the words at each position around it in its
    /// sentence, the lexicon cues on each side, its own head word) plus votes from the lexicon
    /// (`__DIR__/lexicon.tsv`: a cue within __WINDOW__ words of the mention votes for its category's
    /// label). Gold labels: the corpus field "__FIELD__", a list of
    /// `{"actor": id, "mention": surface text, "label": label}`; a mention it does not list is
    /// `__DEFAULT__`. Scaffolded by `rhetor new-plugin`; see docs/plugins.md.
    public struct __NAME__Plugin: ClassifierPlugin {
        public static let descriptor = PluginDescriptor(
            id: "__ID__",
            summary: __SUMMARY_LITERAL__,
            labels: [__LABELS__], level: .perActor, version: 1,
            directory: "__DIR__", corpusField: "__FIELD__",
            examples: [
    __EXAMPLES__
            ])

        /// Lidstone smoothing α when `rhetor train --alpha` does not set one.
        static let defaultAlpha = 1.0
        /// How many log-odds units one unit of lexicon weight is worth beside naive Bayes.
        static let lexiconScale = 1.0
        /// Context words considered on each side of a mention.
        static let window = __WINDOW__
        /// The label of a mention the record does not annotate (the last label).
        static var defaultLabel: String { descriptor.labels[descriptor.labels.count - 1] }

        static let kinds = TextFeatureKind.names + ["ctx", "cue", "head"]
        static let contextWord: UInt8 = 5
        static let cue: UInt8 = 6
        static let head: UInt8 = 7

        public private(set) var model: PluginModel
        private var nb: NaiveBayes
        private let gazetteer: Gazetteer

        public init(model: PluginModel) throws {
            guard let nb = model.classifier("label") else {
                throw RhetorError.input("__ID__ model has no [nb label] section; rebuild it with `rhetor train __ID__`")
            }
            self.model = model
            self.nb = nb
            gazetteer = try Gazetteer(rows: model.table("gazetteer"))
        }

        /// Context features of one mention, and the votes of the lexicon cues near it.
        static func features(_ p: Passage, mention m: Gazetteer.Mention, hits: [Lexicon.Hit], lexicon: Lexicon) -> (bag: FeatureBag, votes: [Vote]) {
            var bag = FeatureBag()
            let toks = p.tokens
            let sentence = toks[m.tokens.lowerBound].sentence
            var n = 0, k = m.tokens.lowerBound - 1
            while k >= 0, n < window, toks[k].sentence == sentence {
                if toks[k].isWordLike { n += 1; bag.tokenTagged(contextWord, k, "L\(n)") }
                k -= 1
            }
            n = 0; k = m.tokens.upperBound + 1
            while k < toks.count, n < window, toks[k].sentence == sentence {
                if toks[k].isWordLike { n += 1; bag.tokenTagged(contextWord, k, "R\(n)") }
                k += 1
            }
            bag.tokenTagged(head, m.tokens.upperBound, "head")
            var votes: [Vote] = []
            for h in hits where toks[h.tokens.lowerBound].sentence == sentence && !h.tokens.overlaps(m.tokens) {
                let isLeft = h.tokens.upperBound < m.tokens.lowerBound
                let distance = isLeft ? m.tokens.lowerBound - h.tokens.upperBound : h.tokens.lowerBound - m.tokens.upperBound
                for e in h.entries {
                    let entry = lexicon.entries[e]
                    bag.literal(cue, "\(entry.category):\(isLeft ? "L" : "R")", span: h.tokens)
                    guard distance <= window, let label = descriptor.labels.firstIndex(of: entry.category) else { continue }
                    votes.append(Vote(label: label, weight: entry.weight, tokens: h.tokens,
                                      source: "lexicon:\(entry.text) (\(entry.category), \(isLeft ? "before" : "after") the mention)"))
                }
            }
            return (bag, votes)
        }

        public func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision] {
            let hits = model.lexicon.match(passage)
            return gazetteer.mentions(in: passage).map { m in
                let (bag, votes) = Self.features(passage, mention: m, hits: hits, lexicon: model.lexicon)
                var d = Combiner.decide(nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: Self.lexiconScale,
                                        mode: options.mode, maxEvidence: options.maxEvidence, subject: m.actor)
                d.mention = m.surface
                d.start = m.start
                d.end = m.end
                return d
            }
        }

        public mutating func learn(_ passage: Passage, correction: Correction) throws {
            guard case .actor(let actor, let label) = correction, let c = nb.classIndex(label) else {
                throw RhetorError.usage("__ID__ takes actor=label, label one of \(Self.descriptor.labels.joined(separator: ", "))")
            }
            guard let m = gazetteer.mentions(in: passage).first(where: { $0.actor == actor }) else {
                throw RhetorError.usage("no mention of '\(actor)' in the passage")
            }
            nb.add(Self.features(passage, mention: m, hits: model.lexicon.match(passage), lexicon: model.lexicon).bag, passage: passage, label: c)
            model.setClassifier("label", nb)
        }

        /// Trains on every record that carries the field "__FIELD__": each mention the gazetteer
        /// finds is one example, labelled by the annotation that names its actor.
        public static func train(_ corpus: Corpus, lexicon: Lexicon, options: TrainingOptions) throws -> PluginModel {
            var model = PluginModel(pluginID: descriptor.id)
            model.setMeta("alpha", formatNumber(options.alpha ?? defaultAlpha))
            model.lexicon = lexicon
            model.tables.append(("gazetteer", options.gazetteer.rows))
            var nb = NaiveBayes(classes: descriptor.labels, kinds: kinds, alpha: options.alpha ?? defaultAlpha, variant: .multinomial)
            let analyzer = Analyzer()
            var used = 0
            for r in corpus.records {
                guard let value = r.field(descriptor.corpusField) else { continue }
                guard let items = value.array else { throw RhetorError.input("\(r.origin): \"\(descriptor.corpusField)\" must be a list of {\"actor\", \"mention\", \"label\"}") }
                var gold: [CorpusRecord.Actor] = []
                for item in items {
                    guard let actor = item["actor"]?.string, let mention = item["mention"]?.string,
                          let label = item["label"]?.string ?? item["role"]?.string, descriptor.labels.contains(label) else {
                        throw RhetorError.input("\(r.origin): each item of \"\(descriptor.corpusField)\" needs \"actor\", \"mention\" and a \"label\" among \(descriptor.labels.joined(separator: ", "))")
                    }
                    gold.append(CorpusRecord.Actor(actor: actor, mention: mention, role: label))
                }
                let p = analyzer.analyze(r.text)
                let hits = lexicon.match(p)
                let mentions = options.gazetteer.mentions(in: p)
                let aligned = RoleAlignment.align(mentions.map { ($0.actor, $0.start..<$0.end) }, gold: gold, text: r.text)
                for (m, labels) in zip(mentions, aligned) {
                    // RoleAlignment marks an unannotated mention "mention": that is this plugin's default label.
                    let names = labels == ["mention"] && !descriptor.labels.contains("mention") ? [defaultLabel] : labels
                    let bag = features(p, mention: m, hits: hits, lexicon: lexicon).bag
                    for l in names { nb.add(bag, passage: p, label: nb.classIndex(l)!, weight: 1 / Double(names.count)) }
                    used += 1
                }
            }
            guard used > 0 else {
                throw RhetorError.input("no actor mention in the records that carry \"\(descriptor.corpusField)\"; label some passages (docs/plugins.md)")
            }
            model.setClassifier("label", nb)
            return model
        }
    }

    """#

    static let testTemplate = #"""
    import Foundation
    import XCTest
    import RhetorKit
    import __NAME__Plugin

    /// __NAME__Plugin trained in memory, exactly as `rhetor train __ID__` trains it (corpora/train and
    /// __DIR__/lexicon.tsv), then checked: its descriptor examples, its lexicon, learning.
    /// Add cases of your own below. Run: `swift test --filter __NAME__PluginTests`.
    final class __NAME__PluginTests: XCTestCase {
        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

        static func load() throws -> (plugin: __NAME__Plugin, lexicon: Lexicon) {
            let d = __NAME__Plugin.descriptor
            let lexicon = try Lexicon.load(path: root + "/" + d.lexiconPath)
            var options = TrainingOptions()
            let actors = root + "/corpora/actors.tsv"
            if FileManager.default.fileExists(atPath: actors) { options.gazetteer = try Gazetteer.load(path: actors) }
            let corpus = try Corpus.load([root + "/corpora/train"])
            try corpus.requireClean()
            return (try __NAME__Plugin(model: __NAME__Plugin.train(corpus, lexicon: lexicon, options: options)), lexicon)
        }

        /// Trained once for all the tests of this class.
        static let trained = Result { try load() }

        func classify(_ plugin: __NAME__Plugin, _ text: String) -> [Decision] {
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
            XCTAssertFalse(__NAME__Plugin.descriptor.examples.isEmpty, "give __NAME__Plugin.descriptor example passages")
            for x in __NAME__Plugin.descriptor.examples {
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
                XCTAssertTrue(__NAME__Plugin.descriptor.labels.contains(label), "\(e.origin): category '\(e.category)' names no label of __ID__")
            }
        }

        func testLearningAPassageMovesItsScore() throws {
            var plugin = try Self.trained.get().plugin
            let x = try XCTUnwrap(__NAME__Plugin.descriptor.examples.first)
            let passage = Analyzer().analyze(x.text)
            let before = classify(plugin, x.text)
            let current = try XCTUnwrap(verdict(before, x.expect[0]))
            let other = try XCTUnwrap(__NAME__Plugin.descriptor.labels.first { $0 != current })
            let subject = x.expect[0].contains("=") ? String(x.expect[0].split(separator: "=")[0]) : nil
            func score(_ ds: [Decision]) -> Double { ds.first { subject == nil || $0.subject == subject }?.scores.first { $0.0 == other }?.1 ?? 0 }
            __CORRECTION__
            try plugin.learn(passage, correction: correction)
            XCTAssertGreaterThan(score(classify(plugin, x.text)), score(before))
        }
    }

    """#
}
