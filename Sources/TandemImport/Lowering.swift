import Foundation
import TandemCore

/// Where the key results of an import go in the organisation.
public struct Placement: Sendable, Equatable {
    /// Every key result goes to this unit (it must be in the store).
    public var unit: String?
    /// The export's new units go below this one; by default below the store's root when it has
    /// exactly one, else they become roots.
    public var parent: String?

    public init(unit: String? = nil, parent: String? = nil) {
        self.unit = unit
        self.parent = parent
    }
}

/// A draft written as Tandem's canonical files, with the organisation it is checked against.
public struct Lowered: Sendable {
    /// The store's organisation with the export's new units.
    public var organisation: Organisation
    public var newUnits: [OrgUnit]
    /// The export's units found in the store (by id or by name), as (name in the export, id).
    public var matchedUnits: [(name: String, id: String)]
    public var keyResults: SourceFile
    public var checkIns: SourceFile?
    fileprivate var lines: [String: [Int: LineMap]]

    /// Takes the canonical loaders' diagnostics back to the export: each to the field its value
    /// was read from (or its record), with a note naming Tandem's column.
    public func remap(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.map { d in
            var d = d
            guard let location = d.location, let file = lines[location.file] else { return d }
            let (at, note) = place(location, in: file)
            d.location = at
            d.length = 1
            d.notes = d.notes.map { n in
                var n = n
                if let l = n.location, let f = lines[l.file] {
                    n.location = place(l, in: f).0
                    n.length = 1
                }
                return n
            }
            if let note { d.notes.append(Diagnostic.Note(note)) }
            return d
        }
    }

    private func place(_ location: SourceLocation, in file: [Int: LineMap]) -> (SourceLocation?, String?) {
        guard let line = file[location.line] else { return (nil, nil) }
        let field = line.fields.last { $0.column <= location.column } ?? line.fields.first
        guard let field else { return (line.record, nil) }
        let from = field.value.source.map { "'\($0)'" } ?? (field.value.at == nil ? "a value the importer supplied" : "the export")
        return (field.value.at ?? line.record, "in Tandem's terms: \(field.column == 1 ? "" : "\(line.what), ")\(field.name), read from \(from)")
    }
}

fileprivate struct LineMap: Sendable {
    struct Entry: Sendable {
        var column: Int
        var name: String
        var value: ImportDraft.Field
    }
    var fields: [Entry]
    var record: SourceLocation?
    /// "key result 'X'", for the note.
    var what: String
}

