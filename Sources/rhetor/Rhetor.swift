import ArgumentParser
import Foundation
import RhetorKit
import RhetorPlugins

@main
struct Rhetor: ParsableCommand {
    // Every command names itself: a name derived from the type costs a runtime type lookup
    // (`String(describing:)`) for each command at every start.
    static let configuration = CommandConfiguration(
        commandName: "rhetor",
        abstract: "Classify political and conflict discourse: stance, sectarian rhetoric, actor roles — with the evidence.",
        discussion: "With no subcommand: the REPL on a terminal, `classify` on a pipe.",
        subcommands: [Classify.self, Train.self, Eval.self, Plugins.self, NewPlugin.self, CorpusCommand.self, Repl.self])

    @OptionGroup var common: CommonOptions

    static func main() {
        // The models are read while the command line is parsed (see ModelReadAhead).
        if let dir = CommonOptions.modelsDirToReadAhead(CommandLine.arguments) { ModelReadAhead.start(modelsDir: dir) }
        main(nil)
    }

    func run() throws {
        if isatty(0) != 0 {
            var repl = try Repl.parse([])
            repl.common = common
            try repl.run()
        } else {
            var c = try Classify.parse([])
            c.common = common
            try c.run()
        }
    }

    /// Exit codes: 0 ok, 1 input errors, 2 usage errors.
    static func fail(_ e: Error) -> Never {
        if let r = e as? RhetorError {
            FileHandle.standardError.write(Data("rhetor: \(r.description)\n".utf8))
            switch r {
            case .input: Foundation.exit(1)
            case .usage: Foundation.exit(2)
            }
        }
        exit(withError: e)
    }
}

struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Folder of model files (default: $RHETOR_MODELS, ./Models, or beside the executable).")
    var models: String?

    var modelsDir: String { Catalog.resolveModelsDir(models) }

    /// The models folder of a command line that loads every model (`classify` or `repl`, or no
    /// command: one of them, with no --plugins), found in the arguments before they are parsed;
    /// nil for any other. A wrong guess costs only the reading.
    static func modelsDirToReadAhead(_ arguments: [String]) -> String? {
        var models: String? = nil, command: String? = nil
        var k = 1
        while k < arguments.count {
            let a = arguments[k]
            k += 1
            if a == "--models", k < arguments.count { models = arguments[k]; k += 1; continue }
            if a.hasPrefix("--models=") { models = String(a.dropFirst(9)); continue }
            if a == "--plugins" || a.hasPrefix("--plugins=") || a == "-h" || a == "--help" { return nil }
            if command == nil && !a.hasPrefix("-") { command = a }
        }
        guard command == nil || command == "classify" || command == "repl" else { return nil }
        return Catalog.resolveModelsDir(models)
    }

    var catalog: Catalog { Catalog(registered: registeredPlugins, modelsDir: modelsDir) }

    /// Loads the named plugins (comma-separated), or every plugin that has a model.
    func loadPlugins(_ list: String?) throws -> [any PluginInstance] {
        let listed = list.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        let cat = Catalog(registered: registeredPlugins, modelsDir: modelsDir)
        let ids = listed ?? cat.available
        guard !ids.isEmpty else {
            throw RhetorError.input("no models in \(modelsDir); build them with `rhetor train --all` or point --models at a folder of .model files")
        }
        // Each plugin is read and built on one core, side by side with the others (a plugin's
        // start overlaps the reading of the rest), the largest model first; the first failure
        // in list order is reported, as a one-by-one load would.
        let order = cat.largestFirst(ids)
        var loaded = [Result<any PluginInstance, Error>?](repeating: nil, count: ids.count)
        loaded.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer   // each iteration writes its own slot
            DispatchQueue.concurrentPerform(iterations: ids.count) { n in let k = order[n]; slots[k] = Result { try cat.load(ids[k]) } }
        }
        return try loaded.map { try $0!.get() }
    }
}

/// Runs a command body, turning RhetorError into its message and exit code.
func guarded(_ body: () throws -> Void) throws {
    do { try body() } catch let e as RhetorError { Rhetor.fail(e) }
}

func warn(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
