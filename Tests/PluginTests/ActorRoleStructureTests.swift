import XCTest
import RhetorKit
import RhetorPlugins

/// The actor-role plugin's mention resolution and clause reading, one structure a test, on
/// passages written for these tests (none from the corpus), with the shipped model.
final class ActorRoleStructureTests: XCTestCase {
    let analyzer = Analyzer()

    func roles(_ text: String) throws -> [Decision] {
        try shippedCatalog().load("actor-role").classify(analyzer.analyze(text), options: ClassifyOptions())
    }

    /// Every feature that speaks for the decision, not just the top eight.
    func rolesWithAllEvidence(_ text: String) throws -> [Decision] {
        var options = ClassifyOptions()
        options.maxEvidence = 80
        return try shippedCatalog().load("actor-role").classify(analyzer.analyze(text), options: options)
    }

    func decision(_ ds: [Decision], _ actor: String) throws -> Decision {
        try XCTUnwrap(ds.first { $0.subject == actor }, "no \(actor) in \(ds.map { "\($0.subject ?? "")=\($0.label)" })")
    }

    func hasEvidence(_ d: Decision, _ source: String) -> Bool { d.evidence.contains { $0.source == source } }

    // MARK: resolution

    func testMilitaryNounsResolveToTheForces() throws {
        let ds = try roles("US jets struck a Kataib Hezbollah depot near al-Qaim, and a Turkish base in Bashiqa came under rocket fire.")
        XCTAssertEqual(try decision(ds, "us-forces").mention, "US jets")
        XCTAssertEqual(try decision(ds, "us-forces").label, "agent")
        XCTAssertEqual(try decision(ds, "turkish-forces").label, "target")
        XCTAssertFalse(ds.contains { $0.subject == "united-states" || $0.subject == "turkey" })
    }

    func testOverlappingAliasesTakeTheLongest() throws {
        // "the State" is an alias of the Iraqi government; the longer names win.
        let ds = try roles("The State of Law Coalition rejected the budget, while the State Department urged calm.")
        XCTAssertEqual(try decision(ds, "state-of-law").mention, "State of Law Coalition")
        XCTAssertEqual(try decision(ds, "united-states").mention, "State Department")
        XCTAssertFalse(ds.contains { $0.subject == "iraqi-government" })
    }

    func testFollowersOfALeaderAreHisMovement() throws {
        let d = try decision(try roles("Supporters of Muqtada al-Sadr stormed the parliament building on Saturday."), "sadrists")
        XCTAssertEqual(d.mention, "Supporters of Muqtada al-Sadr")
        XCTAssertEqual(d.label, "agent")
        XCTAssertTrue(hasEvidence(d, "rule:followers of muqtada-al-sadr → sadrists"), "\(d.evidence)")
    }

    func testFollowersOfATitledLeaderAreHisMovement() throws {
        // A title between "of" and the name; "Shia" inside the phrase is no mention of its own.
        let ds = try roles("Supporters of the Shia cleric Muqtada al-Sadr blocked the main road to the airport on Friday, demanding new elections.")
        let d = try decision(ds, "sadrists")
        XCTAssertEqual(d.mention, "Supporters of the Shia cleric Muqtada al-Sadr")
        XCTAssertTrue(hasEvidence(d, "rule:followers of muqtada-al-sadr → sadrists"), "\(d.evidence)")
        XCTAssertFalse(ds.contains { $0.subject == "shias" || $0.subject == "muqtada-al-sadr" }, "\(ds.map { $0.subject ?? "" })")
    }

    // MARK: clause slots

    func testSubjectReachesPastARelativeClause() throws {
        let d = try decision(try roles("Kataib Hezbollah, which denied any involvement, fired three rockets at US forces near the airport."), "kataib-hezbollah")
        XCTAssertEqual(d.label, "agent")
        XCTAssertTrue(hasEvidence(d, "rule:X fired → agent"), "\(d.evidence)")
    }

    func testSubjectOfAPassiveIsTheTarget() throws {
        // "were purged" is no listed passive phrase: the slot reads be + participle.
        let d = try decision(try roles("Dozens of Asaib Ahl al-Haq members were purged from the federal police in 2023."), "asaib-ahl-al-haq")
        XCTAssertEqual(d.label, "target")
        XCTAssertTrue(hasEvidence(d, "rule:X was purged → target"), "\(d.evidence)")
    }

    func testPresentTenseVerbsHaveSubjectAndObject() throws {
        let ds = try roles("Iran hangs protesters and jails women over a headscarf.")
        XCTAssertEqual(try decision(ds, "iran").label, "agent")
        XCTAssertEqual(try decision(ds, "protesters").label, "target")
        XCTAssertTrue(hasEvidence(try decision(ds, "protesters"), "rule:hangs X → target"))
    }

