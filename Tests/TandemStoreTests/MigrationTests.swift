import Foundation
import GRDB
import Testing
import TandemCore
@testable import TandemStore

/// A store written by the Tandem before the organisation key (schema v4) opens, is brought up to
/// date, and keeps every row: the organisation, the key results, the runs and the ledger.
@Suite("Schema migrations")
struct MigrationTests {
    /// A v4 store with one unit, one key result and its check-in, one run with its decision and
    /// forecast, one alert with its event, its undo record and a delivery.
    func v4Store() throws -> (String, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-v4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("old.db").path
        let pool = try DatabasePool(path: path)
        try SQLiteStore.migrator.migrate(pool, upTo: "v4: write generation, undoable runs")
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO unit (id, name, gloss, parent_id, ordinal) VALUES ('rd', '研发中心', NULL, NULL, 0);
                INSERT INTO unit_attribute (unit_id, name, kind, value) VALUES ('rd', 'uncertainty', 'string', 'high');
                INSERT INTO key_result (id, objective_id, unit_id, title, kind, start_value, target_value, cycle_start, cycle_end, owner, final_value, ordinal)
                  VALUES ('KR-1', 'O-1', 'rd', '发布 2.0', 'committed', 0, 10, 20362, 20453, '王磊', NULL, 0);
                INSERT INTO checkin (kr_id, day, value, confidence, target) VALUES ('KR-1', 20370, 2, 6, NULL);
                INSERT INTO import (files, units_changed, key_results_changed, checkins_added, checkins_changed) VALUES ('a', 1, 1, 1, 0);
                INSERT INTO policy_version (name, version, digest, text, first_run) VALUES ('p', '1', 'abc', 'policy p', 20372);
                INSERT INTO run (day, policy, model, open_key_results, policy_version_id, undoable) VALUES (20372, 'p 1', 'm.json', 1, 1, 1);
                INSERT INTO decision (day, unit_id, mode, outcome, lean) VALUES (20372, 'rd', 'okr', 'okr(cycle: quarterly, rollout: full)', 2);
                INSERT INTO forecast (day, kr_id, p_success, progress, elapsed) VALUES (20372, 'KR-1', 0.3, 0.2, 0.1);
                INSERT INTO alert (kr_id, unit_id, owner, title, severity, status, rules, reasons, p_success, opened_day, updated_day)
                  VALUES ('KR-1', 'rd', '王磊', '发布 2.0', 'warning', 'open', 'behind', 'P(success) 0.30', 0.3, 20372, 20372);
                INSERT INTO alert_event (alert_id, day, kind, severity, reasons) VALUES (1, 20372, 'opened', 'warning', 'behind: P(success) 0.30');
                INSERT INTO run_undo (day, alert_id, before) VALUES (20372, 1, NULL);
                INSERT INTO webhook_delivery (event_id, url, attempts, delivered) VALUES (1, 'http://x', 1, 1);
                UPDATE sqlite_sequence SET seq = 59 WHERE name = 'alert';
                UPDATE sqlite_sequence SET seq = 60 WHERE name = 'alert_event';
                """)
        }
        try pool.close()
        return (path, dir)
    }

    @Test func anOlderStoreIsBroughtUpToDateWithEveryRow() throws {
        let (path, dir) = try v4Store()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A reading command opens it: it is migrated first, then read.
        let store = try SQLiteStore(path: path, access: .readOnly)
        let dataset = try store.loadDataset()
        #expect(dataset.organisation?.units.map(\.name) == ["研发中心"])
        #expect(dataset.organisation?.units.first?.attributes["uncertainty"]?.text == "high")
        #expect(dataset.keyResults.keyResults.map(\.id) == ["KR-1"] && dataset.checkIns.checkIns.count == 1)
        #expect(try store.counts() == StoreCounts(units: 1, keyResults: 1, checkIns: 1, imports: 1, runs: 1, alerts: 1))
        let decisions = try store.decisions(day: nil)
        #expect(decisions.map(\.mode) == [.okr] && decisions.first?.outcomeValue == nil)
        #expect(try store.alerts().map(\.severity) == [.warning])
        #expect(try store.events().map(\.kind) == [.opened])
        #expect(try store.pendingDeliveries(url: "http://x").isEmpty)
        #expect(try store.runs().map(\.undoable) == [true])
        try store.close()
        // Every row belongs to the default organisation, and the run can still be taken back.
        let writable = try SQLiteStore(path: path, access: .readWrite)
        let undone = try writable.undoLatestRun()
        #expect(undone.alertsRemoved == 1 && undone.eventsRemoved == 1 && undone.eventsDelivered == 1)
        #expect(try writable.alerts().isEmpty && writable.latestRun() == nil)
        try writable.close()
    }

    @Test func theNumberingOfAlertsAndEventsGoesOnWhereItWas() throws {
        // Alerts 2…59 and events 2…60 were taken back (undone runs): their numbers are never
        // given again, also after the migration that rebuilt the tables.
        let (path, dir) = try v4Store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: path, access: .readWrite)
        let day = Day(ordinal: 20379)
        let basis = try store.runBasis(day: day)
        let opened = Alert(id: 0, keyResultID: "KR-1", unitID: "rd", owner: nil, title: "t", severity: .critical, status: .open,
                           rules: "r", reasons: "x", pSuccess: 0.1, openedDay: day, updatedDay: day)
        var resolved = try #require(basis.liveAlerts.first)
        resolved.status = .resolved
        let record = try store.recordRun(
            RunWrite(day: day, policy: "p", model: "m", decisions: [], forecasts: [],
                     transitions: [AlertTransition(before: basis.liveAlerts[0], after: resolved, event: .resolved, eventSeverity: .warning, eventText: "ok"),
                                   AlertTransition(before: nil, after: opened, event: .opened, eventSeverity: .critical, eventText: "new")],
                     policyVersion: nil),
            generation: basis.generation)
        #expect(record.events.map(\.id) == [61, 62])
        #expect(record.events.last?.alertID == 60)
        try store.close()
    }

    @Test func manyOpeningsOfAnOlderStoreAtOnceAllSucceed() throws {
        // Several readers and writers open a v4 store at one moment: one migrates, the others
        // find it done (or wait for it); none fails.
        for _ in 0..<4 {
            let (path, dir) = try v4Store()
            defer { try? FileManager.default.removeItem(at: dir) }
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 6) { i in
                do {
                    let store = try SQLiteStore(path: path, access: i % 2 == 0 ? .readOnly : .readWrite)
                    _ = try store.counts()
                    try store.close()
                } catch {
                    failures.add("\(error)")
                }
            }
            #expect(failures.list.isEmpty, "\(failures.list)")
        }
    }

    @Test func anotherOrganisationSeesNothingOfTheDefaultOne() throws {
        let (path, dir) = try v4Store()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try SQLiteStore(path: path, access: .readWrite)
        let other = try SQLiteStore(path: path, access: .readOnly, organisation: "another")
        #expect(try other.loadDataset().organisation == nil)
        #expect(try other.counts() == StoreCounts(units: 0, keyResults: 0, checkIns: 0, imports: 0, runs: 0, alerts: 0))
        #expect(try other.alerts().isEmpty && other.events().isEmpty && other.runs().isEmpty && other.unitIDs().isEmpty)
        #expect(try other.latestRun() == nil && other.forecasts(keyResult: nil, day: nil).isEmpty)
        #expect { try other.acknowledgementBasis(alert: 1) } throws: { ($0 as? StoreError)?.kind == .notFound }
    }

    @Test func aStoreOfANewerTandemIsRefused() throws {
        let (path, dir) = try v4Store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pool = try DatabasePool(path: path)
        try pool.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')") }
        try pool.close()
        for access in [StoreAccess.readOnly, .readWrite] {
            #expect { try SQLiteStore(path: path, access: access) } throws: { error in
                (error as? StoreError)?.message.contains("written by a newer Tandem (schema step 'v99: from the future')") == true
            }
        }
    }
}

/// Errors collected from concurrent work.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var list: [String] = []
    func add(_ s: String) { lock.lock(); list.append(s); lock.unlock() }
}
