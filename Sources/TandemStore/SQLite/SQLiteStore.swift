import Foundation
import GRDB
import TandemCore

/// The ``Store`` in an embedded SQLite file (WAL journal, foreign keys on, versioned migrations,
/// through GRDB): nothing to start, one file.
///
/// Every write is one transaction: an import either lands whole or not at all, even when the
/// process is killed halfway (SQLite's write-ahead log guarantees it; a test kills importers).
/// Writers are serialised by SQLite's write lock; a write computed from a state the store no
/// longer holds is refused by the generation check.
public final class SQLiteStore: Store {
    public let path: String
    let pool: any DatabaseWriter

    public var location: String { path }

    public typealias Access = StoreAccess

    /// Opens the store at `path` and, unless reading only, brings its schema up to date.
    ///
    /// - Throws: a `StoreError` that says what is wrong with the path in words (missing, a
    ///   folder, a dangling link, not a Tandem store, read-only…), never a bare SQLite code.
    public init(path: String, access: Access = .create) throws(StoreError) {
        self.path = path
        try StorePath.check(path, access: access)
        do {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(10)
            if access == .readOnly {
                configuration.readonly = true
                // A queue, not a pool: a pool would try to switch the journal to WAL, a write.
                let queue: DatabaseQueue
                do {
                    queue = try Self.openReadOnly(path, path: path, configuration: configuration)
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN
                    && !FileManager.default.isWritableFile(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) {
                    // A store in a folder we cannot write: SQLite cannot make the shared-memory
                    // file a WAL reader needs. Nobody with our rights can write there either, so
                    // the file is read as immutable (no locking).
                    var components = URLComponents()
                    components.scheme = "file"
                    components.path = URL(fileURLWithPath: path).standardizedFileURL.path
                    components.queryItems = [URLQueryItem(name: "immutable", value: "1")]
                    queue = try Self.openReadOnly(components.string ?? path, path: path, configuration: configuration)
                }
                pool = queue
            } else {
                // Looked at read-only first: a file that is not a Tandem store is refused before
                // anything (the journal mode, the schema) is written to it. (StorePath has refused
                // an empty file already, unless this is an import.)
                if FileManager.default.fileExists(atPath: path) {
                    var look = configuration
                    look.readonly = true
                    try Self.openReadOnly(path, path: path, configuration: look, access: access).close()
                }
                let pool = try DatabasePool(path: path, configuration: configuration)
                try Self.migrator.migrate(pool)
                self.pool = pool
            }
        } catch {
            throw StorePath.explain(error, path: path, access: access)
        }
    }

    /// Reads in one transaction; any failure becomes a `StoreError` naming `operation`.
    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw StorePath.failure(error, path: path, operation: operation) }
    }

    /// Writes in one transaction (all or nothing); any failure becomes a `StoreError`.
    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch { throw StorePath.failure(error, path: path, operation: operation) }
    }

    static func openReadOnly(_ name: String, path: String, configuration: Configuration, access: Access = .readOnly) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: name, configuration: configuration)
        try queue.read { db in try Self.checkSchema(db, path: path, access: access) }
        return queue
    }

    /// Refuses a file that is not Tandem's, or that a newer Tandem wrote.
    static func checkSchema(_ db: Database, path: String, access: Access) throws {
        let tables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
        guard !tables.isEmpty else {
            // A new, empty database: only `import` makes a store of it.
            if access == .create { return }
            throw StoreError(location: path, operation: "open", message: "no store here: an empty database; `tandem import --db \(path) …` fills it", kind: .unavailable)
        }
        guard tables.contains("grdb_migrations"), tables.contains("unit") else {
            throw StoreError(location: path, operation: "open", message: "this is an SQLite database, but not a Tandem store (it has no Tandem tables)", kind: .unavailable)
        }
        let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        let known = Set(migrator.migrations)
        if let unknown = applied.subtracting(known).sorted().first {
            throw StoreError(location: path, operation: "open",
                             message: "the store was written by a newer Tandem (schema step '\(unknown)'); use that version", kind: .unavailable)
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: organisation, key results, check-ins") { db in
            try db.create(table: "unit") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("gloss", .text)
                t.column("parent_id", .text).references("unit", deferred: true)
                t.column("ordinal", .integer).notNull()
            }
            try db.create(table: "unit_attribute") { t in
                t.column("unit_id", .text).notNull().references("unit", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("value", .text).notNull()
                t.primaryKey(["unit_id", "name"])
            }
            try db.create(table: "key_result") { t in
                t.primaryKey("id", .text)
                t.column("objective_id", .text).notNull()
                t.column("unit_id", .text).notNull().references("unit")
                t.column("title", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("start_value", .double).notNull()
                t.column("target_value", .double).notNull()
                t.column("cycle_start", .integer).notNull()
                t.column("cycle_end", .integer).notNull()
                t.column("owner", .text)
                t.column("final_value", .double)
                t.column("ordinal", .integer).notNull()
            }
            try db.create(index: "key_result_unit", on: "key_result", columns: ["unit_id"])
            try db.create(table: "checkin") { t in
                t.column("kr_id", .text).notNull().references("key_result", onDelete: .cascade)
                t.column("day", .integer).notNull()
                t.column("value", .double).notNull()
                t.column("confidence", .double)
                t.column("target", .double)
                t.primaryKey(["kr_id", "day"])
            }
            try db.create(table: "import") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("files", .text).notNull()
                t.column("units_changed", .integer).notNull()
                t.column("key_results_changed", .integer).notNull()
                t.column("checkins_added", .integer).notNull()
                t.column("checkins_changed", .integer).notNull()
            }
        }
        m.registerMigration("v2: runs, decisions, forecasts, alert ledger, webhook deliveries") { db in
            try db.create(table: "run") { t in
                t.primaryKey("day", .integer)
                t.column("policy", .text).notNull()
                t.column("model", .text).notNull()
                t.column("open_key_results", .integer).notNull()
            }
            try db.create(table: "decision") { t in
                t.column("day", .integer).notNull().references("run", onDelete: .cascade)
                t.column("unit_id", .text).notNull().references("unit")
                t.column("mode", .text)
                t.column("outcome", .text)
                t.column("lean", .double).notNull()
                t.primaryKey(["day", "unit_id"])
            }
            try db.create(table: "forecast") { t in
                t.column("day", .integer).notNull().references("run", onDelete: .cascade)
                t.column("kr_id", .text).notNull().references("key_result")
                t.column("p_success", .double).notNull()
                t.column("progress", .double).notNull()
                t.column("elapsed", .double).notNull()
                t.primaryKey(["day", "kr_id"])
            }
            try db.create(table: "alert") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kr_id", .text).notNull().references("key_result")
                t.column("unit_id", .text).notNull()
                t.column("owner", .text)
                t.column("title", .text).notNull()
                t.column("severity", .text).notNull()
                t.column("status", .text).notNull()          // open, acked, resolved
                t.column("rules", .text).notNull()
                t.column("reasons", .text).notNull()
                t.column("p_success", .double).notNull()
                t.column("opened_day", .integer).notNull()
                t.column("updated_day", .integer).notNull()
                t.column("resolved_day", .integer)
                t.column("ack_note", .text)
            }
            try db.create(index: "alert_live", on: "alert", columns: ["kr_id", "status"])
            try db.create(table: "alert_event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("alert_id", .integer).notNull().references("alert")
                t.column("day", .integer).notNull()
                t.column("kind", .text).notNull()            // opened, escalated, improved, updated, resolved, acked
                t.column("severity", .text).notNull()
                t.column("reasons", .text).notNull()
            }
            try db.create(table: "webhook_delivery") { t in
                t.column("event_id", .integer).notNull().references("alert_event")
                t.column("url", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("delivered", .boolean).notNull()
                t.primaryKey(["event_id", "url"])
            }
        }
        m.registerMigration("v3: policy versions") { db in
            try db.create(table: "policy_version") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("version", .text)
                t.column("digest", .text).notNull().unique()
                t.column("text", .text).notNull()
                t.column("first_run", .integer).notNull()
            }
            try db.alter(table: "run") { t in
                t.add(column: "policy_version_id", .integer).references("policy_version")
            }
        }
        m.registerMigration("v4: write generation, undoable runs") { db in
            // One row: a counter that every write of content advances, so that a run can tell
            // whether the store changed between its reading and its writing.
            try db.create(table: "store_state") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("generation", .integer).notNull()
            }
            try db.execute(sql: "INSERT INTO store_state (id, generation) VALUES (1, 0)")
            // Each alert as it was before a run changed it (NULL: the run opened it), to undo the run.
            try db.create(table: "run_undo") { t in
                t.column("day", .integer).notNull()
                t.column("alert_id", .integer).notNull()
                t.column("before", .text)
                t.primaryKey(["day", "alert_id"])
            }
            try db.alter(table: "run") { t in
                t.add(column: "undoable", .boolean).notNull().defaults(to: false)
            }
        }
        return m
    }
}

extension SQLiteStore {
    /// Advances the write counter; called inside every transaction that changes content.
    static func advanceGeneration(_ db: Database) throws {
        try db.execute(sql: "UPDATE store_state SET generation = generation + 1 WHERE id = 1")
    }

    static func generation(_ db: Database) throws -> Int64 {
        guard try db.tableExists("store_state") else { return 0 }
        return try Int64.fetchOne(db, sql: "SELECT generation FROM store_state WHERE id = 1") ?? 0
    }

    /// The store's write counter: equal values, no content written in between.
    public func generation() throws(StoreError) -> Int64 {
        try read("read") { db in try Self.generation(db) }
    }
}
