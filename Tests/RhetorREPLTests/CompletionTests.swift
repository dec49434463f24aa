import Foundation
import RhetorKit
@testable import RhetorREPL
import XCTest

final class CompletionTests: XCTestCase {
    var session: Session!

    override func setUpWithError() throws {
        session = Harness([try Fixture.tone(), try Fixture.stance(), try Fixture.actorRole()]).session
    }

    func testResolve() {
        XCTAssertEqual(CompletionAction.resolve(word: "x", candidates: []), .none)
        XCTAssertEqual(CompletionAction.resolve(word: ":he", candidates: [":help"]), .replace(count: 3, with: ":help "))
        XCTAssertEqual(CompletionAction.resolve(word: "mil", candidates: ["militias="]), .replace(count: 3, with: "militias="))
        XCTAssertEqual(CompletionAction.resolve(word: "co", candidates: ["corpora/"]), .replace(count: 2, with: "corpora/"))
        XCTAssertEqual(CompletionAction.resolve(word: "s", candidates: ["stance", "stage"]), .replace(count: 1, with: "sta"))
        XCTAssertEqual(CompletionAction.resolve(word: "sta", candidates: ["stance", "stage"]), .list(["stage", "stance"]))
        XCTAssertEqual(CompletionAction.resolve(word: "é", candidates: ["école"]), .replace(count: 1, with: "école "), "counts are Unicode scalars, as libedit deletes them")
    }

    func testCommands() {
        XCTAssertEqual(session.completion(for: ":he"), .replace(count: 3, with: ":help "))
        XCTAssertEqual(session.completion(for: ":ex"), .replace(count: 3, with: ":explain "))
        XCTAssertEqual(session.completion(for: ":p"), .list([":paste", ":plugins"]))
        guard case .list(let all) = session.completion(for: ":") else { return XCTFail("a lone colon lists every command") }
        XCTAssertEqual(all.count, Command.allCases.count)
        XCTAssertEqual(session.completion(for: ":zz"), .none)
        XCTAssertEqual(session.completion(for: "plain passage te"), .none, "passages are not completed")
        XCTAssertEqual(session.completion(for: ":help la"), .replace(count: 2, with: "label "))
    }

    func testPluginIds() {
        XCTAssertEqual(session.completion(for: ":use st"), .replace(count: 2, with: "stance "))
        XCTAssertEqual(session.completion(for: ":use stance,to"), .replace(count: 9, with: "stance,tone "))
        XCTAssertEqual(session.completion(for: ":use -ac"), .replace(count: 3, with: "-actor-role "))
        XCTAssertEqual(session.completion(for: ":use a"), .list(["actor-role", "all"]))
        XCTAssertEqual(session.completion(for: ":label t"), .replace(count: 1, with: "tone "))
        XCTAssertEqual(session.completion(for: ":explain act"), .replace(count: 3, with: "actor-role "))
    }

    func testLabelsTargetsAndActors() {
        XCTAssertEqual(session.completion(for: ":label tone a"), .replace(count: 1, with: "angry "))
        XCTAssertEqual(session.completion(for: ":label tone "), .list(["angry", "calm"]))
        XCTAssertEqual(session.completion(for: ":label stance mil"), .replace(count: 3, with: "militias="))
        XCTAssertEqual(session.completion(for: ":label stance militias=ag"), .replace(count: 11, with: "militias=against "))
        XCTAssertEqual(session.completion(for: ":label stance militias="), .list(["militias=against", "militias=favor", "militias=none"]))
        XCTAssertEqual(session.completion(for: ":label stance militias=against ir"), .replace(count: 2, with: "iran="))
        XCTAssertEqual(session.completion(for: ":explain stance ir"), .replace(count: 2, with: "iran "))
        // Actors: every known id before a passage; then those the passage mentions.
        guard case .list(let known) = session.completion(for: ":label actor-role ") else { return XCTFail() }
        XCTAssertEqual(known, ["iran=", "kataib-hezbollah=", "krg=", "militias="])
        session.handle(.line("Kataib Hezbollah fired rockets at Erbil."))
        XCTAssertEqual(session.completionCandidates(for: ":label actor-role ").candidates.sorted(), ["kataib-hezbollah=", "krg="])
        XCTAssertEqual(session.completion(for: ":label actor-role "), .replace(count: 0, with: "k"))
        XCTAssertEqual(session.completion(for: ":label actor-role kr"), .replace(count: 2, with: "krg="))
        XCTAssertEqual(session.completion(for: ":label actor-role krg=sp"), .replace(count: 6, with: "krg=sponsor "))
    }

    func testFilePathsAfterLoadAndSave() throws {
        let dir = Fixture.tempDir()
        try "x".write(toFile: dir + "/passages.jsonl", atomically: true, encoding: .utf8)
        try "x".write(toFile: dir + "/.hidden", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/parts", withIntermediateDirectories: true)
        XCTAssertEqual(session.completion(for: ":load \(dir)/pas"), .replace(count: dir.count + 4, with: "\(dir)/passages.jsonl "))
        XCTAssertEqual(session.completion(for: ":load \(dir)/p"), .replace(count: dir.count + 2, with: "\(dir)/pa"))
        XCTAssertEqual(session.completion(for: ":load \(dir)/par"), .replace(count: dir.count + 4, with: "\(dir)/parts/"))
        XCTAssertEqual(session.completionCandidates(for: ":load \(dir)/").candidates, ["\(dir)/parts/", "\(dir)/passages.jsonl"], "hidden files only on request")
        XCTAssertEqual(session.completion(for: ":save \(dir)/.hi"), .replace(count: dir.count + 4, with: "\(dir)/.hidden "))
        XCTAssertEqual(session.completion(for: ":load \(dir)/nothing"), .none)
    }
}
