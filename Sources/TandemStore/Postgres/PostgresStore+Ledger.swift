import Foundation
import PostgresNIO
import TandemCore

extension PostgresStore {
    /// The columns an alert is read from, in ``alert(_:)``'s order.
    static let alertColumns = "id, kr_id, unit_id, owner, title, severity, status, rules, reasons, p_success, opened_day, updated_day, resolved_day, ack_note, snoozed_until"

    /// A day the store holds; a number no Tandem writes is refused, not trapped on.
    static func day(_ ordinal: Int) throws -> Day {
        guard let value = Int32(exactly: ordinal) else { throw SQLiteStore.damaged("the day number \(ordinal) is out of range") }
        return Day(ordinal: value)
    }

    static func alert(_ row: PostgresRow) throws -> Alert {
        let (id, kr, unit, owner, title, severity, status, rules, reasons, p, opened, updated, resolved, note, snoozed) =
            try row.decode((Int64, String, String, String?, String, String, String, String, String, Double, Int, Int, Int?, String?, Int?).self)
        guard let s = AlertSeverity(rawValue: severity) else { throw SQLiteStore.damaged("alert \(id) has the severity '\(severity)'") }
        guard let t = AlertStatus(rawValue: status) else { throw SQLiteStore.damaged("alert \(id) has the status '\(status)'") }
        return Alert(id: id, keyResultID: kr, unitID: unit, owner: owner, title: title, severity: s, status: t, rules: rules, reasons: reasons,
                     pSuccess: p, openedDay: try day(opened), updatedDay: try day(updated), resolvedDay: try resolved.map(day), ackNote: note,
                     snoozedUntil: try snoozed.map(day))
    }

    static func latestRun(_ s: PostgresSession, org: String) throws -> Day? {
        try s.scalar("SELECT MAX(day) FROM run WHERE org = \(org)", as: Int.self).map(day)
    }

    static func previousForecasts(_ s: PostgresSession, org: String, before day: Day) throws -> PreviousForecasts {
        guard let previous = try s.scalar("SELECT MAX(day) FROM run WHERE org = \(org) AND day < \(Int(day.ordinal))", as: Int.self) else {
            return PreviousForecasts(day: nil, pSuccess: [:])
        }
        let sink = RowSink([String: Double]())
        try s.forEachRow("SELECT kr_id, p_success FROM forecast WHERE org = \(org) AND day = \(previous)") { row in
            let (id, p) = try row.decode((String, Double).self)
            sink.value[id] = p
        }
        return PreviousForecasts(day: try Self.day(previous), pSuccess: sink.value)
    }

    public func previousForecasts(before day: Day) throws(StoreError) -> PreviousForecasts {
        try read("read") { s in try Self.previousForecasts(s, org: org, before: day) }
    }

    public func runBasis(day: Day) throws(StoreError) -> RunBasis {
        try read("read") { s in
            RunBasis(generation: try Self.generation(s, org: org), dataset: try Self.loadDataset(s, location: location, org: org),
                     previous: try Self.previousForecasts(s, org: org, before: day),
                     liveAlerts: try s.query(PostgresQuery(unsafeSQL: "SELECT \(Self.alertColumns) FROM alert WHERE org = $1 AND status != 'resolved' ORDER BY id",
                                                           binds: try Self.binds(org))).map(Self.alert),
                     latestRun: try Self.latestRun(s, org: org),
                     dayRecorded: try s.scalar("SELECT EXISTS (SELECT 1 FROM run WHERE org = \(org) AND day = \(Int(day.ordinal)))", as: Bool.self) ?? false)
        }
    }

    /// SQL written for both backends, its `?` placeholders numbered `$1`, `$2`, … in order.
    static func numbered(_ sql: String) -> String {
        var out = "", n = 0
        for c in sql {
            if c == "?" { n += 1; out += "$\(n)" } else { out.append(c) }
        }
        return out
    }

    /// Bindings for a query written as text.
    static func binds(_ values: any PostgresEncodable & Sendable...) throws -> PostgresBindings {
        var b = PostgresBindings()
        for v in values { try b.append(v) }
        return b
    }