    func testOfPhraseSharesTheVerbsObject() throws {
        let d = try decision(try roles("Saraya al-Salam fighters shelled the positions of Asaib Ahl al-Haq in Basra overnight."), "asaib-ahl-al-haq")
        XCTAssertEqual(d.label, "target")
        XCTAssertTrue(hasEvidence(d, "rule:shelled X → target"), "\(d.evidence)")
    }

    func testSlotIsReadWithTheKindOfActor() throws {
        // The clause slot is also a feature paired with the actor's type: a militia as the
        // subject of an act, a state after a place preposition.
        let ds = try rolesWithAllEvidence("Asaib Ahl al-Haq fighters stormed a television station in Baghdad on Sunday night.")
        try expect(ds, "asaib-ahl-al-haq", "agent", evidence: "feature:slot:militia|subj-active:agent-verb")
        try expect(ds, "iraqi-government", "mention", evidence: "feature:slot:in state|prep")
    }

    func testAdjacentWordIsAFeatureOfItsOwn() throws {
        // Beside the window's words by side, the word right next to the mention counts alone.
        let ds = try rolesWithAllEvidence("Kataib Hezbollah fired rockets at a base near Erbil airport.")
        try expect(ds, "kataib-hezbollah", "agent", evidence: "feature:ctx:fired R1")
        try expect(ds, "krg", "mention", evidence: "feature:ctx:near L1")
    }

    /// The actor's decision has `label` and lists `evidence` among its sources.
    private func expect(_ ds: [Decision], _ actor: String, _ label: String, evidence: String,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let d = try decision(ds, actor)
        XCTAssertEqual(d.label, label, file: file, line: line)
        XCTAssertTrue(hasEvidence(d, evidence), "\(d.evidence.map(\.source))", file: file, line: line)
    }

    func testACommentInTheFirstPersonLeavesItsActorsMentioned() throws {
        // No act of the guide and the author's own voice: the passage's kind speaks for `mention`.
        let ds = try rolesWithAllEvidence("We grew up under the Baath and we know what a militia state looks like; the Hashd in our town is no different.")
        for actor in ["baath", "pmf"] {
            let d = try decision(ds, actor)
            XCTAssertEqual(d.label, "mention")
            XCTAssertTrue(hasEvidence(d, "feature:shape:first-person") && hasEvidence(d, "feature:shape:passage-events:0"), "\(d.evidence.map(\.source))")
        }
    }

    func testPartiesToTalksAreNotMediators() throws {
        let ds = try roles("Qatar hosted talks between the Sadrists and the Coordination Framework in Doha.")
        for actor in ["sadrists", "coordination-framework"] {
            let d = try decision(ds, actor)
            XCTAssertNotEqual(d.label, "mediator")
            XCTAssertFalse(d.evidence.contains { $0.source.hasSuffix("(mediator)") && $0.weight > 0 }, "\(d.evidence)")
        }
    }

    // MARK: evaluation

    /// Detection precision is judged only where an annotation exists (ANNOTATION.md §3 leaves
    /// merely-mentioned actors unannotated); role-bearing precision keeps the old figure.
    func testDetectionPrecisionCountsAnnotatedMentionsOnly() throws {
        let text = "Iran-backed fighters fired rockets at Erbil on Monday, the Pentagon said."
        let gold = [CorpusRecord.Actor(actor: "iran", mention: "Iran", role: "sponsor"), CorpusRecord.Actor(actor: "krg", mention: "Erbil", role: "target")]
        let record = CorpusRecord(id: "t1", text: text, actors: gold, fields: [("actors", .array([]))])
        let plugin = try shippedCatalog().load("actor-role")
        let r = Evaluator.evaluate(plugin, on: Corpus(records: [record]), mode: .combined)
        XCTAssertEqual(r.mentionsOnAnnotated, 2)
        XCTAssertEqual(r.mentionsResolved, 2)
        XCTAssertEqual(r.mentionsUnannotated, 1, "the Pentagon is detected but not annotated")
        XCTAssertEqual(r.mentionPrecision, 1)
        XCTAssertEqual(r.mentionRecall, 1)
        let roleBearing = plugin.classify(analyzer.analyze(text), options: ClassifyOptions()).filter { $0.label != "mention" }.compactMap(\.subject)
        XCTAssertEqual(r.roleBearingPrecision, Double(Set(roleBearing).intersection(["iran", "krg"]).count) / Double(Set(roleBearing).count))
    }
}
