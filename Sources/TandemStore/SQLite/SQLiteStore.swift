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
    /// The organisation whose rows this store reads and writes (every key includes it).
    public let org: String
    public var organisation: String { org }
    let pool: any DatabaseWriter

    public var location: String { path }

    /// The organisation key of a store that holds one organisation.
    public static let defaultOrganisation = "default"

    public typealias Access = StoreAccess

    /// Opens the store at `path` and, unless reading only, brings its schema up to date.
    ///
    /// - Throws: a `StoreError` that says what is wrong with the path in words (missing, a
    ///   folder, a dangling link, not a Tandem store, read-only…), never a bare SQLite code.
    ///
    /// - Parameter organisation: the organisation whose rows to read and write; nil for the one
    ///   the store holds (`default` when it holds none; refused when it holds several).
    public init(path: String, access: Access = .create, organisation: String? = nil) throws(StoreError) {
        self.path = path
        if let organisation, let why = Self.invalidKey(organisation) {
            throw StoreError(location: path, operation: "open", message: why, kind: .refused)
        }
        try StorePath.check(path, access: access)
        do {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(10)
            // Pages read through a memory map, not a system call each (a server reads the same
            // pages over and over); SQLite falls back to reads where mapping is not possible.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = 1073741824") }
            if access == .readOnly {
                configuration.readonly = true
                // A queue, not a pool: a pool would try to switch the journal to WAL, a write.
                let queue: DatabaseQueue
                do {
                    queue = try Self.openReadOnly(path, path: path, configuration: configuration)
                } catch let error as DatabaseError where (error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_READONLY)
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
                if try queue.read({ db in try !Self.isCurrent(db) }) {
                    // Written by an older Tandem: brought up to date first (opening a store
                    // migrates it), then read as asked.
                    try queue.close()
                    try Self.upgrade(path, configuration: configuration)
                    pool = try Self.openReadOnly(path, path: path, configuration: configuration)
                } else {
                    pool = queue
                }
            } else {
                // Looked at read-only first: a file that is not a Tandem store is refused before
                // anything (the journal mode, the schema) is written to it. (StorePath has refused
                // an empty file already, unless this is an import.)
                if FileManager.default.fileExists(atPath: path) {
                    var look = configuration
                    look.readonly = true
                    try Self.openReadOnly(path, path: path, configuration: look, access: access).close()
                }
                self.pool = try Self.openWritable(path, configuration: configuration)
            }
        } catch {
            throw StorePath.explain(error, path: path, access: access)
        }
        if let organisation {
            org = organisation
        } else {
            let held: [String]
            do { held = try pool.read { db in try String.fetchAll(db, sql: StoreOrganisation.heldSQL) } } catch {
                throw StorePath.failure(error, path: path, operation: "open")
            }
            do { org = try StoreOrganisation.only(held, location: path) } catch {
                try? pool.close()  // a store object that is not made: nothing was written on it
                throw error
            }
        }
    }

    /// Why `key` cannot name an organisation, or nil: 1 to 64 letters, digits, '.', '_' or '-',
    /// starting with a letter or digit.
    public static func invalidKey(_ key: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (1...64).contains(key.count), key.allSatisfy(allowed.contains), key.first.map({ $0.isLetter || $0.isNumber }) == true else {
            return "an organisation key is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit; found '\(key)'"
        }
        return nil
    }

    public func close() throws(StoreError) {
        // The idle readers first (releaseMemory closes them), so that the writer is the last
        // connection to close: only it can fold the journal back into the file and remove it
        // (GRDB's close() closes the writer first).
        (pool as? DatabasePool)?.releaseMemory()
        do { try pool.close() } catch { throw StorePath.failure(error, path: path, operation: "close") }
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
        // Another process is creating this store at this moment (GRDB's bookkeeping table comes
        // first, the schema's in the next transaction): for an import, a store in the making.
        if access == .create && tables == ["grdb_migrations"] { return }
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

    /// Whether every schema step this Tandem knows has been applied.
    static func isCurrent(_ db: Database) throws -> Bool {
        let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        return Set(migrator.migrations).isSubset(of: applied)
    }

    /// Brings a store written by an older Tandem up to date, for a command that only reads it.
    static func upgrade(_ path: String, configuration: Configuration) throws {
        let files = FileManager.default
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard files.isWritableFile(atPath: path), files.isWritableFile(atPath: folder) else {
            throw StoreError(location: path, operation: "open",
                             message: "the store was written by an older Tandem and must be brought up to date, which needs write access to the file and its folder; run any command on it once as a user who may write there",
                             kind: .unavailable)
        }
        var writable = configuration
        writable.readonly = false
        let pool = try DatabasePool(path: path, configuration: writable)
        try migrate(pool)
        (pool as DatabasePool).releaseMemory()
        try pool.close()
    }

    /// Opens the pool and brings the schema up to date. Switching a new file to WAL or applying a
    /// schema step needs the write lock at once; a process that finds another doing so at the
    /// same moment (SQLite answers busy without waiting then) tries again after a moment.
    static func openWritable(_ path: String, configuration: Configuration) throws -> DatabasePool {
        let attempts = 8
        for attempt in 1...attempts {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                do {
                    try migrate(pool)
                } catch {
                    try? pool.close()
                    throw error
                }
                return pool
            } catch let error as DatabaseError where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && attempt < attempts {
                usleep(UInt32(25_000 * attempt + Int.random(in: 0..<25_000)))
            }
        }
        throw StoreError(location: path, operation: "open", message: "another process holds the store; try again", kind: .busy)
    }

    /// Applies the schema steps not applied yet. Two processes opening the same new or older
    /// store at one moment both try; SQLite's write lock lets one step in at a time, and the one
    /// that finds a step already done (its transaction rolled back, nothing half-written) reads
    /// that the store is up to date, or tries again after a moment.
    static func migrate(_ pool: DatabasePool) throws {
        let attempts = 6
        for attempt in 1...attempts {
            do {
                try migrator.migrate(pool)
                return
            } catch {
                if (try? pool.read({ db in try db.tableExists("grdb_migrations") && isCurrent(db) })) == true { return }
                if attempt == attempts { throw error }
                usleep(UInt32(20_000 * attempt + Int.random(in: 0..<20_000)))
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration(StoreSchema.steps[0]) { db in
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
        m.registerMigration(StoreSchema.steps[1]) { db in
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
        m.registerMigration(StoreSchema.steps[2]) { db in
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
        m.registerMigration(StoreSchema.steps[3]) { db in
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
        m.registerMigration(StoreSchema.steps[4]) { db in
            // Every row belongs to an organisation (`org`), and every key includes it, so that one
            // store can hold several companies. Existing rows become the organisation 'default'.
            // SQLite cannot change a primary key in place: each table is made anew and filled
            // from the old one (foreign keys are checked once, at the end of the migration).
            let tables: [(name: String, create: String, columns: String)] = [
                ("unit", """
                    CREATE TABLE unit_v5 (org TEXT NOT NULL DEFAULT 'default', id TEXT NOT NULL, name TEXT NOT NULL, gloss TEXT,
                      parent_id TEXT, ordinal INTEGER NOT NULL, PRIMARY KEY (org, id),
                      FOREIGN KEY (org, parent_id) REFERENCES unit (org, id) DEFERRABLE INITIALLY DEFERRED)
                    """, "id, name, gloss, parent_id, ordinal"),
                ("unit_attribute", """
                    CREATE TABLE unit_attribute_v5 (org TEXT NOT NULL DEFAULT 'default', unit_id TEXT NOT NULL, name TEXT NOT NULL,
                      kind TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (org, unit_id, name),
                      FOREIGN KEY (org, unit_id) REFERENCES unit (org, id) ON DELETE CASCADE)
                    """, "unit_id, name, kind, value"),
                ("key_result", """
                    CREATE TABLE key_result_v5 (org TEXT NOT NULL DEFAULT 'default', id TEXT NOT NULL, objective_id TEXT NOT NULL,
                      unit_id TEXT NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL, start_value DOUBLE NOT NULL,
                      target_value DOUBLE NOT NULL, cycle_start INTEGER NOT NULL, cycle_end INTEGER NOT NULL, owner TEXT,
                      final_value DOUBLE, ordinal INTEGER NOT NULL, PRIMARY KEY (org, id),
                      FOREIGN KEY (org, unit_id) REFERENCES unit (org, id))
                    """, "id, objective_id, unit_id, title, kind, start_value, target_value, cycle_start, cycle_end, owner, final_value, ordinal"),
                ("checkin", """
                    CREATE TABLE checkin_v5 (org TEXT NOT NULL DEFAULT 'default', kr_id TEXT NOT NULL, day INTEGER NOT NULL,
                      value DOUBLE NOT NULL, confidence DOUBLE, target DOUBLE, PRIMARY KEY (org, kr_id, day),
                      FOREIGN KEY (org, kr_id) REFERENCES key_result (org, id) ON DELETE CASCADE)
                    """, "kr_id, day, value, confidence, target"),
                ("import", """
                    CREATE TABLE import_v5 (id INTEGER PRIMARY KEY AUTOINCREMENT, org TEXT NOT NULL DEFAULT 'default', files TEXT NOT NULL,
                      units_changed INTEGER NOT NULL, key_results_changed INTEGER NOT NULL, checkins_added INTEGER NOT NULL,
                      checkins_changed INTEGER NOT NULL)
                    """, "id, files, units_changed, key_results_changed, checkins_added, checkins_changed"),
                ("policy_version", """
                    CREATE TABLE policy_version_v5 (id INTEGER PRIMARY KEY AUTOINCREMENT, org TEXT NOT NULL DEFAULT 'default',
                      name TEXT NOT NULL, version TEXT, digest TEXT NOT NULL, text TEXT NOT NULL, first_run INTEGER NOT NULL,
                      UNIQUE (org, digest))
                    """, "id, name, version, digest, text, first_run"),
                ("run", """
                    CREATE TABLE run_v5 (org TEXT NOT NULL DEFAULT 'default', day INTEGER NOT NULL, policy TEXT NOT NULL, model TEXT NOT NULL,
                      open_key_results INTEGER NOT NULL, policy_version_id INTEGER REFERENCES policy_version (id),
                      undoable BOOLEAN NOT NULL DEFAULT 0, PRIMARY KEY (org, day))
                    """, "day, policy, model, open_key_results, policy_version_id, undoable"),
                ("decision", """
                    CREATE TABLE decision_v5 (org TEXT NOT NULL DEFAULT 'default', day INTEGER NOT NULL, unit_id TEXT NOT NULL, mode TEXT,
                      outcome TEXT, outcome_value TEXT, lean DOUBLE NOT NULL, PRIMARY KEY (org, day, unit_id),
                      FOREIGN KEY (org, day) REFERENCES run (org, day) ON DELETE CASCADE,
                      FOREIGN KEY (org, unit_id) REFERENCES unit (org, id))
                    """, "day, unit_id, mode, outcome, lean"),
                ("forecast", """
                    CREATE TABLE forecast_v5 (org TEXT NOT NULL DEFAULT 'default', day INTEGER NOT NULL, kr_id TEXT NOT NULL,
                      p_success DOUBLE NOT NULL, progress DOUBLE NOT NULL, elapsed DOUBLE NOT NULL, PRIMARY KEY (org, day, kr_id),
                      FOREIGN KEY (org, day) REFERENCES run (org, day) ON DELETE CASCADE,
                      FOREIGN KEY (org, kr_id) REFERENCES key_result (org, id))
                    """, "day, kr_id, p_success, progress, elapsed"),
                ("alert", """
                    CREATE TABLE alert_v5 (id INTEGER PRIMARY KEY AUTOINCREMENT, org TEXT NOT NULL DEFAULT 'default', kr_id TEXT NOT NULL,
                      unit_id TEXT NOT NULL, owner TEXT, title TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL,
                      rules TEXT NOT NULL, reasons TEXT NOT NULL, p_success DOUBLE NOT NULL, opened_day INTEGER NOT NULL,
                      updated_day INTEGER NOT NULL, resolved_day INTEGER, ack_note TEXT,
                      FOREIGN KEY (org, kr_id) REFERENCES key_result (org, id))
                    """, "id, kr_id, unit_id, owner, title, severity, status, rules, reasons, p_success, opened_day, updated_day, resolved_day, ack_note"),
                ("alert_event", """
                    CREATE TABLE alert_event_v5 (id INTEGER PRIMARY KEY AUTOINCREMENT, org TEXT NOT NULL DEFAULT 'default',
                      alert_id INTEGER NOT NULL REFERENCES alert (id), day INTEGER NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,
                      reasons TEXT NOT NULL)
                    """, "id, alert_id, day, kind, severity, reasons"),
                ("run_undo", """
                    CREATE TABLE run_undo_v5 (org TEXT NOT NULL DEFAULT 'default', day INTEGER NOT NULL, alert_id INTEGER NOT NULL,
                      "before" TEXT, PRIMARY KEY (org, day, alert_id))
                    """, "day, alert_id, \"before\""),
            ]
            // The numbering of alerts, events, imports and policy versions goes on where it was
            // (an undone run's numbers are never given again: a webhook's receiver drops a number
            // it has seen), so the AUTOINCREMENT counters are carried over.
            let sequences = try db.tableExists("sqlite_sequence")
                ? try Row.fetchAll(db, sql: "SELECT name, seq FROM sqlite_sequence").map { ($0["name"] as String, $0["seq"] as Int64) }
                : []
            for t in tables {
                try db.execute(sql: t.create)
                try db.execute(sql: "INSERT INTO \(t.name)_v5 (\(t.columns)) SELECT \(t.columns) FROM \(t.name)")
            }
            // Dropped children first, then renamed (the new tables' references name the final tables).
            for t in tables.reversed() { try db.execute(sql: "DROP TABLE \(t.name)") }
            for t in tables { try db.execute(sql: "ALTER TABLE \(t.name)_v5 RENAME TO \(t.name)") }
            for (name, seq) in sequences where tables.contains(where: { $0.name == name }) {
                try db.execute(sql: "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", arguments: [seq, name])
                if db.changesCount == 0 {
                    try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", arguments: [name, seq])
                }
            }
            try db.execute(sql: "CREATE INDEX key_result_unit ON key_result (org, unit_id)")
            try db.execute(sql: "CREATE INDEX alert_live ON alert (org, kr_id, status)")
            try db.execute(sql: "CREATE INDEX alert_event_alert ON alert_event (alert_id)")
        }
        m.registerMigration(StoreSchema.steps[5]) { db in
            // Writes to one organisation no longer make another's run compute again.
            try db.create(table: "org_state") { t in
                t.primaryKey("org", .text)
                t.column("generation", .integer).notNull()
            }
            try db.execute(sql: """
                INSERT INTO org_state (org, generation)
                SELECT o.org, (SELECT generation FROM store_state WHERE id = 1)
                FROM (SELECT org FROM unit UNION SELECT org FROM key_result UNION SELECT org FROM run) o
                """)
            try db.drop(table: "store_state")
        }
        m.registerMigration(StoreSchema.steps[6]) { db in
            for sql in InboxSQL.indexes { try db.execute(sql: sql) }
        }
        m.registerMigration(StoreSchema.steps[7]) { db in
            for sql in AccountSchema.v8(postgres: false) { try db.execute(sql: sql) }
        }
        m.registerMigration(StoreSchema.steps[8]) { db in
            for sql in PeopleSchema.v9 { try db.execute(sql: sql) }
        }
        return m
    }
}

extension SQLiteStore {
    /// Advances the write counter; called inside every transaction that changes content.
    static func advanceGeneration(_ db: Database, org: String) throws {
        try db.execute(sql: """
            INSERT INTO org_state (org, generation) VALUES (?, 1)
            ON CONFLICT(org) DO UPDATE SET generation = generation + 1
            """, arguments: [org])
    }

    static func generation(_ db: Database, org: String) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT generation FROM org_state WHERE org = ?", arguments: [org]) ?? 0
    }

    /// The store's write counter: equal values, no content written in between.
    public func generation() throws(StoreError) -> Int64 {
        try read("read") { db in try Self.generation(db, org: org) }
    }
}