    /// Records a run in one transaction, as ``SQLiteStore/recordRun(_:generation:)`` does, with
    /// the rows sent in arrays (a statement per table, not per row: a run on a large
    /// organisation writes a hundred thousand rows).
    public func recordRun(_ run: RunWrite, generation: Int64?) throws(StoreError) -> RunRecord {
        let operation = "record the run in"
        return try write(operation) { s in
            let d = Int(run.day.ordinal)
            try run.check(generation: generation, current: try Self.generation(s, org: org), latestRun: try Self.latestRun(s, org: org),
                          location: location, operation: operation)
            try Self.advanceGeneration(s, org: org)
            let previous = try s.query("SELECT undoable, policy_version_id FROM run WHERE org = \(org) AND day = \(d)")
                .map { try $0.decode((Bool, Int64?).self) }.first
            let rerun = previous != nil
            let undoable = previous?.0 ?? true
            try s.execute("DELETE FROM decision WHERE org = \(org) AND day = \(d)")
            try s.execute("DELETE FROM forecast WHERE org = \(org) AND day = \(d)")
            try s.execute("DELETE FROM run WHERE org = \(org) AND day = \(d)")
            var versionID: Int64?
            if let v = run.policyVersion {
                try s.execute("""
                    INSERT INTO policy_version (org, name, version, digest, text, first_run) VALUES (\(org), \(v.name), \(v.version), \(v.digest), \(v.text), \(d))
                    ON CONFLICT (org, digest) DO NOTHING
                    """)
                versionID = try s.scalar("SELECT id FROM policy_version WHERE org = \(org) AND digest = \(v.digest)", as: Int64.self)
            }
            try s.execute("""
                INSERT INTO run (org, day, policy, model, open_key_results, policy_version_id, undoable)
                VALUES (\(org), \(d), \(run.policy), \(run.model), \(run.forecasts.count), \(versionID), \(undoable))
                """)
            if let replaced = previous?.1 {
                try s.execute("DELETE FROM policy_version WHERE id = \(replaced) AND NOT EXISTS (SELECT 1 FROM run WHERE policy_version_id = \(replaced))")
            }
            let decisions = run.decisions
            try s.execute("""
                INSERT INTO decision (org, day, unit_id, mode, outcome, outcome_value, lean)
                SELECT \(org), \(d), u, NULLIF(m, ''), CASE WHEN o_null THEN NULL ELSE o END, CASE WHEN v_null THEN NULL ELSE v END, l
                FROM unnest(\(decisions.map(\.unitID))::text[], \(decisions.map { $0.mode?.rawValue ?? "" })::text[],
                            \(decisions.map { $0.outcome ?? "" })::text[], \(decisions.map { $0.outcome == nil })::bool[],
                            \(decisions.map { $0.outcomeValue ?? "" })::text[], \(decisions.map { $0.outcomeValue == nil })::bool[],
                            \(Self.z(decisions.map(\.lean)))::float8[]) AS t(u, m, o, o_null, v, v_null, l)
                """)
            let forecasts = run.forecasts
            try s.execute("""
                INSERT INTO forecast (org, day, kr_id, p_success, progress, elapsed)
                SELECT \(org), \(d), k, p, g, e
                FROM unnest(\(forecasts.map(\.keyResultID))::text[], \(Self.z(forecasts.map(\.pSuccess)))::float8[],
                            \(Self.z(forecasts.map(\.progress)))::float8[], \(Self.z(forecasts.map(\.elapsed)))::float8[]) AS t(k, p, g, e)
                """)
            let eventIDs = try Self.persist(s, run.transitions, org: org, day: run.day, keepUndo: true)
            let events = try eventIDs.min().map { first in try Self.events(s, org: org, after: first - 1) } ?? []
            return RunRecord(events: events, rerun: rerun)
        }
    }

