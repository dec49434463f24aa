import ArgumentParser
import Foundation
import RhetorKit
import RhetorPlugins

extension PluginLevel: EnumerableFlag {
    public static func name(for value: PluginLevel) -> NameSpecification {
        switch value {
        case .passage: return .customLong("passage-level")
        case .perTarget: return .customLong("per-target")
        case .perActor: return .customLong("per-actor")
        }
    }

    public static func help(for value: PluginLevel) -> ArgumentHelp? {
        switch value {
        case .passage: return "One label per passage."
        case .perTarget: return "One label per target (like stance)."
        case .perActor: return "One label per actor mention (like actor-role)."
        }
    }
}

struct NewPlugin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-plugin",
        abstract: "Scaffold a classifier plugin: a Swift plugin (registered and with a test target) or, with --data-only, a manifest.",
        discussion: """
        Run from the repository root. A Swift plugin gets Plugins/<Name>/ (<Name>Plugin.swift, lexicon.tsv), \
        Tests/<Name>PluginTests/, a corpus stub corpora/{train,test}/<id>.jsonl, its target in Package.swift and \
        its type in Sources/RhetorPlugins/Registry.swift; then `make release` and `rhetor train <id>`. \
        A data-only plugin gets Plugins/<Name>/plugin.json, lexicon.tsv and the corpus stub; then `rhetor train <id>`. \
        The plugin id is the name in kebab case (ActorRole → actor-role). See docs/plugins.md.
        """)

    @Argument(help: "Plugin name: Urgency, ActorRole, or kebab case (urgency, actor-role).") var name: String
    @Option(help: "Comma-separated labels (default: present,absent; per target favor,against,none; per actor agent,target,mention). For per-target and per-actor plugins the last label is the default one.")
    var labels: String?
    @Flag(help: "What the plugin decides about.") var level: PluginLevel = .passage
    @Flag(name: .customLong("data-only"), help: "A data-only plugin: manifest + lexicon + corpus, no Swift (passage level).") var dataOnly = false
    @Option(help: "The corpus field holding the gold labels (default: the plugin id).") var field: String?
    @Option(help: "One-line summary for `rhetor plugins`.") var summary: String?
    @Option(help: "Repository root.") var root = "."
    @Flag(name: .customLong("no-corpus"), help: "Do not write the corpus stub.") var noCorpus = false
    @Flag(name: .customLong("dry-run"), help: "Print what would be written, write nothing.") var dryRun = false

    func validate() throws {
        if dataOnly && level != .passage { throw ValidationError("--data-only plugins are passage level; drop --per-target / --per-actor") }
    }

    func run() throws {
        try guarded {
            let (typeName, id) = try Scaffold.names(name)
            let labelList = labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
                ?? Scaffold.defaultLabels(level)
            try Scaffold.validate(labels: labelList)
            if let f = field, f.isEmpty || f.contains(where: { $0.isWhitespace || $0 == "\"" }) {
                throw RhetorError.usage("--field '\(f)' must be a plain JSON key such as frame")
            }
            let o = Scaffold.Options(name: typeName, id: id, labels: labelList, level: level, dataOnly: dataOnly, field: field, summary: summary)
            try create(o)
        }
    }

    func path(_ relative: String) -> String { root == "." ? relative : (root as NSString).appendingPathComponent(relative) }

    func create(_ o: Scaffold.Options) throws {
        let fm = FileManager.default
        let packagePath = path("Package.swift"), registryPath = path("Sources/RhetorPlugins/Registry.swift")
        guard fm.fileExists(atPath: packagePath), fm.fileExists(atPath: path("Plugins")) else {
            throw RhetorError.usage("\(root): not the Rhetor repository root (no Package.swift and Plugins/); run from the root or pass --root")
        }
        guard !fm.fileExists(atPath: path(o.directory)) else {
            throw RhetorError.usage("\(o.directory) already exists; pick another name")
        }
        let cat = Catalog(registered: registeredPlugins, modelsDir: path("Models"), pluginsDir: path("Plugins"))
        if cat.entries.contains(where: { $0.descriptor.id == o.id }) {
            throw RhetorError.usage("a plugin with id '\(o.id)' already exists; pick another name")
        }

        // Compute every edit before writing anything, so a missing marker leaves the tree untouched.
        var writes = Scaffold.files(o)
        if !o.dataOnly {
            writes.append(.init(path: "Package.swift", contents: try Scaffold.addingTarget(to: try readTextFile(packagePath), o)))
            writes.append(.init(path: "Sources/RhetorPlugins/Registry.swift", contents: try Scaffold.addingPlugin(to: try readTextFile(registryPath), o)))
        }
        var notes: [String] = []
        if !noCorpus {
            let carried = try recordsCarrying(o.field)
            if carried > 0 {
                notes.append("no corpus stub: \(carried) records under corpora/ already carry \"\(o.field)\"")
            } else {
                writes += Scaffold.corpusStub(o)
            }
        }
        for w in writes where w.path.hasPrefix("corpora/") && fm.fileExists(atPath: path(w.path)) {
            throw RhetorError.usage("\(w.path) already exists; move it away or pass --no-corpus")
        }

        for w in writes {
            if dryRun { print("--- \(w.path)\n\(w.contents)"); continue }
            try writeFileAtomically(path(w.path), Array(w.contents.utf8))
            print((w.path == "Package.swift" || w.path.hasSuffix("Registry.swift") ? "edited  " : "created ") + w.path)
        }
        for n in notes { print(n) }
        if dryRun { return }
        let build = o.dataOnly ? "" : "  make release                             # compiles \(o.typeName) into .build/release/rhetor\n"
        let test = o.dataOnly ? "" : "  swift test --filter \(o.testTarget)\n"
        let stubbed = writes.contains { $0.path.hasPrefix("corpora/") }
        let corpus = stubbed ? "replace the stub records in corpora/{train,test}/\(o.id).jsonl" : "label records of corpora/train and corpora/test with it"
        print("""

        Next:
          edit \(o.directory)/\(o.dataOnly ? "plugin.json" : o.typeName + ".swift") (summary, example passages), \(o.directory)/lexicon.tsv (cues),
               and the corpus (the field "\(o.field)": \(corpus))
        \(build)  rhetor train \(o.id)
          rhetor plugins --examples
          rhetor eval \(o.id)
          echo "a passage" | rhetor classify --input-format text --format pretty --plugins \(o.id)
        \(test)The walk-through: docs/plugins.md
        """)
    }

    /// How many records under corpora/train and corpora/test already carry the field.
    func recordsCarrying(_ field: String) throws -> Int {
        let dirs = [Catalog.defaultTrainCorpus, Catalog.defaultTestCorpus].map(path).filter { FileManager.default.fileExists(atPath: $0) }
        guard !dirs.isEmpty else { return 0 }
        return try Corpus.load(dirs).records.filter { $0.field(field) != nil }.count
    }
}
