import Foundation
import Testing

/// What an adversarial review of the service layer found, kept fixed.
@Suite("The service layer at its edges, as a user meets them")
struct ServiceEdgeTests {
    let org = ["--org", "datasets/xinghai/org.yaml"]

    @Test func twoImportsCreatingOneStoreAtOnceBothSucceed() throws {
        for _ in 0..<5 {
            let dir = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let db = dir.appendingPathComponent("new.db").path
            let a = try launch(["import", "--db", db] + org), b = try launch(["import", "--db", db] + org)
            a.waitUntilExit()
            b.waitUntilExit()
            #expect(a.terminationStatus == 0 && b.terminationStatus == 0)
            let store = try CLI.run(["store", "--db", db])
            #expect(store.stdout.contains("42 units"), "\(store.stdout)\(store.stderr)")
        }
    }

    @Test func aFileImportedAloneIntoWhatIsNotAStoreSaysSo() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("notes.db").path
        try "not a database".write(toFile: text, atomically: true, encoding: .utf8)
        let out = try CLI.run(["import", "--db", text, "--checkins", "datasets/xinghai/checkins.csv"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("not a Tandem store"), "\(out.stderr)")
        // Into a store that does not exist yet: what it needs first.
        let missing = try CLI.run(["import", "--db", dir.appendingPathComponent("none.db").path, "--checkins", "datasets/xinghai/checkins.csv"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("check-ins alone need the store to hold their key results"), "\(missing.stderr)")
    }

    @Test func tandemModelsNamesTheOnlyPlaceLooked() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["diagnose"] + org
        process.currentDirectoryURL = CLI.packageRoot  // where Models/selection.policy exists as written
        var env = ProcessInfo.processInfo.environment
        env["TANDEM_MODELS"] = dir.appendingPathComponent("missing").path
        process.environment = env
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let said = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(said.contains(dir.appendingPathComponent("missing/selection.policy").path), "\(said)")
    }

    @Test func keyResultsAndCheckInsAloneAreCheckedAgainstTheStore() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("s.db").path
        #expect(try CLI.run(["import", "--db", db, "--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv"]).status == 0)
        let before = try CLI.run(["store", "--db", db]).stdout
        let krs = dir.appendingPathComponent("k.csv").path
        try """
        kr_id,objective_id,unit_id,title,kind,start_value,target_value,cycle_start,cycle_end,owner,final_value
        KR-NEW-1,O-25Q4-0001,rd,新目标,kpi,71,77,2025-10-01,2025-12-31,,
        KR-NEW-2,O-X,nounit,t,committed,0,10,2026-10-01,2026-12-31,,

        """.write(toFile: krs, atomically: true, encoding: .utf8)
        let out = try CLI.run(["import", "--db", db, "--krs", krs])
        #expect(out.status == 1)
        #expect(out.stderr.contains("k.csv:2:10: error: objective 'O-25Q4-0001' must belong to one unit, but this row puts it in 'rd' and the store holds it in 'xh' [C0124]"), "\(out.stderr)")
        #expect(out.stderr.contains("k.csv:3:14: error: unknown unit 'nounit'; a key result's unit must be in the organisation the store holds [C0123]"))
        let checkins = dir.appendingPathComponent("c.csv").path
        try "kr_id,date,value\nKR-NOPE,2026-10-05,1\n".write(toFile: checkins, atomically: true, encoding: .utf8)
        let alone = try CLI.run(["import", "--db", db, "--checkins", checkins])
        #expect(alone.status == 1)
        #expect(alone.stderr.contains("'KR-NOPE' is not in the store [C0130]"), "\(alone.stderr)")
        // Nothing was written.
        #expect(try CLI.run(["store", "--db", db]).stdout == before)
        // Check-ins of the store's key results import alone.
        let good = dir.appendingPathComponent("g.csv").path
        try "kr_id,date,value\nKR-25Q4-00001,2025-10-08,72\n".write(toFile: good, atomically: true, encoding: .utf8)
        let ok = try CLI.run(["import", "--db", db, "--checkins", good])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("check-ins 1 added"))
    }
}
