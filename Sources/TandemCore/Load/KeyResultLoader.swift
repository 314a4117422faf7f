/// Key results read from a CSV file, with where each was defined.
public struct KeyResultTable: Sendable {
    public var keyResults: [KeyResult]
    /// Index of each key result by id.
    public var index: [String: Int]
    /// Location of each key result's `kr_id` field, for notes in later diagnostics.
    public var locations: [SourceLocation]

    public init(keyResults: [KeyResult], index: [String: Int], locations: [SourceLocation]) {
        self.keyResults = keyResults
        self.index = index
        self.locations = locations
    }
}

/// Reads the canonical key-result CSV:
/// `kr_id,objective_id,unit_id,title,kind,start_value,target_value,cycle_start,cycle_end`
/// and optional `owner,final_value`.
public enum KeyResultLoader {
    public static let columns = ["kr_id", "objective_id", "unit_id", "title", "kind", "start_value",
                                 "target_value", "cycle_start", "cycle_end", "owner", "final_value"]
    static let requiredCount = 9

    private enum Column: Int {
        case id, objective, unit, title, kind, start, target, cycleStart, cycleEnd, owner, final
    }

    /// Reads and checks a key-result file.
    ///
    /// - Parameters:
    ///   - source: the file's bytes.
    ///   - organisation: when given, every `unit_id` must name one of its units.
    /// - Returns: the key results that passed every check, and every problem found. Callers
    ///   treat the table as unusable when the diagnostics hold an error.
    ///   - known: the key results a store holds, when this file comes alone: a new key result
    ///     of an objective the store holds must be in the store's unit of it (the organisation
    ///     above is then the store's).
    public static func load(_ source: SourceFile, organisation: Organisation? = nil, known: KeyResultTable? = nil)
        -> Checked<KeyResultTable> {
        var sink = DiagnosticSink(source: source)
        var table = KeyResultTable(keyResults: [], index: [:], locations: [])
        var objectiveUnits: [String: (unit: String, offset: Int)] = [:]
        let inStore = known != nil
        // The unit of each objective the store holds.
        var storeObjectives: [String: String] = [:]
        for kr in known?.keyResults ?? [] { storeObjectives[kr.objectiveID] = kr.unitID }

        CSVDocument.read(into: &sink, columns: columns, requiredCount: requiredCount) { sink, row, bytes in
            var ok = true
            func text(_ c: Column) -> String {
                row.field(c.rawValue).map { FieldText.trimmed($0, in: bytes) } ?? ""
            }
            func required(_ c: Column) -> (String, CSVField)? {
                guard let field = row.field(c.rawValue) else { return nil }
                let value = FieldText.trimmed(field, in: bytes)
                if value.isEmpty {
                    sink.add(CoreDiagnostic.emptyValue(key: columns[c.rawValue]), offset: field.offset)
                    ok = false
                    return nil
                }
                return (value, field)
            }
            func number(_ c: Column, optional: Bool = false) -> Double? {
                guard let field = row.field(c.rawValue) else { return nil }
                return LoaderChecks.number(field, column: columns[c.rawValue], optional: optional,
                                           bytes: bytes, sink: &sink, ok: &ok)
            }
            func day(_ c: Column) -> Day? {
                guard let field = row.field(c.rawValue) else { return nil }
                return LoaderChecks.day(field, column: columns[c.rawValue], bytes: bytes, sink: &sink, ok: &ok)
            }

            let id = required(.id)
            let objective = required(.objective)
            let unit = required(.unit)
            let title = row.field(Column.title.rawValue).map { FieldText.string($0, in: bytes) } ?? ""
            var kind: KeyResultKind?
            if let (kindText, field) = required(.kind) {
                kind = KeyResultKind(rawValue: kindText.lowercased())
                if kind == nil {
                    var notes = [Diagnostic.Note]()
                    if let guess = Suggestion.closest(to: kindText, among: KeyResultKind.allCases.map(\.rawValue)) {
                        notes.append(Diagnostic.Note("did you mean '\(guess)'?"))
                    }
                    sink.add(CoreDiagnostic.unknownKeyResultKind(found: kindText),
                             offset: field.offset, length: kindText.displayWidth, notes: notes)
                    ok = false
                }
            }
            let start = number(.start)
            let target = number(.target)
            let cycleStart = day(.cycleStart)
            let cycleEnd = day(.cycleEnd)
            let owner = text(.owner)
            let final = number(.final, optional: true)

            if let start, let target, start == target, let field = row.field(Column.target.rawValue) {
                sink.add(CoreDiagnostic.targetEqualsStart(start),
                         offset: field.offset, length: FieldText.trimmed(field, in: bytes).displayWidth,
                         notes: [Diagnostic.Note("progress is measured from start to target, so they cannot be equal")])
                ok = false
            }
            if let start, let target, !(target - start).isFinite, let field = row.field(Column.target.rawValue) {
                sink.add(CoreDiagnostic.targetDistanceOverflows(target: target, start: start),
                         offset: field.offset, length: FieldText.trimmed(field, in: bytes).displayWidth,
                         notes: [Diagnostic.Note("progress is (value − start) / (target − start); no progress can be computed on this key result")])
                ok = false
            }
            if let cycleStart, let cycleEnd, cycleEnd <= cycleStart, let field = row.field(Column.cycleEnd.rawValue) {
                sink.add(CoreDiagnostic.cycleEndsBeforeStart(start: cycleStart, end: cycleEnd),
                         offset: field.offset, length: 10)
                ok = false
            }
            if let (unitID, field) = unit, let organisation, organisation[unitID] == nil {
                var notes = [Diagnostic.Note]()
                if let guess = Suggestion.closest(to: unitID, among: organisation.units.map(\.id)) {
                    notes.append(Diagnostic.Note("did you mean '\(guess)'?"))
                }
                sink.add(CoreDiagnostic.unknownUnit(unitID, inStore: inStore),
                         offset: field.offset, length: unitID.displayWidth, notes: notes)
                ok = false
            }
            if let (objectiveID, field) = objective, let (unitID, _) = unit {
                if let storeUnit = storeObjectives[objectiveID], storeUnit != unitID, known?.index[id?.0 ?? ""] == nil {
                    sink.add(CoreDiagnostic.objectiveInAnotherUnitOfTheStore(objective: objectiveID, unit: unitID, storeUnit: storeUnit),
                             offset: field.offset, length: objectiveID.displayWidth)
                    ok = false
                } else if let first = objectiveUnits[objectiveID] {
                    if first.unit != unitID {
                        sink.add(CoreDiagnostic.objectiveInTwoUnits(objective: objectiveID, unit: unitID),
                                 offset: field.offset, length: objectiveID.displayWidth,
                                 notes: [Diagnostic.Note("first given to unit '\(first.unit)' here", at: sink.location(first.offset),
                                                         length: objectiveID.displayWidth)])
                        ok = false
                    }
                } else {
                    objectiveUnits[objectiveID] = (unitID, field.offset)
                }
            }
            if let (krID, field) = id, let first = table.index[krID] {
                sink.add(CoreDiagnostic.duplicateKeyResult(krID), offset: field.offset,
                         length: krID.displayWidth,
                         notes: [Diagnostic.Note("first defined here", at: table.locations[first], length: krID.displayWidth)])
                ok = false
            }
            guard ok, let (krID, idField) = id, let (objectiveID, _) = objective, let (unitID, _) = unit,
                  let kind, let start, let target, let cycleStart, let cycleEnd
            else { return }
            table.index[krID] = table.keyResults.count
            table.locations.append(sink.location(idField.offset))
            table.keyResults.append(KeyResult(
                id: krID, objectiveID: objectiveID, unitID: unitID, title: title, kind: kind,
                startValue: start, targetValue: target, cycle: Cycle(start: cycleStart, end: cycleEnd),
                owner: owner.isEmpty ? nil : owner, finalValue: final))
        }
        return Checked(table, sink.diagnostics)
    }
}

