import Foundation
import Testing

/// Runs `tandem` in the background so it can be killed.
func launch(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = CLI.binary
    process.arguments = arguments
    process.currentDirectoryURL = CLI.packageRoot
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// The digest line of `tandem store`: equal digests, equal contents.
func digest(_ db: String) throws -> String {
    let result = try CLI.run(["store", "--db", db])
    return result.stdout.split(separator: "\n").last.map(String.init) ?? ""
}

@Suite("tandem import: all or nothing, idempotent, survives SIGKILL")
struct ImportCommandTests {
    let sample = ["--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv"]

    @Test func importTwiceChangesNothing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("t.db").path
        let first = try CLI.run(["import", "--db", db] + sample)
        #expect(first.status == 0)
        #expect(first.stdout.contains("units 42 added, 0 changed; key results 2,078 added, 0 changed; check-ins 16,763 added, 0 changed"))
        let second = try CLI.run(["import", "--db", db] + sample)
        #expect(second.status == 0)
        #expect(second.stdout.hasPrefix("nothing changed"))
        #expect(second.stdout.contains("42 units, 2,078 key results, 16,763 check-ins from 1 import"))
    }

    @Test func aBrokenFileImportsNothing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("t.db").path
        #expect(try CLI.run(["import", "--db", db] + sample).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        // The same check-ins with one broken row at the end.
        let checkins = dir.appendingPathComponent("checkins.csv")
        var text = try String(contentsOf: CLI.packageRoot.appendingPathComponent("datasets/xinghai/checkins.csv"), encoding: .utf8)
        text += "KR-26Q4-00001,2026-11-19,12,11,\n"
        try text.write(to: checkins, atomically: true, encoding: .utf8)
        let result = try CLI.run(["import", "--db", db, "--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv",
                                  "--checkins", checkins.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("checkins.csv:16765:29: error: 'confidence' must be between 0 and 10, found 11 [C0115]"))
        #expect(result.stdout.contains("nothing imported"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    }

    @Test func aLaterExportAddsItsNewCheckIns() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("t.db").path
        // An earlier export: the check-ins up to 2026-11-01.
        let all = try String(contentsOf: CLI.packageRoot.appendingPathComponent("datasets/xinghai/checkins.csv"), encoding: .utf8)
        let lines = all.split(separator: "\n", omittingEmptySubsequences: false)
        let early = lines.enumerated().filter { i, line in
            i == 0 || line.isEmpty || String(line.split(separator: ",")[1]) <= "2026-11-01"
        }.map(\.element).joined(separator: "\n")
        let earlyFile = dir.appendingPathComponent("early.csv")
        try early.write(to: earlyFile, atomically: true, encoding: .utf8)
        let first = try CLI.run(["import", "--db", db, "--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv",
                                 "--checkins", earlyFile.path])
        #expect(first.status == 0)
        let added = lines.count - early.split(separator: "\n", omittingEmptySubsequences: false).count
        let later = try CLI.run(["import", "--db", db] + sample)
        #expect(later.status == 0)
        #expect(later.stdout.contains("units 0 added, 0 changed; key results 0 added, 0 changed; check-ins \(added.formatted()) added, 0 changed")
                || later.stdout.contains("check-ins \(added) added, 0 changed"), "\(later.stdout) (expected \(added))")
        #expect(later.stdout.contains("16,763 check-ins from 2 imports"))
    }

    @Test func aKilledImportLeavesTheStoreBeforeOrAfterNeverAMix() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A bigger export, so that the import takes long enough to be killed in the middle.
        let big = dir.appendingPathComponent("big").path
        #expect(try CLI.run(["generate", "--seed", "3", "--units", "1000", "--quarters", "3", "--out", big]).status == 0)
        let files = ["--org", "\(big)/org.yaml", "--krs", "\(big)/krs.csv", "--checkins", "\(big)/checkins.csv"]
        // The states a killed import may leave: from an empty store, and from one holding the sample.
        func state(_ name: String, _ imports: [[String]]) throws -> (String, TimeInterval) {
            let db = dir.appendingPathComponent(name).path
            var last: TimeInterval = 0
            for files in imports {
                let started = Date()
                #expect(try CLI.run(["import", "--db", db] + files).status == 0)
                last = Date().timeIntervalSince(started)
            }
            return (try digest(db), last)
        }
        let (empty, _) = try state("empty.db", [])
        let (bigOnly, duration) = try state("big.db", [files])
        let (sampleOnly, _) = try state("sample.db", [sample])
        let (sampleThenBig, _) = try state("sample-big.db", [sample, files])
        #expect(Set([empty, bigOnly, sampleOnly, sampleThenBig]).count == 4)
        var random = SystemRandomNumberGenerator()
        var killedMidway = 0
        for trial in 0..<8 {
            let db = dir.appendingPathComponent("killed-\(trial).db").path
            let withSample = trial % 2 == 1
            if withSample { #expect(try CLI.run(["import", "--db", db] + sample).status == 0) }
            let process = try launch(["import", "--db", db] + files)
            // Within the first 70% of a measured import: the machine may be quieter than when it was measured.
            Thread.sleep(forTimeInterval: Double.random(in: 0.02...max(0.05, duration * 0.7), using: &random))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killedMidway += 1 }
            let now = try digest(db)
            // Killed before the store was made, after it was made but before any row, or after.
            // (An empty store's digest is the FNV-1a offset basis: no byte was mixed in.)
            let allowed = withSample ? [sampleOnly, sampleThenBig] : [empty, "digest cbf29ce484222325", bigOnly]
            #expect(allowed.contains(now), "trial \(trial): \(now) is neither the state before nor the state after")
        }
        #expect(killedMidway >= 4, "most kills should land while the import runs")
    }
}
