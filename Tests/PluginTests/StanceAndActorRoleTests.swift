import XCTest
import RhetorKit
import RhetorPlugins
import StancePlugin
import ActorRolePlugin

/// Behaviours of the stance and actor-role plugins on real passages, with the shipped models.
final class StanceAndActorRoleTests: XCTestCase {
    let analyzer = Analyzer()

    func stance(_ text: String) throws -> [String: String] {
        let plugin = try shippedCatalog().load("stance")
        var out: [String: String] = [:]
        for d in plugin.classify(analyzer.analyze(text), options: ClassifyOptions()) { out[d.subject!] = d.label }
        return out
    }

    func roles(_ text: String, rollUp: Bool = false) throws -> [Decision] {
        var options = ClassifyOptions()
        options.rollUp = rollUp
        return try shippedCatalog().load("actor-role").classify(analyzer.analyze(text), options: options)
    }

    func testTargetAliasesResolve() throws {
        XCTAssertEqual(try stance("The Hashd are heroes who saved Baghdad from Daesh in 2014.")["militias"], "favor")
        XCTAssertEqual(try stance("al-Kadhimi's government failed the people of Basra and lied about the electricity.")["iraqi-government"], "against")
    }

    func testQuotedAndAttributedPraiseIsNotTheAuthors() throws {
        let s = try stance("A militia spokesman said the attackers were \"heroes of the resistance\", according to a statement on Telegram.")
        XCTAssertNil(s["militias"], "reported praise must stay none, got \(s)")
    }

    func testSoCalledDelegitimises() throws {
        let s = try stance("The so-called resistance fighters are nothing but gangsters on Tehran's payroll.")
        XCTAssertEqual(s["militias"], "against")
        let d = try shippedCatalog().load("stance").classify(analyzer.analyze("The so-called resistance fighters are nothing but gangsters."), options: ClassifyOptions())
        XCTAssertTrue(d.first { $0.subject == "militias" }!.evidence.contains { $0.text.lowercased().contains("so-called") }, "evidence should name so-called")
    }

    func testIndirectStanceThroughAlliances() throws {
        let s = try stance("Washington is an occupier and its troops must leave; the Islamic Resistance has every right to defend Iraq.")
        XCTAssertEqual(s["united-states"], "against")
        XCTAssertEqual(s["militias"], "favor")
    }

    func testNegationFlipsALexiconCue() throws {
        // The same cue, negated, votes the other way (rule level, independent of the model).
        let plugin = try shippedCatalog().load("stance")
        var options = ClassifyOptions()
        options.mode = .lexicon
        options.allTargets = true
        let plain = plugin.classify(analyzer.analyze("The Hashd are heroes."), options: options).first { $0.subject == "militias" }!
        let negated = plugin.classify(analyzer.analyze("The Hashd are not heroes."), options: options).first { $0.subject == "militias" }!
        XCTAssertEqual(plain.label, "favor")
        XCTAssertNotEqual(negated.label, "favor")
        XCTAssertTrue(negated.evidence.contains { $0.source.contains("negated") }, "\(negated.evidence)")
    }

    /// Targets come from data: a corpus about another topic trains a working model.
    func testTrainingOnACorpusWithUnseenTargets() throws {
        let texts: [(String, String)] = [
            ("The carbon tax is a disaster that will ruin farmers.", "against"), ("Scrap the carbon tax, it punishes workers.", "against"),
            ("The carbon tax is a brilliant, overdue reform.", "favor"), ("We should welcome the carbon tax: it cuts emissions.", "favor"),
            ("Parliament debated the budget on Tuesday.", "none"), ("The football season opens next week.", "none"),
        ]
        let corpus = Corpus(records: texts.enumerated().map { k, t in
            CorpusRecord(id: "\(k)", text: t.0, stance: t.1 == "none" ? [:] : ["carbon-tax": t.1],
                         fields: [("stance", .object(t.1 == "none" ? [] : [("carbon-tax", .string(t.1))]))])
        })
        let model = try StancePlugin.train(corpus, lexicon: Lexicon(), options: TrainingOptions())
        let plugin = try StancePlugin(model: model)
        XCTAssertEqual(plugin.targets, ["carbon-tax"])
        let d = plugin.classify(analyzer.analyze("Scrap the carbon tax, it punishes workers."), options: ClassifyOptions())
        XCTAssertEqual(d.first?.subject, "carbon-tax")
        XCTAssertEqual(d.first?.label, "against")
    }

