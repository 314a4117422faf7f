import TandemCore

/// What an import changed.
public struct ImportSummary: Sendable, Codable, Equatable {
    public var unitsAdded = 0
    public var unitsChanged = 0
    public var keyResultsAdded = 0
    public var keyResultsChanged = 0
    public var checkInsAdded = 0
    public var checkInsChanged = 0

    public init() {}

    /// Whether the import changed nothing (the same files twice).
    public var isEmpty: Bool {
        unitsAdded + unitsChanged + keyResultsAdded + keyResultsChanged + checkInsAdded + checkInsChanged == 0
    }
}

/// How many rows the main tables hold.
public struct StoreCounts: Sendable, Codable, Equatable {
    public var units: Int
    public var keyResults: Int
    public var checkIns: Int
    public var imports: Int
    public var runs: Int
    public var alerts: Int

    public init(units: Int, keyResults: Int, checkIns: Int, imports: Int, runs: Int, alerts: Int) {
        self.units = units
        self.keyResults = keyResults
        self.checkIns = checkIns
        self.imports = imports
        self.runs = runs
        self.alerts = alerts
    }
}

/// The decision for one unit, as a run recorded it.
public struct StoredDecision: Sendable, Codable, Equatable {
    public var day: Day
    public var unitID: String
    /// Nil when no row decided the unit.
    public var mode: Mode?
    /// The outcome as a policy writes it, such as `okr(cycle: quarterly, …)`.
    public var outcome: String?
    /// The outcome as structured JSON (mode, parameters, text), as the service wrote it; nil for
    /// a decision recorded by a Tandem older than the organisation key (schema v5).
    public var outcomeValue: String?
    public var lean: Double

    public init(day: Day, unitID: String, mode: Mode?, outcome: String?, outcomeValue: String? = nil, lean: Double) {
        self.day = day
        self.unitID = unitID
        self.mode = mode
        self.outcome = outcome
        self.outcomeValue = outcomeValue
        self.lean = lean
    }
}

/// One key result's forecast, as a run recorded it.
public struct StoredForecast: Sendable, Codable, Equatable {
    public var day: Day
    public var keyResultID: String
    public var pSuccess: Double
    public var progress: Double
    public var elapsed: Double

    public init(day: Day, keyResultID: String, pSuccess: Double, progress: Double, elapsed: Double) {
        self.day = day
        self.keyResultID = keyResultID
        self.pSuccess = pSuccess
        self.progress = progress
        self.elapsed = elapsed
    }
}

/// A policy as a run used it: kept whole, once per distinct text.
public struct PolicyVersion: Sendable, Equatable {
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

/// A policy version and the runs that used it.
public struct PolicyVersionUse: Sendable, Equatable {
    public var name: String
    public var version: String?
    public var firstRun: Day
    public var runs: Int

    public init(name: String, version: String?, firstRun: Day, runs: Int) {
        self.name = name
        self.version = version
        self.firstRun = firstRun
        self.runs = runs
    }
}

/// Everything a run of one day computes from, read at one moment.
public struct RunBasis: Sendable {
    /// The store's generation when this was read.
    public var generation: Int64
    public var dataset: Dataset
    /// The latest run before the day and its forecasts.
    public var previous: PreviousForecasts
    /// The live (open or acknowledged) alerts.
    public var liveAlerts: [Alert]
    public var latestRun: Day?
    /// Whether a run of this very day is recorded.
    public var dayRecorded: Bool

    public init(generation: Int64, dataset: Dataset, previous: PreviousForecasts, liveAlerts: [Alert], latestRun: Day?, dayRecorded: Bool) {
        self.generation = generation
        self.dataset = dataset
        self.previous = previous
        self.liveAlerts = liveAlerts
        self.latestRun = latestRun
        self.dayRecorded = dayRecorded
    }
}

/// The latest run before some day, and each key result's P(success) in it.
public struct PreviousForecasts: Sendable, Equatable {
    public var day: Day?
    public var pSuccess: [String: Double]

    public init(day: Day?, pSuccess: [String: Double]) {
        self.day = day
        self.pSuccess = pSuccess
    }
}

/// A run to record: what it decided and forecast, and the ledger's transitions.
public struct RunWrite: Sendable {
    public var day: Day
    /// The policy's name and version, as the run list shows it.
    public var policy: String
    /// The model file the run used.
    public var model: String
    public var decisions: [StoredDecision]
    public var forecasts: [StoredForecast]
    public var transitions: [AlertTransition]
    /// The policy's whole text, kept once per distinct text.
    public var policyVersion: PolicyVersion?

