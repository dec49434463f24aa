import CEditLine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C outside line editing (while `:load` runs): a flag the session polls, instead of
/// the default action that would end the process.
public enum InterruptFlag {
    nonisolated(unsafe) static var raised: sig_atomic_t = 0

    public static var isRaised: Bool { raised != 0 }
    public static func clear() { raised = 0 }

    /// Catches SIGINT for the rest of the process (interactive sessions only).
    public static func install() {
        signal(SIGINT) { _ in InterruptFlag.raised = 1 }
    }
}

/// Writes through C stdio, the streams libedit writes to, so the two never interleave out of
/// order; flushed at once, so a pipe sees each record as it is made.
public enum StandardStreams {
    public static func out(_ s: String) { fputs(s, rhetor_stdout()); fflush(rhetor_stdout()) }
    public static func err(_ s: String) { fputs(s, rhetor_stderr()); fflush(rhetor_stderr()) }
}

/// The terminal reader: libedit (emacs bindings, ~/.editrc honoured) with the session's
/// history on Up/Down, its completion on Tab, and Ctrl-C that drops the line instead of
/// ending the process. A thin adaptor: every decision is the session's.
public final class EditLineReader: LineReader {
    private let el: OpaquePointer
    private let hist: OpaquePointer
    private var promptBytes: UnsafeMutablePointer<CChar>
    private var interrupted = false
    private let output: UnsafeMutablePointer<FILE>
    public var completer: ((String) -> CompletionAction)?

    /// nil when libedit cannot start on this terminal.
    public init?(program: String = "rhetor") {
        // libedit reads multibyte input only under a UTF-8 locale.
        setlocale(LC_CTYPE, "")
        if String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" { setlocale(LC_CTYPE, "C.UTF-8") }
        guard let e = el_init(program, rhetor_stdin(), rhetor_stdout(), rhetor_stderr()) else { return nil }
        guard let h = history_init() else { el_end(e); return nil }
        el = e
        hist = h
        output = rhetor_stdout()
        promptBytes = strdup("")
        rhetor_history_setsize(h, Int32(HistoryStore.defaultCapacity))
        rhetor_el_set_clientdata(e, Unmanaged.passUnretained(self).toOpaque())
        rhetor_el_set_editor(e, "emacs")
        // Redraw on resize, restore the terminal on stop/continue.
        rhetor_el_set_signal(e, 1)
        rhetor_el_set_history(e, h)
        rhetor_el_set_prompt(e, { el in
            guard let el, let r = EditLineReader.owner(el) else { return nil }
            return r.promptBytes
        }, CChar(bitPattern: UInt8(ascii: "\u{1}")))
        el_source(e, nil)
        // While editing, Ctrl-C and Ctrl-Z reach us as keys (not signals), so Ctrl-C can
        // drop the line and keep the session.
        rhetor_el_setty_edit(e, "-isig")
        rhetor_el_addfn(e, "rhetor-complete", "Complete a command, plugin, target, label, actor or path", { el, _ in
            guard let el, let r = EditLineReader.owner(el) else { return UInt8(CC_ERROR) }
            return r.complete(el)
        })
        rhetor_el_addfn(e, "rhetor-interrupt", "Drop the line being typed", { el, _ in
            guard let el, let r = EditLineReader.owner(el) else { return UInt8(CC_ERROR) }
            return r.interrupt(el)
        })
        rhetor_el_addfn(e, "rhetor-suspend", "Suspend rhetor (fg resumes it)", { el, _ in
            guard let el else { return UInt8(CC_ERROR) }
            rhetor_el_prep_term(el, 0)
            raise(SIGTSTP)
            rhetor_el_prep_term(el, 1)
            return UInt8(CC_REDISPLAY)
        })
        rhetor_el_bind(e, "^I", "rhetor-complete")
        rhetor_el_bind(e, "^C", "rhetor-interrupt")
        rhetor_el_bind(e, "^Z", "rhetor-suspend")
    }

    deinit {
        el_end(el)
        history_end(hist)
        free(promptBytes)
    }

    static func owner(_ el: OpaquePointer) -> EditLineReader? {
        guard let p = rhetor_el_get_clientdata(el) else { return nil }
        return Unmanaged<EditLineReader>.fromOpaque(p).takeUnretainedValue()
    }

    public func readLine(prompt: String) -> LineInput {
        free(promptBytes)
        promptBytes = strdup(prompt)
        interrupted = false
        var count: Int32 = 0
        let line = el_gets(el, &count)
        if interrupted { return .interrupt }
        guard let line, count > 0 else { return .end }
        var s = String(cString: line)
        if s.hasSuffix("\n") { s.removeLast() }
        return .line(s)
    }

    public func setHistory(_ entries: [String]) {
        rhetor_history_clear(hist)
        for e in entries { rhetor_history_enter(hist, e) }
    }

    /// Ctrl-C: mark the end of the line with ^C, then end it as Enter would (libedit moves
    /// below it cleanly); `readLine` reports an interrupt and the line is dropped.
    private func interrupt(_ el: OpaquePointer) -> UInt8 {
        interrupted = true
        if let li = el_line(el)?.pointee, let buffer = li.buffer, let end = li.lastchar {
            let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: end - buffer).bindMemory(to: UInt8.self), as: UTF8.self)
            el_replacestr(el, line + "^C")
        }
        el_push(el, "\n")
        return UInt8(CC_REFRESH)
    }

    /// Tab: ask the session, then insert, list or beep.
    private func complete(_ el: OpaquePointer) -> UInt8 {
        guard let completer, let li = el_line(el)?.pointee, let buffer = li.buffer, let cursor = li.cursor else { return UInt8(CC_ERROR) }
        let n = cursor - buffer
        let before = String(decoding: UnsafeRawBufferPointer(start: buffer, count: n).bindMemory(to: UInt8.self), as: UTF8.self)
        switch completer(before) {
        case .none:
            return UInt8(CC_REFRESH_BEEP)
        case .replace(let count, let text):
            if count > 0 { el_deletestr(el, Int32(count)) }
            return el_insertstr(el, text) == 0 ? UInt8(CC_REFRESH) : UInt8(CC_ERROR)
        case .list(let items):
            let width = Int(rhetor_terminal_columns(fileno(output)))
            // Paths are listed by their last component, as shells do.
            let names = items.map { item -> String in
                let isDir = item.hasSuffix("/")
                let name = (isDir ? item.dropLast() : Substring(item)).split(separator: "/").last.map(String.init) ?? item
                return name + (isDir ? "/" : "")
            }
            fputs("\n" + Renderer.columns(names, width: width > 0 ? width : 80), output)
            fflush(output)
            return UInt8(CC_REDISPLAY)
        }
    }
}