    /// Writes transitions: alerts inserted when they open (numbered from the sequence, in the
    /// transitions' order), updated otherwise, and one event each, numbered in order too.
    /// With `keepUndo`, each alert as it was before the run first changed it (`run_undo`).
    /// - Returns: the events' ids.
    static func persist(_ s: PostgresSession, _ transitions: [AlertTransition], org: String, day: Day, keepUndo: Bool) throws -> [Int64] {
        guard !transitions.isEmpty else { return [] }
        let d = Int(day.ordinal)
        func numbers(_ sequence: String, _ count: Int) throws -> [Int64] {
            guard count > 0 else { return [] }
            return try s.query("SELECT nextval(pg_get_serial_sequence(\(sequence), 'id')) FROM generate_series(1, \(count))")
                .map { try $0.decode(Int64.self) }.sorted()
        }
        let opening = transitions.filter { $0.before == nil }.map(\.after)
        var alertIDs = try numbers("alert", opening.count)[...]
        var ids: [Int64] = []
        var inserted: [(Int64, Alert)] = [], updated: [Alert] = []
        for t in transitions {
            if t.before == nil {
                let id = alertIDs.removeFirst()
                ids.append(id)
                inserted.append((id, t.after))
            } else {
                ids.append(t.after.id)
                updated.append(t.after)
            }
        }
        if !inserted.isEmpty {
            let a = inserted.map(\.1)
            try s.execute("""
                INSERT INTO alert (id, org, kr_id, unit_id, owner, title, severity, status, rules, reasons, p_success, opened_day,
                  updated_day, resolved_day, ack_note, snoozed_until)
                SELECT id, \(org), k, u, CASE WHEN o_null THEN NULL ELSE o END, ti, se, st, ru, re, p, od, ud,
                  CASE WHEN rd < 0 THEN NULL ELSE rd END, CASE WHEN n_null THEN NULL ELSE n END, CASE WHEN sz < 0 THEN NULL ELSE sz END
                FROM unnest(\(inserted.map(\.0))::int8[], \(a.map(\.keyResultID))::text[], \(a.map(\.unitID))::text[],
                            \(a.map { $0.owner ?? "" })::text[], \(a.map { $0.owner == nil })::bool[], \(a.map(\.title))::text[],
                            \(a.map(\.severity.rawValue))::text[], \(a.map(\.status.rawValue))::text[], \(a.map(\.rules))::text[],
                            \(a.map(\.reasons))::text[], \(Self.z(a.map(\.pSuccess)))::float8[], \(a.map { Int($0.openedDay.ordinal) })::int8[],
                            \(a.map { Int($0.updatedDay.ordinal) })::int8[], \(a.map { $0.resolvedDay.map { Int($0.ordinal) } ?? -1 })::int8[],
                            \(a.map { $0.ackNote ?? "" })::text[], \(a.map { $0.ackNote == nil })::bool[],
                            \(a.map { $0.snoozedUntil.map { Int($0.ordinal) } ?? -1 })::int8[])
                  AS t(id, k, u, o, o_null, ti, se, st, ru, re, p, od, ud, rd, n, n_null, sz)
                """)
        }
        if !updated.isEmpty {
            // Each alert once per batch (an UPDATE … FROM takes one source row per target row).
            var seen = Set<Int64>(), batches: [[Alert]] = [[]]
            for a in updated {
                if !seen.insert(a.id).inserted { seen = [a.id]; batches.append([]) }
                batches[batches.count - 1].append(a)
            }
            for a in batches {
                let changed = try Self.update(s, a, org: org)
                guard changed == a.count else { throw SQLiteStore.damaged("\(a.count - changed) of the alerts this run changes are gone") }
            }
        }
        let eventIDs = try numbers("alert_event", transitions.count)
        try s.execute("""
            INSERT INTO alert_event (id, org, alert_id, day, kind, severity, reasons)
            SELECT id, \(org), a, \(d), k, s, r
            FROM unnest(\(eventIDs)::int8[], \(ids)::int8[], \(transitions.map(\.event.rawValue))::text[],
                        \(transitions.map(\.eventSeverity.rawValue))::text[], \(transitions.map(\.eventText))::text[]) AS t(id, a, k, s, r)
            """)
        if keepUndo {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let before = try transitions.map { t in try t.before.map { String(decoding: try encoder.encode($0), as: UTF8.self) } }
            try s.execute("""
                INSERT INTO run_undo (org, day, alert_id, "before")
                SELECT \(org), \(d), a, CASE WHEN b_null THEN NULL ELSE b END
                FROM unnest(\(ids)::int8[], \(before.map { $0 ?? "" })::text[], \(before.map { $0 == nil })::bool[]) AS t(a, b, b_null)
                ON CONFLICT (org, day, alert_id) DO NOTHING
                """)
        }
        return eventIDs
    }

