import Foundation
import TandemCore
import Yams

/// A mapping file (YAML) that says how any tool's CSV or JSON export reads as Tandem's key
/// results and check-ins, so that an export Tandem has no importer for imports without code:
///
/// ```yaml
/// format: csv                 # csv or json (default: by the export's extension)
/// separator: ";"              # csv: the field separator (default ",")
/// records: data.goals         # json: where the list of records is (default: the document, or its 'data')
/// numbers: { decimal: ",", thousands: ".", percent: points }   # percent: points (45% → 45) or fraction (0.45)
/// dates: ["dd.MM.yyyy"]       # patterns tried after ISO 8601 (Unicode date patterns)
/// columns:                    # Tandem's role: the export's column, or a key path in a JSON record
///   kr_id: Goal ID
///   objective_id: Objective   # default: the key result's own id
///   unit: Team                # a unit's id or name: found in the store, or a new unit
///   title: Goal               # default: the key result's id
///   owner: Owner
///   kind: Type
///   start_value: Start
///   target_value: Target
///   cycle_start: Start date
///   cycle_end: Due date
///   final_value: Final
///   date: Updated             # with value: a check-in from each record that has both
///   value: Current
///   confidence: Confidence
///   target: New target        # a re-scoped target from that day
/// defaults: { kind: committed, start_value: 0 }    # for roles no column gives
/// values:                                            # translations and scales, by role
///   kind: { "Company OKR": aspirational, "Team OKR": committed, "KPI": kpi }
///   confidence: { scale: 10 }                        # 0–1 in the export, 0–10 in Tandem
/// ```
///
/// Records that share a key result id add check-ins to it; its own fields must agree between them.
public struct Mapping: Sendable {
    public enum Format: String, Sendable, CaseIterable { case csv, json }

    public static let roles = ["kr_id", "objective_id", "unit", "title", "owner", "kind", "start_value", "target_value", "cycle_start", "cycle_end",
                               "final_value", "date", "value", "confidence", "target"]
    static let numericRoles: Set<String> = ["start_value", "target_value", "final_value", "value", "confidence", "target"]
    static let dateRoles: Set<String> = ["cycle_start", "cycle_end", "date"]
    static let topKeys = ["format", "separator", "records", "numbers", "dates", "columns", "defaults", "values"]

    public var format: Format?
    public var separator: UInt8 = UInt8(ascii: ",")
    public var records = ""
    public var numbers = NumberReading()
    public var dates = DateReading()
    /// Role → the export's column name, with where the mapping says so.
    public var columns: [String: (name: String, at: SourceLocation)] = [:]
    public var defaults: [String: String] = [:]
    public var translations: [String: [String: String]] = [:]
    public var scales: [String: (scale: Double, offset: Double)] = [:]