    public init(day: Day, policy: String, model: String, decisions: [StoredDecision], forecasts: [StoredForecast],
                transitions: [AlertTransition], policyVersion: PolicyVersion?) {
        self.day = day
        self.policy = policy
        self.model = model
        self.decisions = decisions
        self.forecasts = forecasts
        self.transitions = transitions
        self.policyVersion = policyVersion
    }
}

extension RunWrite {
    /// The rules every store checks before recording a run, in its write transaction: the store
    /// is still as the run read it (`generation`, when given, against `current`), every forecast
    /// is a finite number, and runs go forward in time.
    func check(generation: Int64?, current: Int64, latestRun: Day?, location: String, operation: String) throws(StoreError) {
        if let generation, current != generation {
            throw StoreError(location: location, operation: operation,
                             message: "the store changed while the run was computed (another run or an import)", kind: .changedSinceRead)
        }
        if let bad = forecasts.first(where: { !($0.pSuccess.isFinite && $0.progress.isFinite && $0.elapsed.isFinite) }) {
            throw StoreError(location: location, operation: operation,
                             message: "key result \(bad.keyResultID) has no finite forecast (P \(bad.pSuccess), progress \(bad.progress)); nothing was written")
        }
        if let latestRun, latestRun > day {
            throw StoreError(location: location, operation: "run", message: "runs go forward in time: the store's latest run is \(latestRun), after \(day)")
        }
    }
}

/// What recording a run wrote.
public struct RunRecord: Sendable {
    /// The ledger events it wrote, in order.
    public var events: [LedgerEvent]
    /// The day was recorded before: this run was recorded on top of it.
    public var rerun: Bool

    public init(events: [LedgerEvent], rerun: Bool) {
        self.events = events
        self.rerun = rerun
    }
}

/// One change of the ledger, for the feed and the notifications.
public struct LedgerEvent: Sendable, Codable, Equatable {
    public var id: Int64
    public var alertID: Int64
    public var day: Day
    public var kind: LedgerEventKind
    public var severity: AlertSeverity
    public var reasons: String
    public var keyResultID: String
    public var unitID: String
    public var owner: String?
    public var title: String

    public init(id: Int64, alertID: Int64, day: Day, kind: LedgerEventKind, severity: AlertSeverity, reasons: String,
                keyResultID: String, unitID: String, owner: String?, title: String) {
        self.id = id
        self.alertID = alertID
        self.day = day
        self.kind = kind
        self.severity = severity
        self.reasons = reasons
        self.keyResultID = keyResultID
        self.unitID = unitID
        self.owner = owner
        self.title = title
    }

    /// Whether the event calls for a notification: an alert opened or got worse.
    public var notifies: Bool { kind.notifies }

    enum CodingKeys: String, CodingKey {
        case id = "event_id", alertID = "alert_id", day, kind, severity, reasons, keyResultID = "kr_id", unitID = "unit_id", owner, title
    }
}

/// Which alerts to list; nil fields do not filter.
public struct AlertFilter: Sendable, Equatable {
    /// This unit and every unit below it.
    public var unit: String?
    public var owner: String?
    public var severity: AlertSeverity?
    public var status: AlertStatus?

    public init(unit: String? = nil, owner: String? = nil, severity: AlertSeverity? = nil, status: AlertStatus? = nil) {
        self.unit = unit
        self.owner = owner
        self.severity = severity
        self.status = status
    }
}

/// What an acknowledgement is decided from.
public struct AcknowledgementBasis: Sendable {
    public var generation: Int64
    public var alert: Alert
    public var latestRun: Day?
    /// The day of the alert's latest event.
    public var lastEventDay: Day?

    public init(generation: Int64, alert: Alert, latestRun: Day?, lastEventDay: Day?) {
        self.generation = generation
        self.alert = alert
        self.latestRun = latestRun
        self.lastEventDay = lastEventDay
    }
}

/// One recorded run, as a run list shows it.
public struct RunSummary: Sendable, Codable, Equatable {
    public var day: Day
    public var policy: String
    public var model: String
    public var openKeyResults: Int
    public var events: Int
    public var undoable: Bool

    public init(day: Day, policy: String, model: String, openKeyResults: Int, events: Int, undoable: Bool) {
        self.day = day
        self.policy = policy
        self.model = model
        self.openKeyResults = openKeyResults
        self.events = events
        self.undoable = undoable
    }
}

/// What taking back a run did.
public struct UndoneRun: Sendable, Codable, Equatable {
    public var day: Day
    /// Alerts the run had opened, now gone.
    public var alertsRemoved: Int
    /// Alerts the run had changed (escalated, improved, updated, resolved), back as they were.
    public var alertsRestored: Int
    /// Ledger events removed, and of them those a webhook had already received.
    public var eventsRemoved: Int
    public var eventsDelivered: Int
    /// The latest run now, if any.
    public var latestRun: Day?

