import Foundation
import TandemCore

/// Which alerts a page of the dashboard's inbox lists.
public struct AlertPageQuery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Open or acknowledged, and not snoozed on the day.
        case live
        case open
        case acked
        /// Live but snoozed past the day.
        case snoozed
        case resolved
        case all
    }

    public enum Sort: String, Sendable, CaseIterable {
        /// Most severe first, then lowest P(success).
        case severity
        /// Lowest P(success) first.
        case pSuccess = "p"
        /// Oldest first.
        case age
    }

    /// The subtree's root; nil for the whole organisation.
    public var unit: String?
    public var owner: String?
    /// Empty: every severity.
    public var severities: Set<AlertSeverity>
    public var status: Status
    /// The key results' kind (`committed`, `aspirational`, `kpi`); nil for every kind.
    public var kind: KeyResultKind?
    public var sort: Sort
    /// The day snoozes are judged on.
    public var day: Day
    /// Alerts per page, 1 to 200.
    public var limit: Int
    public var after: AlertPageCursor?
    /// Whether the subtree holds more than a twentieth of the organisation's units, when the
    /// caller knows: it chooses how the rows are read.
    public var subtreeIsLarge: Bool?

    public init(unit: String? = nil, owner: String? = nil, severities: Set<AlertSeverity> = [], status: Status = .live,
                kind: KeyResultKind? = nil, sort: Sort = .severity, day: Day, limit: Int = 50, after: AlertPageCursor? = nil) {
        self.unit = unit
        self.owner = owner
        self.severities = severities
        self.status = status
        self.kind = kind
        self.sort = sort
        self.day = day
        self.limit = min(max(limit, 1), 200)
        self.after = after
    }
}

/// Where a page ended, in the page's order: two sort values and the alert's id.
public struct AlertPageCursor: Sendable, Equatable {
    public var first: Double
    public var second: Double
    public var id: Int64

    public init(first: Double, second: Double, id: Int64) {
        self.first = first
        self.second = second
        self.id = id
    }

    init(_ a: Alert, sort: AlertPageQuery.Sort) {
        let rank = Double(InboxCursor.rank(a.severity))
        switch sort {
        case .severity: self.init(first: rank, second: a.pSuccess, id: a.id)
        case .pSuccess: self.init(first: a.pSuccess, second: rank, id: a.id)
        case .age: self.init(first: Double(a.openedDay.ordinal), second: 0, id: a.id)
        }
    }

    /// The alert's place in the order, as numbers (for comparing).
    static func key(_ a: Alert, sort: AlertPageQuery.Sort) -> [Double] {
        let c = AlertPageCursor(a, sort: sort)
        return [c.first, c.second, Double(c.id)]
    }

    /// One opaque word for a URL.
    public var token: String { "\(first.bitPattern)-\(second.bitPattern)-\(id)" }

    public init?(token: String) {
        let parts = token.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let a = UInt64(parts[0]), let b = UInt64(parts[1]), let id = Int64(parts[2]) else { return nil }
        let x = Double(bitPattern: a), y = Double(bitPattern: b)
        guard x.isFinite, y.isFinite else { return nil }
        self.init(first: x, second: y, id: id)
    }
}

/// A page of alerts, where the next begins (nil: the last), and whether the page stopped early
/// because it looked at many alerts the viewer may not see.
public struct AlertPage: Sendable {
    public var alerts: [Alert]
    public var next: AlertPageCursor?

    public init(alerts: [Alert], next: AlertPageCursor?) {
        self.alerts = alerts
        self.next = next
    }
}

/// What the dashboard needs to know of the key results and units to decide who sees what:
/// without their check-ins.
public struct KeyResultCard: Sendable, Hashable {
    public var id: String
    public var objectiveID: String
    public var unitID: String
    public var title: String
    public var kind: KeyResultKind
    public var owner: String?
    public var startValue: Double
    public var targetValue: Double
    public var cycleStart: Day
    public var cycleEnd: Day
    public var finalValue: Double?
}

