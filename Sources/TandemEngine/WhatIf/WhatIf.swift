import Dispatch
import Foundation
import TandemCore
import TandemForecast
import TandemNumerics
import TandemPolicy

/// What a what-if compares against: the organisation, key results and check-ins, the policy and
/// forecast model in force, on one day.
public struct WhatIfBaseline: Sendable {
    public var dataset: Dataset
    public var policy: CompiledPolicy
    public var binding: OrganisationBinding
    public var model: ForecastModel
    public var day: Day
    /// Each key result's P(success) at the previous recorded run, for the alert rules on its change.
    public var previous: [String: Double]
    public var previousDay: Day?

    public init(dataset: Dataset, policy: CompiledPolicy, binding: OrganisationBinding, model: ForecastModel, day: Day,
                previous: [String: Double] = [:], previousDay: Day? = nil) {
        self.dataset = dataset
        self.policy = policy
        self.binding = binding
        self.model = model
        self.day = day
        self.previous = previous
        self.previousDay = previousDay
    }
}

/// One side of a comparison, evaluated: every unit decided, every open key result forecast and
/// checked against the alert rules.
public struct WhatIfState: Sendable {
    public var policy: CompiledPolicy
    public var binding: OrganisationBinding
    public var decisions: [UnitDecision]
    /// Parallel to `WhatIfEngine.open`.
    public var snapshots: [Snapshot]
    public var probabilities: [Double]
    /// The alert rules' verdicts, without reasons in words (see `reasons(of:)`).
    public var observations: [Observation]
    /// The alert rules as this side evaluates them.
    public var alerts: AlertEvaluator
    /// Forecast day of each open key result when hypothetical check-ins moved it past the baseline day.
    public var forecastDays: [Int: Day]
    /// What each change did, in words.
    public var changes: [String]
}

/// A scenario applied to the baseline: the organisation, policy and key results it describes.
public struct AppliedScenario: Sendable {
    public var scenario: Scenario
    public var policy: CompiledPolicy
    public var binding: OrganisationBinding
    /// Key results as changed (same order as the baseline's table) and the check-in log with the
    /// hypothetical check-ins; nil when no key result's data changes.
    public var dataset: Dataset?
    /// Per changed key result (index): the day to forecast it as of, and the pace multiplier.
    public var forecastDay: [Int: Day]
    public var pace: [Int: Double]
    /// Per changed key result (index): its kind in the scenario (the table keeps its own kind;
    /// see `ForecastModel.probability(_:pace:kind:)`).
    public var kind: [Int: KeyResultKind]
    /// Key results whose data changed (target, deadline, check-ins): their snapshots and their
    /// peers' are recomputed from `dataset`.
    public var changed: Set<Int>
    public var changes: [String]
}

/// Evaluates scenarios against a baseline: the baseline once, each scenario by reusing what it
/// does not change (snapshots of key results it does not touch are patched, not recomputed).
public struct WhatIfEngine: Sendable {
    public let base: WhatIfBaseline
    public let history: History
    /// Indices of the key results open on the baseline day.
    public let open: [Int]
    public let baseline: WhatIfState

    public init(_ base: WhatIfBaseline) {
        self.base = base
        let history = History(base.dataset)
        self.history = history
        let krs = base.dataset.keyResults.keyResults
        let day = base.day
        let open = krs.indices.filter { !krs[$0].isClosed && krs[$0].cycle.start <= day && day <= krs[$0].cycle.end }
        self.open = open
        let snapshots = parallelMap(open.count) { history.snapshot(open[$0], asOf: day) }
        let decided = WeeklyRun.decideAll(policy: base.policy, binding: base.binding)
        let (decisions, modes) = (decided.decisions, decided.modeOfUnit)
        let model = base.model
        let probabilities = parallelMap(open.count) { model.probability(snapshots[$0]) }
        let alerts = AlertEvaluator(policy: base.policy, binding: base.binding, modeOfUnit: modes)
        let (previous, previousDay) = (base.previous, base.previousDay)
        let observations = parallelMap(open.count) { i in
            alerts.observe(krs[open[i]], snapshots[i], p: probabilities[i], before: previous[krs[open[i]].id], previousDay: previousDay,
                           withReasons: false)
        }
        baseline = WhatIfState(policy: base.policy, binding: base.binding, decisions: decisions, snapshots: snapshots,
                               probabilities: probabilities, observations: observations, alerts: alerts, forecastDays: [:], changes: [])
    }

