import Foundation
import GRDB
import TandemCore

extension Alert {
    /// An alert row; a value no Tandem writes (a hand-edited store) is refused, not guessed.
    init(row: Row) throws {
        let severity: String = row["severity"], status: String = row["status"]
        guard let s = AlertSeverity(rawValue: severity) else { throw SQLiteStore.damaged("alert \(row["id"] as Int64) has the severity '\(severity)'") }
        guard let t = AlertStatus(rawValue: status) else { throw SQLiteStore.damaged("alert \(row["id"] as Int64) has the status '\(status)'") }
        self.init(id: row["id"], keyResultID: row["kr_id"], unitID: row["unit_id"], owner: row["owner"], title: row["title"],
                  severity: s, status: t, rules: row["rules"], reasons: row["reasons"], pSuccess: row["p_success"],
                  openedDay: Day(ordinal: Int32(row["opened_day"] as Int)), updatedDay: Day(ordinal: Int32(row["updated_day"] as Int)),
                  resolvedDay: (row["resolved_day"] as Int?).map { Day(ordinal: Int32($0)) }, ackNote: row["ack_note"],
                  snoozedUntil: (row["snoozed_until"] as Int?).map { Day(ordinal: Int32($0)) })
    }
}

extension SQLiteStore {
    /// A value in the store that no Tandem writes.
    struct Damaged: Error, CustomStringConvertible {
        var description: String
    }

    static func damaged(_ what: String) -> Damaged { Damaged(description: "the store is damaged: \(what)") }

