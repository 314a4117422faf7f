import TandemCore

/// The catalogue of TandemImport's diagnostics (ids `I…`): reading other tools' exports and
/// the mapping files that describe them.
///
/// I00xx are about the file as a whole and its shape, I01xx about values, I02xx about where the
/// key results go in the organisation.
public enum ImportDiagnostic: DiagnosticMessage {
    /// I0001: the export lacks a column the format needs.
    case missingColumn(String, format: String)
    /// I0002: a JSON export is not shaped as the format's documentation says.
    case unexpectedShape(expected: String, found: String)
    /// I0003: a mapping names a column the file does not have.
    case mappedColumnMissing(String, role: String)
    /// I0004: the mapping file lacks a role every key result needs.
    case mappingLacks(role: String)
    /// I0005: a mapping setting has a value it does not take.
    case badSetting(key: String, found: String, expected: String)
    /// I0101: a value is not a number as the export writes numbers.
    case notANumber(field: String, found: String, reading: String)
    /// I0102: a value is not a date in any of the formats tried.
    case notADate(field: String, found: String, formats: String)
    /// I0103: a required value is empty.
    case emptyValue(field: String)
    /// I0104: two records define one key result differently.
    case conflictingKeyResult(id: String, field: String, first: String, found: String)
    /// I0105: a value transform cannot be applied.
    case unmappedValue(field: String, found: String, known: String)
    /// I0106: a text holds a NUL character, which no store keeps.
    case nulCharacter(field: String)
    /// I0201: `--unit` or `--parent` names a unit the store does not hold.
    case unknownUnit(String)
    /// I0202: company-wide goals, and no single root unit to give them to.
    case companyWithoutRoot(roots: Int)
    /// I0203: a goal has no unit of its own, and no `--unit` says where it goes.
    case noUnit(what: String)

    public var id: String {
        switch self {
        case .missingColumn: "I0001"
        case .unexpectedShape: "I0002"
        case .mappedColumnMissing: "I0003"
        case .mappingLacks: "I0004"
        case .badSetting: "I0005"
        case .notANumber: "I0101"
        case .notADate: "I0102"
        case .emptyValue: "I0103"
        case .conflictingKeyResult: "I0104"
        case .unmappedValue: "I0105"
        case .nulCharacter: "I0106"
        case .unknownUnit: "I0201"
        case .companyWithoutRoot: "I0202"
        case .noUnit: "I0203"
        }
    }

    public var severity: Severity { .error }

    public var message: String {
        switch self {
        case let .missingColumn(name, format): "a \(format) export must have a column '\(name)'"
        case let .unexpectedShape(expected, found): "expected \(expected), found \(found)"
        case let .mappedColumnMissing(name, role): "the mapping reads \(role) from column '\(name)', which the file does not have"
        case let .mappingLacks(role): "the mapping must say where \(role) comes from"
        case let .badSetting(key, found, expected): "'\(key)' must be \(expected), found '\(found)'"
        case let .notANumber(field, found, reading): "'\(field)' must be a number (\(reading)), found '\(found)'"
        case let .notADate(field, found, formats): "'\(field)' must be a date (\(formats)), found '\(found)'"
        case let .emptyValue(field): "'\(field)' must not be empty"
        case let .conflictingKeyResult(id, field, first, found): "key result '\(id)' has \(field) '\(first)' in an earlier record and '\(found)' here"
        case let .unmappedValue(field, found, known): "'\(field)' has '\(found)', which the mapping does not translate (it knows \(known))"
        case let .nulCharacter(field): "'\(field)' must not hold a NUL character (no store keeps one)"
        case let .unknownUnit(unit): "no unit '\(unit)' in the store"
        case let .companyWithoutRoot(roots): "company-wide goals go to the store's root unit, and the store has \(roots == 0 ? "no units" : "\(roots) roots")"
        case let .noUnit(what): "\(what) has no unit (a team or department) of its own"
        }
    }
}
