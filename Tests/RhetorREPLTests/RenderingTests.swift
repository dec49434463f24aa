import Foundation
import RhetorKit
@testable import RhetorREPL
import XCTest

final class RenderingTests: XCTestCase {
    let esc = "\u{1B}["

    func testVerdictWithoutColourMarksEvidenceInBrackets() throws {
        let h = Harness([try Fixture.tone()])
        let out = h.type("The crowd was furious today.")
        XCTAssertFalse(out.contains(esc))
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("tone  angry "), lines[0])
        XCTAssertTrue(lines[0].contains("   “furious” +"), "the strongest evidence is shown beside the verdict: \(lines[0])")
        XCTAssertEqual(lines[0].components(separatedBy: "“furious”").count, 2, "each text once beside the verdict")
        XCTAssertTrue(lines.last!.hasPrefix("  » The "), lines.last!)
        XCTAssertTrue(lines.last!.contains("[furious] today."), lines.last!)
    }

    func testVerdictInColourUnderlinesEvidence() throws {
        let h = Harness([try Fixture.tone()], colour: true)
        let out = h.type("The crowd was furious today.")
        XCTAssertTrue(out.contains(esc + "4;33mfurious" + esc + "0m"), out)
        XCTAssertTrue(out.contains(esc + "1;36mangry" + esc + "0m"))
        XCTAssertFalse(out.contains("[furious]"))
    }

    func testPerTargetAndPerActorLines() {
        let d1 = Decision(subject: "militias", label: "against", confidence: 0.873,
                          evidence: [Evidence(start: 4, end: 13, text: "so-called", weight: 1.5, source: "lexicon:so-called (against)")])
        let d2 = Decision(subject: "iran", mention: "Tehran", start: 20, end: 26, label: "sponsor", confidence: 0.91,
                          evidence: [Evidence(text: "", weight: -0.25, source: "rule:X-backed → sponsor")])
        let text = "The so-called resistance, Tehran's men."
        let out = Renderer.verdict(text: text, results: [("stance", [d1]), ("actor-role", [d2]), ("sectarian", [])],
                                   levels: ["stance": .perTarget, "actor-role": .perActor, "sectarian": .passage], style: Style(enabled: false))
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "stance      militias → against 0.87   “so-called” +1.50")
        XCTAssertEqual(lines[1], "actor-role  iran «Tehran» → sponsor 0.91   X-backed → sponsor −0.25")
        XCTAssertEqual(lines[2], "sectarian   no decision")
        XCTAssertEqual(lines[3], "  » The [so-called] resistance, Tehran's men.")
        let none = Renderer.verdict(text: "x", results: [("stance", [])], levels: ["stance": .perTarget], style: Style(enabled: false))
        XCTAssertTrue(none.contains("no stance: every target none"))
    }

    func testHighlightMergesOverlapsAndKeepsUnicodeOffsets() {
        let text = "Les «milices» ont frappé Erbil."
        let plain = Renderer.highlight(text, marks: [(5, 12, .oppose), (25, 30, .support), (24, 30, .mention)], style: Style(enabled: false))
        XCTAssertEqual(plain, "Les «[milices]» ont frappé [Erbil].")
        let coloured = Renderer.highlight(text, marks: [(25, 30, .support), (25, 30, .mention)], style: Style(enabled: true))
        XCTAssertTrue(coloured.contains(esc + "4;33mErbil" + esc + "0m"), "support wins over a mention")
    }

    func testMultiLinePassagesAreIndented() throws {
        let h = Harness([try Fixture.tone()])
        let out = h.type(":paste", "A peaceful day.", "Then quiet.", ".")
        XCTAssertTrue(out.contains("  » "), out)
        XCTAssertTrue(out.contains(" day.\n    Then quiet.\n"), "continuation lines are indented under the first: \(out)")
    }

    func testPromptColourIsWrappedForLibedit() throws {
        let h = Harness([try Fixture.tone()], colour: true)
        let p = h.session.prompt
        XCTAssertEqual(p, "\u{1}\(esc)1;36m\u{1}rhetor\u{1}\(esc)0m\u{1}> ")
        XCTAssertEqual(Prompt.width(p), 8)
        XCTAssertEqual(Prompt.visible(p), "\(esc)1;36mrhetor\(esc)0m> ")
        XCTAssertEqual(Harness([try Fixture.tone()]).session.prompt, "rhetor> ")
        h.session.handle(.line("a \\"))
        XCTAssertEqual(Prompt.width(h.session.prompt), 8, "the continuation prompt lines up with the main one")
    }

    func testColourFollowsTheEnvironment() {
        XCTAssertTrue(Style.auto(isTerminal: true, environment: ["TERM": "xterm-256color"]).enabled)
        XCTAssertFalse(Style.auto(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": "1"]).enabled)
        XCTAssertFalse(Style.auto(isTerminal: true, environment: ["TERM": "dumb"]).enabled)
        XCTAssertFalse(Style.auto(isTerminal: false, environment: [:]).enabled)
    }

    func testExplainListsEvidenceWithSignedWeights() {
        let d = Decision(label: "hostile", confidence: 0.8, scores: [("none", 0.1), ("hostile", 0.8), ("framing", 0.1)],
                         evidence: [Evidence(start: 0, end: 6, text: "rafida", weight: 2.0, source: "lexicon:rafida (hostile/anti-shia)"),
                                    Evidence(start: 10, end: 14, text: "news", weight: -0.5, source: "feature:w:news")])
        let out = Renderer.explain(results: [("sectarian", [d])], levels: [:], style: Style(enabled: false))
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "sectarian · hostile 0.80")
        XCTAssertEqual(lines[1], "  scores  none 0.100  hostile 0.800  framing 0.100")
        XCTAssertEqual(lines[2], "    +2.00  lexicon  rafida (hostile/anti-shia) [0–6)")
        XCTAssertEqual(lines[3], "    −0.50  feature  w:news [10–14)")
        XCTAssertEqual(lines[4], "  2 items, net +1.50 toward hostile (log-odds; + for it, − against it)")
    }

    func testBeforeAfter() {
        let b = Decision(subject: "militias", label: "none", confidence: 0.6)
        let a = Decision(subject: "militias", label: "against", confidence: 0.55)
        XCTAssertEqual(Renderer.beforeAfter(plugin: "stance", before: [b], after: [a], style: Style(enabled: false)),
                       "stance  before  militias → none 0.60\n        after   militias → against 0.55\n")
    }

    func testLoadSummaryTable() {
        var s = LoadSummary(file: "x.jsonl", levels: ["tone": .passage, "actor-role": .perActor])
        s.add([("tone", [Decision(label: "angry", confidence: 1)]), ("actor-role", [Decision(subject: "iran", label: "sponsor", confidence: 1)])])
        s.add([("tone", [Decision(label: "calm", confidence: 1)]), ("actor-role", [Decision(subject: "iran", label: "sponsor", confidence: 1), Decision(subject: "krg", label: "sponsor", confidence: 1)])])
        s.add([("tone", [Decision(label: "angry", confidence: 1)]), ("actor-role", [])])
        let out = s.render(style: Style(enabled: false))
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("x.jsonl: 3 passages ("))
        XCTAssertEqual(lines[1], "plugin      subject  label    count  share  top actors (mentions)")
        XCTAssertEqual(lines[2], "tone                 angry        2    67%")
        XCTAssertEqual(lines[3], "                     calm         1    33%")
        XCTAssertEqual(lines[4], "actor-role           sponsor      3         iran 2, krg 1")
    }

    func testColumns() {
        XCTAssertEqual(Renderer.columns(["a", "bb", "ccc"], width: 10), "a    bb\nccc\n")
        XCTAssertEqual(Renderer.columns([], width: 10), "")
    }
}
