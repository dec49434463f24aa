#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One thing a reader hands the session.
public enum LineInput: Equatable, Sendable {
    /// A line, without its newline.
    case line(String)
    /// Ctrl-C: drop the line being typed (and any unfinished passage); the session goes on.
    case interrupt
    /// Ctrl-D on an empty line, or the end of the input.
    case end
}

/// Where the REPL's lines come from: libedit on a terminal, plain stdin on a pipe, a script
/// in tests. The session owns history and completion; a reader only shows and edits.
public protocol LineReader: AnyObject {
    /// Reads the next line after showing `prompt`. Colour codes in the prompt are wrapped in
    /// `Prompt.ignoreMarker` pairs so an editor can leave them out of its width.
    func readLine(prompt: String) -> LineInput
    /// The history the reader offers (Up-arrow), oldest first. Called after every change.
    func setHistory(_ entries: [String])
    /// Tab completion: given the text before the cursor, what to do.
    var completer: ((String) -> CompletionAction)? { get set }
}

extension LineReader {
    public func setHistory(_ entries: [String]) {}
}

/// Prompt text with colour codes marked for libedit (EL_PROMPT_ESC) and readline
/// (RL_PROMPT_START_IGNORE): what lies between two markers takes no screen width.
public enum Prompt {
    public static let ignoreMarker: Character = "\u{1}"

    /// `text` in the given SGR colour, wrapped so an editor measures only `text`.
    public static func coloured(_ text: String, _ code: String, enabled: Bool) -> String {
        guard enabled else { return text }
        let m = ignoreMarker
        return "\(m)\u{1B}[\(code)m\(m)\(text)\(m)\u{1B}[0m\(m)"
    }

    /// The prompt as a terminal shows it (markers removed).
    public static func visible(_ prompt: String) -> String { prompt.filter { $0 != ignoreMarker } }

    /// The prompt's width on screen: no markers, no escape sequences.
    public static func width(_ prompt: String) -> Int {
        var n = 0
        var hidden = false
        for c in prompt {
            if c == ignoreMarker { hidden.toggle(); continue }
            if !hidden { n += 1 }
        }
        return n
    }
}

/// Reads stdin plainly: no prompt, no history, no editing, no completion (pipes, `TERM=dumb`
/// scripts). A read interrupted by a signal is retried, so only the end of input ends it.
public final class PlainReader: LineReader {
    public var completer: ((String) -> CompletionAction)?
    public init() {}
    public func readLine(prompt: String) -> LineInput {
        guard let s = Swift.readLine(strippingNewline: true) else { return .end }
        return .line(s.hasSuffix("\r") ? String(s.dropLast()) : s)
    }
}

/// A reader that replays a script: for tests, and for driving a session from code.
public final class ScriptReader: LineReader {
    public var completer: ((String) -> CompletionAction)?
    public private(set) var inputs: [LineInput]
    /// Every prompt the session showed, in order.
    public private(set) var prompts: [String] = []
    /// The history the session last offered.
    public private(set) var history: [String] = []

    public init(_ inputs: [LineInput]) { self.inputs = inputs }
    public convenience init(lines: [String]) { self.init(lines.map { .line($0) }) }

    public func readLine(prompt: String) -> LineInput {
        prompts.append(prompt)
        return inputs.isEmpty ? .end : inputs.removeFirst()
    }

    public func setHistory(_ entries: [String]) { history = entries }
}
