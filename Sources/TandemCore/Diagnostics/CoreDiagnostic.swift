import Foundation

/// The catalogue of TandemCore's diagnostics (ids `C…`): reading files, CSV key results and
/// check-ins, YAML organisation files, and the YAML shape of scenario files.
///
/// C00xx are about a file as a whole, C01xx about CSV files, C02xx about YAML and JSON files.
public enum CoreDiagnostic: DiagnosticMessage {
    // MARK: Files (C00xx)

    /// C0001: there is no file at the path.
    case fileNotFound
    /// C0001: the path names a directory.
    case fileIsDirectory
    /// C0001: the file exists but cannot be read.
    case fileUnreadable
    /// C0002: a CSV file holds nothing but white space; `header` is the required header row.
    case emptyCSVFile(header: String)
    /// C0002: a YAML or JSON file holds nothing; `expecting` says what it should hold.
    case emptyFile(expecting: String)
    /// C0003: a byte of a CSV file is not valid UTF-8 (shown as two hex digits).
    case invalidUTF8InCSV(byte: UInt8)
    /// C0003: a byte of a YAML or JSON file is not valid UTF-8.
    case invalidUTF8(byte: UInt8)
    /// C0004: a check-in file was given without its key-result file.
    case checkInsWithoutKeyResults
    /// C0005: the check-ins were not read because their key-result file has errors.
    case checkInsNotChecked

    // MARK: CSV files (C01xx)

    /// C0101: a quoted field has no closing quote.
    case unterminatedQuote
    /// C0102: a required column is not in the header.
    case missingColumn(String)
    /// C0103: the header names a column the file kind does not have (empty names shown as such).
    case unknownColumn(String)
    /// C0104: the header names a column twice.
    case duplicateColumn(String)
    /// C0105: a row has a different number of fields from the header.
    case wrongFieldCount(expected: Int, found: Int)
    /// C0106: a required value (a CSV column, a YAML key) is empty.
    case emptyValue(key: String)
    /// C0106: an organisation attribute is set to null.
    case attributeWithoutValue(name: String)
    /// C0107: a closing quote is followed by more text in the field.
    case textAfterClosingQuote
    /// C0110: a numeric column holds something that is not a number.
    case notANumber(column: String, found: String)
    /// C0111: a numeric column holds NaN.
    case notFiniteNaN(column: String, found: String)
    /// C0112: a numeric column holds an infinite or overflowing number.
    case notFiniteInfinite(column: String, found: String)
    /// C0113: a date column holds something that is not an ISO-8601 date.
    case invalidDate(column: String, found: String)
    /// C0114: a key result's kind is not one of `KeyResultKind`'s.
    case unknownKeyResultKind(found: String)
    /// C0115: a check-in's confidence is outside 0 to 10.
    case confidenceOutOfRange(found: String)
    /// C0120: a key result's cycle ends on or before its start.
    case cycleEndsBeforeStart(start: Day, end: Day)
    /// C0121: a target equals the start value, so no progress can be measured.
    case targetEqualsStart(Double)
    /// C0122: a key-result id is defined twice.
    case duplicateKeyResult(String)
    /// C0123: a key result names a unit that is not in the organisation.
    case unknownUnit(String, inStore: Bool = false)
    /// C0124: an objective is given to two units.
    case objectiveInTwoUnits(objective: String, unit: String)
    /// C0124: a key result puts an objective the store holds in another unit.
    case objectiveInAnotherUnitOfTheStore(objective: String, unit: String, storeUnit: String)
    /// C0125: the distance from start to target overflows.
    case targetDistanceOverflows(target: Double, start: Double)
    /// C0126: the distance from start to a check-in's value overflows.
    case valueDistanceOverflows(value: Double, start: Double)
    /// C0130: a check-in reports on a key result that is not in the key-result file.
    case unknownKeyResult(String, inStore: Bool = false)
    /// C0131: a key result has two check-ins on one date.
    case duplicateCheckIn(keyResult: String, date: Day)
    /// C0132: a check-in is dated outside its key result's cycle.
    case checkInOutsideCycle(keyResult: String, cycle: Cycle, date: Day)

