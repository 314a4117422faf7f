import TandemCore
import TandemPolicy

/// The catalogue of what-if scenario diagnostics (ids `S…`): S01xx the shape of a scenario file
/// (`ScenarioLoader`), S02xx a scenario checked against the baseline (`WhatIfEngine.apply`).
///
/// A scenario file's YAML problems shared with other files (a mapping expected, a key missing)
/// are `CoreDiagnostic`s.
public enum ScenarioDiagnostic: DiagnosticMessage {
    // MARK: The scenario file (S01xx)

    /// S0101: a value that must be a number is not a finite number.
    case notANumber(key: String, found: String)
    /// S0102: a value that must be a date is not a date.
    case notADate(key: String, found: String)
    /// S0103: 'threshold' is outside 0 to 1.
    case thresholdOutOfRange(found: String)
    /// S0104: 'correlation' is outside [0, 1).
    case correlationOutOfRange(found: String)
    /// S0105: two scenarios have the same name.
    case duplicateScenarioName(String)
    /// S0106: a scenario changes nothing.
    case scenarioChangesNothing(String)
    /// S0107: a change names both units and key results, or neither.
    case changeNeedsUnitsOrKeyResults
    /// S0108: a change to units gives a key-result key.
    case keyResultKeyInUnitChange(String)
    /// S0108: a change to key results gives a unit key.
    case unitKeyInKeyResultChange(String)
    /// S0109: a change to units sets and shifts nothing.
    case emptyUnitChange
    /// S0109: a change to key results changes nothing.
    case emptyKeyResultChange
    /// S0110: 'deadline' moves by more than a century.
    case deadlineShiftTooLarge(found: String)
    /// S0110: 'deadline' is neither a shift in days nor a date.
    case invalidDeadline(found: String)
    /// S0111: 'kind' is not one of `KeyResultKind`'s.
    case unknownKind(found: String)
    /// S0112: 'pace' is outside (0, 20].
    case paceOutOfRange(found: String)
    /// S0113: a hypothetical check-in's confidence is outside 0 to 10.
    case confidenceOutOfRange(found: String)
    /// S0114: 'units' names no selector or several.
    case ambiguousUnitSelector
    /// S0114: a change gives both 'kr' and 'krs'.
    case keyResultsNamedTwice
    /// S0114: 'krs' is an empty list.
    case emptyKeyResultList
    /// S0114: 'krs' names no selector or several.
    case ambiguousKeyResultSelector
    /// S0115: a number lies outside ±10^15.
    case numberTooLarge(key: String, found: String)

    // MARK: A scenario against the baseline (S02xx)

    /// S0201: the policy a scenario brings does not exist.
    case policyFileNotFound(path: String, resolved: String)
    /// S0202: the policy a scenario brings has errors.
    case policyHasErrors(scenario: String)
    /// S0203: a scenario names a unit the organisation does not have.
    case unknownUnit(String)
    /// S0204: a scenario names an attribute the policy's schema does not have.
    case unknownAttribute(String)
    /// S0205: a scenario changes an attribute the policy declares fixed.
    case fixedAttribute(String)
    /// S0206: a scenario shifts an attribute that has no order.
    case unorderedShift(String)
    /// S0208: a hypothetical check-in is dated on or before the baseline day.
    case checkInNotAfterBaseline(baseline: Day, date: Day)
    /// S0208: a hypothetical check-in is dated after its key result's cycle.
    case checkInOutsideCycle(keyResult: String, cycle: Cycle, date: Day)
    /// S0208: a hypothetical check-in falls on a date that already has one.
    case duplicateCheckIn(keyResult: String, date: Day)
    /// S0209: a new deadline is before the cycle's start or the baseline day.
    case deadlineOutOfRange(keyResult: String, deadline: Day, start: Day, baseline: Day)
    /// S0210: a scenario names a key result that is not in the key-result file.
    case unknownKeyResult(String)
    /// S0211: a scenario changes a key result not open on the baseline day (closed, or outside its cycle).
    case keyResultNotOpen(String, baseline: Day, finalValue: Double?, cycle: Cycle)
    /// S0215: a 'where' selector selects no unit.
    case selectsNoUnit(UnitSelector)
    /// S0215: a key-result selector selects no open key result.
    case selectsNoKeyResult(KeyResultSelector, day: Day)
    /// S0216: a new target equals the key result's start value.
    case targetEqualsStart(keyResult: String, start: Double)

    public var id: String {
        switch self {
        case .notANumber: "S0101"
        case .notADate: "S0102"
        case .thresholdOutOfRange: "S0103"
        case .correlationOutOfRange: "S0104"
        case .duplicateScenarioName: "S0105"
        case .scenarioChangesNothing: "S0106"
        case .changeNeedsUnitsOrKeyResults: "S0107"
        case .keyResultKeyInUnitChange, .unitKeyInKeyResultChange: "S0108"
        case .emptyUnitChange, .emptyKeyResultChange: "S0109"
        case .deadlineShiftTooLarge, .invalidDeadline: "S0110"
        case .unknownKind: "S0111"
        case .paceOutOfRange: "S0112"
        case .confidenceOutOfRange: "S0113"
        case .ambiguousUnitSelector, .keyResultsNamedTwice, .emptyKeyResultList, .ambiguousKeyResultSelector: "S0114"
        case .numberTooLarge: "S0115"
        case .policyFileNotFound: "S0201"
        case .policyHasErrors: "S0202"
        case .unknownUnit: "S0203"
        case .unknownAttribute: "S0204"
        case .fixedAttribute: "S0205"
        case .unorderedShift: "S0206"
        case .checkInNotAfterBaseline, .checkInOutsideCycle, .duplicateCheckIn: "S0208"
        case .deadlineOutOfRange: "S0209"
        case .unknownKeyResult: "S0210"
        case .keyResultNotOpen: "S0211"
        case .selectsNoUnit, .selectsNoKeyResult: "S0215"
        case .targetEqualsStart: "S0216"
        }
    }