    /// Reads and checks a mapping file.
    public static func load(_ source: SourceFile) -> Checked<Mapping?> {
        let composed = YAMLReader.compose(source, expecting: "a mapping with 'columns'")
        guard let root = composed.value else { return Checked(nil, composed.diagnostics) }
        var reader = YAMLReader(path: source.path)
        guard case .mapping(let top) = root else {
            reader.add(CoreDiagnostic.notAMapping("a mapping file", found: reader.describe(root)), at: root)
            return Checked(nil, reader.diagnostics)
        }
        reader.checkKeys(top, allowed: topKeys, what: "a mapping file")
        var m = Mapping()
        func text(_ key: String) -> (String, Node)? {
            guard let node = top[key] else { return nil }
            return reader.string(node, key: key).map { ($0, node) }
        }
        if let (f, node) = text("format") {
            m.format = Format(rawValue: f.lowercased())
            if m.format == nil { reader.add(ImportDiagnostic.badSetting(key: "format", found: f, expected: "csv or json"), at: node) }
        }
        if let (s, node) = text("separator") {
            let t = s == "\\t" || s == "tab" ? "\t" : s
            if t.utf8.count == 1, let b = t.utf8.first, b != UInt8(ascii: "\""), b != 10, b != 13 { m.separator = b } else {
                reader.add(ImportDiagnostic.badSetting(key: "separator", found: s, expected: "one character such as , ; | or tab"), at: node)
            }
        }
        if let (r, _) = text("records") { m.records = r }
        if let node = top["numbers"] {
            if case .mapping(let n) = node {
                reader.checkKeys(n, allowed: ["decimal", "thousands", "percent"], what: "'numbers'")
                var decimal: Character = ".", thousands: Character? = ",", percent = NumberReading.Percent.points
                if let d = n["decimal"], let t = reader.string(d, key: "decimal") {
                    if t == "." || t == "," { decimal = Character(t) } else { reader.add(ImportDiagnostic.badSetting(key: "decimal", found: t, expected: "'.' or ','"), at: d) }
                    thousands = decimal == "," ? "." : ","
                }
                if let t = n["thousands"] {
                    if case .scalar(let s) = t, s.string.isEmpty || ["none", "null", "~"].contains(s.string) { thousands = nil } else if let v = reader.string(t, key: "thousands") {
                        if v.count == 1, let c = v.first, c != decimal, !c.isNumber { thousands = c } else if v == "space" { thousands = " " } else {
                            reader.add(ImportDiagnostic.badSetting(key: "thousands", found: v, expected: "one character other than the decimal mark, 'space' or none"), at: t)
                        }
                    }
                }
                if let p = n["percent"], let v = reader.string(p, key: "percent") {
                    if let x = NumberReading.Percent(rawValue: v) { percent = x } else { reader.add(ImportDiagnostic.badSetting(key: "percent", found: v, expected: "points or fraction"), at: p) }
                }
                m.numbers = NumberReading(decimal: decimal, thousands: thousands, percent: percent)
            } else {
                reader.add(CoreDiagnostic.notAMapping("'numbers'", found: reader.describe(node)), at: node)
            }
        }
        if let node = top["dates"] {
            var patterns: [String] = []
            switch node {
            case .sequence(let list): patterns = list.compactMap { reader.string($0, key: "dates") }
            case .scalar: if let p = reader.string(node, key: "dates") { patterns = [p] }
            default: reader.add(ImportDiagnostic.badSetting(key: "dates", found: reader.describe(node), expected: "a date pattern or a list of them"), at: node)
            }
            m.dates = DateReading(patterns: patterns)
        }
        func roleMapping(_ key: String, _ each: (String, Node, Node) -> Void) {
            guard let node = top[key] else { return }
            guard case .mapping(let map) = node else {
                reader.add(CoreDiagnostic.notAMapping("'\(key)'", found: reader.describe(node)), at: node)
                return
            }
            reader.checkKeys(map, allowed: roles, what: "'\(key)'")
            for (k, v) in map {
                if let role = k.string, roles.contains(role) { each(role, k, v) }
            }
        }
        roleMapping("columns") { role, _, v in
            if let name = reader.string(v, key: role) { m.columns[role] = (name, reader.location(v)) }
        }
        roleMapping("defaults") { role, _, v in
            if let value = reader.string(v, key: role) {
                if numericRoles.contains(role), m.numbers.read(value) == nil {
                    reader.add(ImportDiagnostic.notANumber(field: role, found: value, reading: m.numbers.description), at: v)
                } else if dateRoles.contains(role), m.dates.read(value) == nil {
                    reader.add(ImportDiagnostic.notADate(field: role, found: value, formats: m.dates.description), at: v)
                } else {
                    m.defaults[role] = value
                }
            }
        }
        roleMapping("values") { role, _, v in
            guard case .mapping(let t) = v else {
                reader.add(CoreDiagnostic.notAMapping("'values.\(role)'", found: reader.describe(v)), at: v)
                return
            }
            if t["scale"] != nil || t["offset"] != nil {
                reader.checkKeys(t, allowed: ["scale", "offset"], what: "'values.\(role)'")
                var scale = 1.0, offset = 0.0
                for (key, target) in [("scale", 0), ("offset", 1)] {
                    guard let n = t[key], let s = reader.string(n, key: key) else { continue }
                    guard let x = Double(s), x.isFinite else {
                        reader.add(ImportDiagnostic.badSetting(key: key, found: s, expected: "a number"), at: n)
                        continue
                    }
                    if target == 0 { scale = x } else { offset = x }
                }
                m.scales[role] = (scale, offset)
            } else {
                var table: [String: String] = [:]
                for (k, value) in t {
                    if let from = k.string, let to = reader.string(value, key: from) { table[from] = to }
                }
                m.translations[role] = table
            }
        }
        if top["columns"] == nil { reader.diagnostics.append(Diagnostic(ImportDiagnostic.mappingLacks(role: "the key results ('columns')"), at: reader.location(root))) }
        for role in ["kr_id", "target_value", "cycle_start", "cycle_end"] where top["columns"] != nil && m.columns[role] == nil && m.defaults[role] == nil {
            reader.diagnostics.append(Diagnostic(ImportDiagnostic.mappingLacks(role: role), at: reader.location(top["columns"] ?? root),
                                                 notes: [Diagnostic.Note("give it under 'columns' (the export's column) or 'defaults' (one value for all)")]))
        }
        return Checked(reader.diagnostics.hasErrors ? nil : m, reader.diagnostics)
    }

