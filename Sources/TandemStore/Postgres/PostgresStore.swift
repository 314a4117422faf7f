import Foundation
import NIOSSL
import PostgresNIO
import TandemCore

/// The ``Store`` on a PostgreSQL server (postgres-nio), for teams that share one store: the
/// same tables, keys and rules as ``SQLiteStore``, several organisations side by side.
///
/// Every method is one transaction. Reads run at REPEATABLE READ (one snapshot: what a run
/// computes from is read at one moment). Writes to one organisation are serialised by a
/// transaction-scoped advisory lock on its key, taken before anything is read, so a writer
/// always sees what the previous one committed; the generation check then refuses a write
/// computed from a state the store no longer holds, as on SQLite. Writers of different
/// organisations do not wait for each other.
public final class PostgresStore: Store, @unchecked Sendable {
    public let address: PostgresAddress
    /// The organisation whose rows this store reads and writes.
    public let org: String
    public var organisation: String { org }
    /// The connections: one for a command, more for a server's requests at once (``connections``).
    let sessions: PostgresPool
    let readOnly: Bool

    /// How many connections one store opens at most: enough that a page is not kept waiting
    /// behind another's export, few enough for a server's `max_connections` (100 by default).
    public static let connections = 8

    /// The address without its password.
    public var location: String { address.redacted }

    /// How long a writer waits for another writer of the same organisation before it says so.
    static let lockWait = "60s"

    /// Connects to the server and, unless reading only, brings the schema up to date (creating
    /// it in an empty database for an import).
    public init(address: PostgresAddress, access: StoreAccess, organisation: String? = nil) throws(StoreError) {
        self.address = address
        readOnly = access == .readOnly
        let location = address.redacted
        if let organisation, let why = SQLiteStore.invalidKey(organisation) {
            throw StoreError(location: location, operation: "open", message: why, kind: .refused)
        }
        let session: PostgresSession
        do {
            session = try PostgresSession.connect(address)
        } catch {
            throw Self.failure(error, location: location, operation: "open", connecting: true)
        }
        do {
            try Self.prepareSchema(session, location: location, access: access)
            if let organisation {
                org = organisation
            } else {
                let held = try session.query(PostgresQuery(unsafeSQL: StoreOrganisation.heldSQL)).map { try $0.decode(String.self) }
                org = try StoreOrganisation.only(held, location: location)
            }
        } catch {
            session.close()
            throw Self.failure(error, location: location, operation: "open")
        }
        sessions = PostgresPool(first: session, limit: Self.connections)
    }

    public func close() throws(StoreError) {
        sessions.close()
    }

    // MARK: Transactions

    /// Reads in one transaction, from one snapshot.
    func read<T>(_ operation: String, _ body: (PostgresSession) throws -> T) throws(StoreError) -> T {
        do {
            return try sessions.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
        } catch {
            throw Self.failure(error, location: location, operation: operation)
        }
    }

    /// Writes in one transaction, holding the organisation's write lock from its start.
    func write<T>(_ operation: String, _ body: (PostgresSession) throws -> T) throws(StoreError) -> T {
        if readOnly {
            throw StoreError(location: location, operation: operation, message: "the store was opened for reading only", kind: .refused)
        }
        do {
            return try sessions.transaction("BEGIN ISOLATION LEVEL READ COMMITTED") { s in
                try s.execute(PostgresQuery(unsafeSQL: "SET LOCAL lock_timeout = '\(Self.lockWait)'"))
                try s.execute("SELECT pg_advisory_xact_lock(hashtextextended('tandem-org:' || \(org), 0))")
                return try body(s)
            }
        } catch {
            throw Self.failure(error, location: location, operation: operation)
        }
    }

    // MARK: Schema

