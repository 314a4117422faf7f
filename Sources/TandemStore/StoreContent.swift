import TandemCore
import Foundation

/// Everything one organisation's store holds, backend-neutral: every row of every table, with
/// the alert and event numbers as they are (people and webhook receivers know them), and the
/// store's counters, so that a number an undone run used is never given again after a copy.
///
/// It is what `tandem store copy` moves and what ``digest`` hashes: the same content has the
/// same digest on SQLite and on PostgreSQL.
public struct StoreContent: Sendable {
    /// The rows of each table of ``StoreContent/tables``, by table name, in key order.
    public var rows: [String: [[ContentValue]]]
    /// The highest alert and event numbers the store ever gave (undone ones included).
    public var alertCounter: Int64
    public var eventCounter: Int64

    public init(rows: [String: [[ContentValue]]], alertCounter: Int64, eventCounter: Int64) {
        self.rows = rows
        self.alertCounter = alertCounter
        self.eventCounter = eventCounter
        for table in Self.tables {
            self.rows[table.name]?.sort { a, b in Self.precedes(a, b, by: table.key) }
        }
    }

    /// Rows of all tables.
    public var rowCount: Int { rows.values.reduce(0) { $0 + $1.count } }

    /// A digest of the content (FNV-1a, 64 bits, over every row of every table in key order,
    /// each value in one canonical text). Left out: the numbers the store gives imports and
    /// policy versions (a run names its policy version by its text's digest instead), and the
    /// counters, which say nothing about the content.
    public var digest: String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            hash ^= 0x1F
            hash = hash &* 0x0000_0100_0000_01B3
        }
        for table in Self.tables {
            guard let list = rows[table.name], !list.isEmpty else { continue }
            let kept = table.columns.indices.filter { !table.surrogate.contains(table.columns[$0].name) }
            mix(table.name + "(" + kept.map { table.columns[$0].name }.joined(separator: ",") + ")")
            for row in list { mix(kept.map { row[$0].canonical }.joined(separator: "\u{1E}")) }
        }
        return String(hash, radix: 16)
    }

    static func precedes(_ a: [ContentValue], _ b: [ContentValue], by key: [Int]) -> Bool {
        for i in key {
            switch (a[i], b[i]) {
            case (.integer(let x), .integer(let y)) where x != y: return x < y
            case (.text(let x), .text(let y)) where x != y: return x.utf8.lexicographicallyPrecedes(y.utf8)
            default: continue
            }
        }
        return false
    }

    /// One table as the content holds it.
    struct Table {
        enum Kind { case text, integer, real, bool }
        var name: String
        var columns: [(name: String, kind: Kind)]
        /// The columns that order the rows (a key).
        var key: [Int]
        /// Numbers the store gives that another store may give differently.
        var surrogate: Set<String> = []
    }

    /// The tables, parents before children. `run.policy_version` is the digest of the policy
    /// version's text (the stored row has its number).
    static let tables: [Table] = [
        Table(name: "unit", columns: [("id", .text), ("name", .text), ("gloss", .text), ("parent_id", .text), ("ordinal", .integer)], key: [0]),
        Table(name: "unit_attribute", columns: [("unit_id", .text), ("name", .text), ("kind", .text), ("value", .text)], key: [0, 1]),
        Table(name: "key_result", columns: [("id", .text), ("objective_id", .text), ("unit_id", .text), ("title", .text), ("kind", .text),
                                            ("start_value", .real), ("target_value", .real), ("cycle_start", .integer), ("cycle_end", .integer),
                                            ("owner", .text), ("final_value", .real), ("ordinal", .integer)], key: [0]),
        Table(name: "checkin", columns: [("kr_id", .text), ("day", .integer), ("value", .real), ("confidence", .real), ("target", .real)], key: [0, 1]),
        Table(name: "import", columns: [("id", .integer), ("files", .text), ("units_changed", .integer), ("key_results_changed", .integer),
                                        ("checkins_added", .integer), ("checkins_changed", .integer)], key: [0], surrogate: ["id"]),
        Table(name: "policy_version", columns: [("id", .integer), ("name", .text), ("version", .text), ("digest", .text), ("text", .text),
                                                ("first_run", .integer)], key: [0], surrogate: ["id"]),
        Table(name: "run", columns: [("day", .integer), ("policy", .text), ("model", .text), ("open_key_results", .integer),
                                     ("policy_version", .text), ("undoable", .bool)], key: [0]),
        Table(name: "decision", columns: [("day", .integer), ("unit_id", .text), ("mode", .text), ("outcome", .text), ("outcome_value", .text),
                                          ("lean", .real)], key: [0, 1]),
        Table(name: "forecast", columns: [("day", .integer), ("kr_id", .text), ("p_success", .real), ("progress", .real), ("elapsed", .real)], key: [0, 1]),
        Table(name: "alert", columns: [("id", .integer), ("kr_id", .text), ("unit_id", .text), ("owner", .text), ("title", .text), ("severity", .text),
                                       ("status", .text), ("rules", .text), ("reasons", .text), ("p_success", .real), ("opened_day", .integer),
                                       ("updated_day", .integer), ("resolved_day", .integer), ("ack_note", .text),
                                       ("snoozed_until", .integer)], key: [0]),
        Table(name: "alert_event", columns: [("id", .integer), ("alert_id", .integer), ("day", .integer), ("kind", .text), ("severity", .text),
                                             ("reasons", .text)], key: [0]),
        Table(name: "run_undo", columns: [("day", .integer), ("alert_id", .integer), ("before", .text)], key: [0, 1]),
        Table(name: "webhook_delivery", columns: [("event_id", .integer), ("url", .text), ("attempts", .integer), ("delivered", .bool)], key: [0, 1]),
    ]

    /// The expression that reads a content column from its table (aliased `t`), for both backends.
    static func selectExpression(_ table: Table, _ column: String) -> String {
        switch (table.name, column) {
        case ("run", "policy_version"): return "(SELECT p.digest FROM policy_version p WHERE p.id = t.policy_version_id)"
        default: return "t.\"\(column)\""
        }
    }

    /// The query that reads a table's rows of one organisation (`?` for the key, both backends).
    static func selectSQL(_ table: Table) -> String {
        let columns = table.columns.map { selectExpression(table, $0.name) }.joined(separator: ", ")
        if table.name == "webhook_delivery" {
            // Deliveries are keyed by event; an organisation's are those of its events.
            return "SELECT \(columns) FROM webhook_delivery t JOIN alert_event e ON e.id = t.event_id WHERE e.org = ?"
        }
        return "SELECT \(columns) FROM \"\(table.name)\" t WHERE t.org = ?"
    }
}

