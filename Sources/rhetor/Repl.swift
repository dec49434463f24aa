import ArgumentParser
import Foundation
import RhetorKit
import RhetorREPL

struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Interactive session: type a passage, see every verdict and its reasons.",
        discussion: """
            On a terminal: line editing, history ($RHETOR_HISTORY, else $XDG_STATE_HOME/rhetor/history, \
            else ~/.local/state/rhetor/history), Tab completion, colour (off with NO_COLOR or TERM=dumb). \
            On a pipe: no prompt, no history, no colour; each line is classified and printed as one \
            JSONL record (commands still work; their messages go to stderr). :help lists the commands.
            """)
    @OptionGroup var common: CommonOptions
    @Option(help: "Comma-separated plugin ids to enable (default: all with a model).") var plugins: String?
    @Option(name: .customLong("user-corpus"), help: "File :save appends labels to (default: $XDG_DATA_HOME/rhetor/corpus.jsonl, else ~/.local/share/rhetor/corpus.jsonl).")
    var userCorpus: String?

    func run() throws {
        try guarded {
            let env = ProcessInfo.processInfo.environment
            let loaded = try common.loadPlugins(plugins)
            let tty = isatty(0) != 0
            var config = SessionConfig(interactive: tty, style: Style.auto(isTerminal: tty && isatty(1) != 0, environment: env),
                                       historyPath: HistoryStore.defaultPath(environment: env),
                                       userCorpus: userCorpus ?? UserCorpus.defaultPath(environment: env))
            config.modelsDir = common.modelsDir
            let session = Session(plugins: loaded, config: config, output: StandardStreams.out,
                                  messages: tty ? StandardStreams.out : StandardStreams.err)
            if tty, let reader = EditLineReader() {
                InterruptFlag.install()
                session.run(reader)
            } else {
                session.run(PlainReader())
            }
        }
    }
}
