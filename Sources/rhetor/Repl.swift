import ArgumentParser
import Foundation
import RhetorKit
import RhetorREPL

struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Interactive session: type a passage, see every verdict and its reasons.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Comma-separated plugin ids to enable (default: all with a model).") var plugins: String?

    func run() throws {
        try guarded {
            let engine = Engine(plugins: try common.loadPlugins(plugins))
            let tty = isatty(0) != 0
            var session = Session(engine: engine, style: Style.auto(isTerminal: tty && isatty(1) != 0, environment: ProcessInfo.processInfo.environment),
                                  interactive: tty, output: { s in FileHandle.standardOutput.write(Data(s.utf8)) })
            var reader = PlainReader()
            session.run(&reader)
        }
    }
}
