import Foundation
import PostgresNIO

extension PostgresStore {
    public func content() throws(StoreError) -> StoreContent {
        try read("read") { s in
            var rows: [String: [[ContentValue]]] = [:]
            for table in StoreContent.tables {
                let sql = Self.numbered(StoreContent.selectSQL(table))
                let sink = RowSink([[ContentValue]]())
                try s.forEachRow(PostgresQuery(unsafeSQL: sql, binds: try Self.binds(org))) { row in
                    var values: [ContentValue] = []
                    values.reserveCapacity(table.columns.count)
                    for (cell, column) in zip(row, table.columns) {
                        switch column.kind {
                        case .text: values.append(try cell.decode(String?.self).map(ContentValue.text) ?? .null)
                        case .integer: values.append(try cell.decode(Int64?.self).map(ContentValue.integer) ?? .null)
                        case .real: values.append(try cell.decode(Double?.self).map(ContentValue.real) ?? .null)
                        case .bool: values.append(try cell.decode(Bool?.self).map(ContentValue.bool) ?? .null)
                        }
                    }
                    sink.value.append(values)
                }
                rows[table.name] = sink.value
            }
            func counter(_ table: String) throws -> Int64 {
                // An unused sequence says last_value 1 with is_called false: it has given nothing.
                let sequence = try s.scalar("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM \(unescaped: table)_id_seq", as: Int64.self) ?? 0
                return max(sequence, try s.scalar("SELECT MAX(id) FROM \(unescaped: table)", as: Int64.self) ?? 0)
            }
            return StoreContent(rows: rows, alertCounter: try counter("alert"), eventCounter: try counter("alert_event"))
        }
    }

    public func insertContent(_ content: StoreContent) throws(StoreError) {
        let operation = "copy into"
        try write(operation) { s in
            let held = try s.scalar("""
                SELECT (SELECT COUNT(*) FROM unit WHERE org = \(org)) + (SELECT COUNT(*) FROM key_result WHERE org = \(org))
                  + (SELECT COUNT(*) FROM run WHERE org = \(org))
                """, as: Int.self) ?? 0
            guard held == 0 else {
                throw StoreError(location: location, operation: operation,
                                 message: "the organisation '\(org)' here already holds units, key results or runs; copy into a new store or another --org-key")
            }
            for table in ["alert", "alert_event"] {
                let ids = content.rows[table]?.compactMap { $0[0].integerValue } ?? []
                if let taken = try s.scalar("SELECT id FROM \(unescaped: table) WHERE id = ANY(\(ids)::int8[]) ORDER BY id LIMIT 1", as: Int64.self) {
                    throw StoreError(location: location, operation: operation,
                                     message: "another organisation here uses the number \(taken) of the \(table == "alert" ? "alerts" : "ledger events") being copied; copy into a new store")
                }
            }
            for table in StoreContent.tables {
                guard let rows = content.rows[table.name], !rows.isEmpty else { continue }
                for start in stride(from: 0, to: rows.count, by: Self.batch) {
                    try Self.insert(s, table, Array(rows[start..<min(start + Self.batch, rows.count)]), org: org)
                }
            }
            // The counters go on from the source's: a number it gave (an undone run's too) is not given again.
            for (table, counter) in [("alert", content.alertCounter), ("alert_event", content.eventCounter)] where counter > 0 {
                try s.execute("""
                    SELECT setval(pg_get_serial_sequence(\(table), 'id'),
                      GREATEST(\(counter), (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM \(unescaped: table)_id_seq),
                               (SELECT COALESCE(MAX(id), 0) FROM \(unescaped: table))))
                    """)
            }
            try Self.advanceGeneration(s, org: org)
        }
    }

