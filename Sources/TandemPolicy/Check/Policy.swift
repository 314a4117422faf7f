import TandemCore

/// The length of a KPI or OKR cycle: a closed set.
public enum CycleLength: String, Sendable, Hashable, Codable, CaseIterable {
    case monthly, bimonthly, quarterly, annual
}

/// How OKR scores feed into pay.
public enum PayLink: Sendable, Hashable, Codable, CustomStringConvertible {
    /// OKR is a progress record; appraisal uses another system.
    case separate
    /// The OKR score is this share (0–1) of the appraisal.
    case partial(Double)
    /// The appraisal is the score.
    case full

    public var description: String {
        switch self {
        case .separate: "separate"
        case .partial(let share): "partial(\(PolicyFormat.number((share * 100 * 1e6).rounded() / 1e6))%)"
        case .full: "full"
        }
    }
}

/// How the system is introduced.
public enum Rollout: String, Sendable, Hashable, Codable, CaseIterable {
    case full, pilot, project
}

/// A decision's outcome: the mode and its parameters, defaults filled in.
public struct Outcome: Sendable, Hashable, Codable, CustomStringConvertible {
    public var mode: Mode
    /// KPI cycle (kpi and hybrid).
    public var kpiCycle: CycleLength?
    /// OKR cycle (okr and hybrid).
    public var okrCycle: CycleLength?
    /// Share of committed key results, 0–1 (okr and hybrid); the rest are aspirational.
    public var committedShare: Double?
    public var pay: PayLink?
    public var rollout: Rollout
    /// Hybrid weights, 0–1, summing to 1.
    public var kpiWeight: Double?
    public var okrWeight: Double?

    /// The outcome as it would be written in a policy.
    public var description: String {
        var parts: [String] = []
        func pct(_ x: Double) -> String { PolicyFormat.number((x * 100 * 1e6).rounded() / 1e6) + "%" }
        switch mode {
        case .kpi:
            parts.append("cycle: \(kpiCycle?.rawValue ?? "quarterly")")
        case .okr:
            parts.append("cycle: \(okrCycle?.rawValue ?? "quarterly")")
            if let c = committedShare { parts.append("committed: \(pct(c))") }
        case .hybrid:
            if let k = kpiWeight, let o = okrWeight { parts += ["kpi: \(pct(k))", "okr: \(pct(o))"] }
            parts.append("kpi_cycle: \(kpiCycle?.rawValue ?? "quarterly")")
            parts.append("okr_cycle: \(okrCycle?.rawValue ?? "quarterly")")
            if let c = committedShare { parts.append("committed: \(pct(c))") }
        }
        if let pay { parts.append("pay: \(pay)") }
        parts.append("rollout: \(rollout.rawValue)")
        return "\(mode.rawValue)(\(parts.joined(separator: ", ")))"
    }
}

/// A named set of symbolic values: the levels of a level attribute (ordered), the values of an
/// enumeration, or a built-in set such as key-result kinds.
public struct SymbolSet: Sendable, Hashable {
    public var name: String
    public var values: [String]
    public var ordered: Bool

    public func index(of value: String) -> Int? { values.firstIndex(of: value) }

    /// `low < medium < high` or `a | b | c`.
    public var listing: String { values.joined(separator: ordered ? " < " : " | ") }
}

/// The type of an expression.
public enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case boolean
    case number
    case symbol(SymbolSet)

    public var description: String {
        switch self {
        case .boolean: "a yes/no value"
        case .number: "a number"
        case .symbol(let set): set.ordered ? "a level of '\(set.name)'" : "a value of '\(set.name)'"
        }
    }
}

/// An attribute of the schema.
public struct AttributeDefinition: Sendable {
    public enum Kind: Sendable, Hashable {
        case level([String])
        case enumeration([String])
        case number(min: Double?, max: Double?)
        case boolean
    }

    public var name: String
    public var kind: Kind
    /// Default when a unit (and its ancestors) does not set it, encoded as a slot value.
    public var defaultValue: Double?
    /// Whether what-if and counterfactuals may change it.
    public var changeable: Bool
    public var description: String?
    public var location: SourceLocation

    public var type: ValueType {
        switch kind {
        case .level(let v): .symbol(SymbolSet(name: name, values: v, ordered: true))
        case .enumeration(let v): .symbol(SymbolSet(name: name, values: v, ordered: false))
        case .number: .number
        case .boolean: .boolean
        }
    }

    /// The slot value as written in a policy or an organisation file.
    public func display(_ value: Double) -> String {
        switch kind {
        case .level(let v), .enumeration(let v):
            let i = Int(value)
            return i >= 0 && i < v.count ? v[i] : "?"
        case .boolean: return value != 0 ? "true" : "false"
        case .number: return PolicyFormat.number(value)
        }
    }
}

/// A checked condition, kept with its source text and split into its top-level conjuncts so
/// that explanations can say which part failed.
public struct Condition: Sendable {
    public var text: String
    var expression: CheckedExpression
    public var conjuncts: [(text: String, expression: CheckedExpression)]
}

/// A checked, typed expression over slots (attributes, derived values, lean) and key-result facts.
public indirect enum CheckedExpression: Sendable {
    case constant(Double)
    case slot(Int)
    case fact(KeyResultFact)
    case not(CheckedExpression)
    case negate(CheckedExpression)
    case and(CheckedExpression, CheckedExpression)
    case or(CheckedExpression, CheckedExpression)
    case compare(ComparisonOperator, CheckedExpression, CheckedExpression)
    case arithmetic(ArithmeticOperator, CheckedExpression, CheckedExpression)
    case member(CheckedExpression, [Double])
}

