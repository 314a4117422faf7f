import Foundation
import Testing
import TandemCore
@testable import TandemPolicy

/// The corpus of broken policies: each `NN-name.policy` under `Fixtures/Broken` has its full
/// rendered diagnostics in `NN-name.expected`. Re-record on purpose only, with
/// `TANDEM_RECORD_SNAPSHOTS=1 swift test`.
@Suite("Broken policies get located diagnostics")
struct BrokenPolicyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Broken")
    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
        .filter { $0.hasSuffix(".policy") }.sorted()

    @Test func corpusHasAtLeastFortyCases() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func rendersExpectedDiagnostics(_ name: String) throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent(name))
        let source = SourceFile(path: name, bytes: [UInt8](data))
        let result = PolicyLoader.load(source)
        let (errors, warnings) = result.diagnostics.counts
        let actual = DiagnosticRenderer(sources: [source]).render(result.diagnostics)
            + "-- \(errors) error(s), \(warnings) warning(s)\n"
        let expectedURL = Self.root.appendingPathComponent(name.replacingOccurrences(of: ".policy", with: ".expected"))
        if ProcessInfo.processInfo.environment["TANDEM_RECORD_SNAPSHOTS"] == "1" {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        #expect(actual == (try String(contentsOf: expectedURL, encoding: .utf8)))
        #expect(!result.diagnostics.isEmpty)
        // Every diagnostic has a stable id and a location in this file.
        for d in result.diagnostics {
            #expect(d.id.hasPrefix("P"))
            #expect(d.location?.file == name)
        }
        #expect((result.policy == nil) == (errors > 0))
    }
}