/// A unit as the dashboard shows it: without its attributes.
public struct UnitCard: Sendable, Hashable {
    public var id: String
    public var name: String
    public var parentID: String?

    public init(id: String, name: String, parentID: String?) {
        self.id = id
        self.name = name
        self.parentID = parentID
    }
}

/// A check-in as a chart draws it.
public struct CheckInPoint: Sendable, Hashable {
    public var day: Day
    public var value: Double
    public var confidence: Double?
}

/// A key result's forecast at one run.
public struct ForecastPoint: Sendable, Hashable {
    public var day: Day
    public var pSuccess: Double
    public var progress: Double
}

/// A policy version as the store keeps it, with its text and the runs that used it.
public struct StoredPolicyVersion: Sendable, Hashable {
    public var name: String
    public var version: String?
    public var digest: String
    public var text: String
    public var firstRun: Day
    public var runs: Int
    public var lastRun: Day?
}

/// A live alert, for counting by unit and severity.
public struct AlertMark: Sendable, Hashable {
    public var id: Int64
    public var unitID: String
    public var keyResultID: String
    public var severity: AlertSeverity
}

/// The stamp of what the catalogue depends on: imports and runs (not acknowledgements).
public struct CatalogueStamp: Sendable, Hashable {
    public var imports: Int64
    public var runs: Int64
    public var latestRun: Day?
    public var policyVersion: Int64
}