    // MARK: YAML and JSON files (C02xx)

    /// C0201: the file is not valid YAML or JSON; `problem` is the parser's account.
    case invalidYAML(problem: String)
    /// C0202: the organisation file is not a mapping.
    case organisationNotAMapping(found: String)
    /// C0202: 'units' is not a list.
    case unitsNotAList(found: String)
    /// C0202: a unit is not a mapping.
    case unitNotAMapping(found: String)
    /// C0202: an attribute's name is not text (`found` nil when not shown).
    case attributeNameNotText(found: String?)
    /// C0202: 'attributes' is not a mapping.
    case attributesNotAMapping(found: String)
    /// C0202: a value that must be text is a list or a mapping.
    case notText(key: String, found: String)
    /// C0202: a mapping has a key that is not text.
    case keyNotText(in: String, found: String)
    /// C0202: what must be a mapping is not (a scenario file, a scenario, a change, …).
    case notAMapping(String, found: String)
    /// C0202: 'scenarios' is not a non-empty list.
    case scenariosNotAList(found: String)
    /// C0202: a scenario's 'changes' is not a list.
    case changesNotAList(found: String)
    /// C0202: a change's 'checkins' is not a list.
    case checkInsNotAList(found: String)
    /// C0202: 'krs' is neither a list of ids nor a selector.
    case keyResultsNotAListOrSelector(found: String)
    /// C0203: the organisation file has no 'units'.
    case missingUnits
    /// C0203: 'units' is an empty list.
    case noUnits
    /// C0203: a unit has no 'id'.
    case unitWithoutID
    /// C0203: a unit has no 'name'.
    case unitWithoutName(id: String)
    /// C0203: the scenario file has no 'scenarios'.
    case missingScenarios
    /// C0203: a scenario has no 'name'.
    case scenarioWithoutName
    /// C0203: a hypothetical check-in lacks 'date' or 'value'.
    case checkInWithoutDateOrValue
    /// C0204: a mapping has a key its kind does not allow.
    case unknownKey(String, in: String)
    /// C0205: a unit id is used twice.
    case duplicateUnit(String)
    /// C0206: a unit's parent is not a unit of the file.
    case unknownParent(String, unit: String)
    /// C0207: the units' parents go round in a cycle; `units` lists it from its first member.
    case parentCycle(units: [String])
    /// C0208: an attribute's value is a list or a mapping.
    case attributeNotScalar(name: String, found: String)
    /// C0208: a 'where' selector maps a name to something other than a single value.
    case whereNotScalar
    /// C0209: a mapping names a key twice.
    case duplicateKeys([String])

    public var id: String {
        switch self {
        case .fileNotFound, .fileIsDirectory, .fileUnreadable: "C0001"
        case .emptyCSVFile, .emptyFile: "C0002"
        case .invalidUTF8InCSV, .invalidUTF8: "C0003"
        case .checkInsWithoutKeyResults: "C0004"
        case .checkInsNotChecked: "C0005"
        case .unterminatedQuote: "C0101"
        case .missingColumn: "C0102"
        case .unknownColumn: "C0103"
        case .duplicateColumn: "C0104"
        case .wrongFieldCount: "C0105"
        case .emptyValue, .attributeWithoutValue: "C0106"
        case .textAfterClosingQuote: "C0107"
        case .notANumber: "C0110"
        case .notFiniteNaN: "C0111"
        case .notFiniteInfinite: "C0112"
        case .invalidDate: "C0113"
        case .unknownKeyResultKind: "C0114"
        case .confidenceOutOfRange: "C0115"
        case .cycleEndsBeforeStart: "C0120"
        case .targetEqualsStart: "C0121"
        case .duplicateKeyResult: "C0122"
        case .unknownUnit: "C0123"
        case .objectiveInTwoUnits, .objectiveInAnotherUnitOfTheStore: "C0124"
        case .targetDistanceOverflows: "C0125"
        case .valueDistanceOverflows: "C0126"
        case .unknownKeyResult: "C0130"
        case .duplicateCheckIn: "C0131"
        case .checkInOutsideCycle: "C0132"
        case .invalidYAML: "C0201"
        case .organisationNotAMapping, .unitsNotAList, .unitNotAMapping, .attributeNameNotText, .attributesNotAMapping,
             .notText, .keyNotText, .notAMapping, .scenariosNotAList, .changesNotAList, .checkInsNotAList,
             .keyResultsNotAListOrSelector:
            "C0202"
        case .missingUnits, .noUnits, .unitWithoutID, .unitWithoutName, .missingScenarios, .scenarioWithoutName,
             .checkInWithoutDateOrValue:
            "C0203"
        case .unknownKey: "C0204"
        case .duplicateUnit: "C0205"
        case .unknownParent: "C0206"
        case .parentCycle: "C0207"
        case .attributeNotScalar, .whereNotScalar: "C0208"
        case .duplicateKeys: "C0209"
        }
    }

