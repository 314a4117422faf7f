import TandemCore

/// A scenario file: named lists of changes, each applied to the same baseline as of one date.
/// See `ScenarioLoader` for the format.
public struct ScenarioFile: Sendable {
    public var path: String
    /// The baseline day given in the file (`as_of`), when it gives one.
    public var asOf: Day?
    public var asOfLocation: SourceLocation?
    /// Smallest move of P(success) worth listing.
    public var threshold: Double?
    /// Latent correlation between the key results of one objective (and of one unit), 0 ≤ ρ < 1.
    public var correlation: Double?
    public var scenarios: [Scenario]

    /// The largest magnitude a number in a scenario file may have (10^15).
    public static let largestNumber = 1e15
}

/// One named what-if: changes to unit attributes, the policy, and key results.
public struct Scenario: Sendable {
    public var name: String
    public var description: String?
    public var location: SourceLocation
    /// A replacement policy file, as written, and where.
    public var policy: (path: String, location: SourceLocation)?
    public var attributeChanges: [AttributeChange]
    public var keyResultChanges: [KeyResultChange]
}

/// Which units a change applies to.
public enum UnitSelector: Sendable, CustomStringConvertible {
    /// One unit.
    case unit(String)
    /// A unit and every unit below it.
    case subtree(String)
    /// Every unit below a unit, not the unit itself.
    case descendants(String)
    /// Every unit whose resolved attributes have these values (`layer: back`).
    case matching([(name: String, value: String, location: SourceLocation)])
    /// Every unit.
    case all

    public var description: String {
        switch self {
        case .unit(let id): "unit \(id)"
        case .subtree(let id): "\(id) and every unit below it"
        case .descendants(let id): "every unit below \(id)"
        case .matching(let pairs): "every unit with " + pairs.map { "\($0.name) = \($0.value)" }.joined(separator: " and ")
        case .all: "every unit"
        }
    }
}

/// Set or shift attributes on the selected units. A value set on a unit is inherited by the
/// units below it that do not set their own, as in the organisation file.
public struct AttributeChange: Sendable {
    public var units: UnitSelector
    public var unitsLocation: SourceLocation
    /// Attribute name, value as written (with its location in the scenario file).
    public var set: [(name: String, value: AttributeValue)]
    /// Attribute name, steps (levels) or amount (numbers), and where.
    public var shift: [(name: String, by: Double, location: SourceLocation)]
}

/// Which key results a change applies to.
public enum KeyResultSelector: Sendable, CustomStringConvertible {
    case ids([(id: String, location: SourceLocation)])
    /// The open key results of a unit, or of a unit and every unit below it.
    case unit(String, subtree: Bool)
    case owner(String)

    public var description: String {
        switch self {
        case .ids(let list): list.count == 1 ? list[0].id : "\(list.count) key results"
        case .unit(let id, let subtree): subtree ? "the open key results of \(id) and the units below it" : "the open key results of \(id)"
        case .owner(let name): "the open key results owned by \(name)"
        }
    }
}

/// Changes to key results: target, deadline, kind, pace from now on, hypothetical check-ins.
public struct KeyResultChange: Sendable {
    public enum Deadline: Sendable {
        case shift(days: Int)
        case date(Day)
    }
    public struct HypotheticalCheckIn: Sendable {
        public var date: Day
        public var value: Double
        public var confidence: Double?
        public var location: SourceLocation
    }

    public var keyResults: KeyResultSelector
    public var location: SourceLocation
    public var target: (value: Double, location: SourceLocation)?
    public var deadline: (change: Deadline, location: SourceLocation)?
    public var kind: (kind: KeyResultKind, location: SourceLocation)?
    public var pace: (multiplier: Double, location: SourceLocation)?
    public var checkIns: [HypotheticalCheckIn]
}