    /// The tables, as of schema step v6 (PostgreSQL stores begin there: the steps before it were
    /// SQLite's history), then each later step. A step is applied once, in one transaction with
    /// its record in `tandem_migrations`; two processes migrating at once are serialised by an
    /// advisory lock.
    static let migrations: [(identifier: String, sql: [String])] = [
        (StoreSchema.steps[5], [
            """
            CREATE TABLE unit (org TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, gloss TEXT, parent_id TEXT,
              ordinal BIGINT NOT NULL, PRIMARY KEY (org, id),
              FOREIGN KEY (org, parent_id) REFERENCES unit (org, id) DEFERRABLE INITIALLY DEFERRED)
            """,
            """
            CREATE TABLE unit_attribute (org TEXT NOT NULL, unit_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
              value TEXT NOT NULL, PRIMARY KEY (org, unit_id, name),
              FOREIGN KEY (org, unit_id) REFERENCES unit (org, id) ON DELETE CASCADE)
            """,
            """
            CREATE TABLE key_result (org TEXT NOT NULL, id TEXT NOT NULL, objective_id TEXT NOT NULL, unit_id TEXT NOT NULL,
              title TEXT NOT NULL, kind TEXT NOT NULL, start_value DOUBLE PRECISION NOT NULL, target_value DOUBLE PRECISION NOT NULL,
              cycle_start BIGINT NOT NULL, cycle_end BIGINT NOT NULL, owner TEXT, final_value DOUBLE PRECISION,
              ordinal BIGINT NOT NULL, PRIMARY KEY (org, id), FOREIGN KEY (org, unit_id) REFERENCES unit (org, id))
            """,
            "CREATE INDEX key_result_unit ON key_result (org, unit_id)",
            """
            CREATE TABLE checkin (org TEXT NOT NULL, kr_id TEXT NOT NULL, day BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL,
              confidence DOUBLE PRECISION, target DOUBLE PRECISION, PRIMARY KEY (org, kr_id, day),
              FOREIGN KEY (org, kr_id) REFERENCES key_result (org, id) ON DELETE CASCADE)
            """,
            """
            CREATE TABLE import (id BIGSERIAL PRIMARY KEY, org TEXT NOT NULL, files TEXT NOT NULL, units_changed BIGINT NOT NULL,
              key_results_changed BIGINT NOT NULL, checkins_added BIGINT NOT NULL, checkins_changed BIGINT NOT NULL)
            """,
            """
            CREATE TABLE policy_version (id BIGSERIAL PRIMARY KEY, org TEXT NOT NULL, name TEXT NOT NULL, version TEXT,
              digest TEXT NOT NULL, text TEXT NOT NULL, first_run BIGINT NOT NULL, UNIQUE (org, digest))
            """,
            """
            CREATE TABLE run (org TEXT NOT NULL, day BIGINT NOT NULL, policy TEXT NOT NULL, model TEXT NOT NULL,
              open_key_results BIGINT NOT NULL, policy_version_id BIGINT REFERENCES policy_version (id),
              undoable BOOLEAN NOT NULL DEFAULT false, PRIMARY KEY (org, day))
            """,
            """
            CREATE TABLE decision (org TEXT NOT NULL, day BIGINT NOT NULL, unit_id TEXT NOT NULL, mode TEXT, outcome TEXT,
              outcome_value TEXT, lean DOUBLE PRECISION NOT NULL, PRIMARY KEY (org, day, unit_id))
            """,
            // Decisions and forecasts carry no foreign keys here (SQLite's do): PostgreSQL checks
            // each one row by row, which made recording a run of 100,000 forecasts twice as slow.
            // What they would guard holds anyway: units and key results are never deleted, and a
            // run's rows are written and removed with the run, in its transaction (recordRun,
            // undoLatestRun).
            """
            CREATE TABLE forecast (org TEXT NOT NULL, day BIGINT NOT NULL, kr_id TEXT NOT NULL, p_success DOUBLE PRECISION NOT NULL,
              progress DOUBLE PRECISION NOT NULL, elapsed DOUBLE PRECISION NOT NULL, PRIMARY KEY (org, day, kr_id))
            """,
            """
            CREATE TABLE alert (id BIGSERIAL PRIMARY KEY, org TEXT NOT NULL, kr_id TEXT NOT NULL, unit_id TEXT NOT NULL, owner TEXT,
              title TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL, rules TEXT NOT NULL, reasons TEXT NOT NULL,
              p_success DOUBLE PRECISION NOT NULL, opened_day BIGINT NOT NULL, updated_day BIGINT NOT NULL, resolved_day BIGINT,
              ack_note TEXT, FOREIGN KEY (org, kr_id) REFERENCES key_result (org, id))
            """,
            "CREATE INDEX alert_live ON alert (org, kr_id, status)",
            """
            CREATE TABLE alert_event (id BIGSERIAL PRIMARY KEY, org TEXT NOT NULL, alert_id BIGINT NOT NULL REFERENCES alert (id),
              day BIGINT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL, reasons TEXT NOT NULL)
            """,
            "CREATE INDEX alert_event_alert ON alert_event (alert_id)",
            "CREATE INDEX alert_event_org ON alert_event (org, id)",
            """
            CREATE TABLE webhook_delivery (event_id BIGINT NOT NULL REFERENCES alert_event (id), url TEXT NOT NULL,
              attempts BIGINT NOT NULL, delivered BOOLEAN NOT NULL, PRIMARY KEY (event_id, url))
            """,
            """
            CREATE TABLE run_undo (org TEXT NOT NULL, day BIGINT NOT NULL, alert_id BIGINT NOT NULL, "before" TEXT,
              PRIMARY KEY (org, day, alert_id))
            """,
            "CREATE TABLE org_state (org TEXT PRIMARY KEY, generation BIGINT NOT NULL)",
        ]),
        (StoreSchema.steps[6], InboxSQL.indexes),
        (StoreSchema.steps[7], AccountSchema.v8(postgres: true)),
        (StoreSchema.steps[8], PeopleSchema.v9),
    ]

