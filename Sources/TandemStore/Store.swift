import Foundation
import TandemCore

/// Tandem's durable store, whatever keeps it: the organisation, key results and check-ins, and,
/// as the weekly runs arrive, policy versions, decisions, forecasts and the alert ledger.
///
/// The embedded SQLite file (``SQLiteStore``) is the one implementation today; a database server
/// can be another. Each method is one transaction. What to write is decided by the engine (the
/// ledger's transitions are pure functions there); a store persists it, and refuses a write
/// computed from a state it no longer holds: every content write advances a generation, a
/// writer reads it with what it computes from (``runBasis(day:)``,
/// ``acknowledgementBasis(alert:)``), and the write says `changedSinceRead` when it moved on.
public protocol Store: AnyObject, Sendable {
    /// Where the store is, as the user gave it (for messages; never a password).
    var location: String { get }
    /// The key of the organisation whose rows this store reads and writes.
    var organisation: String { get }

    /// Closes the store; it cannot be used afterwards. (SQLite folds its journal back into the file.)
    func close() throws(StoreError)

    // MARK: Content

    /// Imports a checked dataset, all or nothing: rows are added, or updated where their content
    /// differs; nothing is deleted. A dataset may hold the organisation, the key results, the
    /// check-ins, or any of them.
    ///
    /// - Parameter audit: the audit log's line for the import, made from what it changed and
    ///   written in the import's own transaction: the import and its line land together or not
    ///   at all. Nil: no line.
    func importDataset(_ dataset: Dataset, files: [String], audit: ((ImportSummary) -> AuditEntry)?) throws(StoreError) -> ImportSummary
    /// The whole dataset: organisation, key results, check-ins.
    func loadDataset() throws(StoreError) -> Dataset
    func counts() throws(StoreError) -> StoreCounts
    /// Every unit's id, in the organisation's order.
    func unitIDs() throws(StoreError) -> [String]
    /// Everything the organisation's store holds (``StoreContent``): for a copy to another
    /// store, and for the content digest (``Store/digest()``).
    func content() throws(StoreError) -> StoreContent
    /// Writes a whole content into this store, in one transaction, numbers kept: for a copy.
    /// Refused when the organisation here already holds anything, or when another organisation
    /// here uses one of the alert or event numbers.
    func insertContent(_ content: StoreContent) throws(StoreError)

    // MARK: Runs

    /// The store's write counter: equal values, no content written in between.
    func generation() throws(StoreError) -> Int64
    /// Everything a run of `day` computes from, read at one moment.
    func runBasis(day: Day) throws(StoreError) -> RunBasis
    /// Records a run: decisions, forecasts and the ledger's transitions, with what undoing it needs.
    ///
    /// - Parameter generation: the generation the run was computed from; when the store has
    ///   changed since, nothing is written (`changedSinceRead`). Nil: no such check.
    /// - Throws: when `day` is before the latest run (runs go forward in time).
    func recordRun(_ run: RunWrite, generation: Int64?) throws(StoreError) -> RunRecord
    /// The latest run before `day` and each key result's P(success) then.
    func previousForecasts(before day: Day) throws(StoreError) -> PreviousForecasts
    func latestRun() throws(StoreError) -> Day?
    func hasRun(_ day: Day) throws(StoreError) -> Bool
    /// Every recorded run, oldest first.
    func runs() throws(StoreError) -> [RunSummary]
    /// Takes back the latest run exactly (of `day`, when given).
    func undoLatestRun(day: Day?) throws(StoreError) -> UndoneRun
    /// The policy versions the runs used.
    func policyVersions() throws(StoreError) -> [PolicyVersionUse]
    /// The decisions of a run (the latest when `day` is nil), in the organisation's order.
    func decisions(day: Day?) throws(StoreError) -> [StoredDecision]
    /// Recorded forecasts, by run day then key result; filtered by key result and day when given.
    func forecasts(keyResult: String?, day: Day?) throws(StoreError) -> [StoredForecast]

    // MARK: The alert ledger

