import Foundation
import GRDB
import TandemCore

/// What a run observed about one key result, as the ledger stores it.
public struct LedgerObservation: Sendable {
    public var keyResultID: String
    public var unitID: String
    public var owner: String?
    public var title: String
    /// info, warning or critical; nil when no alert rule fires.
    public var severity: String?
    public var rules: [String]
    public var reasons: String
    public var pSuccess: Double
    public var progress: Double
    public var elapsed: Double

    public init(keyResultID: String, unitID: String, owner: String?, title: String, severity: String?, rules: [String],
                reasons: String, pSuccess: Double, progress: Double, elapsed: Double) {
        self.keyResultID = keyResultID
        self.unitID = unitID
        self.owner = owner
        self.title = title
        self.severity = severity
        self.rules = rules
        self.reasons = reasons
        self.pSuccess = pSuccess
        self.progress = progress
        self.elapsed = elapsed
    }
}

/// An alert of the ledger.
public struct Alert: Sendable, Codable {
    public var id: Int64
    public var keyResultID: String
    public var unitID: String
    public var owner: String?
    public var title: String
    public var severity: String
    public var status: String
    public var rules: String
    public var reasons: String
    public var pSuccess: Double
    public var openedDay: Day
    public var updatedDay: Day
    public var resolvedDay: Day?
    public var ackNote: String?

    enum CodingKeys: String, CodingKey {
        case id, keyResultID = "kr_id", unitID = "unit_id", owner, title, severity, status, rules, reasons
        case pSuccess = "p_success", openedDay = "opened", updatedDay = "updated", resolvedDay = "resolved", ackNote = "ack_note"
    }

    init(row: Row) {
        id = row["id"]
        keyResultID = row["kr_id"]
        unitID = row["unit_id"]
        owner = row["owner"]
        title = row["title"]
        severity = row["severity"]
        status = row["status"]
        rules = row["rules"]
        reasons = row["reasons"]
        pSuccess = row["p_success"]
        openedDay = Day(ordinal: Int32(row["opened_day"] as Int))
        updatedDay = Day(ordinal: Int32(row["updated_day"] as Int))
        resolvedDay = (row["resolved_day"] as Int?).map { Day(ordinal: Int32($0)) }
        ackNote = row["ack_note"]
    }
}

/// One change of the ledger, for the JSON Lines feed and the webhook.
public struct LedgerEvent: Sendable, Codable {
    public var id: Int64
    public var alertID: Int64
    public var day: Day
    /// opened, escalated, improved, updated, resolved, acked.
    public var kind: String
    public var severity: String
    public var reasons: String
    public var keyResultID: String
    public var unitID: String
    public var owner: String?
    public var title: String

    /// Whether the event calls for a notification: an alert opened or got worse.
    public var notifies: Bool { kind == "opened" || kind == "escalated" }

    enum CodingKeys: String, CodingKey {
        case id = "event_id", alertID = "alert_id", day, kind, severity, reasons, keyResultID = "kr_id", unitID = "unit_id", owner, title
    }
}

/// A policy as it was used by a run: kept whole, once per distinct text.
public struct PolicyVersion: Sendable {
    public var name: String
    public var version: String?
    public var text: String
    /// FNV-1a 64 of the text, in hex.
    public var digest: String

    public init(name: String, version: String?, text: String) {
        self.name = name
        self.version = version
        self.text = text
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        digest = String(hash, radix: 16)
    }
}

/// Summary of a recorded run.
public struct RunRecord: Sendable {
    public var events: [LedgerEvent]
    /// The run replaced an earlier record of the same day.
    public var rerun: Bool
}

extension TandemStore {
    static let severityRank = ["info": 1, "warning": 2, "critical": 3]

