/// Renders evaluation results: a readable report and JSON.
public enum EvalReport {
    public static func text(_ results: [EvalResult], folds: Int?) -> String {
        guard let main = results.first else { return "no results" }
        var out = "\(main.plugin): \(folds.map { "\($0)-fold cross-validation on the training split" } ?? "held-out split"), \(main.records) records\n\n"
        // Summary line per mode: the ablation and the baselines side by side.
        out += "mode                     headline"
        switch main.level {
        case .perTarget: out += "  (F_avg = mean F1 of favor and against)\n"
        case .passage: out += "  (macro-F1)" + (main.matrix("all")?.labels.contains("none") == true ? "   binary F1 (any vs none)" : "") + "\n"
        case .perActor: out += "  (role micro-F1)   mention P / R   role-bearing P\n"
        }
        for r in results {
            var line = r.mode.padding(toLength: 25, withPad: " ", startingAt: 0) + fixed(r.headline)
            if r.level == .passage, let m = r.matrix("all"), m.labels.contains("none") { line += "                  " + fixed(m.binary(negative: "none").f1) }
            if r.level == .perActor { line += "                 " + fixed(r.mentionPrecision) + " / " + fixed(r.mentionRecall) + "   " + fixed(r.roleBearingPrecision) }
            out += line + "\n"
        }
        out += "\nCombined model in detail:\n"
        let combined = results.first { $0.mode == ScoringMode.combined.rawValue } ?? main
        for (name, m) in combined.matrices {
            if main.level == .perTarget && name != "all" {
                out += "  \(name.padding(toLength: 18, withPad: " ", startingAt: 0)) F_avg \(fixed(m.fAvg))   F1 favor \(fixed(m.scores("favor").f1))  against \(fixed(m.scores("against").f1))  (n=\(m.total), favor \(m.scores("favor").support), against \(m.scores("against").support))\n"
                continue
            }
            out += "\n  label            precision  recall     F1   support\n"
            for l in m.labels {
                let s = m.scores(l)
                out += "  \(l.padding(toLength: 16, withPad: " ", startingAt: 0)) \(fixed(s.precision))      \(fixed(s.recall))  \(fixed(s.f1))   \(s.support)\n"
            }
            out += "\n" + m.rendered().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
            if main.level == .perTarget { out += "\n  per target:\n" }
        }
        if main.level == .perActor {
            let c = combined, p = combined.pairs.scores
            out += "\n  mention detection: precision \(fixed(c.mentionPrecision)) (detected mentions on an annotated mention that resolve to its id, \(c.mentionsResolved)/\(c.mentionsOnAnnotated);"
            out += " \(c.mentionsUnannotated) other detected mentions overlap no annotation and are not judged), recall \(fixed(c.mentionRecall)) (annotated mentions detected)\n"
            out += "  role-bearing precision \(fixed(c.roleBearingPrecision)) (actors detected with a role that are annotated)\n"
            out += "  (actor, role) pairs: precision \(fixed(p.precision)) recall \(fixed(p.recall)) micro-F1 \(fixed(p.f1))\n"
        }
        return out
    }

    public static func json(_ r: EvalResult) -> JSONValue {
        func scores(_ m: ConfusionMatrix) -> JSONValue {
            .object(m.labels.map { l in
                let s = m.scores(l)
                return (l, .object([("precision", .number(round4(s.precision))), ("recall", .number(round4(s.recall))), ("f1", .number(round4(s.f1))), ("support", .number(Double(s.support)))]))
            })
        }
        var obj: [(String, JSONValue)] = [("plugin", .string(r.plugin)), ("mode", .string(r.mode)), ("records", .number(Double(r.records))), ("headline", .number(round4(r.headline)))]
        for (name, m) in r.matrices {
            var o: [(String, JSONValue)] = [("macro_f1", .number(round4(m.macroF1))), ("f_avg", .number(round4(m.fAvg))), ("accuracy", .number(round4(m.accuracy))), ("labels", scores(m)),
                                            ("confusion", .array(m.counts.map { .array($0.map { .number(Double($0)) }) }))]
            if m.labels.contains("none") { o.append(("binary_f1", .number(round4(m.binary(negative: "none").f1)))) }
            obj.append(("matrix:" + name, .object(o)))
        }
        if r.level == .perActor {
            obj.append(("mention_precision", .number(round4(r.mentionPrecision))))
            obj.append(("mentions_unannotated", .number(Double(r.mentionsUnannotated))))
            obj.append(("role_bearing_precision", .number(round4(r.roleBearingPrecision))))
            obj.append(("mention_recall", .number(round4(r.mentionRecall))))
            obj.append(("role_micro_f1", .number(round4(r.pairs.scores.f1))))
        }
        return .object(obj)
    }

    static func round4(_ x: Double) -> Double { (x * 10000).rounded() / 10000 }
}