extension Store {
    /// One page of alerts in the query's order, keeping those `admit` lets through (the viewer's
    /// rights). Rows are read in batches along the order; a page stops after looking at
    /// `scanLimit` alerts, so a viewer who may see few alerts of a large store still gets an
    /// answer at once (the cursor goes on from there).
    public func alertPage(_ q: AlertPageQuery, scanLimit: Int = 20_000, admit: (Alert) -> Bool) throws(StoreError) -> AlertPage {
        // How the rows are found. A narrow filter (one owner, a small subtree) reads its few rows
        // by the owner's or the units' index and sorts them: the order's terms are written so
        // that no index matches them (`+ 0`), else the planner walks the whole order's index
        // looking for them (SQLite without statistics: 100 ms instead of 1). A wide one reads
        // along the order's index (v7/v8: after (org, status)) and stops at the page's end.
        let narrow = q.owner != nil || (q.unit != nil && q.subtreeIsLarge != true)
        let plus = narrow ? " + 0" : ""
        let rank = "(\(InboxSQL.rank)\(plus))"
        let order: [String]
        switch q.sort {
        case .severity: order = [narrow ? rank : InboxSQL.rank, "p_success\(plus)", "id\(plus)"]
        case .pSuccess: order = ["p_success\(plus)", narrow ? rank : InboxSQL.rank, "id\(plus)"]
        case .age: order = ["opened_day\(plus)", "id\(plus)"]
        }
        // One query per status, each read along its own index in the page's order, merged here:
        // a single query over several statuses would have to sort all of their rows first.
        let statuses: [String]
        var awake: String? = " AND (snoozed_until IS NULL OR snoozed_until <= ?)"
        switch q.status {
        case .live: statuses = ["open", "acked"]
        case .open: statuses = ["open"]
        case .acked: statuses = ["acked"]
        case .snoozed: statuses = ["open", "acked"]; awake = " AND snoozed_until > ?"
        case .resolved: statuses = ["resolved"]; awake = nil
        case .all: statuses = ["open", "acked", "resolved"]; awake = nil
        }
        var filter = "", filterArgs: [ContentValue] = []
        if let awake { filter += awake; filterArgs.append(.integer(Int64(q.day.ordinal))) }
        if let unit = q.unit {
            // A large subtree is read along the order's index, its units checked row by row (the
            // expression keeps the planner from sorting all of its alerts by unit instead); a small
            // one by unit.
            let large = q.subtreeIsLarge == true && q.owner == nil
            filter += """
                 AND \(large ? "(unit_id || '')" : "unit_id") IN (WITH RECURSIVE below(id) AS (SELECT id FROM unit WHERE org = ? AND id = ?
                  UNION SELECT u.id FROM unit u JOIN below b ON u.org = ? AND u.parent_id = b.id) SELECT id FROM below)
                """
            filterArgs += [.text(organisation), .text(unit), .text(organisation)]
        }
        if let owner = q.owner { filter += " AND owner = ?"; filterArgs.append(.text(owner)) }
        // In the severity order, each severity asked for is a query of its own, which seeks to its
        // rank in the index and reads along it (an `IN` list there makes SQLite sort every row of
        // those severities: 16 ms instead of 0.7 for the critical alerts of 10,000 units). The
        // other orders read along their own index and check the rank row by row.
        // A narrow filter's few rows are read by its own index, the severity checked row by row
        // (`+ 0`: no index on the rank, else the planner reads every alert of the severity).
        let asked = AlertSeverity.allCases.filter(q.severities.contains)
        let split = !asked.isEmpty && asked.count < AlertSeverity.allCases.count && q.sort == .severity && !narrow
        let ranks: [Int?] = split ? asked.map { InboxCursor.rank($0) } : [nil]
        if !asked.isEmpty, asked.count < AlertSeverity.allCases.count, !split {
            filter += " AND (\(InboxSQL.rank)\(plus)) IN (" + asked.map { _ in "?" }.joined(separator: ", ") + ")"
            filterArgs += asked.map { .integer(Int64(InboxCursor.rank($0))) }
        }
        if let kind = q.kind {
            filter += " AND kr_id IN (SELECT k.id FROM key_result k WHERE k.org = ? AND k.kind = ?)"
            filterArgs += [.text(organisation), .text(kind.rawValue)]
        }
        // The first batch is the page (and one more, to know whether another follows): enough
        // when the viewer sees most alerts; later batches grow, for one who sees few.
        var batch = q.limit + 1
        let sort = q.sort
        func precedes(_ a: Alert, _ b: Alert) -> Bool {
            let x = AlertPageCursor(a, sort: sort), y = AlertPageCursor(b, sort: sort)
            return (x.first, x.second, x.id) < (y.first, y.second, y.id)
        }
        var page: [Alert] = [], after = q.after, scanned = 0
        return try withRows("read alerts from", writing: false) { rows in
            while true {
                var found: [Alert] = []
                var exhausted = true
                // The earliest last row of a status that may hold more: beyond it, a row could be missing.
                var horizon: Alert?
                for status in statuses {
                  for rank in ranks {
                    var query = "SELECT \(Self.alertSelect) FROM alert WHERE org = ? AND status = ?" + filter
                    var args: [ContentValue] = [.text(organisation), .text(status)] + filterArgs
                    // After the cursor: the order's terms (the last one is the id) above its values.
                    var partOrder = order, terms = Array(order.dropLast()) + ["id"]
                    var values: [ContentValue] = after.map { c in
                        order.count == 3 ? [.real(c.first), .real(c.second), .integer(c.id)] : [.real(c.first), .integer(c.id)]
                    } ?? []
                    if let rank {
                        // One severity of the severity order: its rank is fixed, so the order is the
                        // rest; none of it is left when the cursor is past it, all of it when before.
                        if let c = after, c.first > Double(rank) { continue }
                        query += " AND \(InboxSQL.rank) = ?"
                        args.append(.integer(Int64(rank)))
                        partOrder.removeFirst()
                        terms.removeFirst()
                        if let c = after, c.first < Double(rank) { values = [] } else if !values.isEmpty { values.removeFirst() }
                    }
                    if !values.isEmpty {
                        query += " AND (" + terms.joined(separator: ", ") + ") > (" + terms.map { _ in "?" }.joined(separator: ", ") + ")"
                        args += values
                    }
                    query += " ORDER BY " + partOrder.joined(separator: ", ") + " LIMIT ?"
                    args.append(.integer(Int64(batch)))
                    let part = try rows.fetch(query, args, Self.alertKinds).map { try alert($0) }
                    if part.count == batch, let last = part.last {
                        exhausted = false
                        if horizon.map({ precedes(last, $0) }) ?? true { horizon = last }
                    }
                    found += part
                  }
                }
                // Merged in order, up to the horizon: what lies beyond is read in the next round.
                found.sort(by: precedes)
                if let horizon { found = found.filter { !precedes(horizon, $0) } }
                for a in found {
                    scanned += 1
                    after = AlertPageCursor(a, sort: sort)
                    if admit(a) {
                        page.append(a)
                        if page.count == q.limit { return AlertPage(alerts: page, next: after) }
                    }
                }
                if exhausted { return AlertPage(alerts: page, next: nil) }
                if scanned >= scanLimit { return AlertPage(alerts: page, next: after) }
                batch = min(batch * 4, 2_000)
            }
        }
    }

