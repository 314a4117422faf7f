import Foundation
import Testing
import TandemTestSupport

/// The commands on a PostgreSQL store, as a user runs them: `--db postgres://…` works as a path
/// does, `TANDEM_DB` stands in for `--db`, and `tandem store copy` moves a store both ways.
@Suite("tandem on PostgreSQL, as a user runs it")
struct PostgresCommandTests {
    let sample = ["--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv"]

    @Test func importRunAlertsAndCopyBothWays() throws {
        let database = try Backend.postgres.scratch()
        defer { database.remove() }
        let url = database.location
        let imported = try CLI.run(["import", "--db", url] + sample)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("units 42 added"))
        for day in ["2026-11-04", "2026-11-11"] {
            let run = try CLI.run(["run", "--db", url, "--as-of", day])
            #expect(run.status == 0, "\(run.stderr)")
        }
        // The store named by TANDEM_DB, no --db.
        let alerts = try CLI.run(["alerts", "--severity", "critical", "--format", "json"], environment: ["TANDEM_DB": url])
        #expect(alerts.status == 0, "\(alerts.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [[String: Any]])
        #expect(!list.isEmpty && list.allSatisfy { $0["severity"] as? String == "critical" })

        // To SQLite and back to another database: the same digest all along.
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("copy.db").path
        let out = try CLI.run(["store", "copy", "--from", url, "--to", file])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("copied organisation 'default'") && out.stdout.contains("on both sides"))
        let back = try Backend.postgres.scratch()
        defer { back.remove() }
        #expect(try CLI.run(["store", "copy", "--from", file, "--to", back.location]).status == 0)
        func digest(_ db: String) throws -> String {
            let summary = try CLI.run(["store", "--db", db, "--format", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any])
            return object["digest"] as? String ?? ""
        }
        let original = try digest(url)
        let (copied, returned) = (try digest(file), try digest(back.location))
        #expect(!original.isEmpty && original == copied && original == returned)
        let (feedCopy, feedOriginal) = (try CLI.run(["feed", "--db", file]).stdout, try CLI.run(["feed", "--db", url]).stdout)
        #expect(feedCopy == feedOriginal)
        // Copying again into the same organisation is refused and changes nothing.
        let again = try CLI.run(["store", "copy", "--from", url, "--to", file])
        #expect(again.status == 1 && again.stderr.contains("already holds"), "\(again.stderr)")
        #expect(try digest(file) == original)
    }

    @Test func aPasswordInTheAddressNeverAppearsInOutput() throws {
        try Backend.postgres.require()
        guard let base = ProcessInfo.processInfo.environment["TANDEM_TEST_POSTGRES_PASSWORD_URL"] else {
            try Test.cancel("the cluster has no role with a password (TANDEM_TEST_POSTGRES_PASSWORD_URL)")
        }
        let withPassword = base.replacingOccurrences(of: "tandem_pw@", with: "tandem_pw:Wr0ng-S3cret@")
        let out = try CLI.run(["alerts", "--db", withPassword])
        #expect(out.status == 1)
        #expect(out.stderr.contains("refused the login"), "\(out.stderr)")
        #expect(!out.stderr.contains("Wr0ng-S3cret") && !out.stdout.contains("Wr0ng-S3cret"))
        // The right password, from PGPASSWORD: works (an empty store, made by the import).
        let ok = try CLI.run(["import", "--db", base] + sample, environment: ["PGPASSWORD": "tandem-pw-2026"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(!ok.stdout.contains("tandem-pw-2026") && !ok.stderr.contains("tandem-pw-2026"))
    }
}
