import Foundation
import GRDB
import TandemCore

/// Tandem's durable store: an embedded SQLite file (WAL journal, foreign keys on, versioned
/// migrations) holding the organisation, key results and check-ins, and — as the weekly run
/// arrives — policy versions, decisions, forecasts and the alert ledger.
///
/// Every write is one transaction: an import either lands whole or not at all, even when the
/// process is killed halfway (SQLite's write-ahead log guarantees it; a test kills importers).
public final class TandemStore: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(10)
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError(path: path, operation: "open", underlying: "\(error)")
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
        return m
    }
}

/// A store operation that failed, with what was being done.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var operation: String
    public var underlying: String

    public var description: String { "\(path): error: cannot \(operation) the store: \(underlying)" }
}