    /// One alert, or nil.
    public func alert(id: Int64) throws(StoreError) -> Alert? {
        try withRows("read alerts from", writing: false) { rows in
            try rows.fetch("SELECT \(Self.alertSelect) FROM alert WHERE org = ? AND id = ?", [.text(organisation), .integer(id)], Self.alertKinds)
                .first.map { try alert($0) }
        }
    }

    /// The alerts of one key result, newest first.
    public func alerts(keyResult: String) throws(StoreError) -> [Alert] {
        try withRows("read alerts from", writing: false) { rows in
            try rows.fetch("SELECT \(Self.alertSelect) FROM alert WHERE org = ? AND kr_id = ? ORDER BY id DESC",
                           [.text(organisation), .text(keyResult)], Self.alertKinds).map { try alert($0) }
        }
    }

    /// The ledger events of one key result's alerts, oldest first.
    public func events(keyResult: String) throws(StoreError) -> [LedgerEvent] {
        try withRows("read the ledger of", writing: false) { rows in
            try rows.fetch("""
                SELECT e.id, e.alert_id, e.day, e.kind, e.severity, e.reasons, a.kr_id, a.unit_id, a.owner, a.title
                FROM alert_event e JOIN alert a ON a.id = e.alert_id WHERE a.org = ? AND a.kr_id = ? ORDER BY e.id
                """, [.text(organisation), .text(keyResult)], [.integer, .integer, .integer, .text, .text, .text, .text, .text, .text, .text]).map { r in
                guard case .integer(let id) = r[0], case .integer(let alert) = r[1], let d = r[2].integerValue.flatMap({ Int32(exactly: $0) }),
                      let kind = r[3].textValue.flatMap(LedgerEventKind.init(rawValue:)), let severity = r[4].textValue.flatMap(AlertSeverity.init(rawValue:)),
                      case .text(let reasons) = r[5], case .text(let kr) = r[6], case .text(let unit) = r[7], case .text(let title) = r[9] else {
                    throw StoreError(location: location, operation: "read the ledger of", message: "the store is damaged: a ledger event row is incomplete")
                }
                return LedgerEvent(id: id, alertID: alert, day: Day(ordinal: d), kind: kind, severity: severity, reasons: reasons,
                                   keyResultID: kr, unitID: unit, owner: r[8].textValue, title: title)
            }
        }
    }

