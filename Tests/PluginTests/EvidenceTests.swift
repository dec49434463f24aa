import XCTest
import RhetorKit
import RhetorPlugins

/// Evidence lists, whatever the plugin: each span and source at most once.
final class EvidenceTests: XCTestCase {
    func testNoDecisionRepeatsAnEvidenceItem() throws {
        let cat = shippedCatalog()
        let engine = Engine(plugins: try cat.available.map { try cat.load($0) })
        // "analysts" and "routinely" are near both "Hashd" and "Iranian" (two militias/iran
        // mentions); the second passage has two punctuation marks right of one actor.
        let texts = [
            "Western analysts routinely describe the Hashd as an Iranian tool, but the record is messier. A nasibi does not change. Nothing changed but the flag.",
            "A social media company said it had removed a network of Iraqi pages that posted sectarian content, including posts calling Shia Iraqis \"rawafid\" and Sunni Iraqis \"nawasib\", and that several were run from the same devices.",
        ]
        var decisions = 0
        for text in texts {
            for (plugin, ds) in engine.classify(text).results {
                for d in ds {
                    decisions += 1
                    for (k, e) in d.evidence.enumerated() {
                        XCTAssertFalse(d.evidence[..<k].contains { $0.repeats(e) }, "\(plugin) \(d.subject ?? ""): \(e.source) at \(e.start ?? -1) twice")
                    }
                }
            }
        }
        XCTAssertGreaterThan(decisions, 5)
    }
}