    /// Inserts rows of one content table in one statement: each column sent as an array (with
    /// a second array saying which values are null), the numbers the content holds kept.
    static func insert(_ s: PostgresSession, _ table: StoreContent.Table, _ rows: [[ContentValue]], org: String) throws {
        var b = try binds(org)
        var targets: [String] = [], values: [String] = [], arrays: [String] = [], names: [String] = []
        for (i, column) in table.columns.enumerated() {
            let nulls = rows.map { $0[i] == .null }
            let type: String
            switch column.kind {
            case .text: b.append(rows.map { $0[i].textValue ?? "" }); type = "text"
            case .integer: b.append(rows.map { $0[i].integerValue ?? 0 }); type = "int8"
            case .real: b.append(rows.map { ($0[i].realValue ?? 0) + 0 }); type = "float8"
            case .bool: b.append(rows.map { $0[i].boolValue ?? false }); type = "bool"
            }
            arrays.append("$\(b.count)::\(type)[]")
            b.append(nulls)
            arrays.append("$\(b.count)::bool[]")
            names += ["c\(i)", "n\(i)"]
            let value = "CASE WHEN n\(i) THEN NULL ELSE c\(i) END"
            switch (table.name, column.name) {
            case ("import", "id"), ("policy_version", "id"):
                continue
            case ("run", "policy_version"):
                targets.append("policy_version_id")
                values.append("(SELECT p.id FROM policy_version p WHERE p.org = $1 AND p.digest = \(value))")
            default:
                targets.append("\"\(column.name)\"")
                values.append(value)
            }
        }
        let hasOrg = table.name != "webhook_delivery"
        let sql = """
            INSERT INTO "\(table.name)" (\(((hasOrg ? ["org"] : []) + targets).joined(separator: ", ")))
            SELECT \(((hasOrg ? ["$1"] : []) + values).joined(separator: ", ")) FROM unnest(\(arrays.joined(separator: ", "))) AS u(\(names.joined(separator: ", ")))
            """
        try s.execute(PostgresQuery(unsafeSQL: sql, binds: b))
    }
}

extension PostgresStore {
    /// Accounts' bookkeeping (accounts, sessions, people, the notification ledger): writes
    /// without the organisation's write lock (a sign-in does not wait for a weekly run), at READ
    /// COMMITTED, one at a time under a lock of their own, so that a check and the write it
    /// decides (is this message planned already? does this account exist?) are not split by
    /// another writer's, as SQLite's single writer ensures; reads from one snapshot.
    public func withRows<T>(_ operation: String, writing: Bool, _ body: (StoreRows) throws -> T) throws(StoreError) -> T {
        guard writing else { return try read(operation) { s in try body(Self.rows(s)) } }
        if readOnly {
            throw StoreError(location: location, operation: operation, message: "the store was opened for reading only", kind: .refused)
        }
        do {
            return try sessions.transaction("BEGIN ISOLATION LEVEL READ COMMITTED") { s in
                try s.execute(PostgresQuery(unsafeSQL: "SET LOCAL lock_timeout = '\(Self.lockWait)'"))
                try s.execute("SELECT pg_advisory_xact_lock(hashtextextended('tandem-rows:' || \(org), 0))")
                return try body(Self.rows(s))
            }
        } catch {
            throw Self.failure(error, location: location, operation: operation)
        }
    }

    static func rows(_ s: PostgresSession) -> StoreRows {
        func query(_ sql: String, _ values: [ContentValue]) throws -> PostgresQuery {
            var b = PostgresBindings()
            for v in values {
                switch v {
                case .null: b.appendNull()
                case .integer(let x): b.append(x)
                case .real(let x): b.append(x)
                case .text(let x): b.append(x)
                case .bool(let x): b.append(x)
                }
            }
            return PostgresQuery(unsafeSQL: numbered(sql), binds: b)
        }
        return StoreRows(
            fetch: { sql, values, kinds in
                var out: [[ContentValue]] = []
                for row in try s.query(try query(sql, values)) {
                    var values: [ContentValue] = []
                    for (cell, kind) in zip(row, kinds) {
                        switch kind {
                        case .text: values.append(try cell.decode(String?.self).map(ContentValue.text) ?? .null)
                        case .integer: values.append(try cell.decode(Int64?.self).map(ContentValue.integer) ?? .null)
                        case .real: values.append(try cell.decode(Double?.self).map(ContentValue.real) ?? .null)
                        case .bool: values.append(try cell.decode(Bool?.self).map(ContentValue.bool) ?? .null)
                        }
                    }
                    out.append(values)
                }
                return out
            },
            run: { sql, values in try s.execute(try query(sql, values)) })
    }
}