    /// The last run's day and each key result's P(success) then.
    public func previousForecasts(before day: Day) throws(StoreError) -> (Day?, [String: Double]) {
        do {
            return try pool.read { db in
                guard let previous = try Int.fetchOne(db, sql: "SELECT MAX(day) FROM run WHERE day < ?", arguments: [Int(day.ordinal)]) else {
                    return (nil, [:])
                }
                var map: [String: Double] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT kr_id, p_success FROM forecast WHERE day = ?", arguments: [previous]) {
                    map[row["kr_id"]] = row["p_success"]
                }
                return (Day(ordinal: Int32(previous)), map)
            }
        } catch {
            throw StoreError(path: path, operation: "read", underlying: StorePath.words(error))
        }
    }

    /// Records a run in one transaction: decisions, forecasts, and the ledger's transitions.
    ///
    /// An alert opens when a key result moves into a worse state (some rule fires and no alert is
    /// live for it); while the state persists the alert is updated, not repeated; it escalates
    /// when the state gets worse (and is reopened if it had been acknowledged); it resolves when
    /// no rule fires any more or the key result is no longer open. Recording the same day twice
    /// creates no new event: the ledger already holds that state.
    ///
    /// Each alert the run changes is kept as it was before (`run_undo`), so that `undoLatestRun`
    /// can take the run back.
    ///
    /// - Parameter generation: the store's `generation()` when the run read what it computed
    ///   from; when the store has changed since, nothing is written and the error says
    ///   `changedSinceRead` (compute again). Nil: no such check.
    /// - Throws: when `day` is before the store's latest run (runs go forward in time).
    public func recordRun(day: Day, policy: String, model: String, decisions: [(unitID: String, mode: String?, outcome: String?, lean: Double)],
                          observations: [LedgerObservation], policyVersion: PolicyVersion? = nil,
                          generation: Int64? = nil) throws(StoreError) -> RunRecord {
        do {
            return try pool.write { db in
                let d = Int(day.ordinal)
                if let generation, try Self.generation(db) != generation {
                    throw StoreError(path: path, operation: "record the run in",
                                     underlying: "the store changed while the run was computed (another run or an import)",
                                     changedSinceRead: true)
                }
                // The ledger is never given a number it cannot order or print.
                if let bad = observations.first(where: { !($0.pSuccess.isFinite && $0.progress.isFinite && $0.elapsed.isFinite) }) {
                    throw StoreError(path: path, operation: "record the run in",
                                     underlying: "key result \(bad.keyResultID) has no finite forecast (P \(bad.pSuccess), progress \(bad.progress)); nothing was written")
                }
                try Self.advanceGeneration(db)
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                /// Keeps an alert as it was before this run first changed it (nil: the run opened it).
                func keep(_ alertID: Int64, _ before: Alert?) throws {
                    let json = try before.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                    try db.execute(sql: "INSERT INTO run_undo (day, alert_id, before) VALUES (?, ?, ?) ON CONFLICT(day, alert_id) DO NOTHING",
                                   arguments: [d, alertID, json])
                }
                if let latest = try Int.fetchOne(db, sql: "SELECT MAX(day) FROM run"), latest > d {
                    throw StoreError(path: path, operation: "run",
                                     underlying: "runs go forward in time: the store's latest run is \(Day(ordinal: Int32(latest))), after \(day)")
                }
                let rerun = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE day = ?", arguments: [d]) ?? 0 > 0
                // The same day again records what changed since on top of that day's record (with
                // the same data, nothing: no event, no webhook post). To record the day afresh
                // instead, as if it had not been run, `tandem runs undo` first.
                // A day first recorded by a Tandem that kept no undo record stays not undoable.
                let undoable = try rerun ? Bool.fetchOne(db, sql: "SELECT undoable FROM run WHERE day = ?", arguments: [d]) ?? false : true
                try db.execute(sql: "DELETE FROM run WHERE day = ?", arguments: [d])
                var versionID: Int64?
                if let v = policyVersion {
                    try db.execute(sql: """
                        INSERT INTO policy_version (name, version, digest, text, first_run) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(digest) DO NOTHING
                        """, arguments: [v.name, v.version, v.digest, v.text, d])
                    versionID = try Int64.fetchOne(db, sql: "SELECT id FROM policy_version WHERE digest = ?", arguments: [v.digest])
                }
                try db.execute(sql: "INSERT INTO run (day, policy, model, open_key_results, policy_version_id, undoable) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [d, policy, model, observations.count, versionID, undoable])
                let decision = try db.cachedStatement(sql: "INSERT INTO decision (day, unit_id, mode, outcome, lean) VALUES (?, ?, ?, ?, ?)")
                for x in decisions { try decision.execute(arguments: [d, x.unitID, x.mode, x.outcome, x.lean]) }
                let forecast = try db.cachedStatement(sql: "INSERT INTO forecast (day, kr_id, p_success, progress, elapsed) VALUES (?, ?, ?, ?, ?)")
                for o in observations { try forecast.execute(arguments: [d, o.keyResultID, o.pSuccess, o.progress, o.elapsed]) }

                // Live alerts (open or acknowledged), one per key result at most.
                var live: [String: Alert] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT * FROM alert WHERE status != 'resolved'") {
                    let a = Alert(row: row)
                    live[a.keyResultID] = a
                }
                var eventIDs: [Int64] = []
                func event(_ alertID: Int64, _ kind: String, _ severity: String, _ reasons: String) throws {
                    try db.execute(sql: "INSERT INTO alert_event (alert_id, day, kind, severity, reasons) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [alertID, d, kind, severity, reasons])
                    eventIDs.append(db.lastInsertedRowID)
                }
                var seen = Set<String>()
                for o in observations {
                    seen.insert(o.keyResultID)
                    let rules = o.rules.joined(separator: "; ")
                    let existing = live[o.keyResultID]
                    guard let severity = o.severity else {
                        if let a = existing {
                            try keep(a.id, a)
                            try db.execute(sql: "UPDATE alert SET status = 'resolved', resolved_day = ?, updated_day = ?, p_success = ? WHERE id = ?",
                                           arguments: [d, d, o.pSuccess, a.id])
                            try event(a.id, "resolved", a.severity, "recovered: P(success) \(String(format: "%.2f", o.pSuccess)), no alert rule fires")
                        }
                        continue
                    }
                    guard let a = existing else {
                        try db.execute(sql: """
                            INSERT INTO alert (kr_id, unit_id, owner, title, severity, status, rules, reasons, p_success, opened_day, updated_day)
                            VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)
                            """, arguments: [o.keyResultID, o.unitID, o.owner, o.title, severity, rules, o.reasons, o.pSuccess, d, d])
                        let id = db.lastInsertedRowID
                        try keep(id, nil)
                        try event(id, "opened", severity, "\(rules): \(o.reasons)")
                        continue
                    }
                    let now = Self.severityRank[severity] ?? 0, then = Self.severityRank[a.severity] ?? 0
                    if now > then {
                        try keep(a.id, a)
                        try db.execute(sql: """
                            UPDATE alert SET severity = ?, status = 'open', rules = ?, reasons = ?, p_success = ?, updated_day = ? WHERE id = ?
                            """, arguments: [severity, rules, o.reasons, o.pSuccess, d, a.id])
                        try event(a.id, "escalated", severity, "\(rules): \(o.reasons)")
                    } else if now < then || a.rules != rules || a.reasons != o.reasons {
                        try keep(a.id, a)
                        try db.execute(sql: "UPDATE alert SET severity = ?, rules = ?, reasons = ?, p_success = ?, updated_day = ? WHERE id = ?",
                                       arguments: [severity, rules, o.reasons, o.pSuccess, d, a.id])
                        try event(a.id, now < then ? "improved" : "updated", severity, "\(rules): \(o.reasons)")
                    }
                }
                // Live alerts of key results that are no longer open (closed, or their cycle ended).
                for (kr, a) in live where !seen.contains(kr) {
                    try keep(a.id, a)
                    try db.execute(sql: "UPDATE alert SET status = 'resolved', resolved_day = ?, updated_day = ? WHERE id = ?",
                                   arguments: [d, d, a.id])
                    try event(a.id, "resolved", a.severity, "the key result is no longer open")
                }
                return RunRecord(events: try Self.events(db, ids: eventIDs), rerun: rerun)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: path, operation: "record the run in", underlying: StorePath.words(error))
        }
    }

    static func events(_ db: Database, ids: [Int64]? = nil, after: Int64 = 0) throws -> [LedgerEvent] {
        var sql = """
            SELECT e.id, e.alert_id, e.day, e.kind, e.severity, e.reasons, a.kr_id, a.unit_id, a.owner, a.title
            FROM alert_event e JOIN alert a ON a.id = e.alert_id
            """
        var arguments: StatementArguments = []
        if let ids {
            guard !ids.isEmpty else { return [] }
            sql += " WHERE e.id IN (\(ids.map { _ in "?" }.joined(separator: ",")))"
            arguments = StatementArguments(ids)
        } else {
            sql += " WHERE e.id > ?"
            arguments = [after]
        }
        sql += " ORDER BY e.id"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            LedgerEvent(id: row["id"], alertID: row["alert_id"], day: Day(ordinal: Int32(row["day"] as Int)), kind: row["kind"],
                        severity: row["severity"], reasons: row["reasons"], keyResultID: row["kr_id"], unitID: row["unit_id"],
                        owner: row["owner"], title: row["title"])
        }
    }

    /// Ledger events after an event id, oldest first (the JSON Lines feed).
    public func events(after: Int64 = 0) throws(StoreError) -> [LedgerEvent] {
        do { return try pool.read { db in try Self.events(db, after: after) } } catch {
            throw StoreError(path: path, operation: "read", underlying: StorePath.words(error))
        }
    }

    /// Alerts matching the filters, most severe first within each unit and owner.
    public func alerts(unit: String? = nil, owner: String? = nil, severity: String? = nil, status: String? = nil) throws(StoreError) -> [Alert] {
        do {
            return try pool.read { db in
                var clauses: [String] = [], arguments: [DatabaseValueConvertible?] = []
                if let unit {
                    // The unit and every unit below it in the tree (ids need not share a prefix).
                    clauses.append("""
                        unit_id IN (WITH RECURSIVE below(id) AS (SELECT id FROM unit WHERE id = ?
                          UNION SELECT u.id FROM unit u JOIN below b ON u.parent_id = b.id) SELECT id FROM below)
                        """)
                    arguments.append(unit)
                }
                if let owner { clauses.append("owner = ?"); arguments.append(owner) }
                if let severity { clauses.append("severity = ?"); arguments.append(severity) }
                if let status { clauses.append("status = ?"); arguments.append(status) }
                let sql = "SELECT * FROM alert" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
                    + " ORDER BY unit_id, owner, CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, p_success, id"
                return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Alert.init(row:))
            }
        } catch {
            throw StoreError(path: path, operation: "read", underlying: StorePath.words(error))
        }
    }

    /// Acknowledges a live alert with a note.
    public func acknowledge(alert id: Int64, note: String, day: Day) throws(StoreError) -> Alert {
        do {
            return try pool.write { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alert WHERE id = ?", arguments: [id]) else {
                    throw StoreError(path: path, operation: "acknowledge an alert in", underlying: "no alert \(id)")
                }
                let a = Alert(row: row)
                guard a.status != "resolved" else {
                    throw StoreError(path: path, operation: "acknowledge an alert in", underlying: "alert \(id) is already resolved")
                }
                guard !note.allSatisfy(\.isWhitespace) else {
                    throw StoreError(path: path, operation: "acknowledge an alert in", underlying: "the note is empty; say what is being done about it")
                }
                // Not far past the latest run: a mistyped year would sort after every later change.
                if let latest = try Int.fetchOne(db, sql: "SELECT MAX(day) FROM run"), Int(day.ordinal) > latest + 31 {
                    throw StoreError(path: path, operation: "acknowledge an alert in",
                                     underlying: "an acknowledgement dated \(day) lies more than 31 days after the latest run (\(Day(ordinal: Int32(latest))))")
                }
                // The feed reads in order: an acknowledgement cannot come before what it acknowledges.
                if let last = try Int.fetchOne(db, sql: "SELECT MAX(day) FROM alert_event WHERE alert_id = ?", arguments: [id]),
                   Int(day.ordinal) < last {
                    throw StoreError(path: path, operation: "acknowledge an alert in",
                                     underlying: "alert \(id) was last \(a.status == "acked" ? "changed" : "updated") on \(Day(ordinal: Int32(last))); an acknowledgement dated \(day) would come before it")
                }
                try Self.advanceGeneration(db)
                try db.execute(sql: "UPDATE alert SET status = 'acked', ack_note = ? WHERE id = ?", arguments: [note, id])
                try db.execute(sql: "INSERT INTO alert_event (alert_id, day, kind, severity, reasons) VALUES (?, ?, 'acked', ?, ?)",
                               arguments: [id, Int(day.ordinal), a.severity, note])
                return Alert(row: try Row.fetchOne(db, sql: "SELECT * FROM alert WHERE id = ?", arguments: [id])!)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: path, operation: "acknowledge an alert in", underlying: StorePath.words(error))
        }
    }

    /// Every unit's id, in the organisation's order.
    public func unitIDs() throws(StoreError) -> [String] {
        do { return try pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM unit ORDER BY ordinal") } } catch {
            throw StoreError(path: path, operation: "read", underlying: StorePath.words(error))
        }
    }

    /// The policy versions the store's runs have used: (name, version, first run day, runs).
    public func policyVersions() throws(StoreError) -> [(name: String, version: String?, firstRun: Day, runs: Int)] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT p.name, p.version, p.first_run, (SELECT COUNT(*) FROM run r WHERE r.policy_version_id = p.id) AS runs
                    FROM policy_version p ORDER BY p.id
                    """).map { ($0["name"], $0["version"], Day(ordinal: Int32($0["first_run"] as Int)), $0["runs"]) }
            }
        } catch {
            throw StoreError(path: path, operation: "read", underlying: StorePath.words(error))
        }
    }

    /// Whether a run of this day is recorded.
    public func hasRun(_ day: Day) throws(StoreError) -> Bool {
        do {
            return try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE day = ?", arguments: [Int(day.ordinal)]) ?? 0 > 0 }
        } catch {
            throw StoreError(path: path, operation: "read", underlying: StorePath.words(error))
        }
    }

    /// The latest run's day.
    public func latestRun() throws(StoreError) -> Day? {
        do {
            return try pool.read { db in try Int.fetchOne(db, sql: "SELECT MAX(day) FROM run").map { Day(ordinal: Int32($0)) } }
        } catch {
            throw StoreError(path: path, operation: "read", underlying: StorePath.words(error))
        }
    }
}

extension TandemStore {
    /// Notifying events (opened, escalated) not yet delivered to `url`, oldest first.
    public func pendingDeliveries(url: String) throws(StoreError) -> [LedgerEvent] {
        do {
            return try pool.read { db in
                let ids = try Int64.fetchAll(db, sql: """
                    SELECT e.id FROM alert_event e
                    WHERE e.kind IN ('opened', 'escalated')
                      AND NOT EXISTS (SELECT 1 FROM webhook_delivery w WHERE w.event_id = e.id AND w.url = ? AND w.delivered)
                    ORDER BY e.id
                    """, arguments: [url])
                return try Self.events(db, ids: ids)
            }
        } catch {
            throw StoreError(path: path, operation: "read", underlying: StorePath.words(error))
        }
    }

    /// Whether a ledger event is still there (`tandem runs undo` removes a run's events).
    public func eventExists(_ id: Int64) throws(StoreError) -> Bool {
        do {
            return try pool.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM alert_event WHERE id = ?)", arguments: [id]) ?? false }
        } catch {
            throw StoreError(path: path, operation: "read", underlying: StorePath.words(error))
        }
    }

    /// Records one delivery attempt; a delivered event is never sent to that URL again.
    ///
    /// - Returns: false when the event is no longer in the ledger (`tandem runs undo` took its
    ///   run back meanwhile): nothing to record, and nothing to retry.
    @discardableResult
    public func recordDelivery(event: Int64, url: String, delivered: Bool) throws(StoreError) -> Bool {
        do {
            return try pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM alert_event WHERE id = ?)", arguments: [event]) == true else {
                    return false
                }
                try db.execute(sql: """
                    INSERT INTO webhook_delivery (event_id, url, attempts, delivered) VALUES (?, ?, 1, ?)
                    ON CONFLICT(event_id, url) DO UPDATE SET attempts = attempts + 1, delivered = excluded.delivered OR delivered
                    """, arguments: [event, url, delivered])
                return true
            }
        } catch {
            throw StoreError(path: path, operation: "record a delivery in", underlying: StorePath.words(error))
        }
    }
}