/// Typed field checks shared by the CSV loaders.
enum LoaderChecks {
    static func number(_ field: CSVField, column: String, optional: Bool, bytes: UnsafeBufferPointer<UInt8>,
                       sink: inout DiagnosticSink, ok: inout Bool) -> Double? {
        let result = FieldText.number(field, in: bytes)
        if case .value(let v) = result { return v }
        if result == .empty {
            if optional { return nil }
            sink.add(CoreDiagnostic.emptyValue(key: column), offset: field.offset)
            ok = false
            return nil
        }
        let shown = FieldText.trimmed(field, in: bytes)
        let width = max(1, FieldText.string(field, in: bytes).displayWidth)
        switch result {
        case .nan:
            sink.add(CoreDiagnostic.notFiniteNaN(column: column, found: shown), offset: field.offset, length: width)
        case .infinite:
            sink.add(CoreDiagnostic.notFiniteInfinite(column: column, found: shown), offset: field.offset, length: width)
        default:
            sink.add(CoreDiagnostic.notANumber(column: column, found: shown), offset: field.offset, length: width,
                     notes: [Diagnostic.Note("write plain decimals with a point: 1234.5, -0.25, 1e6")])
        }
        ok = false
        return nil
    }

    static func day(_ field: CSVField, column: String, bytes: UnsafeBufferPointer<UInt8>,
                    sink: inout DiagnosticSink, ok: inout Bool) -> Day? {
        if let day = FieldText.day(field, in: bytes) { return day }
        if FieldText.isBlank(field, in: bytes) {
            sink.add(CoreDiagnostic.emptyValue(key: column), offset: field.offset)
        } else {
            let shown = FieldText.trimmed(field, in: bytes)
            sink.add(CoreDiagnostic.invalidDate(column: column, found: shown),
                     offset: field.offset, length: max(1, shown.displayWidth))
        }
        ok = false
        return nil
    }

    /// A number as a person writes it: no trailing `.0`.
    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
