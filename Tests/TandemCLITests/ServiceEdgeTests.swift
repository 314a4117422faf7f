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
}
