/// The closed vocabularies every layer shares: how a unit is managed, how serious an alert is,
/// where an alert stands, what happened to it. Stored and written to JSON as their raw values.

/// How a unit is managed.
public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
    case kpi, okr, hybrid
}

/// How serious an alert is, in increasing order.
public enum AlertSeverity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case info, warning, critical

    /// 1 (info) to 3 (critical).
    public var rank: Int {
        switch self {
        case .info: 1
        case .warning: 2
        case .critical: 3
        }
    }

    public static func < (a: AlertSeverity, b: AlertSeverity) -> Bool { a.rank < b.rank }
}

/// Where an alert of the ledger stands.
public enum AlertStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Some alert rule fires and nobody has acknowledged it yet (or it escalated since).
    case open
    /// Acknowledged with a note; still live.
    case acked
    /// No rule fires any more, or the key result is no longer open.
    case resolved

    /// Open or acknowledged.
    public var isLive: Bool { self != .resolved }
}

/// What happened to an alert, as the ledger's feed records it.
public enum LedgerEventKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A key result moved into an alerting state.
    case opened
    /// Its state got worse (a higher severity); an acknowledged alert is opened again.
    case escalated
    /// Its state got better but some rule still fires.
    case improved
    /// The same severity, with other rules or reasons.
    case updated
    /// No rule fires any more, or the key result closed.
    case resolved
    /// Someone acknowledged it with a note.
    case acked
    /// Someone put it out of the inbox until a day, with a note.
    case snoozed

    /// The kinds a run writes (every kind but `acked` and `snoozed`), in the order a run's summary lists them.
    public static let runKinds: [LedgerEventKind] = [.opened, .escalated, .improved, .updated, .resolved]

    /// Whether the event calls for a notification: an alert opened or got worse.
    public var notifies: Bool { self == .opened || self == .escalated }
}

/// What an account of the dashboard may see and do (DESIGN.md, "Who sees what"): OKRs are public
/// inside the company, KPIs confidential to their owner and the owner's managers.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    /// Accounts, tokens, imports; sees everything.
    case admin
    /// Every decision, explanation and OKR; KPI details only in aggregate; policies and what-if.
    case strategy
    /// Everything; acts on every alert.
    case hr
    /// A unit's lead: also the KPI details of the units led and every unit below; acts on their alerts.
    case lead
    /// All OKRs of the organisation and one's own KPIs; acts on one's own key results.
    case member
}