    /// Writes alerts back as given (each id once), in one statement; how many rows it changed.
    static func update(_ s: PostgresSession, _ a: [Alert], org: String) throws -> Int {
        try s.execute("""
            UPDATE alert SET severity = t.se, status = t.st, rules = t.ru, reasons = t.re, p_success = t.p, updated_day = t.ud,
              resolved_day = CASE WHEN t.rd < 0 THEN NULL ELSE t.rd END, ack_note = CASE WHEN t.n_null THEN NULL ELSE t.n END,
              snoozed_until = CASE WHEN t.sz < 0 THEN NULL ELSE t.sz END
            FROM unnest(\(a.map(\.id))::int8[], \(a.map(\.severity.rawValue))::text[], \(a.map(\.status.rawValue))::text[],
                        \(a.map(\.rules))::text[], \(a.map(\.reasons))::text[], \(Self.z(a.map(\.pSuccess)))::float8[],
                        \(a.map { Int($0.updatedDay.ordinal) })::int8[], \(a.map { $0.resolvedDay.map { Int($0.ordinal) } ?? -1 })::int8[],
                        \(a.map { $0.ackNote ?? "" })::text[], \(a.map { $0.ackNote == nil })::bool[],
                        \(a.map { $0.snoozedUntil.map { Int($0.ordinal) } ?? -1 })::int8[])
              AS t(id, se, st, ru, re, p, ud, rd, n, n_null, sz)
            WHERE alert.id = t.id AND alert.org = \(org)
            """)
    }

    /// The organisation's ledger events after an event id, oldest first; `condition` narrows
    /// them (SQL over `e` and `a`, with its parameters from $3 on).
    static func events(_ s: PostgresSession, org: String, after: Int64 = 0, condition: String? = nil,
                       binds extra: [any PostgresEncodable & Sendable] = []) throws -> [LedgerEvent] {
        var b = try binds(org, after)
        for v in extra { try b.append(v) }
        let sql = """
            SELECT e.id, e.alert_id, e.day, e.kind, e.severity, e.reasons, a.kr_id, a.unit_id, a.owner, a.title
            FROM alert_event e JOIN alert a ON a.id = e.alert_id
            WHERE e.org = $1 AND e.id > $2\(condition.map { " AND (\($0))" } ?? "")
            ORDER BY e.id
            """
        return try s.query(PostgresQuery(unsafeSQL: sql, binds: b)).map { row in
            let (id, alert, d, kind, severity, reasons, kr, unit, owner, title) =
                try row.decode((Int64, Int64, Int, String, String, String, String, String, String?, String).self)
            guard let k = LedgerEventKind(rawValue: kind), let sv = AlertSeverity(rawValue: severity) else {
                throw SQLiteStore.damaged("event \(id) has the kind '\(kind)' and severity '\(severity)'")
            }
            return LedgerEvent(id: id, alertID: alert, day: try day(d), kind: k, severity: sv, reasons: reasons, keyResultID: kr,
                               unitID: unit, owner: owner, title: title)
        }
    }

    public func events(after: Int64) throws(StoreError) -> [LedgerEvent] {
        try read("read") { s in try Self.events(s, org: org, after: after) }
    }

    public func alerts(_ filter: AlertFilter) throws(StoreError) -> [Alert] {
        try read("read") { s in
            var clauses = ["org = $1"], b = try Self.binds(org)
            func next(_ value: any PostgresEncodable & Sendable) throws -> String {
                try b.append(value)
                return "$\(b.count)"
            }
            if let unit = filter.unit {
                // The unit and every unit below it in the tree (ids need not share a prefix).
                clauses.append("""
                    unit_id IN (WITH RECURSIVE below(id) AS (SELECT id FROM unit WHERE org = $1 AND id = \(try next(unit))
                      UNION SELECT u.id FROM unit u JOIN below b ON u.org = $1 AND u.parent_id = b.id) SELECT id FROM below)
                    """)
            }
            if let owner = filter.owner { clauses.append("owner = \(try next(owner))") }
            if let severity = filter.severity { clauses.append("severity = \(try next(severity.rawValue))") }
            if let status = filter.status { clauses.append("status = \(try next(status.rawValue))") }
            // COLLATE "C": the order of SQLite's, by code point, whatever the database's locale.
            let sql = "SELECT \(Self.alertColumns) FROM alert WHERE " + clauses.joined(separator: " AND ")
                + " ORDER BY unit_id COLLATE \"C\", owner COLLATE \"C\" NULLS FIRST, CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, p_success, id"
            return try s.query(PostgresQuery(unsafeSQL: sql, binds: b)).map(Self.alert)
        }
    }

