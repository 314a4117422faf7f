import Foundation
import GRDB
import GRDBSQLite

extension SQLiteStore {
    public func content() throws(StoreError) -> StoreContent {
        try read("read") { db in
            var rows: [String: [[ContentValue]]] = [:]
            for table in StoreContent.tables {
                let cursor = try Row.fetchCursor(db, sql: StoreContent.selectSQL(table), arguments: [org])
                var list: [[ContentValue]] = []
                while let row = try cursor.next() {
                    list.append(try table.columns.indices.map { i in try Self.value(row[i] as DatabaseValue, table.columns[i].kind, table.name) })
                }
                rows[table.name] = list
            }
            func counter(_ table: String) throws -> Int64 {
                let seq = try db.tableExists("sqlite_sequence")
                    ? try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = ?", arguments: [table]) ?? 0 : 0
                return max(seq, try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM \(table)") ?? 0)
            }
            return StoreContent(rows: rows, alertCounter: try counter("alert"), eventCounter: try counter("alert_event"))
        }
    }

    static func value(_ v: DatabaseValue, _ kind: StoreContent.Table.Kind, _ table: String) throws -> ContentValue {
        if v.isNull { return .null }
        switch kind {
        case .text:
            guard let s = String.fromDatabaseValue(v) else { throw damaged("a value of \(table) is not text") }
            return .text(s)
        case .integer:
            guard let i = Int64.fromDatabaseValue(v) else { throw damaged("a value of \(table) is not a whole number") }
            return .integer(i)
        case .real:
            guard let d = Double.fromDatabaseValue(v) else { throw damaged("a value of \(table) is not a number") }
            return .real(d)
        case .bool:
            guard let b = Bool.fromDatabaseValue(v) else { throw damaged("a value of \(table) is not true or false") }
            return .bool(b)
        }
    }

    public func insertContent(_ content: StoreContent) throws(StoreError) {
        let operation = "copy into"
        try write(operation) { db in
            let held = try Int.fetchOne(db, sql: """
                SELECT (SELECT COUNT(*) FROM unit WHERE org = ?) + (SELECT COUNT(*) FROM key_result WHERE org = ?) + (SELECT COUNT(*) FROM run WHERE org = ?)
                """, arguments: [org, org, org]) ?? 0
            guard held == 0 else {
                throw StoreError(location: path, operation: operation,
                                 message: "the organisation '\(org)' here already holds units, key results or runs; copy into a new store or another --org-key")
            }
            for (table, column) in [("alert", "id"), ("alert_event", "id")] {
                let ids = content.rows[table]?.compactMap { $0[0].integerValue } ?? []
                guard let low = ids.min(), let high = ids.max() else { continue }
                let wanted = Set(ids)
                if let taken = try Int64.fetchAll(db, sql: "SELECT \(column) FROM \(table) WHERE \(column) BETWEEN ? AND ? ORDER BY 1",
                                                  arguments: [low, high]).first(where: wanted.contains) {
                    throw StoreError(location: path, operation: operation,
                                     message: "another organisation here uses the number \(taken) of the \(table == "alert" ? "alerts" : "ledger events") being copied; copy into a new store")
                }
            }
            for table in StoreContent.tables {
                guard let rows = content.rows[table.name], !rows.isEmpty else { continue }
                var targets: [String] = [], values: [String] = []
                for (i, c) in table.columns.enumerated() {
                    switch (table.name, c.name) {
                    case ("import", "id"), ("policy_version", "id"): continue
                    case ("run", "policy_version"):
                        targets.append("policy_version_id")
                        values.append("(SELECT id FROM policy_version WHERE org = :org AND digest = :c\(i))")
                    default:
                        targets.append("\"\(c.name)\"")
                        values.append(":c\(i)")
                    }
                }
                let hasOrg = table.name != "webhook_delivery"
                let statement = try db.cachedStatement(sql: "INSERT INTO \"\(table.name)\" (\(((hasOrg ? ["org"] : []) + targets).joined(separator: ", "))) VALUES (\(((hasOrg ? [":org"] : []) + values).joined(separator: ", ")))")
                for row in rows {
                    var arguments: [String: (any DatabaseValueConvertible)?] = ["org": org]
                    for (i, v) in row.enumerated() { arguments["c\(i)"] = v.databaseValue }
                    try statement.execute(arguments: StatementArguments(arguments))
                }
            }
            // The counters go on from the source's: a number it gave (an undone run's too) is not given again.
            for (table, counter) in [("alert", content.alertCounter), ("alert_event", content.eventCounter)] {
                try db.execute(sql: "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", arguments: [counter, table])
                if db.changesCount == 0 {
                    try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", arguments: [table, counter])
                }
            }
            try Self.advanceGeneration(db, org: org)
        }
    }
}

extension ContentValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .integer(let v): return v.databaseValue
        case .real(let v): return v.databaseValue
        case .text(let v): return v.databaseValue
        case .bool(let v): return v.databaseValue
        }
    }
}

