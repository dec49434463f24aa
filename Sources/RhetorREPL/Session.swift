import RhetorKit

/// Where the REPL's lines come from: libedit on a terminal, plain stdin on a pipe, a script in tests.
public protocol LineReader {
    /// The next line without its newline; nil at end of input (Ctrl-D).
    mutating func readLine(prompt: String) -> String?
}

/// Reads stdin plainly: no prompt, no history, no editing.
public struct PlainReader: LineReader {
    public init() {}
    public mutating func readLine(prompt: String) -> String? { Swift.readLine(strippingNewline: true) }
}

/// The REPL's state and commands, independent of any terminal.
public struct Session {
    public var engine: Engine
    public var style: Style
    public var interactive: Bool
    public var output: (String) -> Void

    public init(engine: Engine, style: Style, interactive: Bool, output: @escaping (String) -> Void) {
        self.engine = engine; self.style = style; self.interactive = interactive; self.output = output
    }

    /// Handles one line; returns false when the session should end.
    public mutating func handle(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return true }
        if trimmed == ":quit" || trimmed == ":q" { return false }
        let (passage, results) = engine.classify(line)
        if interactive {
            output(PrettyPrinter.render(id: nil, passage: passage, results: results, style: style))
        } else {
            var w = JSONWriter()
            Encoders.jsonl(ResultRecord(id: "", plugins: results), into: &w)
            output(String(decoding: w.out, as: UTF8.self))
        }
        return true
    }

    public mutating func run<R: LineReader>(_ reader: inout R) {
        while let line = reader.readLine(prompt: interactive ? "rhetor> " : "") {
            if !handle(line) { break }
        }
    }
}