    /// The key results without their check-ins, in import order.
    public func keyResultCards() throws(StoreError) -> [KeyResultCard] {
        try withRows("read key results from", writing: false) { rows in
            try rows.fetch("""
                SELECT id, objective_id, unit_id, title, kind, owner, start_value, target_value, cycle_start, cycle_end, final_value
                FROM key_result WHERE org = ? ORDER BY ordinal
                """, [.text(organisation)], [.text, .text, .text, .text, .text, .text, .real, .real, .integer, .integer, .real]).map { r in
                guard case .text(let id) = r[0], case .text(let objective) = r[1], case .text(let unit) = r[2], case .text(let title) = r[3],
                      case .text(let kindText) = r[4], let kind = KeyResultKind(rawValue: kindText), case .real(let start) = r[6],
                      case .real(let target) = r[7], case .integer(let cs) = r[8], case .integer(let ce) = r[9],
                      let cs32 = Int32(exactly: cs), let ce32 = Int32(exactly: ce) else {
                    throw StoreError(location: location, operation: "read key results from", message: "the store is damaged: a key result row is incomplete")
                }
                return KeyResultCard(id: id, objectiveID: objective, unitID: unit, title: title, kind: kind, owner: r[5].textValue,
                                     startValue: start, targetValue: target, cycleStart: Day(ordinal: cs32), cycleEnd: Day(ordinal: ce32),
                                     finalValue: r[10].realValue)
            }
        }
    }

    /// The check-ins of one key result, oldest first: (day, value, confidence).
    public func checkIns(keyResult: String) throws(StoreError) -> [CheckInPoint] {
        try withRows("read check-ins from", writing: false) { rows in
            try rows.fetch("SELECT day, value, confidence FROM checkin WHERE org = ? AND kr_id = ? ORDER BY day",
                           [.text(organisation), .text(keyResult)], [.integer, .real, .real]).compactMap { r in
                guard case .integer(let d) = r[0], let d32 = Int32(exactly: d), case .real(let v) = r[1] else { return nil }
                return CheckInPoint(day: Day(ordinal: d32), value: v, confidence: r[2].realValue)
            }
        }
    }

    /// P(success) of one key result at every run that forecast it, oldest first.
    public func forecastHistory(keyResult: String) throws(StoreError) -> [ForecastPoint] {
        try withRows("read forecasts from", writing: false) { rows in
            // Probed run day by run day along the primary key (org, day, kr_id): no index by key result needed.
            try rows.fetch("""
                SELECT day, p_success, progress FROM forecast WHERE org = ? AND day IN (SELECT day FROM run WHERE org = ?) AND kr_id = ? ORDER BY day
                """, [.text(organisation), .text(organisation), .text(keyResult)], [.integer, .real, .real]).compactMap { r in
                guard case .integer(let d) = r[0], let d32 = Int32(exactly: d), case .real(let p) = r[1], case .real(let g) = r[2] else { return nil }
                return ForecastPoint(day: Day(ordinal: d32), pSuccess: p, progress: g)
            }
        }
    }

    /// The units without their attributes, in import order.
    public func unitCards() throws(StoreError) -> [UnitCard] {
        try withRows("read units from", writing: false) { rows in
            try rows.fetch("SELECT id, name, parent_id FROM unit WHERE org = ? ORDER BY ordinal", [.text(organisation)], [.text, .text, .text]).compactMap { r in
                guard case .text(let id) = r[0], case .text(let name) = r[1] else { return nil }
                return UnitCard(id: id, name: name, parentID: r[2].textValue)
            }
        }
    }

    /// P(success) of some key results at one run's day (those it forecast).
    public func pSuccess(day: Day, keyResults: [String]) throws(StoreError) -> [String: Double] {
        guard !keyResults.isEmpty else { return [:] }
        return try withRows("read forecasts from", writing: false) { rows in
            var out: [String: Double] = [:]
            for start in stride(from: 0, to: keyResults.count, by: 500) {
                let part = keyResults[start..<min(start + 500, keyResults.count)]
                let list = part.map { _ in "?" }.joined(separator: ", ")
                for r in try rows.fetch("SELECT kr_id, p_success FROM forecast WHERE org = ? AND day = ? AND kr_id IN (\(list))",
                                        [.text(organisation), .integer(Int64(day.ordinal))] + part.map { .text($0) }, [.text, .real]) {
                    if case .text(let id) = r[0], case .real(let p) = r[1] { out[id] = p }
                }
            }
            return out
        }
    }