    public func inbox(_ query: InboxQuery) throws(StoreError) -> InboxPage {
        try read("read") { s in
            var b = try Self.binds(org)
            if let unit = query.unit { try b.append(org); try b.append(unit); try b.append(org) }
            if let a = query.after { try b.append(a.severityRank); try b.append(a.pSuccess); try b.append(a.id) }
            try b.append(query.limit + 1)
            let sql = Self.numbered(InboxSQL.query(columns: Self.alertColumns, unit: query.unit != nil, after: query.after != nil))
            let alerts = try s.query(PostgresQuery(unsafeSQL: sql, binds: b)).map(Self.alert)
            let page = Array(alerts.prefix(query.limit))
            return InboxPage(alerts: page, next: alerts.count > query.limit ? page.last.map(InboxCursor.init(after:)) : nil)
        }
    }

    public func acknowledgementBasis(alert id: Int64) throws(StoreError) -> AcknowledgementBasis {
        let operation = "acknowledge an alert in"
        return try read(operation) { s in
            guard let row = try s.query(PostgresQuery(unsafeSQL: "SELECT \(Self.alertColumns) FROM alert WHERE org = $1 AND id = $2",
                                                      binds: try Self.binds(org, id))).first else {
                throw StoreError(location: location, operation: operation, message: "no alert \(id)", kind: .notFound)
            }
            let last = try s.scalar("SELECT MAX(day) FROM alert_event WHERE alert_id = \(id)", as: Int.self)
            return AcknowledgementBasis(generation: try Self.generation(s, org: org), alert: try Self.alert(row),
                                        latestRun: try Self.latestRun(s, org: org), lastEventDay: try last.map(Self.day))
        }
    }

    public func recordAcknowledgement(_ t: AlertTransition, day: Day, generation: Int64, audit: AuditEntry?) throws(StoreError) -> Alert {
        let operation = t.event == .snoozed ? "snooze an alert in" : "acknowledge an alert in"
        return try write(operation) { s in
            if try Self.generation(s, org: org) != generation {
                throw StoreError(location: location, operation: operation, message: "the store changed meanwhile", kind: .changedSinceRead)
            }
            try Self.advanceGeneration(s, org: org)
            _ = try Self.persist(s, [t], org: org, day: day, keepUndo: false)
            if let audit { try Self.rows(s).appendAudit(audit, organisation: org) }
            guard let row = try s.query(PostgresQuery(unsafeSQL: "SELECT \(Self.alertColumns) FROM alert WHERE org = $1 AND id = $2",
                                                      binds: try Self.binds(org, t.after.id))).first else {
                throw SQLiteStore.damaged("alert \(t.after.id) is gone")
            }
            return try Self.alert(row)
        }
    }

    public func unitIDs() throws(StoreError) -> [String] {
        try read("read") { s in try s.query("SELECT id FROM unit WHERE org = \(org) ORDER BY ordinal").map { try $0.decode(String.self) } }
    }

    public func policyVersions() throws(StoreError) -> [PolicyVersionUse] {
        try read("read") { s in
            try s.query("""
                SELECT p.name, p.version, p.first_run, (SELECT COUNT(*) FROM run r WHERE r.policy_version_id = p.id)
                FROM policy_version p WHERE p.org = \(org) ORDER BY p.id
                """).map { row in
                let (name, version, first, runs) = try row.decode((String, String?, Int, Int).self)
                return PolicyVersionUse(name: name, version: version, firstRun: try Self.day(first), runs: runs)
            }
        }
    }

    public func hasRun(_ day: Day) throws(StoreError) -> Bool {
        try read("read") { s in try s.scalar("SELECT EXISTS (SELECT 1 FROM run WHERE org = \(org) AND day = \(Int(day.ordinal)))", as: Bool.self) ?? false }
    }

    public func latestRun() throws(StoreError) -> Day? {
        try read("read") { s in try Self.latestRun(s, org: org) }
    }