    /// Checks what the database holds and applies the steps not applied yet.
    static func prepareSchema(_ s: PostgresSession, location: String, access: StoreAccess) throws {
        func unavailable(_ words: String) -> StoreError { StoreError(location: location, operation: "open", message: words, kind: .unavailable) }
        func state() throws -> (hasLedger: Bool, applied: Set<String>, tables: Int) {
            let tables = try s.scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()", as: Int.self) ?? 0
            let hasLedger = try s.scalar("SELECT to_regclass('tandem_migrations') IS NOT NULL", as: Bool.self) ?? false
            let applied = hasLedger ? Set(try s.query("SELECT identifier FROM tandem_migrations").map { try $0.decode(String.self) }) : []
            return (hasLedger, applied, tables)
        }
        // Unit names, titles and reasons are often Chinese: a database in another encoding would
        // refuse or mangle them.
        if let encoding = try s.scalar("SHOW server_encoding", as: String.self), encoding != "UTF8" {
            throw unavailable("the database's encoding is \(encoding); Tandem needs UTF8 (createdb --encoding=UTF8 --template=template0 …)")
        }
        let known = Set(StoreSchema.steps)
        var now = try state()
        if !now.hasLedger || now.applied.isEmpty {
            if now.tables > (now.hasLedger ? 1 : 0) {
                throw unavailable("this database holds tables, but it is not a Tandem store (no record of Tandem's schema steps); give a database of its own")
            }
            if access != .create {
                throw unavailable("no store here: an empty database; `tandem import --db \(location) …` fills it")
            }
        }
        if let unknown = now.applied.subtracting(known).sorted().first {
            throw unavailable("the store was written by a newer Tandem (schema step '\(unknown)'); use that version")
        }
        let pending = migrations.filter { !now.applied.contains($0.identifier) }
        if pending.isEmpty { return }
        // Applying: one process at a time (the session lock serialises this connection's
        // transactions; the advisory lock, the processes).
        try s.transaction("BEGIN") { s in
            try s.execute("SELECT pg_advisory_xact_lock(hashtextextended('tandem-schema', 0))")
            try s.execute("CREATE TABLE IF NOT EXISTS tandem_migrations (identifier TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            now = try state()
            for step in migrations where !now.applied.contains(step.identifier) {
                for sql in step.sql { try s.execute(PostgresQuery(unsafeSQL: sql)) }
                // The first step stands for the SQLite history before it: every earlier step is recorded.
                let covered = StoreSchema.steps.prefix { $0 != step.identifier } + [step.identifier]
                for identifier in (step.identifier == migrations[0].identifier ? Array(covered) : [step.identifier]) {
                    try s.execute("INSERT INTO tandem_migrations (identifier) VALUES (\(identifier)) ON CONFLICT DO NOTHING")
                }
            }
        }
    }

    // MARK: Errors

    /// A store error in words from what postgres-nio, the server or this store threw.
    static func failure(_ error: any Error, location: String, operation: String, connecting: Bool = false) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? SQLiteStore.Damaged {
            return StoreError(location: location, operation: operation, message: e.description, kind: .failed)
        }
        if let e = error as? PostgresPool.Closed {
            return StoreError(location: location, operation: operation, message: e.description, kind: .failed)
        }
        if let e = error as? PostgresSession.Lost {
            return StoreError(location: location, operation: operation, message: e.description, kind: .failed)
        }
        if let e = error as? PostgresSession.Timeout {
            return StoreError(location: location, operation: operation, message: e.description, kind: connecting ? .unavailable : .failed)
        }
        if let e = error as? PostgresAddress.AddressError {
            return StoreError(location: location, operation: operation, message: e.description, kind: .unavailable)
        }
        if let e = error as? PSQLError {
            let (words, kind) = describe(e, connecting: connecting)
            return StoreError(location: location, operation: operation, message: words, kind: kind, cause: nil)
        }
        if let e = error as? PostgresDecodingError {
            return StoreError(location: location, operation: operation,
                              message: "the store is damaged: column '\(e.columnName)' holds a value of type \(e.postgresType), not what Tandem wrote",
                              kind: .failed)
        }
        // NIO's connection errors (refused, unreachable, timed out) carry no secrets.
        return StoreError(location: location, operation: operation, message: connectionWords(error), kind: connecting ? .unavailable : .failed)
    }