    func role(_ ds: [Decision], _ actor: String) -> [String] { ds.filter { $0.subject == actor }.map(\.label) }

    func testPassiveVoiceMakesTheByPhraseTheAgent() throws {
        XCTAssertTrue(role(try roles("The convoy was ambushed by Daesh remnants near Tarmiyah."), "isis").contains("agent"))
    }

    func testXBackedIsSponsor() throws {
        let ds = try roles("Iran-backed fighters fired rockets at the Green Zone.")
        XCTAssertTrue(role(ds, "iran").contains("sponsor"))
        XCTAssertTrue(ds.first { $0.subject == "iran" }!.evidence.contains { $0.source.hasPrefix("rule:X-backed") })
    }

    func testAllegationKeepsTheAgentRole() throws {
        XCTAssertTrue(role(try roles("The attack on the base was blamed on Kataib Hezbollah, which denied any role."), "kataib-hezbollah").contains("agent"))
    }

    func testSpellingVariantsAndOffsets() throws {
        let text = "Kata'ib Hizballah fired drones at US forces in Syria."
        let ds = try roles(text)
        let kh = try XCTUnwrap(ds.first { $0.subject == "kataib-hezbollah" })
        XCTAssertEqual(kh.label, "agent")
        XCTAssertEqual(kh.mention, "Kata'ib Hizballah")
        let scalars = Array(text.unicodeScalars)
        var s = ""; s.unicodeScalars.append(contentsOf: scalars[kh.start!..<kh.end!])
        XCTAssertEqual(s, "Kata'ib Hizballah")
        XCTAssertTrue(role(ds, "us-forces").contains("target"))
    }

    func testCompoundSubjectsAreBothAgents() throws {
        let ds = try roles("Badr and Asaib Ahl al-Haq fighters stormed the offices of the Kurdistan Democratic Party in Baghdad.")
        XCTAssertTrue(role(ds, "badr").contains("agent"))
        XCTAssertTrue(role(ds, "asaib-ahl-al-haq").contains("agent"))
        XCTAssertTrue(role(ds, "kdp").contains("target"))
    }

    func testReciprocalVerbsMakeBothSidesAgents() throws {
        let ds = try roles("Saraya al-Salam clashed with Asaib Ahl al-Haq in Basra overnight.")
        XCTAssertTrue(role(ds, "saraya-al-salam").contains("agent"))
        XCTAssertTrue(role(ds, "asaib-ahl-al-haq").contains("agent"))
    }

    func testMediationCues() throws {
        XCTAssertTrue(role(try roles("The UN envoy brokered a truce between the Sadrists and the Coordination Framework."), "unami").contains("mediator"))
    }

    func testRollUpReportsAncestors() throws {
        let ds = try roles("Kata'ib Hizballah fired drones at US forces in Syria.", rollUp: true)
        XCTAssertTrue(ds.contains { $0.subject == "militias" && $0.label == "agent" && $0.evidence.first?.source == "rule:roll-up from kataib-hezbollah" })
        XCTAssertTrue(ds.contains { $0.subject == "united-states" && $0.label == "target" })
    }

    func testAmbiguousShortAliasesNeedCapitals() throws {
        let ds = try roles("They told us the bridge is closed.")
        XCTAssertFalse(ds.contains { $0.subject == "united-states" || $0.subject == "isis" }, "\(ds.map { $0.subject ?? "" })")
    }
}