    func alerts(_ filter: AlertFilter) throws(StoreError) -> [Alert]
    /// One page of the alert inbox (``InboxQuery``).
    func inbox(_ query: InboxQuery) throws(StoreError) -> InboxPage
    /// What an acknowledgement of `alert` is decided from, read at one moment.
    func acknowledgementBasis(alert: Int64) throws(StoreError) -> AcknowledgementBasis
    /// Persists an acknowledgement (or snooze) the ledger decided, with its audit line (nil: none)
    /// in the same transaction.
    func recordAcknowledgement(_ transition: AlertTransition, day: Day, generation: Int64, audit: AuditEntry?) throws(StoreError) -> Alert
    /// Ledger events after an event id, oldest first.
    func events(after: Int64) throws(StoreError) -> [LedgerEvent]

    // MARK: Deliveries

    /// Notifying events (opened, escalated) not yet delivered to `url`, oldest first.
    func pendingDeliveries(url: String) throws(StoreError) -> [LedgerEvent]
    /// Whether a ledger event is still there (undoing a run removes its events).
    func eventExists(_ id: Int64) throws(StoreError) -> Bool
    /// Records one delivery attempt; false when the event is gone (nothing to record or retry).
    /// Runs `body` in one transaction over rows both backends read alike (the accounts'
    /// bookkeeping, ``Account``); writing or only reading.
    func withRows<T>(_ operation: String, writing: Bool, _ body: (StoreRows) throws -> T) throws(StoreError) -> T
    @discardableResult
    func recordDelivery(event: Int64, url: String, delivered: Bool) throws(StoreError) -> Bool
}

extension Store {
    /// Imports a checked dataset with no audit line.
    public func importDataset(_ dataset: Dataset, files: [String]) throws(StoreError) -> ImportSummary {
        try importDataset(dataset, files: files, audit: nil)
    }
    /// Persists an acknowledgement with no audit line.
    public func recordAcknowledgement(_ transition: AlertTransition, day: Day, generation: Int64) throws(StoreError) -> Alert {
        try recordAcknowledgement(transition, day: day, generation: generation, audit: nil)
    }
    public func alerts() throws(StoreError) -> [Alert] { try alerts(AlertFilter()) }
    public func events() throws(StoreError) -> [LedgerEvent] { try events(after: 0) }
    public func undoLatestRun() throws(StoreError) -> UndoneRun { try undoLatestRun(day: nil) }
}

/// Which organisation a store object serves when none is named.
enum StoreOrganisation {
    /// The organisations a store holds (both backends ask the same).
    static let heldSQL = "SELECT org FROM unit UNION SELECT org FROM key_result UNION SELECT org FROM run ORDER BY 1"

    /// The one organisation held (`default` when none is); refused when there are several.
    static func only(_ held: [String], location: String) throws(StoreError) -> String {
        guard held.count <= 1 else {
            throw StoreError(location: location, operation: "open",
                             message: "the store holds several organisations (\(held.joined(separator: ", "))); say which with --org-key", kind: .refused)
        }
        return held.first ?? SQLiteStore.defaultOrganisation
    }
}

/// How a command opens a store.
public enum StoreAccess: Sendable {
    /// Create the store when it does not exist (an import).
    case create
    /// Open an existing store to write to it (a run, an acknowledgement); a missing one is an error.
    case readWrite
    /// Open an existing store to read it: nothing is created or written, and a store on a
    /// read-only file or folder can be read.
    case readOnly
}

/// Opens the store at `location`, for one organisation: a `postgres://` or `postgresql://`
/// address opens a ``PostgresStore``, anything else is the path of an SQLite file.
///
/// - Parameter organisation: its key; nil for the one the store holds (`default` when it holds
///   none; refused when it holds several).
/// - Parameter environment: where a PostgreSQL password missing from the address is found
///   (`PGPASSWORD`).
/// - Throws: a `StoreError` that says what is wrong in words (missing, a folder, not a Tandem
///   store, read-only, written by a newer Tandem, several organisations, the server refused…),
///   never with a password in it.
public func openStore(_ location: String, access: StoreAccess, organisation: String? = nil,
                      environment: [String: String] = ProcessInfo.processInfo.environment) throws(StoreError) -> any Store {
    if PostgresAddress.isAddress(location) {
        let address: PostgresAddress
        do {
            address = try PostgresAddress(location, environment: environment)
        } catch {
            throw StoreError(location: redactedAddress(location), operation: "open", message: error.description, kind: .unavailable)
        }
        return try PostgresStore(address: address, access: access, organisation: organisation)
    }
    return try SQLiteStore(path: location, access: access, organisation: organisation)
}