    /// The observation of open key result `i` (a position in `open`) on one side, with the
    /// reasons in words.
    public func observation(_ i: Int, in state: WhatIfState) -> Observation {
        let kr = base.dataset.keyResults.keyResults[open[i]]
        return state.alerts.observe(kr, state.snapshots[i], p: state.probabilities[i], before: base.previous[kr.id],
                                    previousDay: base.previousDay)
    }

    /// Evaluates an applied scenario.
    public func evaluate(_ applied: AppliedScenario) -> WhatIfState {
        let krs = (applied.dataset ?? base.dataset).keyResults.keyResults
        let decided = WeeklyRun.decideAll(policy: applied.policy, binding: applied.binding)
        let (decisions, modes) = (decided.decisions, decided.modeOfUnit)
        // The forecast reads each unit's current mode and uncertainty from the organisation.
        let context = History.unitContext(applied.binding.organisation)
        let (unitModes, unitUncertainty) = (context.modes, context.uncertainty)
        var recompute = Set<Int>()
        var history = self.history
        if let dataset = applied.dataset {
            history = History(dataset)
            // Changed key results, and those whose peer features read them.
            let position = Dictionary(uniqueKeysWithValues: open.enumerated().map { ($1, $0) })
            for k in applied.changed {
                if let i = position[k] { recompute.insert(i) }
                for j in self.history.peers(of: k) + history.peers(of: k) { if let i = position[j] { recompute.insert(i) } }
            }
        }
        let day = base.day
        let baseSnapshots = baseline.snapshots
        let (recomputed, scenarioHistory) = (recompute, history)
        let open = self.open
        let snapshots: [Snapshot] = parallelMap(open.count) { i in
            let k = open[i]
            var s: Snapshot
            if recomputed.contains(i) {
                s = scenarioHistory.snapshot(k, asOf: applied.forecastDay[k] ?? day)
            } else {
                s = baseSnapshots[i]
                s.mode = unitModes[krs[k].unitID]
                s.uncertainty = unitUncertainty[krs[k].unitID]
            }
            return s
        }
        // A pace multiplier moves P(success) through the trajectory model (see
        // `ForecastModel.probability(_:pace:)`); the alert facts see the scaled pace.
        let model = base.model
        let (pace, kind) = (applied.pace, applied.kind)
        let probabilities = parallelMap(open.count) { i in
            model.probability(snapshots[i], pace: pace[open[i]] ?? 1, kind: kind[open[i]])
        }
        let paced = open.indices.map { i in
            var s = applied.pace[open[i]].map { snapshots[i].withPace($0) } ?? snapshots[i]
            if let kind = applied.kind[open[i]] { s = s.withKind(kind) }
            return s
        }
        let alerts = AlertEvaluator(policy: applied.policy, binding: applied.binding, modeOfUnit: modes)
        let (previous, previousDay) = (base.previous, base.previousDay)
        let observations = parallelMap(open.count) { i in
            alerts.observe(krs[open[i]], paced[i], p: probabilities[i], before: previous[krs[open[i]].id], previousDay: previousDay,
                           withReasons: false)
        }
        var days: [Int: Day] = [:]
        for (k, d) in applied.forecastDay where d != day { days[k] = d }
        return WhatIfState(policy: applied.policy, binding: applied.binding, decisions: decisions, snapshots: paced,
                           probabilities: probabilities, observations: observations, alerts: alerts, forecastDays: days, changes: applied.changes)
    }
}

/// Maps 0..<count on every core, in order.
func parallelMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    guard count > 2048 else { return (0..<count).map(body) }
    let workers = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        nonisolated(unsafe) let out = buffer.baseAddress!
        let share = (count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * share, hi = min(count, lo + share)
            guard lo < hi else { return }
            for i in lo..<hi { (out + i).initialize(to: body(i)) }
        }
        initialized = count
    }
}
