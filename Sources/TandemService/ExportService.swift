import Foundation
import TandemCore
import TandemStore

/// What `tandem export` writes.
public enum ExportKind: String, CaseIterable, Sendable {
    case alerts, decisions, forecasts
    case keyResults = "key-results"

    /// The filters that apply to this kind (the others are refused, not ignored).
    public var filters: Set<ExportFilter.Name> {
        switch self {
        case .alerts: [.unit, .owner, .severity, .status, .keyResult]
        case .decisions: [.unit, .day]
        case .forecasts: [.unit, .owner, .day, .keyResult]
        case .keyResults: [.unit, .owner]
        }
    }
}

/// The filters of an export, as the commands that list the same things take them.
public struct ExportFilter: Sendable, Equatable {
    /// This unit and every unit below it.
    public var unit: String?
    /// The owner of the key result (alerts, forecasts, key results).
    public var owner: String?
    public var severity: AlertSeverity?
    /// Alerts of this status; without it the live ones (open and acknowledged), as `tandem alerts`.
    public var status: AlertStatus?
    /// The run's day (decisions: default the latest run; forecasts: default every run).
    public var day: Day?
    public var keyResult: String?

    public enum Name: String, Sendable, CaseIterable {
        case unit, owner, severity, status, day
        case keyResult = "kr"
    }

    public init(unit: String? = nil, owner: String? = nil, severity: AlertSeverity? = nil, status: AlertStatus? = nil,
                day: Day? = nil, keyResult: String? = nil) {
        self.unit = unit
        self.owner = owner
        self.severity = severity
        self.status = status
        self.day = day
        self.keyResult = keyResult
    }

    /// The filters given.
    public var given: Set<Name> {
        var names = Set<Name>()
        if unit != nil { names.insert(.unit) }
        if owner != nil { names.insert(.owner) }
        if severity != nil { names.insert(.severity) }
        if status != nil { names.insert(.status) }
        if day != nil { names.insert(.day) }
        if keyResult != nil { names.insert(.keyResult) }
        return names
    }
}

/// One cell of an export.
public enum ExportValue: Sendable, Equatable {
    case text(String)
    case number(Double)
    case integer(Int64)
    case null
}

/// Rows under named columns, in order.
public struct ExportTable: Sendable {
    public var kind: ExportKind
    public var columns: [String]
    public var rows: [[ExportValue]]

    public init(kind: ExportKind, columns: [String], rows: [[ExportValue]]) {
        self.kind = kind
        self.columns = columns
        self.rows = rows
    }
}

/// Exports of the store, filtered like the commands that list the same things, and, asked as an
/// account, holding only what that account may see (the dashboard's rules: DESIGN.md, "Who sees
/// what"), so that an export made for someone carries nothing they could not open themselves.
public enum ExportService {
    public static func table(_ kind: ExportKind, filter: ExportFilter, store: any Store, as email: String? = nil) throws(ServiceError) -> ExportTable {
        let unsupported = filter.given.subtracting(kind.filters)
        if let name = unsupported.map(\.rawValue).sorted().first {
            let allowed = kind.filters.map { "--\($0.rawValue)" }.sorted().joined(separator: ", ")
            throw .invalidRequest("--\(name) does not filter \(kind.rawValue) (they take \(allowed))")
        }
        if let unit = filter.unit { try LedgerService.requireUnit(unit, in: store) }
        let catalogue = try Catalogue.load(store: store)
        var viewer: Viewer?
        if let email {
            guard let account = try storeCall({ () throws(StoreError) in try store.account(email: email.lowercased()) }) else {
                throw .refused("no account '\(email)' (`tandem users list` lists them)", location: store.location)
            }
            viewer = Viewer(account: account, catalogue: catalogue)
        }
        let below = filter.unit.map { catalogue.subtree(of: $0) }
        if let id = filter.keyResult, catalogue.keyResultByID[id].map({ k in viewer.map { $0.seesDetails(of: k, in: catalogue) } ?? true }) != true {
            let guess = viewer == nil ? Suggestion.closest(to: id, among: catalogue.keyResults.map(\.id)).map { "; did you mean '\($0)'?" } ?? "" : ""
            throw .refused("no key result '\(id)' in the store\(guess)", location: store.location)
        }
        func visible(_ kr: String) -> Bool {
            guard let viewer else { return true }
            guard let k = catalogue.keyResultByID[kr] else { return viewer.seesEverything }
            return viewer.seesDetails(of: k, in: catalogue)
        }
        func text(_ s: String?) -> ExportValue { s.map(ExportValue.text) ?? .null }
        func number(_ x: Double?) -> ExportValue { x.map { $0.isFinite ? .number($0) : .null } ?? .null }
        func name(_ unit: String) -> ExportValue { .text(catalogue.unitByID[unit]?.name ?? unit) }

        switch kind {
        case .alerts:
            let list = try LedgerService.alerts(store: store, filter: AlertFilter(unit: filter.unit, owner: filter.owner, severity: filter.severity,
                                                                                  status: filter.status))
            let rows = list.filter { a in (filter.keyResult.map { $0 == a.keyResultID } ?? true) && (viewer.map { $0.sees(a, in: catalogue) } ?? true) }
                .map { a -> [ExportValue] in
                    [.integer(a.id), .text(a.severity.rawValue), .text(a.status.rawValue), .text(a.unitID), name(a.unitID), text(a.owner),
                     .text(a.keyResultID), .text(a.title), number(a.pSuccess), .text(a.openedDay.description), .text(a.updatedDay.description),
                     text(a.resolvedDay?.description), text(a.snoozedUntil?.description), .text(a.rules), .text(a.reasons), text(a.ackNote)]
                }
            return ExportTable(kind: kind, columns: ["alert_id", "severity", "status", "unit_id", "unit_name", "owner", "kr_id", "title", "p_success",
                                                     "opened", "updated", "resolved", "snoozed_until", "rules", "reasons", "ack_note"], rows: rows)
        case .decisions:
            let list = try StoreService.decisions(store: store, day: filter.day)
            // Every unit's mode (the overview shows it to everyone); its outcome and lean to those
            // who see its whole story, as on its page and in the API.
            let rows = list.filter { d in below?.contains(d.unitID) ?? true }.map { d -> [ExportValue] in
                let story = viewer.map { $0.seesExplanation(of: d.unitID, in: catalogue) } ?? true
                return [.text(d.day.description), .text(d.unitID), name(d.unitID), text(d.mode?.rawValue),
                        story ? number(d.lean) : .null, story ? text(d.outcome) : .null]
            }
            return ExportTable(kind: kind, columns: ["day", "unit_id", "unit_name", "mode", "lean", "outcome"], rows: rows)
        case .forecasts:
            let list = try StoreService.forecasts(store: store, keyResult: filter.keyResult, day: filter.day)
            let rows = list.compactMap { f -> [ExportValue]? in
                let k = catalogue.keyResultByID[f.keyResultID]
                if let below, !(k.map { below.contains($0.unitID) } ?? false) { return nil }
                if let owner = filter.owner, k?.owner != owner { return nil }
                guard visible(f.keyResultID) else { return nil }
                return [.text(f.day.description), .text(f.keyResultID), text(k?.unitID), text(k?.owner), number(f.pSuccess), number(f.progress),
                        number(f.elapsed)]
            }
            return ExportTable(kind: kind, columns: ["day", "kr_id", "unit_id", "owner", "p_success", "progress", "elapsed"], rows: rows)
        case .keyResults:
            let rows = catalogue.keyResults.filter { k in
                (below?.contains(k.unitID) ?? true) && (filter.owner.map { $0 == k.owner } ?? true) && visible(k.id)
            }.map { k -> [ExportValue] in
                [.text(k.id), .text(k.objectiveID), .text(k.unitID), name(k.unitID), text(k.owner), .text(k.kind.rawValue), .text(k.title),
                 number(k.startValue), number(k.targetValue), .text(k.cycleStart.description), .text(k.cycleEnd.description), number(k.finalValue)]
            }
            return ExportTable(kind: kind, columns: ["kr_id", "objective_id", "unit_id", "unit_name", "owner", "kind", "title", "start_value",
                                                     "target_value", "cycle_start", "cycle_end", "final_value"], rows: rows)
        }
    }
}

