import Foundation
import Testing

/// Several organisations in one store (`--org-key`): each sees only its own.
@Suite("Organisations in one store")
struct OrganisationKeyTests {
    let hardening = "Tests/TandemCLITests/Fixtures/Hardening/"

    @Test func eachOrganisationSeesOnlyItsOwn() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("two.db").path
        #expect(try CLI.run(["import", "--db", db, "--org-key", "xinghai", "--org", "datasets/xinghai/org.yaml",
                             "--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv"]).status == 0)
        #expect(try CLI.run(["import", "--db", db, "--org-key", "hospital", "--org", hardening + "org.yaml",
                             "--krs", hardening + "krs.csv", "--checkins", hardening + "checkins.csv"]).status == 0)
        #expect(try CLI.run(["run", "--db", db, "--org-key", "hospital", "--as-of", "2026-11-18", "--policy", hardening + "hospital.policy"]).status == 0)
        #expect(try CLI.run(["run", "--db", db, "--org-key", "xinghai", "--as-of", "2026-11-18"]).status == 0)

        // Without a key, a store of several organisations is refused, naming them.
        let unnamed = try CLI.run(["alerts", "--db", db])
        #expect(unnamed.status == 1)
        #expect(unnamed.stderr.contains("the store holds several organisations (hospital, xinghai); say which with --org-key"), "\(unnamed.stderr)")

        func json(_ arguments: [String]) throws -> [[String: Any]] {
            let out = try CLI.run(arguments + ["--format", "json"])
            #expect(out.status == 0, "\(out.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
        }
        let hospitalUnits = Set(try json(["store", "units", "--db", db, "--org-key", "hospital"]).compactMap { $0["unit_id"] as? String })
        let xinghaiUnits = Set(try json(["store", "units", "--db", db, "--org-key", "xinghai"]).compactMap { $0["unit_id"] as? String })
        // Unit ids may repeat across organisations (the key includes the organisation).
        #expect(hospitalUnits.count == 8 && xinghaiUnits.count == 42 && hospitalUnits != xinghaiUnits)
        let hospitalKRs = Set(try json(["store", "krs", "--db", db, "--org-key", "hospital"]).compactMap { $0["kr_id"] as? String })
        #expect(hospitalKRs.count == 16)
        let hospitalAlerts = try json(["alerts", "--db", db, "--org-key", "hospital"])
        let xinghaiAlerts = try json(["alerts", "--db", db, "--org-key", "xinghai"])
        #expect(hospitalAlerts.allSatisfy { hospitalKRs.contains($0["kr_id"] as? String ?? "") })
        #expect(!xinghaiAlerts.isEmpty && xinghaiAlerts.allSatisfy { !hospitalKRs.contains($0["kr_id"] as? String ?? "") })
        // The feed of one is none of the other's.
        let feed = try CLI.run(["feed", "--db", db, "--org-key", "hospital"]).stdout.split(separator: "\n")
        #expect(feed.count == hospitalAlerts.count)
        // An alert of one organisation cannot be acknowledged through the other.
        let theirs = try #require(xinghaiAlerts.first?["id"] as? Int)
        let ack = try CLI.run(["ack", "--db", db, "--org-key", "hospital", String(theirs), "--note", "不是我们的"])
        #expect(ack.status == 1)
        #expect(ack.stderr.contains("no alert \(theirs)"), "\(ack.stderr)")
        // A key that is not one.
        let bad = try CLI.run(["store", "--db", db, "--org-key", "no spaces"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("an organisation key is 1 to 64 letters"))
    }
}