public enum Lowering {
    /// Resolves the draft's units against the store's organisation and writes its key results
    /// and check-ins as canonical CSV.
    ///
    /// - Parameters:
    ///   - known: the store's organisation, nil for a store that holds none yet.
    ///   - label: names the canonical files in the rare message that cannot be taken back to the export.
    ///   - export: the export's file, for problems of the import as a whole.
    public static func lower(_ draft: ImportDraft, known: Organisation?, placement: Placement, label: String, export: String) -> Checked<Lowered?> {
        let fileLevel = SourceLocation(file: export, line: 0, column: 0)
        var diagnostics: [Diagnostic] = []
        for id in [placement.unit, placement.parent].compactMap({ $0 }) where known?[id] == nil {
            var notes: [Diagnostic.Note] = []
            if let known, let guess = Suggestion.closest(to: id, among: known.units.map(\.id)) { notes.append(Diagnostic.Note("did you mean '\(guess)'?")) }
            diagnostics.append(Diagnostic(ImportDiagnostic.unknownUnit(id), at: fileLevel, notes: notes))
        }
        guard !diagnostics.hasErrors else { return Checked(nil, diagnostics) }
        guard !draft.keyResults.isEmpty else {
            diagnostics.append(Diagnostic(ImportDiagnostic.unexpectedShape(expected: "at least one goal with a number to reach", found: "none"), at: fileLevel,
                                          notes: draft.report.skipped.prefix(3).map { Diagnostic.Note("skipped \($0.what): \($0.why)", at: $0.at) }))
            return Checked(nil, diagnostics)
        }

        // Units: every key result's, found in the store by id, else by name (when one unit has
        // it), else new.
        let used = Set(draft.keyResults.map(\.unit.text))
        var idByKey: [String: String] = [:]
        var newUnits: [OrgUnit] = [], matched: [(name: String, id: String)] = []
        var taken = Set(known?.units.map(\.id) ?? [])
        let roots = known?.units.filter { $0.parentID == nil } ?? []
        let parent = placement.parent ?? (roots.count == 1 ? roots[0].id : nil)
        var byName: [String: [String]] = [:]
        for u in known?.units ?? [] { byName[u.name, default: []].append(u.id) }
        // Two of the export's units whose ids would be the same (two teams named "Ops", "Team A"
        // and "team-a") get ids of their own, the same at every import: the first by key keeps
        // it, the others take a short hash of their key. Found again by id, each unit keeps its
        // key results on a re-import.
        var units = draft.units
        let firstByID = Dictionary(grouping: units.filter { used.contains($0.key) && $0.key != ImportDraft.Unit.root }, by: \.suggestedID)
            .mapValues { $0.map(\.key).min() ?? "" }
        for i in units.indices where units[i].key != ImportDraft.Unit.root {
            if let first = firstByID[units[i].suggestedID], first != units[i].key { units[i].suggestedID += "-" + stableHash(units[i].key).prefix(6) }
        }
        if placement.unit == nil {
            for u in units where used.contains(u.key) {
                if u.key == ImportDraft.Unit.root {
                    // The company's own goals: the store's root (or --parent).
                    guard let top = placement.parent ?? (roots.count == 1 ? roots[0].id : nil) else {
                        diagnostics.append(Diagnostic(ImportDiagnostic.companyWithoutRoot(roots: roots.count), at: u.at ?? fileLevel,
                                                      notes: [Diagnostic.Note("give --parent UNIT for them, or --unit UNIT for every key result")]))
                        continue
                    }
                    idByKey[u.key] = top
                    matched.append((u.name, top))
                } else if known?[u.suggestedID] != nil {
                    idByKey[u.key] = u.suggestedID
                    matched.append((u.name, u.suggestedID))
                } else if let ids = byName[u.name], ids.count == 1 {
                    idByKey[u.key] = ids[0]
                    matched.append((u.name, ids[0]))
                } else {
                    var id = u.suggestedID, n = 2
                    while taken.contains(id) { id = "\(u.suggestedID)-\(n)"; n += 1 }
                    taken.insert(id)
                    idByKey[u.key] = id
                    newUnits.append(OrgUnit(id: id, name: u.name, parentID: parent, location: u.at))
                }
            }
        }
        guard !diagnostics.hasErrors else { return Checked(nil, diagnostics) }
        let organisation = Organisation(name: known?.name, units: (known?.units ?? []) + newUnits)

        // A NUL character no store can keep: said at its place in the export, before anything is written.
        for k in draft.keyResults {
            for f in [k.id, k.objective, k.title, k.unit, k.kind, k.start, k.target, k.cycleStart, k.cycleEnd] + [k.owner, k.final].compactMap({ $0 })
                where f.text.unicodeScalars.contains("\u{0}") {
                diagnostics.append(Diagnostic(ImportDiagnostic.nulCharacter(field: f.source ?? "a value"), at: f.at ?? k.at ?? fileLevel))
            }
        }
        for u in newUnits where u.name.unicodeScalars.contains("\u{0}") {
            diagnostics.append(Diagnostic(ImportDiagnostic.nulCharacter(field: "a unit's name"), at: u.location ?? fileLevel))
        }
        guard !diagnostics.hasErrors else { return Checked(nil, diagnostics) }

        // The key results, as Tandem's key-result CSV.
        let krPath = "\(label) (as Tandem's key results)"
        var writer = CanonicalWriter(path: krPath)
        writer.header(["kr_id", "objective_id", "unit_id", "title", "kind", "start_value", "target_value", "cycle_start", "cycle_end", "owner", "final_value"])
        for k in draft.keyResults {
            var unit = k.unit
            unit.text = placement.unit ?? idByKey[k.unit.text] ?? k.unit.text
            writer.record(what: "key result '\(k.id.text)'", at: k.at, [
                ("kr_id", k.id), ("objective_id", k.objective), ("unit_id", unit), ("title", k.title), ("kind", k.kind), ("start_value", k.start),
                ("target_value", k.target), ("cycle_start", k.cycleStart), ("cycle_end", k.cycleEnd),
                ("owner", k.owner ?? ImportDraft.Field("")), ("final_value", k.final ?? ImportDraft.Field("")),
            ])
        }
        var lines = [krPath: writer.lines]
        let krs = writer.file()
        var checkIns: SourceFile?
        if !draft.checkIns.isEmpty {
            let path = "\(label) (as Tandem's check-ins)"
            var w = CanonicalWriter(path: path)
            w.header(["kr_id", "date", "value", "confidence", "target"])
            for c in draft.checkIns {
                w.record(what: "check-in of '\(c.keyResult.text)' on \(c.date.text)", at: c.at, [
                    ("kr_id", c.keyResult), ("date", c.date), ("value", c.value), ("confidence", c.confidence ?? ImportDraft.Field("")),
                    ("target", c.target ?? ImportDraft.Field("")),
                ])
            }
            lines[path] = w.lines
            checkIns = w.file()
        }
        return Checked(Lowered(organisation: organisation, newUnits: newUnits, matchedUnits: matched, keyResults: krs, checkIns: checkIns,
                               lines: lines), diagnostics)
    }
}

/// Writes canonical CSV and remembers, for each line, which column holds which value.
private struct CanonicalWriter {
    let path: String
    var text = ""
    var line = 0
    var lines: [Int: LineMap] = [:]

    init(path: String) { self.path = path }

    mutating func header(_ names: [String]) {
        text += names.joined(separator: ",") + "\n"
        line += 1
    }

    mutating func record(what: String, at: SourceLocation?, _ fields: [(String, ImportDraft.Field)]) {
        line += 1
        var entries: [LineMap.Entry] = []
        var column = 1
        for (i, (name, value)) in fields.enumerated() {
            if i > 0 {
                text += ","
                column += 1
            }
            entries.append(LineMap.Entry(column: column, name: name, value: value))
            let field = Self.quoted(value.text)
            text += field
            column += field.unicodeScalars.count
        }
        text += "\n"
        // A quoted value with a line break spans lines: each of them maps to this record.
        let breaks = fields.reduce(0) { n, f in
            n + f.1.text.unicodeScalars.indices.filter { i in
                let c = f.1.text.unicodeScalars[i]
                return c == "\n" || (c == "\r" && f.1.text.unicodeScalars.index(after: i) == f.1.text.unicodeScalars.endIndex)
                    || (c == "\r" && f.1.text.unicodeScalars[f.1.text.unicodeScalars.index(after: i)] != "\n")
            }.count
        }
        for extra in 0...breaks { lines[line + extra] = LineMap(fields: entries, record: at, what: what) }
        line += breaks
    }

    /// A field as RFC 4180 writes it (quoted when it holds a comma, a quote or a line break).
    static func quoted(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func file() -> SourceFile { SourceFile(path: path, text: text) }
}