/// One value of a stored row.
public enum ContentValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)

    var integerValue: Int64? { if case .integer(let v) = self { return v } else { return nil } }
    var textValue: String? { if case .text(let v) = self { return v } else { return nil } }
    var realValue: Double? { if case .real(let v) = self { return v } else { return nil } }
    var boolValue: Bool? { if case .bool(let v) = self { return v } else { return nil } }

    /// One text per value, the same whichever backend read it.
    var canonical: String {
        switch self {
        case .null: return "\u{2205}"
        case .integer(let v): return String(v)
        // Zero without its sign: SQLite keeps -0.0 as 0.
        case .real(let v): return v == 0 ? "0.0" : "\(v)"
        case .text(let v): return "\"" + v
        case .bool(let v): return v ? "true" : "false"
        }
    }
}

extension Store {
    /// The digest of the organisation's content (``StoreContent/digest``).
    public func digest() throws(StoreError) -> String { try content().digest }
}

extension Dataset {
    /// Where a text holds a NUL character, in words; nil when none does. Neither backend keeps
    /// one (SQLite cuts the text there, PostgreSQL refuses it), so an import refuses it whole.
    func textWithNUL() -> String? {
        func bad(_ text: String?) -> Bool { text?.utf8.contains(0) == true }
        for u in organisation?.units ?? [] {
            if bad(u.id) || bad(u.name) || bad(u.gloss) || bad(u.parentID) || u.attributes.contains(where: { bad($0.key) || bad($0.value.text) }) {
                return "unit '\(u.id.replacingOccurrences(of: "\u{0}", with: "\\0"))'"
            }
        }
        for k in keyResults.keyResults where bad(k.id) || bad(k.objectiveID) || bad(k.unitID) || bad(k.title) || bad(k.owner) {
            return "key result '\(k.id.replacingOccurrences(of: "\u{0}", with: "\\0"))'"
        }
        if let c = checkIns.checkIns.first(where: { bad($0.keyResultID) }) {
            return "a check-in of '\(c.keyResultID.replacingOccurrences(of: "\u{0}", with: "\\0"))'"
        }
        return nil
    }
}
