/// An alert of the ledger: one at-risk key result, from the run that opened it to the one that
/// resolved it.
public struct Alert: Sendable, Codable, Hashable {
    /// The store's number for it; 0 for an alert not yet stored (a transition that opens it).
    public var id: Int64
    public var keyResultID: String
    public var unitID: String
    public var owner: String?
    public var title: String
    public var severity: AlertSeverity
    public var status: AlertStatus
    /// Titles of the rules that fire, joined by "; ".
    public var rules: String
    /// The facts behind them, in plain words with the numbers.
    public var reasons: String
    public var pSuccess: Double
    public var openedDay: Day
    public var updatedDay: Day
    public var resolvedDay: Day?
    public var ackNote: String?
    /// Out of the inbox until this day (a person snoozed it); an escalation wakes it.
    public var snoozedUntil: Day?

    enum CodingKeys: String, CodingKey {
        case id, keyResultID = "kr_id", unitID = "unit_id", owner, title, severity, status, rules, reasons
        case pSuccess = "p_success", openedDay = "opened", updatedDay = "updated", resolvedDay = "resolved", ackNote = "ack_note"
        case snoozedUntil = "snoozed_until"
    }

    public init(id: Int64, keyResultID: String, unitID: String, owner: String?, title: String, severity: AlertSeverity,
                status: AlertStatus, rules: String, reasons: String, pSuccess: Double, openedDay: Day, updatedDay: Day,
                resolvedDay: Day? = nil, ackNote: String? = nil, snoozedUntil: Day? = nil) {
        self.id = id
        self.keyResultID = keyResultID
        self.unitID = unitID
        self.owner = owner
        self.title = title
        self.severity = severity
        self.status = status
        self.rules = rules
        self.reasons = reasons
        self.pSuccess = pSuccess
        self.openedDay = openedDay
        self.updatedDay = updatedDay
        self.resolvedDay = resolvedDay
        self.ackNote = ackNote
        self.snoozedUntil = snoozedUntil
    }

    /// Whether the alert is out of the inbox on `day` (snoozed until a later day).
    public func isSnoozed(on day: Day) -> Bool { snoozedUntil.map { day < $0 } ?? false }
}

/// One change of one alert, as the ledger's state machine decides it and the store persists it:
/// the alert after the change and the event that records it.
public struct AlertTransition: Sendable, Hashable {
    /// The alert as it was; nil when this transition opens it.
    public var before: Alert?
    /// The alert as it is after (id 0 when the transition opens it: the store numbers it).
    public var after: Alert
    public var event: LedgerEventKind
    /// The severity the event reports.
    public var eventSeverity: AlertSeverity
    /// The event's text: the rules and reasons, the recovery, or the acknowledgement's note.
    public var eventText: String

    public init(before: Alert?, after: Alert, event: LedgerEventKind, eventSeverity: AlertSeverity, eventText: String) {
        self.before = before
        self.after = after
        self.event = event
        self.eventSeverity = eventSeverity
        self.eventText = eventText
    }
}
