/// The kind of a key result, which sets what counts as success.
public enum KeyResultKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Must be reached in full.
    case committed
    /// A moonshot: 70% counts as achieved, and missing it carries no blame.
    case aspirational
    /// A KPI target: must be reached in full.
    case kpi

    /// Progress at cycle end at or above which the key result counts as achieved: 1.0 for
    /// committed and KPI, 0.7 for aspirational.
    public var successThreshold: Double {
        switch self {
        case .committed, .kpi: 1.0
        case .aspirational: 0.7
        }
    }
}

/// Which way a metric must move: from the order of start and target.
public enum Direction: String, Sendable, Hashable, Codable {
    case increase, decrease
}

/// A cycle (a quarter, a year): first and last day, both included.
public struct Cycle: Sendable, Hashable, Codable, CustomStringConvertible {
    public var start: Day
    public var end: Day

    public init(start: Day, end: Day) {
        self.start = start
        self.end = end
    }

    /// Length in days, both ends included.
    public var days: Int { start.distance(to: end) + 1 }

    /// Whether the day falls inside the cycle.
    public func contains(_ day: Day) -> Bool { day >= start && day <= end }

    /// Share of the cycle elapsed at the end of `day`, clamped to 0…1.
    public func elapsedShare(at day: Day) -> Double {
        min(1, max(0, Double(start.distance(to: day) + 1) / Double(days)))
    }

    public var description: String { "\(start)…\(end)" }
}

/// A key result: a measurable target of an objective, owned by a unit.
///
/// Progress, score and success are defined here, once, for all of Tandem.
public struct KeyResult: Sendable, Hashable, Codable {
    public var id: String
    public var objectiveID: String
    public var unitID: String
    public var title: String
    public var kind: KeyResultKind
    public var startValue: Double
    public var targetValue: Double
    public var cycle: Cycle
    public var owner: String?
    /// The value at cycle end, known once the key result has closed.
    public var finalValue: Double?

    public init(id: String, objectiveID: String, unitID: String, title: String, kind: KeyResultKind,
                startValue: Double, targetValue: Double, cycle: Cycle, owner: String? = nil,
                finalValue: Double? = nil) {
        self.id = id
        self.objectiveID = objectiveID
        self.unitID = unitID
        self.title = title
        self.kind = kind
        self.startValue = startValue
        self.targetValue = targetValue
        self.cycle = cycle
        self.owner = owner
        self.finalValue = finalValue
    }

    /// `decrease` when the target is below the start (churn 8% → 5%).
    public var direction: Direction { targetValue < startValue ? .decrease : .increase }

    /// Whether the final value is known.
    public var isClosed: Bool { finalValue != nil }

    /// Progress of a value toward the target: (value − start) / (target − start). 0 at the start,
    /// 1 at the target, above 1 beyond it, negative when the metric moved the wrong way; the same
    /// formula serves increasing and decreasing metrics.
    ///
    /// - Parameter target: the target in force, when it was re-scoped during the cycle.
    public func progress(of value: Double, target: Double? = nil) -> Double {
        KeyResult.progress(of: value, start: startValue, target: target ?? targetValue)
    }

    /// The OKR score of a value: progress clamped to 0…1.
    public func score(of value: Double, target: Double? = nil) -> Double {
        KeyResult.score(progress: progress(of: value, target: target))
    }

    /// Whether a final progress counts as achieved for this kind.
    public func isSuccess(progress: Double) -> Bool { progress >= kind.successThreshold - 1e-12 }

    /// Whether the closed key result was achieved; `nil` while open.
    public func isSuccess(target: Double? = nil) -> Bool? {
        finalValue.map { isSuccess(progress: progress(of: $0, target: target)) }
    }

    /// (value − start) / (target − start).
    public static func progress(of value: Double, start: Double, target: Double) -> Double {
        (value - start) / (target - start)
    }

    /// Progress clamped to 0…1.
    public static func score(progress: Double) -> Double { min(1, max(0, progress)) }
}

/// An objective: qualitative, carried by a unit, measured by its key results.
public struct Objective: Sendable, Hashable, Codable {
    public var id: String
    public var unitID: String
    /// Ids of its key results, in file order.
    public var keyResultIDs: [String]

    public init(id: String, unitID: String, keyResultIDs: [String]) {
        self.id = id
        self.unitID = unitID
        self.keyResultIDs = keyResultIDs
    }
}

/// A weekly (or irregular) report on a key result.
public struct CheckIn: Sendable, Hashable, Codable {
    public var keyResultID: String
    public var date: Day
    /// The metric's value on that date.
    public var value: Double
    /// The owner's confidence of reaching the target, 0–10, when given.
    public var confidence: Double?
    /// A new target set on this date (scope change), when the key result was re-scoped.
    public var target: Double?

    public init(keyResultID: String, date: Day, value: Double, confidence: Double? = nil, target: Double? = nil) {
        self.keyResultID = keyResultID
        self.date = date
        self.value = value
        self.confidence = confidence
        self.target = target
    }
}