/// Writing an export: CSV a spreadsheet opens safely, or JSON Lines.
public enum ExportWriter {
    /// A number as text: whole numbers without a decimal point, others in the shortest form that
    /// reads back to the same double (never a locale's separators).
    public static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// One CSV field: RFC 4180 quoting, and a text a spreadsheet would take for a formula
    /// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as
    /// OWASP advises against CSV injection. Numbers are written as numbers.
    public static func csvField(_ value: ExportValue) -> String {
        switch value {
        case .null: return ""
        case .integer(let i): return String(i)
        case .number(let x): return number(x)
        case .text(let t): return csvText(t)
        }
    }

    /// A text as a CSV field: a leading `'` when a spreadsheet would run it as a formula (unless
    /// `numeric` and it is a number, such as `-3`), quoted by RFC 4180 when it holds a comma, a
    /// semicolon, a quote or a line break (by scalars: "\r\n" is one Character).
    public static func csvText(_ text: String, numeric: Bool = false) -> String {
        var s = text
        if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !(numeric && Double(s) != nil) { s = "'" + s }
        // A `;` is quoted too: a spreadsheet whose list separator is `;` would otherwise start a
        // cell after it (`note;=cmd…`).
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func csvRecord(_ fields: [String]) -> String { fields.joined(separator: ",") + "\r\n" }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    public static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    public static func jsonValue(_ value: ExportValue) -> String {
        switch value {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .number(let x): return x.isFinite ? number(x) : "null"
        case .text(let t): return jsonString(t)
        }
    }

    /// The table in `format`, handed out in pieces of about 64 KB (a million forecasts are not
    /// held twice in memory). `bom`: CSV begins with a UTF-8 byte-order mark, so that Excel reads
    /// Chinese text as UTF-8.
    public static func write(_ table: ExportTable, format: Format, bom: Bool = false, to sink: (String) throws -> Void) rethrows {
        var out = ""
        out.reserveCapacity(1 << 16)
        switch format {
        case .csv:
            if bom { out += "\u{FEFF}" }
            out += csvRecord(table.columns)
            for row in table.rows {
                out += csvRecord(row.map(csvField))
                if out.utf8.count >= 1 << 16 { try sink(out); out.removeAll(keepingCapacity: true) }
            }
        case .jsonl:
            let keys = table.columns.map(jsonString)
            for row in table.rows {
                out += "{"
                for (i, value) in row.enumerated() {
                    if i > 0 { out += "," }
                    out += keys[i] + ":" + jsonValue(value)
                }
                out += "}\n"
                if out.utf8.count >= 1 << 16 { try sink(out); out.removeAll(keepingCapacity: true) }
            }
        }
        if !out.isEmpty { try sink(out) }
    }

    public enum Format: String, CaseIterable, Sendable { case csv, jsonl }
}
