import Foundation
import GRDB
import TandemCore

extension SQLiteStore {
    /// Takes back the latest run: its decisions and forecasts, and every change it made to the
    /// alert ledger (alerts it opened are removed, alerts it changed are put back as they were,
    /// its events are removed). One transaction.
    ///
    /// - Parameter day: when given, the run to undo must be of this day (a guard against undoing
    ///   a run other than the one meant).
    /// - Throws: when there is no run, when the latest run was recorded by a Tandem that kept no
    ///   record to undo it, or when an alert it touched was acknowledged after it (undoing would
    ///   lose the note).
    public func undoLatestRun(day expected: Day?) throws(StoreError) -> UndoneRun {
        func fail(_ words: String) -> StoreError { StoreError(location: path, operation: "undo a run in", message: words) }
        return try write("undo a run in") { db in
                guard let latest = try Int.fetchOne(db, sql: "SELECT MAX(day) FROM run WHERE org = ?", arguments: [org]) else { throw fail("the store has no run") }
                let latestDay = Day(ordinal: Int32(latest))
                if let expected, expected != latestDay {
                    throw fail("the latest run is of \(latestDay), not \(expected); only the latest run can be undone")
                }
                switch try Self.takeBack(db, org: org, day: latest) {
                case .notUndoable:
                    throw fail("the run of \(latestDay) was recorded by an earlier Tandem, which kept no record to undo it")
                case .acknowledgedAfter(let alert):
                    throw fail("alert #\(alert) was acknowledged after the run of \(latestDay); undoing the run would lose the note")
                case .undone(let undone):
                    try Self.advanceGeneration(db, org: org)
                    return undone
                }
        }
    }

    enum TakeBack {
        case undone(UndoneRun)
        case notUndoable
        case acknowledgedAfter(Int64)
    }

    /// Takes back the run of `day` inside the caller's transaction, or says why it cannot.
    static func takeBack(_ db: Database, org: String, day latest: Int) throws -> TakeBack {
        let latestDay = Day(ordinal: Int32(latest))
        guard try Bool.fetchOne(db, sql: "SELECT undoable FROM run WHERE org = ? AND day = ?", arguments: [org, latest]) == true else { return .notUndoable }
        let touched = try Row.fetchAll(db, sql: "SELECT alert_id, \"before\" FROM run_undo WHERE org = ? AND day = ?", arguments: [org, latest])
        // The run's events: the ledger changes of its day on the alerts it touched, from its
        // first one on (event ids grow with time; an acknowledgement is no run's).
        let events = try Int64.fetchAll(db, sql: """
            SELECT id FROM alert_event WHERE org = ? AND day = ? AND kind != 'acked'
              AND alert_id IN (SELECT alert_id FROM run_undo WHERE org = ? AND day = ?)
            """, arguments: [org, latest, org, latest])
        if let first = events.min(), let acked = try Int64.fetchOne(db, sql: """
            SELECT alert_id FROM alert_event WHERE org = ? AND kind = 'acked' AND id > ?
              AND alert_id IN (SELECT alert_id FROM run_undo WHERE org = ? AND day = ?) LIMIT 1
            """, arguments: [org, first, org, latest]) {
            return .acknowledgedAfter(acked)
        }
        var delivered = 0
        // In slices: SQLite bounds the number of parameters of one statement.
        for slice in stride(from: 0, to: events.count, by: 500).map({ Array(events[$0..<min($0 + 500, events.count)]) }) {
            let list = slice.map { _ in "?" }.joined(separator: ",")
            delivered += try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT event_id) FROM webhook_delivery WHERE delivered AND event_id IN (\(list))",
                                          arguments: StatementArguments(slice)) ?? 0
            try db.execute(sql: "DELETE FROM webhook_delivery WHERE event_id IN (\(list))", arguments: StatementArguments(slice))
            try db.execute(sql: "DELETE FROM alert_event WHERE id IN (\(list))", arguments: StatementArguments(slice))
        }
        var removed = 0, restored = 0
        let decoder = JSONDecoder()
        for row in touched {
            let id: Int64 = row["alert_id"]
            guard let json: String = row["before"] else {
                try db.execute(sql: "DELETE FROM alert_event WHERE alert_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM alert WHERE org = ? AND id = ?", arguments: [org, id])
                removed += 1
                continue
            }
            guard let a = try? decoder.decode(Alert.self, from: Data(json.utf8)) else {  // written by recordRun
                throw damaged("the undo record of alert \(id) cannot be read")
            }
            try db.execute(sql: """
                UPDATE alert SET severity = ?, status = ?, rules = ?, reasons = ?, p_success = ?, updated_day = ?,
                  resolved_day = ?, ack_note = ?, snoozed_until = ? WHERE org = ? AND id = ?
                """, arguments: [a.severity.rawValue, a.status.rawValue, a.rules, a.reasons, a.pSuccess, Int(a.updatedDay.ordinal),
                                 a.resolvedDay.map { Int($0.ordinal) }, a.ackNote, a.snoozedUntil.map { Int($0.ordinal) }, org, id])
            restored += 1
        }
        try db.execute(sql: "DELETE FROM run_undo WHERE org = ? AND day = ?", arguments: [org, latest])
        let version = try Int64.fetchOne(db, sql: "SELECT policy_version_id FROM run WHERE org = ? AND day = ?", arguments: [org, latest])
        try db.execute(sql: "DELETE FROM run WHERE org = ? AND day = ?", arguments: [org, latest])
        if let version {
            // A policy version first used by this run and by no other goes with it.
            try db.execute(sql: """
                DELETE FROM policy_version WHERE id = ? AND NOT EXISTS (SELECT 1 FROM run WHERE policy_version_id = ?)
                """, arguments: [version, version])
        }
        let now = try Self.latestRun(db, org: org)
        return .undone(UndoneRun(day: latestDay, alertsRemoved: removed, alertsRestored: restored, eventsRemoved: events.count,
                                 eventsDelivered: delivered, latestRun: now))
    }
}

extension SQLiteStore {
    /// Every recorded run, oldest first.
    public func runs() throws(StoreError) -> [RunSummary] {
        try read("read") { db in
                return try Row.fetchAll(db, sql: """
                    SELECT r.day, r.policy, r.model, r.open_key_results, r.undoable,
                      (SELECT COUNT(*) FROM alert_event e WHERE e.org = r.org AND e.day = r.day AND e.kind != 'acked') AS events
                    FROM run r WHERE r.org = ? ORDER BY r.day
                    """, arguments: [org]).map {
                    RunSummary(day: Day(ordinal: Int32($0["day"] as Int)), policy: $0["policy"], model: $0["model"],
                               openKeyResults: $0["open_key_results"], events: $0["events"], undoable: $0["undoable"])
                }
        }
    }
}
