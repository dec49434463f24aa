import Foundation

/// Every plugin Rhetor knows: the registered Swift plugin types, plus data-only plugins
/// (a `plugin.json` under `Plugins/`, or a data-only model in the models folder).
public struct Catalog: Sendable {
    public enum Kind: Sendable {
        case swift(any ClassifierPlugin.Type)
        case dataOnly(Manifest?)
    }

    public struct Entry: Sendable {
        public var descriptor: PluginDescriptor
        public var kind: Kind
        public var modelPath: String
        /// The model, when finding the plugin meant reading it (a data-only model with no
        /// manifest here): `load` does not read it twice.
        var model: PluginModel? = nil
    }

    public let modelsDir: String
    public private(set) var entries: [Entry] = []
    /// Version of the analyser's folding rules, recorded in models: a change makes them stale.
    public static let tokenizerVersion = "1"
    public static let gazetteerPath = "corpora/actors.tsv"
    public static let defaultTrainCorpus = "corpora/train"
    public static let defaultTestCorpus = "corpora/test"

    public init(registered: [any ClassifierPlugin.Type], modelsDir: String, pluginsDir: String = "Plugins") {
        self.modelsDir = modelsDir
        for t in registered {
            entries.append(Entry(descriptor: t.descriptor, kind: .swift(t), modelPath: Catalog.modelPath(modelsDir, t.descriptor.id)))
        }
        let fm = FileManager.default
        for dir in ((try? fm.contentsOfDirectory(atPath: pluginsDir)) ?? []).sorted() {
            let d = pluginsDir + "/" + dir
            guard fm.fileExists(atPath: d + "/plugin.json"), let m = try? Manifest.load(directory: d), !entries.contains(where: { $0.descriptor.id == m.id }) else { continue }
            entries.append(Entry(descriptor: m.descriptor, kind: .dataOnly(m), modelPath: Catalog.modelPath(modelsDir, m.id)))
        }
        let files = ((try? fm.contentsOfDirectory(atPath: modelsDir)) ?? []).sorted().filter { $0.hasSuffix(".model") }
        // Models of no known plugin are read to find what they are (a data-only model with no
        // manifest here), side by side, the largest first so the cores finish together.
        let unknown = files.filter { file in !entries.contains { $0.descriptor.id == file.dropLast(6) } }
        let paths = unknown.map { modelsDir + "/" + $0 }
        let order = paths.indices.sorted { Catalog.fileSize(paths[$0]) > Catalog.fileSize(paths[$1]) }
        var models = [PluginModel?](repeating: nil, count: paths.count)
        models.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer   // each iteration writes its own slot
            DispatchQueue.concurrentPerform(iterations: order.count) { k in slots[order[k]] = Catalog.read(paths[order[k]]) }
        }
        for (k, file) in unknown.enumerated() {
            guard let model = models[k], model.meta("kind") == "data-only", let p = try? DataOnlyPlugin(model: model) else { continue }
            entries.append(Entry(descriptor: p.descriptor, kind: .dataOnly(nil), modelPath: modelsDir + "/" + file, model: model))
        }
    }

    public static func modelPath(_ dir: String, _ id: String) -> String { dir + "/" + id + ".model" }

    /// The model at `path`, or nil when it cannot be read: read ahead, if it was (`ModelReadAhead`).
    static func read(_ path: String) -> PluginModel? {
        if let ahead = ModelReadAhead.current { return ahead.take(path) }
        return try? PluginModel.load(path: path)
    }

    /// The plugins' model files, the largest first: reading and building them side by side in this
    /// order, the cores finish together.
    public func largestFirst(_ ids: [String]) -> [Int] {
        let sizes = ids.map { id in (try? entry(id)).map { Catalog.fileSize($0.modelPath) } ?? 0 }
        return ids.indices.sorted { sizes[$0] > sizes[$1] }
    }

    /// Every model file in `dir`, the largest first.
    static func modelFiles(_ dir: String) -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".model") }
        return files.map { dir + "/" + $0 }.sorted { fileSize($0) > fileSize($1) }
    }

    /// By stat, not FileManager.attributesOfItem, which also looks up the owner's and group's
    /// names (reading /etc/passwd and /etc/group for each file).
    static func fileSize(_ path: String) -> Int { var st = stat(); return stat(path, &st) == 0 ? Int(st.st_size) : 0 }

    /// The models folder: `--models`, else `$RHETOR_MODELS`, else `./Models`, else beside the
    /// executable's install prefix (`<prefix>/share/rhetor/Models`).
    public static func resolveModelsDir(_ explicit: String?) -> String {
        if let e = explicit { return e }
        if let env = ProcessInfo.processInfo.environment["RHETOR_MODELS"], !env.isEmpty { return env }
        if FileManager.default.fileExists(atPath: "Models") { return "Models" }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [exe.appendingPathComponent("../share/rhetor/Models"), exe.appendingPathComponent("../../Models")] {
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.standardizedFileURL.path }
        }
        return "Models"
    }

    public func entry(_ id: String) throws -> Entry {
        guard let e = entries.first(where: { $0.descriptor.id == id }) else {
            let known = entries.map(\.descriptor.id).joined(separator: ", ")
            throw RhetorError.usage("unknown plugin '\(id)'; known plugins: \(known)")
        }
        return e
    }

    /// Loads a plugin from its model file.
    public func load(_ id: String) throws -> any PluginInstance {
        let e = try entry(id)
        guard FileManager.default.fileExists(atPath: e.modelPath) else {
            throw RhetorError.input("\(e.modelPath): no model for plugin '\(id)'; build it with `rhetor train \(id)`")
        }
        // A model that could not be read ahead is read again here, for its error.
        let model = try e.model ?? Catalog.read(e.modelPath) ?? PluginModel.load(path: e.modelPath)
        guard model.pluginID == id else { throw RhetorError.input("\(e.modelPath): holds plugin '\(model.pluginID)', not '\(id)'; rebuild it with `rhetor train \(id)`") }
        switch e.kind {
        case .swift(let t):
            if let v = model.meta("plugin-version"), v != String(t.descriptor.version) {
                throw RhetorError.input("\(e.modelPath): built by \(id) version \(v), this rhetor has version \(t.descriptor.version); rebuild it with `rhetor train \(id)`")
            }
            return try t.init(model: model)
        case .dataOnly: return try DataOnlyPlugin(model: model)
        }
    }

    /// Ids of plugins that have a model file, in catalog order.
    public var available: [String] { entries.filter { FileManager.default.fileExists(atPath: $0.modelPath) }.map(\.descriptor.id) }

    // MARK: training

    /// The gazetteer used for training and validation (`corpora/actors.tsv`; empty when absent).
    public static func loadGazetteer() throws -> Gazetteer {
        guard FileManager.default.fileExists(atPath: gazetteerPath) else { return Gazetteer() }
        return try Gazetteer.load(path: gazetteerPath)
    }

    /// Trains one plugin on the given corpus files and returns its model (not yet written).
    public func train(_ id: String, corpus paths: [String], alpha: Double? = nil) throws -> PluginModel {
        let gazetteer = try Catalog.loadGazetteer()
        let knownActors = gazetteer.actors.isEmpty ? nil : gazetteer.ids
        // A data-only plugin counts the records while they are read, never holding them all. When
        // it cannot be trained here, the general path below says why, in its order of checks.
        if let e = try? entry(id), case .dataOnly(var m?) = e.kind, FileManager.default.fileExists(atPath: e.descriptor.directory),
           let lexicon = try? Catalog.lexicon(e) {
            if let a = alpha { m.alpha = a }
            var (model, corpus) = try DataOnlyPlugin.train(manifest: m, paths: paths, knownActors: knownActors, lexicon: lexicon)
            Catalog.stamp(&model, e, corpus: corpus)
            return model
        }
        let corpus = try Corpus.load(paths, knownActors: knownActors)
        try corpus.requireClean()
        return try train(id, corpus: corpus, alpha: alpha, gazetteer: gazetteer)
    }

    /// Trains one plugin on records already read (cross-validation folds use this).
    public func train(_ id: String, corpus: Corpus, alpha: Double? = nil, gazetteer: Gazetteer? = nil) throws -> PluginModel {
        let e = try entry(id)
        // The lexicon and the gazetteer are read relative to the repository root; training
        // elsewhere would silently build a model without them.
        let cwd = FileManager.default.currentDirectoryPath
        guard FileManager.default.fileExists(atPath: e.descriptor.directory) else {
            throw RhetorError.input("\(e.descriptor.directory) not found in \(cwd): training reads the plugin's lexicon and \(Catalog.gazetteerPath) from the repository root; run `rhetor train` there (the --corpus files may live anywhere)")
        }
        var options = TrainingOptions()
        options.alpha = alpha
        options.gazetteer = try gazetteer ?? Catalog.loadGazetteer()
        let lexicon = try Catalog.lexicon(e)
        var model: PluginModel
        switch e.kind {
        case .swift(let t): model = try t.train(corpus, lexicon: lexicon, options: options)
        case .dataOnly(let m):
            guard let manifest = m else { throw RhetorError.input("plugin '\(id)' has a model but no Plugins/*/plugin.json here to train from; run from the repository root") }
            var m = manifest
            if let a = alpha { m.alpha = a }
            model = try DataOnlyPlugin.train(manifest: m, corpus: corpus, lexicon: lexicon)
        }
        Catalog.stamp(&model, e, corpus: corpus)
        return model
    }

    /// The plugin's lexicon (empty when it has none).
    static func lexicon(_ e: Entry) throws -> Lexicon {
        let path = e.descriptor.lexiconPath
        return FileManager.default.fileExists(atPath: path) ? try Lexicon.load(path: path) : Lexicon()
    }

    /// Records what the model was built from, for `staleness`.
    static func stamp(_ model: inout PluginModel, _ e: Entry, corpus: Corpus) {
        model.setMeta("plugin-version", String(e.descriptor.version))
        model.setMeta("tokenizer", Catalog.tokenizerVersion)
        model.setMeta("corpus-sha256", corpus.sha256)
        model.setMeta("corpus-files", corpus.files.map { ($0 as NSString).lastPathComponent }.joined(separator: " "))
        model.setMeta("lexicon-sha256", Catalog.sourceHash(e.descriptor.lexiconPath, extra: e.kind))
        model.setMeta("gazetteer-sha256", SHA256.hex((try? readBytes(Catalog.gazetteerPath)) ?? []))
    }

    static func sourceHash(_ lexiconPath: String, extra kind: Kind) -> String {
        var bytes = (try? readBytes(lexiconPath)) ?? []
        if case .dataOnly(let m?) = kind { bytes += (try? readBytes(m.directory + "/plugin.json")) ?? [] }
        return SHA256.hex(bytes)
    }

    /// Why the model of `id` is stale against the corpus and lexicon it would be trained from, or nil.
    public func staleness(_ id: String, corpus paths: [String]) throws -> String? {
        let e = try entry(id)
        guard FileManager.default.fileExists(atPath: e.modelPath) else { return "no model at \(e.modelPath)" }
        let model: PluginModel
        do { model = try PluginModel.load(path: e.modelPath) } catch { return "\(error)" }
        let corpus = try Corpus.load(paths)
        if model.meta("corpus-sha256") != corpus.sha256 { return "corpus changed since the model was trained" }
        if model.meta("lexicon-sha256") != Catalog.sourceHash(e.descriptor.lexiconPath, extra: e.kind) { return "lexicon or manifest changed" }
        if model.meta("gazetteer-sha256") != SHA256.hex((try? readBytes(Catalog.gazetteerPath)) ?? []) { return "actors.tsv changed" }
        if model.meta("plugin-version") != String(e.descriptor.version) { return "plugin version changed" }
        if model.meta("tokenizer") != Catalog.tokenizerVersion { return "tokenizer changed" }
        return nil
    }
}

/// Analyses a passage once and runs the selected plugins on it.
public struct Engine: Sendable {
    public var plugins: [any PluginInstance]
    public var options = ClassifyOptions()
    public let analyzer = Analyzer()

    public init(plugins: [any PluginInstance]) { self.plugins = plugins }

    public func classify(_ text: String) -> (passage: Passage, results: [(String, [Decision])]) {
        let p = analyzer.analyze(text)
        return (p, plugins.map { ($0.descriptor.id, $0.classify(p, options: options)) })
    }
}