    public var severity: Severity {
        switch self {
        case .checkInsNotChecked: .note
        case .checkInOutsideCycle: .warning
        default: .error
        }
    }

    public var message: String {
        switch self {
        case .fileNotFound:
            "file must exist and be readable; no such file"
        case .fileIsDirectory:
            "file must be a file, but this is a directory"
        case .fileUnreadable:
            "file must be readable; permission denied or I/O error"
        case .emptyCSVFile(let header):
            "file is empty; expected a header row '\(header)' and data rows"
        case .emptyFile(let expecting):
            "file is empty; expected \(expecting)"
        case .invalidUTF8InCSV(let byte):
            String(format: "file must be UTF-8 text; byte 0x%02X is not valid UTF-8", byte)
        case .invalidUTF8(let byte):
            "file must be UTF-8 text; byte 0x\(String(byte, radix: 16, uppercase: true)) is not valid UTF-8"
        case .checkInsWithoutKeyResults:
            "check-ins must be read with their key results (--krs)"
        case .checkInsNotChecked:
            "check-ins not checked because the key-result file has errors"
        case .unterminatedQuote:
            "quoted field must end with a closing quote"
        case .missingColumn(let column):
            "missing column '\(column)'"
        case .unknownColumn(let name):
            "unknown column '\(name.isEmpty ? "(empty)" : name)'"
        case .duplicateColumn(let name):
            "column '\(name)' must appear once in the header"
        case .wrongFieldCount(let expected, let found):
            "row must have \(expected) \(expected == 1 ? "field" : "fields") like the header, found \(found)"
        case .emptyValue(let key):
            "'\(key)' must not be empty"
        case .attributeWithoutValue(let name):
            "attribute '\(name)' must have a value"
        case .textAfterClosingQuote:
            "closing quote must be followed by a comma or the end of the line"
        case .notANumber(let column, let found):
            "'\(column)' must be a number, found '\(found)'"
        case .notFiniteNaN(let column, let found):
            "'\(column)' must be a finite number, found '\(found)' (not a number)"
        case .notFiniteInfinite(let column, let found):
            "'\(column)' must be a finite number, found '\(found)' (infinite or too large)"
        case .invalidDate(let column, let found):
            "'\(column)' must be an ISO-8601 date YYYY-MM-DD, found '\(found)'"
        case .unknownKeyResultKind(let found):
            "'kind' must be one of \(KeyResultKind.allCases.map(\.rawValue).joined(separator: ", ")), found '\(found)'"
        case .confidenceOutOfRange(let found):
            "'confidence' must be between 0 and 10, found \(found)"
        case .cycleEndsBeforeStart(let start, let end):
            "cycle must end after it starts, but \(end) is not after \(start)"
        case .targetEqualsStart(let value):
            "target must differ from start, both are \(LoaderChecks.format(value))"
        case .duplicateKeyResult(let id):
            "key result '\(id)' must be defined once"
        case .unknownUnit(let id, let inStore):
            "unknown unit '\(id)'; a key result's unit must be in the organisation \(inStore ? "the store holds" : "file")"
        case .objectiveInTwoUnits(let objective, let unit):
            "objective '\(objective)' must belong to one unit, but this row puts it in '\(unit)'"
        case .objectiveInAnotherUnitOfTheStore(let objective, let unit, let storeUnit):
            "objective '\(objective)' must belong to one unit, but this row puts it in '\(unit)' and the store holds it in '\(storeUnit)'"
        case .targetDistanceOverflows(let target, let start):
            "the distance from start to target must be a finite number, but \(LoaderChecks.format(target)) − \(LoaderChecks.format(start)) overflows"
        case .valueDistanceOverflows(let value, let start):
            "the distance from start to this value must be a finite number, but \(LoaderChecks.format(value)) − \(LoaderChecks.format(start)) overflows"
        case .unknownKeyResult(let id, let inStore):
            "check-in must report on a known key result; '\(id)' is not in \(inStore ? "the store" : "the key-result file")"
        case .duplicateCheckIn(let keyResult, let date):
            "key result '\(keyResult)' must have one check-in per date, found a second on \(date)"
        case .checkInOutsideCycle(let keyResult, let cycle, let date):
            "check-in should fall inside the cycle of '\(keyResult)' (\(cycle.start) to \(cycle.end)), found \(date)"
        case .invalidYAML(let problem):
            "file must be valid YAML or JSON: \(problem)"
        case .organisationNotAMapping(let found):
            "organisation file must be a mapping with 'units', found \(found)"
        case .unitsNotAList(let found):
            "'units' must be a list of units, found \(found)"
        case .unitNotAMapping(let found):
            "each unit must be a mapping with 'id' and 'name', found \(found)"
        case .attributeNameNotText(let found):
            "attribute names must be text" + (found.map { ", found \($0)" } ?? "")
        case .attributesNotAMapping(let found):
            "'attributes' must be a mapping of names to values, found \(found)"
        case .notText(let key, let found):
            "'\(key)' must be a text value, found \(found)"
        case .keyNotText(let what, let found):
            "keys of \(what) must be text, found \(found)"
        case .notAMapping(let what, let found):
            "\(what) must be a mapping, found \(found)"
        case .scenariosNotAList(let found):
            "'scenarios' must be a non-empty list of scenarios, found \(found)"
        case .changesNotAList(let found):
            "'changes' must be a list of changes, found \(found)"
        case .checkInsNotAList(let found):
            "'checkins' must be a list of {date, value, confidence}, found \(found)"
        case .keyResultsNotAListOrSelector(let found):
            "'krs' must be a list of key-result ids or a selector {unit|subtree|owner: …}, found \(found)"
        case .missingUnits:
            "organisation file must have 'units', a list of units"
        case .noUnits:
            "'units' must list at least one unit"
        case .unitWithoutID:
            "unit must have an 'id'"
        case .unitWithoutName(let id):
            "unit '\(id)' must have a 'name'"
        case .missingScenarios:
            "scenario file must have 'scenarios', a list of scenarios"
        case .scenarioWithoutName:
            "each scenario must have a 'name'"
        case .checkInWithoutDateOrValue:
            "a check-in must have 'date' and 'value'"
        case .unknownKey(let key, let what):
            "unknown key '\(key)' in \(what)"
        case .duplicateUnit(let id):
            "unit id '\(id)' must be unique"
        case .unknownParent(let parent, let unit):
            "parent '\(parent)' of unit '\(unit)' must be a unit of this file"
        case .parentCycle(let units):
            "units must form a tree, but parents go round in a cycle: \((units + units.prefix(1)).map { "'\($0)'" }.joined(separator: " → "))"
        case .attributeNotScalar(let name, let found):
            "attribute '\(name)' must have a single value (text, number or true/false), found \(found)"
        case .whereNotScalar:
            "'where' must map attribute names to single values"
        case .duplicateKeys(let keys):
            "a key must appear once in a mapping; \(keys.map { "'\($0)'" }.joined(separator: ", ")) appears more than once"
        }
    }

    /// The id of the problems reading a file at all (`fileNotFound`, `fileIsDirectory`,
    /// `fileUnreadable`), to tell them from problems with what a file holds.
    public static var unreadableFileID: String { CoreDiagnostic.fileNotFound.id }
}
