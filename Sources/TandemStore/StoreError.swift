/// A store operation that failed: what was being done, where, why in words, and the error
/// underneath (SQLite's, the file system's), kept for whoever needs more than the words.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure, for a front end that reacts differently (a server's status code,
    /// a retry).
    public enum Kind: Sendable, Equatable {
        /// The store cannot be opened: a missing file, a folder, not a Tandem store, a newer schema.
        case unavailable
        /// Something asked of the store is refused by its rules (no such alert, runs go forward…).
        case refused
        /// Not found: no such alert, unit or run.
        case notFound
        /// The store changed (another run, an import, an acknowledgement) between the reading a
        /// write was computed from and the write; nothing was written, and it can be computed again.
        case changedSinceRead
        /// Another process holds the store longer than the wait allows.
        case busy
        /// The database or the disk failed (I/O, a full disk, a damaged file).
        case failed
    }

    /// The store's location as given (a path; never a password).
    public var location: String
    /// What was being done, as in "cannot <operation> the store".
    public var operation: String
    /// Why, in words a person can act on.
    public var message: String
    public var kind: Kind
    /// The error underneath, if any.
    public var cause: (any Error)?

    public init(location: String, operation: String, message: String, kind: Kind = .refused, cause: (any Error)? = nil) {
        self.location = location
        self.operation = operation
        self.message = message
        self.kind = kind
        self.cause = cause
    }

    /// Whether a run can compute again: the store changed since it read it.
    public var changedSinceRead: Bool { kind == .changedSinceRead }

    public var description: String { "\(location): error: cannot \(operation) the store: \(message)" }
}