    /// The latest run's mode per unit (units without a mode left out).
    public func latestModes() throws(StoreError) -> [String: Mode] {
        try withRows("read decisions from", writing: false) { rows in
            var modes: [String: Mode] = [:]
            for r in try rows.fetch("""
                SELECT unit_id, mode FROM decision WHERE org = ? AND day = (SELECT MAX(day) FROM run WHERE org = ?)
                """, [.text(organisation), .text(organisation)], [.text, .text]) {
                if case .text(let unit) = r[0], let mode = r[1].textValue.flatMap(Mode.init(rawValue:)) { modes[unit] = mode }
            }
            return modes
        }
    }

    /// The organisation (units with their attributes), without key results or check-ins.
    public func organisationTree() throws(StoreError) -> Organisation {
        try withRows("read the organisation from", writing: false) { rows in
            var attributes: [String: [String: AttributeValue]] = [:]
            for r in try rows.fetch("SELECT unit_id, name, kind, value FROM unit_attribute WHERE org = ?", [.text(organisation)], [.text, .text, .text, .text]) {
                guard case .text(let unit) = r[0], case .text(let name) = r[1], case .text(let value) = r[3] else { continue }
                attributes[unit, default: [:]][name] = AttributeValue(kind: r[2].textValue.flatMap(AttributeValue.Kind.init(rawValue:)) ?? .string, text: value)
            }
            let units = try rows.fetch("SELECT id, name, gloss, parent_id FROM unit WHERE org = ? ORDER BY ordinal", [.text(organisation)],
                                       [.text, .text, .text, .text]).compactMap { r -> OrgUnit? in
                guard case .text(let id) = r[0], case .text(let name) = r[1] else { return nil }
                return OrgUnit(id: id, name: name, gloss: r[2].textValue, parentID: r[3].textValue, attributes: attributes[id] ?? [:])
            }
            return Organisation(units: units)
        }
    }

    /// Every policy version the organisation's runs used, oldest first, with its text.
    public func policyVersionTexts() throws(StoreError) -> [StoredPolicyVersion] {
        try withRows("read policies from", writing: false) { rows in
            try rows.fetch("""
                SELECT p.name, p.version, p.digest, p.text, p.first_run, (SELECT COUNT(*) FROM run r WHERE r.policy_version_id = p.id),
                  (SELECT MAX(r.day) FROM run r WHERE r.policy_version_id = p.id)
                FROM policy_version p WHERE p.org = ? ORDER BY p.id
                """, [.text(organisation)], [.text, .text, .text, .text, .integer, .integer, .integer]).compactMap { r in
                guard case .text(let name) = r[0], case .text(let digest) = r[2], case .text(let text) = r[3],
                      let first = r[4].integerValue.flatMap({ Int32(exactly: $0) }) else { return nil }
                return StoredPolicyVersion(name: name, version: r[1].textValue, digest: digest, text: text, firstRun: Day(ordinal: first),
                                           runs: Int(r[5].integerValue ?? 0), lastRun: r[6].integerValue.flatMap { Int32(exactly: $0) }.map(Day.init(ordinal:)))
            }
        }
    }

    /// The live alerts (open or acknowledged) as (unit, key result, severity), for counting.
    public func liveAlertMarks() throws(StoreError) -> [AlertMark] {
        try withRows("read alerts from", writing: false) { rows in
            try rows.fetch("SELECT unit_id, kr_id, severity, id FROM alert WHERE org = ? AND status IN ('open', 'acked')", [.text(organisation)],
                           [.text, .text, .text, .integer]).compactMap { r in
                guard case .text(let unit) = r[0], case .text(let kr) = r[1], let s = r[2].textValue.flatMap(AlertSeverity.init(rawValue:)),
                      case .integer(let id) = r[3] else { return nil }
                return AlertMark(id: id, unitID: unit, keyResultID: kr, severity: s)
            }
        }
    }