    public init(day: Day, alertsRemoved: Int, alertsRestored: Int, eventsRemoved: Int, eventsDelivered: Int, latestRun: Day?) {
        self.day = day
        self.alertsRemoved = alertsRemoved
        self.alertsRestored = alertsRestored
        self.eventsRemoved = eventsRemoved
        self.eventsDelivered = eventsDelivered
        self.latestRun = latestRun
    }
}

/// A page of the alert inbox: the open alerts of a unit and every unit below it, most severe
/// first, then least likely to succeed, then oldest. Pages are taken by key (``InboxCursor``),
/// not by offset, so each page costs the same however deep, and a page is never skewed by
/// alerts that open or close between two requests.
public struct InboxQuery: Sendable, Equatable {
    /// The subtree's root; nil for the whole organisation.
    public var unit: String?
    /// Alerts per page, 1 to 500.
    public var limit: Int
    /// Where the previous page ended; nil for the first page.
    public var after: InboxCursor?

    public init(unit: String? = nil, limit: Int = 50, after: InboxCursor? = nil) {
        self.unit = unit
        self.limit = min(max(limit, 1), 500)
        self.after = after
    }
}

/// The place of the last alert of a page, in the inbox's order.
public struct InboxCursor: Sendable, Equatable, Codable {
    /// 0 critical, 1 warning, 2 info.
    public var severityRank: Int
    public var pSuccess: Double
    public var id: Int64

    public init(severityRank: Int, pSuccess: Double, id: Int64) {
        self.severityRank = severityRank
        self.pSuccess = pSuccess
        self.id = id
    }

    public init(after alert: Alert) {
        self.init(severityRank: Self.rank(alert.severity), pSuccess: alert.pSuccess, id: alert.id)
    }

    public static func rank(_ severity: AlertSeverity) -> Int {
        switch severity {
        case .critical: return 0
        case .warning: return 1
        case .info: return 2
        }
    }

    /// The cursor as one opaque word, for a URL or a command line.
    public var token: String { "\(severityRank)~\(pSuccess.bitPattern)~\(id)" }

    /// A token read back; nil when it is not one.
    public init?(token: String) {
        let parts = token.split(separator: "~")
        guard parts.count == 3, let r = Int(parts[0]), (0...2).contains(r), let bits = UInt64(parts[1]), let id = Int64(parts[2]) else { return nil }
        let p = Double(bitPattern: bits)
        guard p.isFinite else { return nil }
        self.init(severityRank: r, pSuccess: p, id: id)
    }
}

/// One page of the inbox, and where the next begins (nil: this was the last).
public struct InboxPage: Sendable, Equatable {
    public var alerts: [Alert]
    public var next: InboxCursor?

    public init(alerts: [Alert], next: InboxCursor?) {
        self.alerts = alerts
        self.next = next
    }
}

/// The inbox's order as SQL, for both backends: the same expression as the index's.
enum InboxSQL {
    static let rank = "(CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END)"
    static let indexes = [
        "CREATE INDEX alert_inbox ON alert (org, status, \(rank), p_success, id)",
        "CREATE INDEX alert_unit ON alert (org, unit_id, status)",
        // A unit's subtree is walked down from it: each step looks up the children.
        "CREATE INDEX unit_parent ON unit (org, parent_id)",
        // Not the inbox's, but the same step: a run reads the key results in this order.
        "CREATE INDEX key_result_order ON key_result (org, ordinal)",
    ]

    /// The query with `?` for: org, [unit, org, org,] [rank, p, id,] limit.
    static func query(columns: String, unit: Bool, after: Bool) -> String {
        var sql = "SELECT \(columns) FROM alert WHERE org = ? AND status = 'open'"
        if unit {
            sql += """
                 AND unit_id IN (WITH RECURSIVE below(id) AS (SELECT id FROM unit WHERE org = ? AND id = ?
                  UNION SELECT u.id FROM unit u JOIN below b ON u.org = ? AND u.parent_id = b.id) SELECT id FROM below)
                """
        }
        if after { sql += " AND (\(rank), p_success, id) > (?, ?, ?)" }
        return sql + " ORDER BY \(rank), p_success, id LIMIT ?"
    }
}