    public var severity: Severity {
        switch self {
        case .selectsNoUnit, .selectsNoKeyResult: .warning
        default: .error
        }
    }

    public var message: String {
        switch self {
        case .notANumber(let key, let found):
            "'\(key)' must be a number, found \(found)"
        case .notADate(let key, let found):
            "'\(key)' must be a date YYYY-MM-DD, found \(found)"
        case .thresholdOutOfRange(let found):
            "'threshold' must be between 0 and 1 (a move of P(success)), found \(found)"
        case .correlationOutOfRange(let found):
            "'correlation' must be at least 0 and below 1, found \(found)"
        case .duplicateScenarioName(let name):
            "scenario names must be unique; '\(name)' is used twice"
        case .scenarioChangesNothing(let name):
            "scenario '\(name)' must change something: 'changes' or 'policy'"
        case .changeNeedsUnitsOrKeyResults:
            "each change must name either 'units' (with set/shift) or 'kr'/'krs' (with target, deadline, kind, pace, checkins)"
        case .keyResultKeyInUnitChange(let key):
            "'\(key)' changes key results; a change with 'units' may only 'set' or 'shift' attributes"
        case .unitKeyInKeyResultChange(let key):
            "'\(key)' changes unit attributes; a change with 'kr'/'krs' may change target, deadline, kind, pace, checkins"
        case .emptyUnitChange:
            "a change with 'units' must 'set' or 'shift' at least one attribute"
        case .emptyKeyResultChange:
            "a change to key results must give at least one of target, deadline, kind, pace, checkins"
        case .deadlineShiftTooLarge(let found):
            "'deadline' may move by at most 36,500 days (a century) either way, found \(found)"
        case .invalidDeadline(let found):
            "'deadline' must be a shift in days (+14, -7) or a date YYYY-MM-DD, found \(found)"
        case .unknownKind(let found):
            "'kind' must be one of \(KeyResultKind.allCases.map(\.rawValue).joined(separator: ", ")), found \(found)"
        case .paceOutOfRange(let found):
            "'pace' must be a multiplier above 0 and at most 20, found \(found)"
        case .confidenceOutOfRange(let found):
            "'confidence' must be between 0 and 10, found \(found)"
        case .ambiguousUnitSelector:
            "'units' must name one selector: unit, subtree, descendants or where (or be 'all')"
        case .keyResultsNamedTwice:
            "a change names its key results once: 'kr' or 'krs'"
        case .emptyKeyResultList:
            "'krs' must list at least one key result"
        case .ambiguousKeyResultSelector:
            "'krs' must name one selector: unit, subtree or owner (or be a list of ids)"
        case .numberTooLarge(let key, let found):
            "'\(key)' must lie between -10^15 and 10^15, found \(found)"
        case .policyFileNotFound(let path, let resolved):
            "policy file '\(path)' must exist (looked in '\(resolved)' and '\(path)')"
        case .policyHasErrors(let scenario):
            "the policy of scenario '\(scenario)' must check without errors"
        case .unknownUnit(let id):
            "unit '\(id)' must be a unit of the organisation"
        case .unknownAttribute(let name):
            "'\(name)' must be an attribute of the policy's schema"
        case .fixedAttribute(let name):
            "'\(name)' is fixed in the policy and a scenario may not change it"
        case .unorderedShift(let name):
            "'\(name)' has no order to shift along; use 'set' with one of its values"
        case .checkInNotAfterBaseline(let baseline, let date):
            "a hypothetical check-in must be dated after the baseline day \(baseline), found \(date)"
        case .checkInOutsideCycle(let keyResult, let cycle, let date):
            "a check-in of \(keyResult) must fall inside its cycle \(cycle), found \(date)"
        case .duplicateCheckIn(let keyResult, let date):
            "\(keyResult) already has a check-in on \(date)"
        case .deadlineOutOfRange(let keyResult, let deadline, let start, let baseline):
            "the new deadline of \(keyResult), \(deadline), must be after its start \(start) and not before the baseline day \(baseline)"
        case .unknownKeyResult(let id):
            "key result '\(id)' must be in the key-result file"
        case .keyResultNotOpen(let id, let baseline, let finalValue, let cycle):
            "key result '\(id)' must be open on the baseline day \(baseline) to be changed; \(finalValue.map { "it has closed (final value \(PolicyFormat.number($0)))" } ?? "its cycle is \(cycle)")"
        case .selectsNoUnit(let selector):
            "\(selector) selects no unit"
        case .selectsNoKeyResult(let selector, let day):
            "\(selector) selects no open key result on \(day)"
        case .targetEqualsStart(let keyResult, let start):
            "target of \(keyResult) must differ from its start value \(PolicyFormat.number(start))"
        }
    }
}
