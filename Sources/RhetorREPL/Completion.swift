import Foundation
import RhetorKit

/// What Tab does, decided without a terminal: the libedit reader only carries it out.
public enum CompletionAction: Equatable, Sendable {
    /// Nothing fits: beep.
    case none
    /// Delete `count` characters (Unicode scalars) before the cursor, then insert `text`.
    case replace(count: Int, with: String)
    /// Several fit and share no longer prefix: show them.
    case list([String])

    /// The action for a partial word and the words that could complete it: one candidate is
    /// inserted whole (then a space, unless it ends in `/`, `=` or `,`, where more follows);
    /// several extend the word to their common prefix, or are listed when it is already there.
    public static func resolve(word: String, candidates: [String]) -> CompletionAction {
        var unique: [String] = []
        for c in candidates where !unique.contains(c) { unique.append(c) }
        guard let first = unique.first else { return .none }
        if unique.count == 1 {
            let more = first.hasSuffix("/") || first.hasSuffix("=") || first.hasSuffix(",")
            return .replace(count: word.unicodeScalars.count, with: first + (more ? "" : " "))
        }
        let common = unique.dropFirst().reduce(first) { commonPrefix($0, $1) }
        if common.count > word.count { return .replace(count: word.unicodeScalars.count, with: common) }
        return .list(unique.sorted())
    }

    static func commonPrefix(_ a: String, _ b: String) -> String {
        var out = ""
        for (x, y) in zip(a, b) { guard x == y else { break }; out.append(x) }
        return out
    }
}

extension Session {
    /// Completes the text before the cursor: commands after `:`, plugin ids, targets, labels
    /// and actor ids after `:use`, `:label` and `:explain`, paths after `:load` and `:save`.
    public func completion(for before: String) -> CompletionAction {
        let (word, candidates) = completionCandidates(for: before)
        return CompletionAction.resolve(word: word, candidates: candidates)
    }

    /// The partial word under the cursor and every word that could replace it.
    public func completionCandidates(for before: String) -> (word: String, candidates: [String]) {
        let text = before.drop { $0 == " " }
        guard text.hasPrefix(":") else { return (String(before.split(separator: " ", omittingEmptySubsequences: false).last ?? ""), []) }
        let endsWithSpace = text.last == " "
        let parts = text.split(separator: " ").map(String.init)
        // Still typing the command's name.
        if parts.count == 1 && !endsWithSpace {
            let names = Command.allCases.map { ":" + $0.rawValue }
            return (parts[0], names.filter { $0.hasPrefix(parts[0]) })
        }
        guard let cmd = Command.lookup(String(parts[0].dropFirst())) else { return ("", []) }
        let args = Array(parts.dropFirst())
        let word = endsWithSpace ? "" : (args.last ?? "")
        let index = endsWithSpace ? args.count : args.count - 1   // which argument the word is
        let ids = plugins.map(\.descriptor.id)
        func matching(_ xs: [String]) -> [String] { xs.filter { $0.hasPrefix(word) } }

        switch cmd {
        case .help:
            return index == 0 ? (word, matching(Command.allCases.map(\.rawValue))) : (word, [])
        case .use:
            // A comma list: complete its last item, keeping a +/- sign.
            let head = word.contains(",") ? String(word[...word.lastIndex(of: ",")!]) : ""
            var item = String(word.dropFirst(head.count))
            var sign = ""
            if let f = item.first, f == "+" || f == "-" { sign = String(f); item.removeFirst() }
            let options = (head.isEmpty && sign.isEmpty ? ids + ["all"] : ids)
            return (word, options.filter { $0.hasPrefix(item) }.map { head + sign + $0 })
        case .explain:
            if index == 0 { return (word, matching(ids)) }
            if index == 1, let p = plugins.first(where: { $0.descriptor.id == args[0] }) {
                return (word, matching(subjectsForCompletion(p)))
            }
            return (word, [])
        case .label:
            if index == 0 { return (word, matching(ids)) }
            guard let p = plugins.first(where: { $0.descriptor.id == args[0] }) else { return (word, []) }
            let d = p.descriptor
            switch d.level {
            case .passage:
                return (word, matching(d.labels))
            case .perTarget, .perActor:
                if let eq = word.firstIndex(of: "=") {
                    let subject = word[...eq]
                    return (word, d.labels.map { subject + $0 }.filter { $0.hasPrefix(word) })
                }
                return (word, subjectsForCompletion(p).filter { $0.hasPrefix(word) }.map { $0 + "=" })
            }
        case .load, .save:
            let path = String(text.drop { $0 != " " }.drop { $0 == " " })
            return (path, pathCandidates(path))
        default:
            return (word, [])
        }
    }

    /// Stance targets; for actors, those mentioned in the last passage, or every known id.
    func subjectsForCompletion(_ p: any PluginInstance) -> [String] {
        guard p.descriptor.level == .perActor else { return subjects(of: p) }
        if let last, let ds = last.results.first(where: { $0.0 == p.descriptor.id })?.1 {
            let mentioned = ds.compactMap(\.subject)
            if !mentioned.isEmpty { return mentioned }
        }
        if let last {
            var opts = options
            opts.rollUp = false
            let mentioned = p.classify(last.passage, options: opts).compactMap(\.subject)
            if !mentioned.isEmpty { return mentioned }
        }
        return subjects(of: p)
    }

    /// Files and folders whose path starts with `partial` (folders end in `/`; hidden ones
    /// only when asked for with a leading dot).
    func pathCandidates(_ partial: String) -> [String] {
        let dirPart: String, base: String
        if let slash = partial.lastIndex(of: "/") {
            dirPart = String(partial[...slash])
            base = String(partial[partial.index(after: slash)...])
        } else {
            dirPart = ""
            base = partial
        }
        let expandedDir = dirPart.isEmpty ? "." : expandTilde(dirPart)
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: expandedDir) else { return [] }
        return names.filter { $0.hasPrefix(base) && (base.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().map { name in
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: (expandedDir as NSString).appendingPathComponent(name), isDirectory: &isDir)
            return dirPart + name + (isDir.boolValue ? "/" : "")
        }
    }
}