    /// Ledger events per run day and kind: day → kind → count.
    public func eventCountsByDay() throws(StoreError) -> [Day: [LedgerEventKind: Int]] {
        try withRows("read the ledger of", writing: false) { rows in
            var counts: [Day: [LedgerEventKind: Int]] = [:]
            for r in try rows.fetch("SELECT day, kind, COUNT(*) FROM alert_event WHERE org = ? GROUP BY day, kind", [.text(organisation)],
                                    [.integer, .text, .integer]) {
                guard let d = r[0].integerValue.flatMap({ Int32(exactly: $0) }), let kind = r[1].textValue.flatMap(LedgerEventKind.init(rawValue:)),
                      case .integer(let n) = r[2] else { continue }
                counts[Day(ordinal: d), default: [:]][kind] = Int(n)
            }
            return counts
        }
    }

    /// The text of the policy the latest run used, or nil (no run, or a run before policies were kept).
    public func latestPolicyText() throws(StoreError) -> String? {
        try withRows("read policies from", writing: false) { rows in
            try rows.fetch("""
                SELECT p.text FROM run r JOIN policy_version p ON p.id = r.policy_version_id WHERE r.org = ? ORDER BY r.day DESC LIMIT 1
                """, [.text(organisation)], [.text]).first?.first?.textValue
        }
    }

    public func catalogueStamp() throws(StoreError) -> CatalogueStamp {
        try withRows("read", writing: false) { rows in
            let r = try rows.fetch("""
                SELECT (SELECT COALESCE(MAX(id), 0) FROM import WHERE org = ?), (SELECT COUNT(*) FROM run WHERE org = ?),
                  (SELECT MAX(day) FROM run WHERE org = ?),
                  (SELECT COALESCE(MAX(policy_version_id), 0) FROM run WHERE org = ? AND day = (SELECT MAX(day) FROM run WHERE org = ?))
                """, Array(repeating: .text(organisation), count: 5), [.integer, .integer, .integer, .integer]).first ?? []
            return CatalogueStamp(imports: r.first?.integerValue ?? 0, runs: r.dropFirst().first?.integerValue ?? 0,
                                  latestRun: r.dropFirst(2).first?.integerValue.flatMap { Int32(exactly: $0) }.map(Day.init(ordinal:)),
                                  policyVersion: r.dropFirst(3).first?.integerValue ?? 0)
        }
    }

    static var alertSelect: String {
        "id, kr_id, unit_id, owner, title, severity, status, rules, reasons, p_success, opened_day, updated_day, resolved_day, ack_note, snoozed_until"
    }

    static var alertKinds: [StoreContent.Table.Kind] {
        [.integer, .text, .text, .text, .text, .text, .text, .text, .text, .real, .integer, .integer, .integer, .text, .integer]
    }

    func alert(_ r: [ContentValue]) throws -> Alert {
        func day(_ v: ContentValue) -> Day? { v.integerValue.flatMap { Int32(exactly: $0) }.map(Day.init(ordinal:)) }
        guard case .integer(let id) = r[0], case .text(let kr) = r[1], case .text(let unit) = r[2], case .text(let title) = r[4],
              let severity = r[5].textValue.flatMap(AlertSeverity.init(rawValue:)), let status = r[6].textValue.flatMap(AlertStatus.init(rawValue:)),
              case .text(let rules) = r[7], case .text(let reasons) = r[8], case .real(let p) = r[9],
              let opened = day(r[10]), let updated = day(r[11]) else {
            throw StoreError(location: location, operation: "read alerts from", message: "the store is damaged: an alert row is incomplete")
        }
        return Alert(id: id, keyResultID: kr, unitID: unit, owner: r[3].textValue, title: title, severity: severity, status: status,
                     rules: rules, reasons: reasons, pSuccess: p, openedDay: opened, updatedDay: updated, resolvedDay: day(r[12]),
                     ackNote: r[13].textValue, snoozedUntil: day(r[14]))
    }
}
