import Foundation
import Testing

/// Whether `python3` with the `jsonschema` package is here (`make test` installs Debian's
/// python3-jsonschema when it is missing).
let jsonSchemaValidator: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import jsonschema"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

/// Every command's JSON output conforms to the JSON Schema shipped for it in
/// `Sources/tandem/Schemas/`, on real output: the sample organisation run week by week, an
/// acknowledged alert, broken files, two policy versions, the real history.
@Suite("JSON output against its schemas", .enabled(if: jsonSchemaValidator, "python3 with the jsonschema package is needed to validate against JSON Schema (make test installs python3-jsonschema)"))
struct JSONSchemaTests {
    let sample = ["--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv"]
    let history = ["--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv"]
    let hardening = "Tests/TandemCLITests/Fixtures/Hardening/"

    /// Runs a command, keeps its standard output as a file, and says which schema it answers to.
    func capture(_ arguments: [String], _ schema: String, into dir: URL, as name: String, allowed: Set<Int32> = [0]) throws -> (String, String) {
        let out = try CLI.run(arguments)
        #expect(allowed.contains(out.status), "\(arguments.joined(separator: " ")): \(out.stderr)")
        let path = dir.appendingPathComponent(name).path
        try Data(out.stdout.utf8).write(to: URL(fileURLWithPath: path))
        return (schema, path)
    }

    @Test func everyCommandsJSONConformsToItsSchema() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("t.db").path
        #expect(try CLI.run(["import", "--db", db] + sample).status == 0)
        for day in ["2026-10-28", "2026-11-04", "2026-11-11", "2026-11-18"] { #expect(try CLI.run(["run", "--db", db, "--as-of", day]).status == 0) }
        let alerts = try CLI.run(["alerts", "--db", db, "--format", "json"])
        let first = try #require((try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [[String: Any]])?.first?["id"] as? Int)
        #expect(try CLI.run(["ack", "--db", db, String(first), "--note", "负责人已调整计划"]).status == 0)
        var text = try String(contentsOf: CLI.packageRoot.appendingPathComponent("Models/selection.policy"), encoding: .utf8)
        text = text.replacingOccurrences(of: "lean >= 3 and current_mode != kpi", with: "lean >= 4 and current_mode != kpi")
        let changed = dir.appendingPathComponent("new.policy").path
        try text.write(toFile: changed, atomically: true, encoding: .utf8)

        var runs: [(String, String)] = []
        func add(_ arguments: [String], _ schema: String, allowed: Set<Int32> = [0]) throws {
            runs.append(try capture(arguments, schema, into: dir, as: "\(runs.count).json", allowed: allowed))
        }
        try add(["validate", "--format", "json"] + sample, "validate")
        try add(["validate", "--format", "json", "--krs", "Tests/TandemCoreTests/Fixtures/Broken/duplicate-kr-id/krs.csv"], "validate", allowed: [1])
        try add(["check", "Models/selection.policy", "--format", "json"], "check")
        try add(["check", "Tests/TandemPolicyTests/Fixtures/Analysis/gap.policy", "--format", "json"], "check", allowed: [0, 1])
        try add(["diagnose", "--org", "datasets/xinghai/org.yaml", "--format", "json"], "diagnose")
        try add(["diagnose", "--org", hardening + "org.yaml", "--policy", hardening + "hospital.policy", "--format", "json"], "diagnose")
        try add(["diagnose", "--org", "datasets/xinghai/org.yaml", "--format", "json", "--explain", "rd.algo"], "explain")
        try add(["diff", "Models/selection.policy", changed, "--org", "datasets/xinghai/org.yaml", "--format", "json"], "diff")
        try add(["forecast", "--format", "json", "--as-of", "2026-11-18"] + sample, "forecast")
        try add(["evaluate", "--model", "Models/kr-forecast.json", "--at", "0.5", "--format", "json"] + history, "evaluate")
        try add(["backtest", "--alerts", "--at", "0.5", "--format", "json"] + sample, "backtest")
        try add(["alerts", "--db", db, "--format", "json"], "alerts")
        try add(["alerts", "--db", db, "--format", "json", "--status", "resolved"], "alerts")
        try add(["feed", "--db", db], "feed")
        try add(["whatif", "--db", db, "--scenario", "datasets/xinghai/scenarios.yaml", "--format", "json"], "whatif")
        try add(["sensitivity", "--db", db, "--unit", "rd.algo", "--format", "json"], "sensitivity")
        try add(["sensitivity", "--db", db, "--kr", "KR-26Q4-00023", "--format", "json"], "sensitivity")
        try add(["store", "--db", db, "--format", "json"], "store")
        for listing in ["units", "krs", "runs", "decisions", "forecasts"] {
            try add(["store", listing, "--db", db, "--format", "json"], "store-\(listing)")
        }
        let schemas = CLI.packageRoot.appendingPathComponent("Sources/tandem/Schemas")
        let shipped = try FileManager.default.contentsOfDirectory(atPath: schemas.path).filter { $0.hasSuffix(".schema.json") }
        // Every shipped schema is exercised, and every output has a schema.
        #expect(Set(runs.map { "\($0.0).schema.json" }) == Set(shipped))
        for (schema, output) in runs {
            // The feed is JSON Lines: each line is checked.
            let file = schema == "feed" ? output.replacingOccurrences(of: ".json", with: ".jsonl") : output
            if file != output { try FileManager.default.moveItem(atPath: output, toPath: file) }
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            check.arguments = ["python3", CLI.packageRoot.appendingPathComponent("Tests/TandemCLITests/Fixtures/validate_json.py").path,
                               schemas.appendingPathComponent("\(schema).schema.json").path, file]
            let pipe = Pipe()
            check.standardOutput = pipe
            check.standardError = pipe
            try check.run()
            let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "\(schema): \(said)")
        }
    }

    @Test func aSchemaRejectsOutputOfTheWrongShape() throws {
        // The check can fail: an alert without its key result, and a camelCase key, are refused.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let wrong = dir.appendingPathComponent("wrong.json")
        try Data(#"[{"id": 1, "unitID": "rd", "opened": "2026-11-18", "updated": "2026-11-18", "p_success": 0.3, "reasons": "r", "rules": "x"}]"#.utf8).write(to: wrong)
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", CLI.packageRoot.appendingPathComponent("Tests/TandemCLITests/Fixtures/validate_json.py").path,
                           CLI.packageRoot.appendingPathComponent("Sources/tandem/Schemas/alerts.schema.json").path, wrong.path]
        let pipe = Pipe()
        check.standardOutput = pipe
        try check.run()
        let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 1)
        #expect(said.contains("'kr_id' is a required property"))
        #expect(said.contains("'unitID' was unexpected"))
    }
}