public enum ComparisonOperator: String, Sendable { case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=" }
public enum ArithmeticOperator: String, Sendable { case add = "+", sub = "-", mul = "*" }

/// The facts about a key result that alert rules may use.
public enum KeyResultFact: String, Sendable, CaseIterable {
    case pSuccess = "kr.p_success"
    case pSuccessChange = "kr.p_success_change"
    case progress = "kr.progress"
    case expectedProgress = "kr.expected_progress"
    case elapsed = "kr.elapsed"
    case daysSinceCheckIn = "kr.days_since_checkin"
    case checkIns = "kr.checkins"
    case confidence = "kr.confidence"
    case confidenceChange = "kr.confidence_change"
    case pace = "kr.pace"
    case kind = "kr.kind"
    case mode = "unit.mode"

    var type: ValueType {
        switch self {
        case .kind: .symbol(SymbolSet(name: "kr.kind", values: KeyResultKind.allCases.map(\.rawValue), ordered: false))
        case .mode: .symbol(SymbolSet(name: "unit.mode", values: Mode.allCases.map(\.rawValue), ordered: false))
        default: .number
        }
    }

    var meaning: String {
        switch self {
        case .pSuccess: "forecast probability of success, 0–1"
        case .pSuccessChange: "change of that probability since the previous run"
        case .progress: "progress toward the target (1 = reached)"
        case .expectedProgress: "progress a straight line from start to deadline would have reached"
        case .elapsed: "share of the cycle elapsed, 0–1"
        case .daysSinceCheckIn: "days since the last check-in"
        case .checkIns: "number of check-ins so far"
        case .confidence: "the owner's latest confidence, 0–10"
        case .confidenceChange: "latest confidence minus the previous one"
        case .pace: "observed pace over the pace the target needs"
        case .kind: "committed, aspirational or kpi"
        case .mode: "the unit's decided mode: kpi, okr or hybrid"
        }
    }
}

public enum EvidenceDirection: String, Sendable { case okr, kpi }

public struct EvidenceRule: Sendable {
    public var condition: Condition
    public var direction: EvidenceDirection
    public var weight: Double
    public var reason: String
    public var source: String?
    public var location: SourceLocation
    /// Contribution to the lean score when it fires: +weight toward OKR, −weight toward KPI.
    public var signedWeight: Double { direction == .okr ? weight : -weight }
}

public enum HitPolicy: String, Sendable, CaseIterable { case unique, first, priority }

public struct DecisionRow: Sendable {
    /// `nil` for `otherwise`.
    public var condition: Condition?
    public var outcome: Outcome
    public var priority: Double?
    public var reason: String?
    public var location: SourceLocation
    /// Source text of the row's outcome.
    public var outcomeText: String
}

public struct Override: Sendable {
    public var title: String?
    public var condition: Condition
    public var outcome: Outcome
    public var reason: String
    public var source: String?
    public var location: SourceLocation
}

public struct AlertRule: Sendable {
    public var title: String
    public var severity: AlertSeverity
    public var condition: Condition
    public var reason: String?
    public var location: SourceLocation
}

/// What an expectation requires of the decision: a mode and, optionally, some parameters.
public struct ExpectedOutcome: Sendable {
    public var mode: Mode
    public var kpiCycle: CycleLength?
    public var okrCycle: CycleLength?
    public var committedShare: Double?
    public var pay: PayLink?
    public var rollout: Rollout?
    public var kpiWeight: Double?
    public var okrWeight: Double?
    public var text: String

    /// Whether an actual outcome has this mode and every parameter given here.
    public func matches(_ o: Outcome) -> Bool {
        func same(_ a: Double?, _ b: Double?) -> Bool { a == nil || (b != nil && abs(a! - b!) < 1e-9) }
        return o.mode == mode && (kpiCycle == nil || kpiCycle == o.kpiCycle) && (okrCycle == nil || okrCycle == o.okrCycle)
            && same(committedShare, o.committedShare) && (pay == nil || pay == o.pay) && (rollout == nil || rollout == o.rollout)
            && same(kpiWeight, o.kpiWeight) && same(okrWeight, o.okrWeight)
    }
}

public struct Expectation: Sendable {
    public var title: String
    /// Slot values of the example unit, one per attribute (defaults filled in).
    public var values: [Double]
    public var expected: ExpectedOutcome
    public var location: SourceLocation
}

/// A checked policy: every name resolved, every type and outcome checked.
public struct Policy: Sendable {
    public var name: String
    public var version: String?
    public var path: String
    public var attributes: [AttributeDefinition]
    public var derived: [(name: String, type: ValueType, expression: CheckedExpression, location: SourceLocation)]
    public var evidence: [EvidenceRule]
    public var hitPolicy: HitPolicy
    public var rows: [DecisionRow]
    public var overrides: [Override]
    public var alerts: [AlertRule]
    public var expectations: [Expectation]

    /// Slot of the lean score: after the attributes and derived values.
    public var leanSlot: Int { attributes.count + derived.count }
    public var slotCount: Int { leanSlot + 1 }

    public func attributeIndex(_ name: String) -> Int? { attributes.firstIndex { $0.name == name } }
}