    /// The server's message and what it means for the user. postgres-nio's own description
    /// hides everything (to keep secrets out of logs); the server's fields hold none (it never
    /// repeats a password), so they are shown.
    static func describe(_ e: PSQLError, connecting: Bool) -> (String, StoreError.Kind) {
        if let info = e.serverInfo {
            let message = info[.message] ?? "the server refused"
            let state = info[.sqlState] ?? ""
            switch state {
            case "40001", "40P01":
                return ("the store changed while this was computed (\(message)); nothing was written", .changedSinceRead)
            case "55P03":
                return ("another writer has held this organisation for over \(lockWait); nothing was written, try again (\(message))", .busy)
            case "28P01", "28000":
                return ("the server refused the login: \(message) (the password comes from the address or PGPASSWORD)", .unavailable)
            case "3D000":
                return ("\(message); create it first (createdb) or name another", .unavailable)
            case "42501":
                return ("permission denied: \(message)", .refused)
            case "53300":
                return ("the server has no free connection: \(message)", .busy)
            case "23505", "23503":
                return ("the store refused a row: \(message)\(info[.detail].map { " (\($0))" } ?? "")", .refused)
            default:
                let detail = info[.detail].map { " (\($0))" } ?? ""
                return ("the server said: \(message)\(detail) [SQLSTATE \(state)]", connecting ? .unavailable : .failed)
            }
        }
        switch e.code {
        case .sslUnsupported:
            return ("the server does not offer TLS, which sslmode asks for", .unavailable)
        case .connectionError:
            return (connectionWords(e.underlying), .unavailable)
        case .authMechanismRequiresPassword:
            return ("the server asks for a password: put it in the address or in PGPASSWORD", .unavailable)
        case .failedToAddSSLHandler:
            return ("TLS could not be set up: \(e.underlying.map(connectionWords) ?? "unknown reason")", .unavailable)
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return (connecting ? "the server closed the connection while it was being set up (is this a PostgreSQL server, and does it accept this user?)"
                               : PostgresSession.Lost().description, connecting ? .unavailable : .failed)
        default:
            return ("the connection failed (\(e.code))\(e.underlying.map { ": " + connectionWords($0) } ?? "")", connecting ? .unavailable : .failed)
        }
    }

    /// A network or TLS error in words.
    static func connectionWords(_ error: (any Error)?) -> String {
        guard let error else { return "cannot reach the server" }
        // postgres-nio's own description hides everything; its code says what happened.
        if let e = error as? PSQLError { return describe(e, connecting: true).0 }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") {
            return "cannot connect: connection refused (is the server running, on this host and port?)"
        }
        if text.contains("connectTimeout") || text.contains("timed out") { return "cannot connect: the server did not answer in time" }
        if let e = error as? NIOSSLError { return "TLS failed: \(e)" }
        if text.contains("certificate") || text.contains("handshake") { return "TLS failed: \(text)" }
        return "cannot connect: \(text)"
    }
}

extension PostgresStore {
    /// Numbers as SQLite keeps them: zero without a sign (-0.0 + 0.0 is +0.0), so that both
    /// backends show the same.
    static func z(_ values: [Double]) -> [Double] { values.map { $0 + 0 } }

    static func advanceGeneration(_ s: PostgresSession, org: String) throws {
        try s.execute("""
            INSERT INTO org_state (org, generation) VALUES (\(org), 1)
            ON CONFLICT (org) DO UPDATE SET generation = org_state.generation + 1
            """)
    }

    static func generation(_ s: PostgresSession, org: String) throws -> Int64 {
        try s.scalar("SELECT generation FROM org_state WHERE org = \(org)", as: Int64.self) ?? 0
    }

    public func generation() throws(StoreError) -> Int64 {
        try read("read") { s in try Self.generation(s, org: org) }
    }
}