    static func previousForecasts(_ db: Database, org: String, before day: Day) throws -> PreviousForecasts {
        guard let previous = try Int.fetchOne(db, sql: "SELECT MAX(day) FROM run WHERE org = ? AND day < ?", arguments: [org, Int(day.ordinal)]) else {
            return PreviousForecasts(day: nil, pSuccess: [:])
        }
        var map: [String: Double] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT kr_id, p_success FROM forecast WHERE org = ? AND day = ?", arguments: [org, previous]) {
            map[row["kr_id"]] = row["p_success"]
        }
        return PreviousForecasts(day: Day(ordinal: Int32(previous)), pSuccess: map)
    }

    public func previousForecasts(before day: Day) throws(StoreError) -> PreviousForecasts {
        try read("read") { db in try Self.previousForecasts(db, org: org, before: day) }
    }

    public func runBasis(day: Day) throws(StoreError) -> RunBasis {
        try read("read") { db in
            RunBasis(generation: try Self.generation(db, org: org), dataset: try Self.loadDataset(db, path: path, org: org),
                     previous: try Self.previousForecasts(db, org: org, before: day),
                     liveAlerts: try Row.fetchAll(db, sql: "SELECT * FROM alert WHERE org = ? AND status != 'resolved' ORDER BY id",
                                                  arguments: [org]).map(Alert.init(row:)),
                     latestRun: try Self.latestRun(db, org: org),
                     dayRecorded: try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM run WHERE org = ? AND day = ?)",
                                                    arguments: [org, Int(day.ordinal)]) ?? false)
        }
    }

    /// Records a run in one transaction: decisions, forecasts, and the ledger's transitions as
    /// the engine decided them. Each alert the run changes is kept as it was before (`run_undo`),
    /// so that `undoLatestRun` can take the run back.
    public func recordRun(_ run: RunWrite, generation: Int64?) throws(StoreError) -> RunRecord {
        let operation = "record the run in"
        return try write(operation) { db in
            let d = Int(run.day.ordinal)
            try run.check(generation: generation, current: try Self.generation(db, org: org), latestRun: try Self.latestRun(db, org: org),
                          location: path, operation: operation)
            try Self.advanceGeneration(db, org: org)
            let rerun = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM run WHERE org = ? AND day = ?)", arguments: [org, d]) ?? false
            // The same day again records what changed since on top of that day's record (with
            // the same data, nothing: no event, no webhook post). A day first recorded by a
            // Tandem that kept no undo record stays not undoable.
            let undoable = try rerun ? Bool.fetchOne(db, sql: "SELECT undoable FROM run WHERE org = ? AND day = ?", arguments: [org, d]) ?? false : true
            let replacedVersion = try Int64.fetchOne(db, sql: "SELECT policy_version_id FROM run WHERE org = ? AND day = ?", arguments: [org, d])
            try db.execute(sql: "DELETE FROM run WHERE org = ? AND day = ?", arguments: [org, d])
            var versionID: Int64?
            if let v = run.policyVersion {
                try db.execute(sql: """
                    INSERT INTO policy_version (org, name, version, digest, text, first_run) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(org, digest) DO NOTHING
                    """, arguments: [org, v.name, v.version, v.digest, v.text, d])
                versionID = try Int64.fetchOne(db, sql: "SELECT id FROM policy_version WHERE org = ? AND digest = ?", arguments: [org, v.digest])
            }
            try db.execute(sql: "INSERT INTO run (org, day, policy, model, open_key_results, policy_version_id, undoable) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [org, d, run.policy, run.model, run.forecasts.count, versionID, undoable])
            if let replacedVersion {
                // The day run again with another policy: the version no run uses any more goes
                // (as undoing the day would take it).
                try db.execute(sql: "DELETE FROM policy_version WHERE id = ? AND NOT EXISTS (SELECT 1 FROM run WHERE policy_version_id = ?)",
                               arguments: [replacedVersion, replacedVersion])
            }
            let decision = try db.cachedStatement(sql: "INSERT INTO decision (org, day, unit_id, mode, outcome, outcome_value, lean) VALUES (?, ?, ?, ?, ?, ?, ?)")
            for x in run.decisions { try decision.execute(arguments: [org, d, x.unitID, x.mode?.rawValue, x.outcome, x.outcomeValue, x.lean]) }
            let forecast = try db.cachedStatement(sql: "INSERT INTO forecast (org, day, kr_id, p_success, progress, elapsed) VALUES (?, ?, ?, ?, ?, ?)")
            for f in run.forecasts { try forecast.execute(arguments: [org, d, f.keyResultID, f.pSuccess, f.progress, f.elapsed]) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var eventIDs: [Int64] = []
            for t in run.transitions {
                let (id, event) = try Self.persist(db, t, org: org, day: run.day)
                eventIDs.append(event)
                // The alert as it was before this run first changed it (NULL: the run opened it).
                let before = try t.before.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                try db.cachedStatement(sql: "INSERT INTO run_undo (org, day, alert_id, \"before\") VALUES (?, ?, ?, ?) ON CONFLICT(org, day, alert_id) DO NOTHING")
                    .execute(arguments: [org, d, id, before])
            }
            // The run's events are consecutive (the transaction holds the write lock): read back by range.
            let events = try eventIDs.min().map { first in try Self.events(db, org: org, after: first - 1) } ?? []
            return RunRecord(events: events, rerun: rerun)
        }
    }

    /// Writes one transition: the alert (inserted when it opens, updated otherwise) and its event.
    /// - Returns: the alert's id and the event's.
    static func persist(_ db: Database, _ t: AlertTransition, org: String, day: Day) throws -> (alert: Int64, event: Int64) {
        // Cached statements: a run on a large organisation writes tens of thousands of these.
        let a = t.after
        let id: Int64
        if t.before == nil {
            try db.cachedStatement(sql: """
                INSERT INTO alert (org, kr_id, unit_id, owner, title, severity, status, rules, reasons, p_success, opened_day, updated_day,
                  resolved_day, ack_note, snoozed_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [org, a.keyResultID, a.unitID, a.owner, a.title, a.severity.rawValue, a.status.rawValue, a.rules, a.reasons,
                                         a.pSuccess, Int(a.openedDay.ordinal), Int(a.updatedDay.ordinal), a.resolvedDay.map { Int($0.ordinal) }, a.ackNote,
                                         a.snoozedUntil.map { Int($0.ordinal) }])
            id = db.lastInsertedRowID
        } else {
            id = a.id
            try db.cachedStatement(sql: """
                UPDATE alert SET severity = ?, status = ?, rules = ?, reasons = ?, p_success = ?, updated_day = ?, resolved_day = ?,
                  ack_note = ?, snoozed_until = ? WHERE id = ? AND org = ?
                """).execute(arguments: [a.severity.rawValue, a.status.rawValue, a.rules, a.reasons, a.pSuccess, Int(a.updatedDay.ordinal),
                                         a.resolvedDay.map { Int($0.ordinal) }, a.ackNote, a.snoozedUntil.map { Int($0.ordinal) }, id, org])
            guard db.changesCount == 1 else { throw damaged("alert \(id) is gone") }
        }
        try db.cachedStatement(sql: "INSERT INTO alert_event (org, alert_id, day, kind, severity, reasons) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [org, id, Int(day.ordinal), t.event.rawValue, t.eventSeverity.rawValue, t.eventText])
        return (id, db.lastInsertedRowID)
    }

    /// The organisation's ledger events after an event id, oldest first; `condition` narrows them
    /// (SQL over `e`, the event, and `a`, its alert).
    static func events(_ db: Database, org: String, after: Int64 = 0, condition: String? = nil,
                       arguments extra: [(any DatabaseValueConvertible)?] = []) throws -> [LedgerEvent] {
        let sql = """
            SELECT e.id, e.alert_id, e.day, e.kind, e.severity, e.reasons, a.kr_id, a.unit_id, a.owner, a.title
            FROM alert_event e JOIN alert a ON a.id = e.alert_id
            WHERE e.org = ? AND e.id > ?\(condition.map { " AND (\($0))" } ?? "")
            ORDER BY e.id
            """
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments([org, after] + extra)).map { row in
            let kind: String = row["kind"], severity: String = row["severity"]
            guard let k = LedgerEventKind(rawValue: kind), let s = AlertSeverity(rawValue: severity) else {
                throw damaged("event \(row["id"] as Int64) has the kind '\(kind)' and severity '\(severity)'")
            }
            return LedgerEvent(id: row["id"], alertID: row["alert_id"], day: Day(ordinal: Int32(row["day"] as Int)), kind: k,
                               severity: s, reasons: row["reasons"], keyResultID: row["kr_id"], unitID: row["unit_id"],
                               owner: row["owner"], title: row["title"])
        }
    }

    public func events(after: Int64) throws(StoreError) -> [LedgerEvent] {
        try read("read") { db in try Self.events(db, org: org, after: after) }
    }

    public func alerts(_ filter: AlertFilter) throws(StoreError) -> [Alert] {
        try read("read") { db in
            var clauses: [String] = ["org = ?"], arguments: [DatabaseValueConvertible?] = [org]
            if let unit = filter.unit {
                // The unit and every unit below it in the tree (ids need not share a prefix).
                clauses.append("""
                    unit_id IN (WITH RECURSIVE below(id) AS (SELECT id FROM unit WHERE org = ? AND id = ?
                      UNION SELECT u.id FROM unit u JOIN below b ON u.org = ? AND u.parent_id = b.id) SELECT id FROM below)
                    """)
                arguments += [org, unit, org]
            }
            if let owner = filter.owner { clauses.append("owner = ?"); arguments.append(owner) }
            if let severity = filter.severity { clauses.append("severity = ?"); arguments.append(severity.rawValue) }
            if let status = filter.status { clauses.append("status = ?"); arguments.append(status.rawValue) }
            let sql = "SELECT * FROM alert WHERE " + clauses.joined(separator: " AND ")
                + " ORDER BY unit_id, owner, CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, p_success, id"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Alert.init(row:))
        }
    }

    public func inbox(_ query: InboxQuery) throws(StoreError) -> InboxPage {
        try read("read") { db in
            var arguments: [DatabaseValueConvertible?] = [org]
            if let unit = query.unit { arguments += [org, unit, org] }
            if let a = query.after { arguments += [a.severityRank, a.pSuccess, a.id] }
            arguments.append(query.limit + 1)
            let sql = InboxSQL.query(columns: "*", unit: query.unit != nil, after: query.after != nil)
            let alerts = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Alert.init(row:))
            let page = Array(alerts.prefix(query.limit))
            return InboxPage(alerts: page, next: alerts.count > query.limit ? page.last.map(InboxCursor.init(after:)) : nil)
        }
    }

    public func acknowledgementBasis(alert id: Int64) throws(StoreError) -> AcknowledgementBasis {
        let operation = "acknowledge an alert in"
        return try read(operation) { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alert WHERE org = ? AND id = ?", arguments: [org, id]) else {
                throw StoreError(location: path, operation: operation, message: "no alert \(id)", kind: .notFound)
            }
            let last = try Int.fetchOne(db, sql: "SELECT MAX(day) FROM alert_event WHERE alert_id = ?", arguments: [id])
            return AcknowledgementBasis(generation: try Self.generation(db, org: org), alert: try Alert(row: row), latestRun: try Self.latestRun(db, org: org),
                                        lastEventDay: last.map { Day(ordinal: Int32($0)) })
        }
    }

    public func recordAcknowledgement(_ t: AlertTransition, day: Day, generation: Int64, audit: AuditEntry?) throws(StoreError) -> Alert {
        let operation = t.event == .snoozed ? "snooze an alert in" : "acknowledge an alert in"
        return try write(operation) { db in
            if try Self.generation(db, org: org) != generation {
                throw StoreError(location: path, operation: operation, message: "the store changed meanwhile", kind: .changedSinceRead)
            }
            try Self.advanceGeneration(db, org: org)
            let (id, _) = try Self.persist(db, t, org: org, day: day)
            if let audit { try Self.rows(db).appendAudit(audit, organisation: org) }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alert WHERE org = ? AND id = ?", arguments: [org, id]) else {
                throw Self.damaged("alert \(id) is gone")
            }
            return try Alert(row: row)
        }
    }

    public func unitIDs() throws(StoreError) -> [String] {
        try read("read") { db in try String.fetchAll(db, sql: "SELECT id FROM unit WHERE org = ? ORDER BY ordinal", arguments: [org]) }
    }

    public func policyVersions() throws(StoreError) -> [PolicyVersionUse] {
        try read("read") { db in
            try Row.fetchAll(db, sql: """
                SELECT p.name, p.version, p.first_run, (SELECT COUNT(*) FROM run r WHERE r.policy_version_id = p.id) AS runs
                FROM policy_version p WHERE p.org = ? ORDER BY p.id
                """, arguments: [org]).map { PolicyVersionUse(name: $0["name"], version: $0["version"], firstRun: Day(ordinal: Int32($0["first_run"] as Int)), runs: $0["runs"]) }
        }
    }

    public func hasRun(_ day: Day) throws(StoreError) -> Bool {
        try read("read") { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM run WHERE org = ? AND day = ?)", arguments: [org, Int(day.ordinal)]) ?? false }
    }

    static func latestRun(_ db: Database, org: String) throws -> Day? {
        try Int.fetchOne(db, sql: "SELECT MAX(day) FROM run WHERE org = ?", arguments: [org]).map { Day(ordinal: Int32($0)) }
    }

    public func latestRun() throws(StoreError) -> Day? {
        try read("read") { db in try Self.latestRun(db, org: org) }
    }

    public func decisions(day: Day?) throws(StoreError) -> [StoredDecision] {
        try read("read") { db in
            guard let day = try day ?? Self.latestRun(db, org: org) else { return [] }
            return try Row.fetchAll(db, sql: """
                SELECT d.unit_id, d.mode, d.outcome, d.outcome_value, d.lean FROM decision d LEFT JOIN unit u ON u.org = d.org AND u.id = d.unit_id
                WHERE d.org = ? AND d.day = ? ORDER BY u.ordinal, d.unit_id
                """, arguments: [org, Int(day.ordinal)]).map { row in
                let mode: String? = row["mode"]
                if let mode, Mode(rawValue: mode) == nil { throw Self.damaged("the decision of \(row["unit_id"] as String) has the mode '\(mode)'") }
                return StoredDecision(day: day, unitID: row["unit_id"], mode: mode.flatMap(Mode.init(rawValue:)), outcome: row["outcome"],
                                      outcomeValue: row["outcome_value"], lean: row["lean"])
            }
        }
    }

    public func forecasts(keyResult: String?, day: Day?) throws(StoreError) -> [StoredForecast] {
        try read("read") { db in
            var clauses: [String] = ["f.org = ?"], arguments: [DatabaseValueConvertible?] = [org]
            if let keyResult { clauses.append("f.kr_id = ?"); arguments.append(keyResult) }
            if let day { clauses.append("f.day = ?"); arguments.append(Int(day.ordinal)) }
            let sql = "SELECT f.* FROM forecast f LEFT JOIN key_result k ON k.org = f.org AND k.id = f.kr_id WHERE "
                + clauses.joined(separator: " AND ") + " ORDER BY f.day, k.ordinal, f.kr_id"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                StoredForecast(day: Day(ordinal: Int32(row["day"] as Int)), keyResultID: row["kr_id"], pSuccess: row["p_success"],
                               progress: row["progress"], elapsed: row["elapsed"])
            }
        }
    }
}

extension SQLiteStore {
    public func pendingDeliveries(url: String) throws(StoreError) -> [LedgerEvent] {
        try read("read") { db in
            try Self.events(db, org: org, condition: """
                e.kind IN ('opened', 'escalated') AND a.status != 'resolved'
                  AND NOT EXISTS (SELECT 1 FROM webhook_delivery w WHERE w.event_id = e.id AND w.url = ? AND w.delivered)
                """, arguments: [url])
        }
    }

    public func eventExists(_ id: Int64) throws(StoreError) -> Bool {
        try read("read") { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM alert_event WHERE org = ? AND id = ?)", arguments: [org, id]) ?? false }
    }

    @discardableResult
    public func recordDelivery(event: Int64, url: String, delivered: Bool) throws(StoreError) -> Bool {
        try write("record a delivery in") { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM alert_event WHERE org = ? AND id = ?)", arguments: [org, event]) == true else {
                return false
            }
            try db.execute(sql: """
                INSERT INTO webhook_delivery (event_id, url, attempts, delivered) VALUES (?, ?, 1, ?)
                ON CONFLICT(event_id, url) DO UPDATE SET attempts = attempts + 1, delivered = excluded.delivered OR delivered
                """, arguments: [event, url, delivered])
            return true
        }
    }
}