    /// The draft an export makes under this mapping.
    ///
    /// - Parameter placed: every key result goes to one unit (`--unit`): the mapping needs no 'unit'.
    public func draft(_ export: SourceFile, placed: Bool) -> Checked<ImportDraft?> {
        let format = self.format ?? (export.path.lowercased().hasSuffix(".json") ? .json : .csv)
        let list: any RecordList
        var diagnostics: [Diagnostic] = []
        switch format {
        case .csv:
            let read = CSVTable.read(export, separator: separator)
            // A record the tokenizer could not read (text after a closing quote) is an error, never dropped in silence.
            diagnostics += read.diagnostics
            guard let table = read.value else { return Checked(nil, read.diagnostics) }
            list = CSVRecords(table)
        case .json:
            let read = JSONRecords.read(export, at: records)
            guard let records = read.value else { return Checked(nil, read.diagnostics) }
            list = records
        }
        // Every mapped column must be in the export (a CSV header; some JSON record).
        for (role, column) in columns.sorted(by: { $0.key < $1.key }) where !list.has(column.name) {
            var notes = [Diagnostic.Note("the mapping says so here", at: column.at)]
            if let guess = Suggestion.closest(to: column.name, among: list.names()) { notes.append(Diagnostic.Note("did you mean '\(guess)'?")) }
            diagnostics.append(Diagnostic(ImportDiagnostic.mappedColumnMissing(column.name, role: role),
                                          at: SourceLocation(file: export.path, line: format == .csv ? 1 : 0, column: format == .csv ? 1 : 0), notes: notes))
        }
        if !placed && columns["unit"] == nil && defaults["unit"] == nil {
            diagnostics.append(Diagnostic(ImportDiagnostic.mappingLacks(role: "the unit"), at: SourceLocation(file: export.path, line: 0, column: 0),
                                          notes: [Diagnostic.Note("map 'unit' to a column, or give --unit for all")]))
        }
        guard !diagnostics.hasErrors else { return Checked(nil, diagnostics) }

        var draft = ImportDraft()
        var byID: [String: Int] = [:]
        for i in 0..<list.count {
            let record = list.location(i)
            var ok = true
            /// A role's value: the record's column (translated, scaled), or the default.
            func value(_ role: String) -> ImportDraft.Field? {
                if let column = columns[role], let found = list.value(i, column.name) {
                    var text = found.text
                    if let table = translations[role] {
                        guard let to = table[text] ?? table.first(where: { $0.key.lowercased() == text.lowercased() })?.value else {
                            diagnostics.append(Diagnostic(ImportDiagnostic.unmappedValue(field: found.name, found: text, known: table.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")),
                                                          at: found.at))
                            ok = false
                            return nil
                        }
                        text = to
                    }
                    if Self.numericRoles.contains(role) {
                        guard var x = numbers.read(text) else {
                            diagnostics.append(Diagnostic(ImportDiagnostic.notANumber(field: found.name, found: text, reading: numbers.description), at: found.at,
                                                          notes: [Diagnostic.Note("the mapping's 'numbers' says how the export writes them")]))
                            ok = false
                            return nil
                        }
                        if let s = scales[role] { x = x * s.scale + s.offset }
                        text = canonicalNumber(x)
                    } else if Self.dateRoles.contains(role) {
                        guard let d = dates.read(text) else {
                            diagnostics.append(Diagnostic(ImportDiagnostic.notADate(field: found.name, found: text, formats: dates.description), at: found.at,
                                                          notes: [Diagnostic.Note("the mapping's 'dates' lists the patterns tried after ISO 8601")]))
                            ok = false
                            return nil
                        }
                        text = d.description
                    }
                    return ImportDraft.Field(text, at: found.at, source: found.name)
                }
                guard let d = defaults[role] else { return nil }
                if Self.numericRoles.contains(role), let x = numbers.read(d) { return ImportDraft.Field(canonicalNumber(x), source: "defaults.\(role)") }
                if Self.dateRoles.contains(role), let day = dates.read(d) { return ImportDraft.Field(day.description, source: "defaults.\(role)") }
                return ImportDraft.Field(d, source: "defaults.\(role)")
            }
            guard let id = value("kr_id") else {
                if ok { draft.report.skip("record \(i + 1)", "no key result id", at: record) }
                continue
            }
            let date = value("date"), checkValue = value("value"), confidence = value("confidence"), newTarget = value("target")
            if let k = byID[id.text] {
                // The key result again: its fields must agree; the record may add a check-in.
                for (role, path) in [("target_value", \ImportDraft.KeyResult.target), ("start_value", \.start), ("cycle_start", \.cycleStart), ("cycle_end", \.cycleEnd), ("title", \.title)] {
                    if let v = value(role), v.at != nil, v.text != draft.keyResults[k][keyPath: path].text {
                        diagnostics.append(Diagnostic(ImportDiagnostic.conflictingKeyResult(id: id.text, field: role, first: draft.keyResults[k][keyPath: path].text, found: v.text),
                                                      at: v.at, notes: draft.keyResults[k][keyPath: path].at.map { [Diagnostic.Note("first given here", at: $0)] } ?? []))
                        ok = false
                    }
                }
            } else {
                // Every value read (and every wrong one said) before deciding.
                let unit = placed ? ImportDraft.Field("") : value("unit")
                let needed: [(String, ImportDraft.Field?)] = [("target_value", value("target_value")), ("cycle_start", value("cycle_start")),
                                                              ("cycle_end", value("cycle_end")), ("unit", unit)]
                let objective = value("objective_id"), title = value("title"), kind = value("kind"), start = value("start_value")
                let owner = value("owner"), final = value("final_value")
                var missing: [String] = []
                for (role, v) in needed where v == nil { missing.append(role) }
                guard ok else { continue }
                guard missing.isEmpty, let target = needed[0].1, let cycleStart = needed[1].1, let cycleEnd = needed[2].1 else {
                    draft.report.skip("record \(i + 1) ('\(id.text)')", "no \(missing.joined(separator: ", "))", at: record)
                    continue
                }
                if let unit, !placed {
                    draft.unit(ImportDraft.Unit(key: unit.text, name: unit.text, suggestedID: unitID(from: unit.text), at: unit.at))
                }
                byID[id.text] = draft.keyResults.count
                draft.keyResults.append(ImportDraft.KeyResult(
                    id: id, objective: objective ?? ImportDraft.Field(id.text, at: id.at, source: id.source), unit: unit ?? ImportDraft.Field(""),
                    title: title ?? ImportDraft.Field(id.text, at: id.at, source: id.source),
                    kind: kind.map { ImportDraft.Field($0.text.lowercased(), at: $0.at, source: $0.source) } ?? ImportDraft.Field("committed", source: "the default kind"),
                    start: start ?? ImportDraft.Field("0", source: "the default start"),
                    target: target, cycleStart: cycleStart, cycleEnd: cycleEnd, owner: owner, final: final, at: record))
                draft.report.count("records", as: "key results")
            }
            if ok, let date, let checkValue {
                draft.checkIns.append(ImportDraft.CheckIn(keyResult: ImportDraft.Field(id.text, at: id.at, source: id.source), date: date, value: checkValue,
                                                          confidence: confidence, target: newTarget, at: record))
                draft.report.count("records", as: "check-ins")
            } else if ok, date != nil || checkValue != nil {
                draft.report.skip("the check-in of record \(i + 1) ('\(id.text)')", date == nil ? "no date" : "no value", at: record)
            }
        }
        if columns["kind"] == nil && defaults["kind"] == nil { draft.report.notes.append("every key result is committed (the mapping gives no kind)") }
        if columns["start_value"] == nil && defaults["start_value"] == nil { draft.report.notes.append("every key result starts from 0 (the mapping gives no start)") }
        return Checked(diagnostics.hasErrors ? nil : draft, diagnostics)
    }
}

