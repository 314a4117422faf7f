import Foundation
import Testing
@testable import TandemCore

/// Mangled inputs never crash a loader, and every diagnostic points inside its file.
@Suite("Loaders survive mangled input")
struct RobustnessTests {
    static let quirks = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/Valid/quirks")

    static func bytes(_ name: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: quirks.appendingPathComponent(name)))) ?? []
    }

    /// Applies 1–4 random edits: flip a byte, delete a range, duplicate a range, insert a
    /// character that matters to CSV or YAML, or truncate.
    static func mangle(_ input: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
        var bytes = input
        let specials: [[UInt8]] = [[0x22], [0x2C], [0x0A], [0x0D], [0x3A], [0x2D, 0x20], [0xFF], [0xE4, 0xB8],
                                   Array("NaN".utf8), Array("[".utf8), Array("{".utf8), [0x09], [0x00], Array("&a".utf8)]
        for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
            let i = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0: bytes[i] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...20, using: &random)))
            case 2: bytes.insert(contentsOf: bytes[i..<min(bytes.count, i + Int.random(in: 1...30, using: &random))], at: i)
            case 3: bytes.insert(contentsOf: specials.randomElement(using: &random)!, at: i)
            default: bytes.removeSubrange(i...)
            }
        }
        return bytes
    }

    static func checkLocations(_ diagnostics: [Diagnostic], _ sources: [SourceFile]) {
        for d in diagnostics {
            guard let location = d.location, location.line > 0 else { continue }
            let source = sources.first { $0.path == location.file }
            #expect(source != nil)
            if let source {
                #expect(location.line <= max(1, source.lineCount + 1), "\(d)")
                #expect(location.column >= 1)
            }
        }
        // Rendering never traps either.
        _ = DiagnosticRenderer(sources: sources).render(diagnostics)
    }

    @Test func mangledCSVFiles() {
        var random = SeededRandom(seed: 11)
        let krs = Self.bytes("krs.csv"), checkins = Self.bytes("checkins.csv")
        let table = KeyResultLoader.load(SourceFile(path: "krs.csv", bytes: krs)).value
        for _ in 0..<1_500 {
            let mangledKRs = SourceFile(path: "krs.csv", bytes: Self.mangle(krs, &random))
            let loadedChecked = KeyResultLoader.load(mangledKRs)
            let loaded = loadedChecked.value, krDiagnostics = loadedChecked.diagnostics
            Self.checkLocations(krDiagnostics, [mangledKRs])
            #expect(loaded.keyResults.count == loaded.index.count)
            let mangledCheckIns = SourceFile(path: "checkins.csv", bytes: Self.mangle(checkins, &random))
            let logChecked = CheckInLoader.load(mangledCheckIns, keyResults: table)
            let log = logChecked.value, diagnostics = logChecked.diagnostics
            Self.checkLocations(diagnostics, [mangledCheckIns])
            #expect(log.ranges.count == table.keyResults.count)
        }
    }

    @Test func mangledOrganisationFiles() {
        var random = SeededRandom(seed: 12)
        let org = Self.bytes("org.yaml")
        for _ in 0..<1_500 {
            let mangled = SourceFile(path: "org.yaml", bytes: Self.mangle(org, &random))
            let organisationChecked = OrganisationLoader.load(mangled)
            let organisation = organisationChecked.value, diagnostics = organisationChecked.diagnostics
            Self.checkLocations(diagnostics, [mangled])
            #expect((organisation == nil) == diagnostics.hasErrors)
        }
    }
}
