import TandemCore
import TandemEngine
import TandemStore

/// An acknowledgement as recorded: the alert after it, and the day it is dated.
public struct Acknowledgement: Sendable {
    public var alert: Alert
    public var day: Day
}

/// The alert ledger's use cases: list, acknowledge, read the feed, list and undo runs.
public enum LedgerService {
    /// Alerts matching the filter; without a status, the live ones (open and acknowledged).
    ///
    /// - Throws: `refused` for a unit the store does not hold, with the closest id as a suggestion.
    public static func alerts(store: any Store, filter: AlertFilter) throws(ServiceError) -> [Alert] {
        if let unit = filter.unit { try requireUnit(unit, in: store) }
        let list = try storeCall { () throws(StoreError) in try store.alerts(filter) }
        return filter.status == nil ? list.filter { $0.status.isLive } : list
    }

    /// Refuses a unit id the store does not hold, with the closest one as a suggestion.
    /// One page of the alert inbox: the open alerts of a unit's subtree, most severe first.
    public static func inbox(store: any Store, query: InboxQuery) throws(ServiceError) -> InboxPage {
        if let unit = query.unit { try requireUnit(unit, in: store) }
        return try storeCall { () throws(StoreError) in try store.inbox(query) }
    }

    public static func requireUnit(_ unit: String, in store: any Store) throws(ServiceError) {
        let ids = try storeCall { () throws(StoreError) in try store.unitIDs() }
        guard ids.contains(unit) else {
            let guess = Suggestion.closest(to: unit, among: ids).map { "; did you mean '\($0)'?" } ?? ""
            throw .refused("no unit '\(unit)' in the store\(guess)", location: store.location)
        }
    }

    /// How often an acknowledgement is decided again when the store changed meanwhile.
    static let attempts = 10

    /// Acknowledges a live alert with a note, dated `day` or, by default, the latest run; with
    /// its audit line, when given, written in the same transaction.
    public static func acknowledge(store: any Store, alert id: Int64, note: String, day: Day?,
                                   audit: AuditEntry? = nil) throws(ServiceError) -> Acknowledgement {
        if let why = AlertNotes.problem(note) { throw .invalidRequest(why) }
        return try record(store: store, alert: id, day: day, operation: "acknowledge an alert in", audit: audit) { (basis, day) throws(ServiceError) in
            do {
                return try Ledger.acknowledge(basis.alert, note: note, day: day, latestRun: basis.latestRun, lastEventDay: basis.lastEventDay)
            } catch {
                throw .store(StoreError(location: store.location, operation: "acknowledge an alert in", message: "\(error)"))
            }
        }
    }

    /// Records a person's change of an alert (an acknowledgement, a snooze), decided by `decide`
    /// on what the store holds, dated `day` or the latest run; decided again when a run or
    /// another change came in between.
    static func record(store: any Store, alert id: Int64, day: Day?, operation: String, audit: AuditEntry?,
                       decide: (AcknowledgementBasis, Day) throws(ServiceError) -> AlertTransition) throws(ServiceError) -> Acknowledgement {
        for attempt in 1...attempts {
            let basis = try storeCall { () throws(StoreError) in try store.acknowledgementBasis(alert: id) }
            guard let day = day ?? basis.latestRun else {
                throw .store(StoreError(location: store.location, operation: operation, message: "the store has no run yet; give --as-of"))
            }
            let transition = try decide(basis, day)
            do {
                return Acknowledgement(alert: try store.recordAcknowledgement(transition, day: day, generation: basis.generation, audit: audit), day: day)
            } catch where error.changedSinceRead {
                // A run or another acknowledgement in between: decided again on what is there now.
                Backoff.pause(attempt)
            } catch {
                throw .store(error)
            }
        }
        throw .store(StoreError(location: store.location, operation: operation, message: "the store kept changing; try again", kind: .busy))
    }

    /// Ledger events after an event id, oldest first.
    public static func feed(store: any Store, after: Int64) throws(ServiceError) -> [LedgerEvent] {
        try storeCall { () throws(StoreError) in try store.events(after: after) }
    }

    public static func runs(store: any Store) throws(ServiceError) -> [RunSummary] {
        try storeCall { () throws(StoreError) in try store.runs() }
    }

    public static func undoLatestRun(store: any Store, day: Day?) throws(ServiceError) -> UndoneRun {
        try storeCall { () throws(StoreError) in try store.undoLatestRun(day: day) }
    }
}

/// What a note on an alert (an acknowledgement's, a snooze's) may hold, whoever writes it: the
/// dashboard, the API or the command line.
public enum AlertNotes {
    public static let maxCharacters = 2000

    /// Why a note is refused, or nil: at most 2,000 characters; no control characters (but tab and
    /// line breaks), no bidirectional overrides (they would turn the ledger's text around).
    public static func problem(_ note: String) -> String? {
        // Counted in code points (as JSON Schema's maxLength counts), not in what shows: a letter
        // with thousands of combining marks is thousands.
        let length = note.unicodeScalars.count
        if length > maxCharacters { return "A note is at most 2,000 characters (this one has \(length))." }
        for s in note.unicodeScalars {
            if (s.value < 0x20 && s != "\t" && s != "\n" && s != "\r") || s.value == 0x7F || (0x80...0x9F).contains(s.value) {
                return "A note cannot hold control characters (found U+\(String(s.value, radix: 16, uppercase: true)))."
            }
            if (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value) {
                return "A note cannot hold bidirectional overrides (found U+\(String(s.value, radix: 16, uppercase: true)))."
            }
        }
        return nil
    }
}
