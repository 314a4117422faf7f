import Foundation
import PostgresNIO
import TandemCore

extension PostgresStore {
    /// Takes back the latest run, as ``SQLiteStore/undoLatestRun(day:)`` does.
    public func undoLatestRun(day expected: Day?) throws(StoreError) -> UndoneRun {
        func fail(_ words: String) -> StoreError { StoreError(location: location, operation: "undo a run in", message: words) }
        return try write("undo a run in") { s in
            guard let latest = try s.scalar("SELECT MAX(day) FROM run WHERE org = \(org)", as: Int.self) else { throw fail("the store has no run") }
            let latestDay = try Self.day(latest)
            if let expected, expected != latestDay {
                throw fail("the latest run is of \(latestDay), not \(expected); only the latest run can be undone")
            }
            guard try s.scalar("SELECT undoable FROM run WHERE org = \(org) AND day = \(latest)", as: Bool.self) == true else {
                throw fail("the run of \(latestDay) was recorded by an earlier Tandem, which kept no record to undo it")
            }
            let touched = try s.query("SELECT alert_id, \"before\" FROM run_undo WHERE org = \(org) AND day = \(latest)")
                .map { try $0.decode((Int64, String?).self) }
            // The run's events: the ledger changes of its day on the alerts it touched (an
            // acknowledgement is no run's).
            let events = try s.query("""
                SELECT id FROM alert_event WHERE org = \(org) AND day = \(latest) AND kind != 'acked'
                  AND alert_id IN (SELECT alert_id FROM run_undo WHERE org = \(org) AND day = \(latest))
                """).map { try $0.decode(Int64.self) }
            if let first = events.min(), let acked = try s.scalar("""
                SELECT alert_id FROM alert_event WHERE org = \(org) AND kind = 'acked' AND id > \(first)
                  AND alert_id IN (SELECT alert_id FROM run_undo WHERE org = \(org) AND day = \(latest)) LIMIT 1
                """, as: Int64.self) {
                throw fail("alert #\(acked) was acknowledged after the run of \(latestDay); undoing the run would lose the note")
            }
            let delivered = try s.scalar("SELECT COUNT(DISTINCT event_id) FROM webhook_delivery WHERE delivered AND event_id = ANY(\(events)::int8[])",
                                         as: Int.self) ?? 0
            try s.execute("DELETE FROM webhook_delivery WHERE event_id = ANY(\(events)::int8[])")
            try s.execute("DELETE FROM alert_event WHERE id = ANY(\(events)::int8[])")
            let decoder = JSONDecoder()
            var removed: [Int64] = [], restored: [Alert] = []
            for (id, json) in touched {
                guard let json else {
                    removed.append(id)
                    continue
                }
                guard let a = try? decoder.decode(Alert.self, from: Data(json.utf8)) else {  // written by recordRun
                    throw SQLiteStore.damaged("the undo record of alert \(id) cannot be read")
                }
                restored.append(Alert(id: id, keyResultID: a.keyResultID, unitID: a.unitID, owner: a.owner, title: a.title, severity: a.severity,
                                      status: a.status, rules: a.rules, reasons: a.reasons, pSuccess: a.pSuccess, openedDay: a.openedDay,
                                      updatedDay: a.updatedDay, resolvedDay: a.resolvedDay, ackNote: a.ackNote, snoozedUntil: a.snoozedUntil))
            }
            if !removed.isEmpty {
                // Webhook records of the removed alerts' other events (none normally: they were opened by this run).
                try s.execute("""
                    DELETE FROM webhook_delivery WHERE event_id IN (SELECT id FROM alert_event WHERE alert_id = ANY(\(removed)::int8[]))
                    """)
                try s.execute("DELETE FROM alert_event WHERE alert_id = ANY(\(removed)::int8[])")
                try s.execute("DELETE FROM alert WHERE org = \(org) AND id = ANY(\(removed)::int8[])")
            }
            if !restored.isEmpty {
                _ = try Self.update(s, restored, org: org)
            }
            try s.execute("DELETE FROM run_undo WHERE org = \(org) AND day = \(latest)")
            let version = try s.scalar("SELECT policy_version_id FROM run WHERE org = \(org) AND day = \(latest)", as: Int64.self)
            try s.execute("DELETE FROM decision WHERE org = \(org) AND day = \(latest)")
            try s.execute("DELETE FROM forecast WHERE org = \(org) AND day = \(latest)")
            try s.execute("DELETE FROM run WHERE org = \(org) AND day = \(latest)")
            if let version {
                // A policy version first used by this run and by no other goes with it.
                try s.execute("DELETE FROM policy_version WHERE id = \(version) AND NOT EXISTS (SELECT 1 FROM run WHERE policy_version_id = \(version))")
            }
            try Self.advanceGeneration(s, org: org)
            return UndoneRun(day: latestDay, alertsRemoved: removed.count, alertsRestored: restored.count, eventsRemoved: events.count,
                             eventsDelivered: delivered, latestRun: try Self.latestRun(s, org: org))
        }
    }
}
