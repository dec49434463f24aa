import Foundation
import XCTest

final class TrainTests: XCTestCase {
    /// Outside the repository the plugin's lexicon and the gazetteer cannot be found: training
    /// must stop and say so rather than build a model without them.
    func testTrainingOutsideTheRepositoryIsAClearError() throws {
        let dir = try CLI.tempDir("train-cwd")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let corpus = dir + "/c.jsonl"
        try #"{"id":"x1","text":"The factions are thugs.","stance":{"militias":"against"}}"#.write(toFile: corpus, atomically: true, encoding: .utf8)
        let r = try CLI.run(["train", "stance", "--corpus", corpus, "--models", dir + "/m"], cwd: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("Plugins/Stance not found"), r.stderr)
        XCTAssertTrue(r.stderr.contains("repository root"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/m/stance.model"))
    }
}