extension SQLiteStore {
    public func withRows<T>(_ operation: String, writing: Bool, _ body: (StoreRows) throws -> T) throws(StoreError) -> T {
        if writing { return try write(operation) { db in try body(Self.rows(db)) } }
        return try read(operation) { db in try body(Self.rows(db)) }
    }

    /// One cell of the statement's current row, read as its kind straight from SQLite (no
    /// `DatabaseValue` in between, which cost a tenth of a dashboard page). A cell whose storage
    /// class does not fit the kind (text in a number's column, a blob, text that is not UTF-8) is
    /// null, as a damaged cell is everywhere in the store: never converted the way SQLite would
    /// (a text to 0, which made an expiry time of text mean "never expires").
    static func content(_ statement: SQLiteStatement, _ i: Int, _ kind: StoreContent.Table.Kind) -> ContentValue {
        let column = Int32(i)
        let storage = sqlite3_column_type(statement, column)
        switch (kind, storage) {
        case (.text, SQLITE_TEXT):
            guard let text = sqlite3_column_text(statement, column) else { return .null }
            let count = Int(sqlite3_column_bytes(statement, column))
            return String(validating: UnsafeBufferPointer(start: text, count: count), as: UTF8.self).map(ContentValue.text) ?? .null
        case (.integer, SQLITE_INTEGER):
            return .integer(sqlite3_column_int64(statement, column))
        case (.integer, SQLITE_FLOAT):
            return Int64(exactly: sqlite3_column_double(statement, column)).map(ContentValue.integer) ?? .null
        case (.real, SQLITE_FLOAT), (.real, SQLITE_INTEGER):
            return .real(sqlite3_column_double(statement, column))
        case (.bool, SQLITE_INTEGER), (.bool, SQLITE_FLOAT):
            return .bool(sqlite3_column_double(statement, column) != 0)
        default:
            return .null
        }
    }

    static func rows(_ db: Database) -> StoreRows {
        func arguments(_ values: [ContentValue]) -> StatementArguments {
            StatementArguments(values.map { v -> (any DatabaseValueConvertible)? in
                switch v {
                case .null: return nil
                case .integer(let x): return x
                case .real(let x): return x
                case .text(let x): return x
                case .bool(let x): return x
                }
            })
        }
        return StoreRows(
            fetch: { sql, values, kinds in
                // Plain loops: the release compiler (6.3.1) crashed on nested closures here.
                // Prepared once per connection (the same pages ask the same queries), read by a
                // cursor (each row converted as it comes).
                var out: [[ContentValue]] = []
                let statement = try db.cachedStatement(sql: sql)
                let cursor = try Row.fetchCursor(statement, arguments: arguments(values))
                while try cursor.next() != nil {
                    var cells: [ContentValue] = []
                    cells.reserveCapacity(kinds.count)
                    for i in kinds.indices {
                        cells.append(Self.content(statement.sqliteStatement, i, kinds[i]))
                    }
                    out.append(cells)
                }
                return out
            },
            run: { sql, values in
                try db.execute(sql: sql, arguments: arguments(values))
                return db.changesCount
            })
    }
}
