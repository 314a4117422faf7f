import Foundation
import Testing
import TandemCore
@testable import TandemImport

/// Every importer on damaged exports: bytes flipped, cut, duplicated, spliced from another
/// format. None may crash; each either drafts or says what is wrong, located in the file.
@Suite("Importers never crash on damaged exports")
struct RobustnessTests {
    static let cases: [(ImportFormat, [String], String?)] = [
        (.jira, ["jira/sprints.json", "jira/issues.json"], nil), (.jira, ["jira/issues.csv", "jira/sprints.json"], nil),
        (.asana, ["asana/goals.json", "asana/status-updates.json"], nil), (.lattice, ["lattice/goals.json", "lattice/updates.json"], nil),
        (.cultureAmp, ["culture-amp/goals.csv"], nil), (.mapping, ["mapping/goals.csv"], "mapping/goals.yaml"),
        (.mapping, ["mapping/goals.json"], "mapping/goals-json.yaml"),
    ]

    @Test func damagedExportsGiveDraftsOrLocatedErrors() throws {
        var random = SeededRandom(seed: 99)
        let noise: [UInt8] = Array("\",;:{}[]\n\r\t%-.0123456789eE+ abc研\u{0}".utf8) + [0xFF, 0xC3]
        var drafted = 0, refused = 0
        for (format, paths, mappingPath) in Self.cases {
            let originals = try paths.map(Fixture.file)
            let mapping = try mappingPath.map(Fixture.file)
            for round in 0..<120 {
                var files = originals
                let k = Int(random.next() % UInt64(files.count))
                var bytes = files[k].bytes
                switch round % 4 {
                case 0:  // flip a few bytes
                    for _ in 0..<(1 + Int(random.next() % 6)) where !bytes.isEmpty {
                        bytes[Int(random.next() % UInt64(bytes.count))] = noise[Int(random.next() % UInt64(noise.count))]
                    }
                case 1:  // cut
                    bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1))))
                case 2:  // a slice duplicated
                    let a = Int(random.next() % UInt64(bytes.count)), b = min(bytes.count, a + Int(random.next() % 200))
                    bytes.insert(contentsOf: bytes[a..<b], at: Int(random.next() % UInt64(bytes.count)))
                default:  // another format's file in its place
                    let other = Self.cases[Int(random.next() % UInt64(Self.cases.count))].1[0]
                    bytes = try Fixture.file(other).bytes
                }
                files[k] = SourceFile(path: files[k].path, bytes: bytes)
                let result = Importers.draft(format, files: files, options: ImportOptions(mapping: mapping, asOf: Day(iso: "2026-11-30")!))
                if let draft = result.value {
                    drafted += 1
                    // A draft lowers, and its canonical files are checked, without a crash either.
                    if let lowered = Lowering.lower(draft, known: nil, placement: Placement(), label: "x", export: files[0].path).value {
                        let load = DatasetLoader.load(organisation: lowered.organisation, krs: lowered.keyResults, checkins: lowered.checkIns)
                        for d in lowered.remap(load.diagnostics) where d.severity == .error {
                            #expect(d.location != nil, "\(d.message)")
                        }
                    }
                } else {
                    refused += 1
                    #expect(result.diagnostics.hasErrors, "\(format) refused without an error")
                    for d in result.diagnostics where d.severity == .error {
                        #expect(d.location.map { paths.map { "Fixtures/" + $0 }.contains($0.file) || $0.file == mapping?.path } ?? false, "\(d.message) at \(String(describing: d.location))")
                    }
                }
            }
        }
        #expect(drafted > 50 && refused > 200, "drafted \(drafted), refused \(refused)")
    }
}
