import Foundation
import Testing

@Suite("tandem import --from: other tools' exports, as a user runs it")
struct ImportFromTests {
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/TandemImportTests/Fixtures").path

    /// A store holding the sample organisation (星海科技) and nothing else.
    func store() throws -> (URL, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-import-from-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("t.db").path
        let r = try CLI.run(["import", "--db", db, "--org", "datasets/xinghai/org.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        return (folder, db)
    }

    func digest(_ db: String) throws -> String {
        let r = try CLI.run(["store", "--db", db, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try #require(object["digest"] as? String)
    }

    @Test func aMappedExportImportsWithItsReportAndOnceOnly() throws {
        let (folder, db) = try store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let args = ["import", "--db", db, "--from", "mapping", "--mapping", "\(Self.fixtures)/mapping/goals.yaml", "\(Self.fixtures)/mapping/goals.csv"]
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("mapped 3 records to key results, 3 records to check-ins"), "\(r.stdout)")
        #expect(r.stdout.contains("units found in the store: 1 (研发中心 → rd)"), "\(r.stdout)")
        #expect(r.stdout.contains("new units below 'xh': 2 (Vertrieb, Qualität)"), "\(r.stdout)")
        #expect(r.stdout.contains("skipped 1:"))
        #expect(r.stdout.contains("goals.csv:6:1: record 5 ('G-4'): no target_value"), "\(r.stdout)")
        #expect(r.stdout.contains("key results 3 added"))
        #expect(r.stdout.contains("check-ins 3 added"))
        // The key results are Tandem's now: listed, in their units.
        let krs = try CLI.run(["store", "krs", "--db", db, "--format", "json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(krs.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { "\($0["kr_id"] ?? "") \($0["unit_id"] ?? "") \($0["kind"] ?? "") \($0["target_value"] ?? "")" }
                == ["G-1 Vertrieb committed 2500.5", "G-2 rd aspirational 90", "G-3 Qualität kpi 5"])
        // Again: nothing changes.
        let again = try CLI.run(args)
        #expect(again.status == 0)
        #expect(again.stdout.contains("nothing changed"), "\(again.stdout)")
        #expect(again.stdout.contains("units found in the store: 3"))
    }

    @Test func aBrokenExportImportsNothingAndSaysWhere() throws {
        let (folder, db) = try store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try digest(db)
        let broken = try CLI.run(["import", "--db", db, "--from", "mapping", "--mapping", "\(Self.fixtures)/mapping/goals.yaml", "\(Self.fixtures)/mapping/broken.csv"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("mapping/broken.csv:2:37: error: 'Zielwert' must be a number (a decimal comma, '.' between thousands), found '1.5' [I0101]"), "\(broken.stderr)")
        #expect(broken.stderr.contains("mapping/broken.csv:3:53: error: 'Ende' must be a date"))
        #expect(broken.stdout.contains("nothing imported: 4 errors in the files above; the store is unchanged"), "\(broken.stdout)")
        // An error only Tandem's own checks find (start equals target) is located in the export too.
        let same = try CLI.run(["import", "--db", db, "--from", "mapping", "--mapping", "\(Self.fixtures)/mapping/goals.yaml", "\(Self.fixtures)/mapping/same-target.csv"])
        #expect(same.status == 1)
        #expect(same.stderr.contains("mapping/same-target.csv:2:37: error:"), "\(same.stderr)")
        #expect(same.stderr.contains("in Tandem's terms: key result 'G-1', target_value, read from 'Zielwert'"))
        #expect(try digest(db) == before)
        // Usage mistakes are said before anything is read.
        let noMapping = try CLI.run(["import", "--db", db, "--from", "mapping", "x.csv"])
        #expect(noMapping.status == 64 && noMapping.stderr.contains("--from mapping needs --mapping FILE"))
        let mixed = try CLI.run(["import", "--db", db, "--from", "mapping", "--mapping", "m.yaml", "--krs", "k.csv", "x.csv"])
        #expect(mixed.status == 64)
        let dated = try CLI.run(["import", "--db", db, "--from", "jira", "--as-of", "2026-11-30", "x.json"])
        #expect(dated.status == 64 && dated.stderr.contains("--as-of dates the current values of an Asana or Culture Amp export"))
        let missing = try CLI.run(["import", "--db", db, "--from", "mapping", "--mapping", "\(Self.fixtures)/mapping/goals.yaml", "no-such-export.csv"])
        #expect(missing.status == 1 && missing.stderr.contains("no-such-export.csv"))
        #expect(try digest(db) == before)
    }

    /// Every format: its fixtures import into a store holding the sample organisation, once; a
    /// broken file of it is refused with located errors, and the store stays as it was.
    @Test(arguments: [
        ("jira", ["jira/sprints.json", "jira/issues.json"], ["jira/broken.csv", "jira/sprints.json"], "2 sprints to key results", "broken.csv:2:31: error:"),
        ("jira", ["jira/issues.csv", "jira/sprints.json"], ["jira/broken.csv", "jira/sprints.json"], "2 sprints to key results", "broken.csv:3:45: error:"),
        ("asana", ["asana/goals.json", "asana/status-updates.json"], ["asana/broken.json"], "3 goals to key results", "broken.json:4:60: error:"),
        ("lattice", ["lattice/goals.json", "lattice/updates.json"], ["lattice/broken.json"], "2 goals to key results", "broken.json:3:37: error:"),
        ("culture-amp", ["culture-amp/goals.csv"], ["culture-amp/broken.csv"], "2 goals' key results to key results", "broken.csv:2:68: error:"),
    ])
    func eachFormatImportsItsFixturesAndRefusesABrokenFile(_ format: String, _ files: [String], _ broken: [String], _ mapped: String, _ located: String) throws {
        let (folder, db) = try store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try digest(db)
        // The day of the current values, for the formats that hold them only as they are now.
        let day = ["asana", "culture-amp"].contains(format) ? ["--as-of", "2026-11-30"] : []
        let bad = try CLI.run(["import", "--db", db, "--from", format] + day + broken.map { "\(Self.fixtures)/\($0)" })
        #expect(bad.status == 1, "\(bad.stdout)")
        #expect(bad.stderr.contains(located), "\(bad.stderr)")
        #expect(bad.stdout.contains("nothing imported"))
        #expect(try digest(db) == before)
        let args = ["import", "--db", db, "--from", format] + day + files.map { "\(Self.fixtures)/\($0)" }
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("mapped \(mapped)"), "\(r.stdout)")
        #expect(r.stdout.contains("imported into"))
        #expect(try digest(db) != before)
        let again = try CLI.run(args)
        #expect(again.stdout.contains("nothing changed"), "\(again.stdout)")
        // A run over the imported key results works: they are Tandem's like any other.
        let run = try CLI.run(["run", "--db", db, "--as-of", "2026-11-30", "--force"])
        #expect(run.status == 0 || run.stderr.contains("no key result"), "\(run.stderr)")
    }
}