    public func decisions(day: Day?) throws(StoreError) -> [StoredDecision] {
        try read("read") { s in
            guard let day = try day ?? Self.latestRun(s, org: org) else { return [] }
            return try s.query("""
                SELECT d.unit_id, d.mode, d.outcome, d.outcome_value, d.lean FROM decision d LEFT JOIN unit u ON u.org = d.org AND u.id = d.unit_id
                WHERE d.org = \(org) AND d.day = \(Int(day.ordinal)) ORDER BY u.ordinal NULLS FIRST, d.unit_id COLLATE "C"
                """).map { row in
                let (unit, mode, outcome, value, lean) = try row.decode((String, String?, String?, String?, Double).self)
                if let mode, Mode(rawValue: mode) == nil { throw SQLiteStore.damaged("the decision of \(unit) has the mode '\(mode)'") }
                return StoredDecision(day: day, unitID: unit, mode: mode.flatMap(Mode.init(rawValue:)), outcome: outcome, outcomeValue: value, lean: lean)
            }
        }
    }

    public func forecasts(keyResult: String?, day: Day?) throws(StoreError) -> [StoredForecast] {
        try read("read") { s in
            var clauses = ["f.org = $1"], b = try Self.binds(org)
            if let keyResult { try b.append(keyResult); clauses.append("f.kr_id = $\(b.count)") }
            if let day { try b.append(Int(day.ordinal)); clauses.append("f.day = $\(b.count)") }
            let sql = "SELECT f.day, f.kr_id, f.p_success, f.progress, f.elapsed FROM forecast f LEFT JOIN key_result k ON k.org = f.org AND k.id = f.kr_id WHERE "
                + clauses.joined(separator: " AND ") + " ORDER BY f.day, k.ordinal NULLS FIRST, f.kr_id COLLATE \"C\""
            return try s.query(PostgresQuery(unsafeSQL: sql, binds: b)).map { row in
                let (d, kr, p, progress, elapsed) = try row.decode((Int, String, Double, Double, Double).self)
                return StoredForecast(day: try Self.day(d), keyResultID: kr, pSuccess: p, progress: progress, elapsed: elapsed)
            }
        }
    }

    public func runs() throws(StoreError) -> [RunSummary] {
        try read("read") { s in
            try s.query("""
                SELECT r.day, r.policy, r.model, r.open_key_results, r.undoable,
                  (SELECT COUNT(*) FROM alert_event e WHERE e.org = r.org AND e.day = r.day AND e.kind != 'acked')
                FROM run r WHERE r.org = \(org) ORDER BY r.day
                """).map { row in
                let (d, policy, model, open, undoable, events) = try row.decode((Int, String, String, Int, Bool, Int).self)
                return RunSummary(day: try Self.day(d), policy: policy, model: model, openKeyResults: open, events: events, undoable: undoable)
            }
        }
    }

    public func pendingDeliveries(url: String) throws(StoreError) -> [LedgerEvent] {
        try read("read") { s in
            try Self.events(s, org: org, condition: """
                e.kind IN ('opened', 'escalated') AND a.status != 'resolved'
                  AND NOT EXISTS (SELECT 1 FROM webhook_delivery w WHERE w.event_id = e.id AND w.url = $3 AND w.delivered)
                """, binds: [url])
        }
    }

    public func eventExists(_ id: Int64) throws(StoreError) -> Bool {
        try read("read") { s in try s.scalar("SELECT EXISTS (SELECT 1 FROM alert_event WHERE org = \(org) AND id = \(id))", as: Bool.self) ?? false }
    }

    @discardableResult
    public func recordDelivery(event: Int64, url: String, delivered: Bool) throws(StoreError) -> Bool {
        try write("record a delivery in") { s in
            guard try s.scalar("SELECT EXISTS (SELECT 1 FROM alert_event WHERE org = \(org) AND id = \(event))", as: Bool.self) == true else {
                return false
            }
            try s.execute("""
                INSERT INTO webhook_delivery (event_id, url, attempts, delivered) VALUES (\(event), \(url), 1, \(delivered))
                ON CONFLICT (event_id, url) DO UPDATE SET attempts = webhook_delivery.attempts + 1,
                  delivered = excluded.delivered OR webhook_delivery.delivered
                """)
            return true
        }
    }
}
