import Foundation
import TandemCore
import TandemForecast
import TandemPolicy

/// What the weekly run found for one open key result.
public struct Observation: Sendable, Codable {
    public var keyResultID: String
    public var unitID: String
    public var owner: String?
    public var title: String
    public var pSuccess: Double
    public var progress: Double
    public var elapsed: Double
    /// The worst severity among the alert rules that fire, nil when none does.
    public var severity: AlertSeverity?
    /// Titles of the rules that fire.
    public var rules: [String]
    /// The facts behind them, in plain words with the numbers.
    public var reasons: String
}

/// An open key result a run could not forecast, and why.
public struct SkippedKeyResult: Sendable, Codable {
    public var keyResultID: String
    public var unitID: String
    public var reason: String
}

/// The decision for one unit in a run.
public struct UnitDecision: Sendable, Codable {
    public var unitID: String
    /// Nil when no row decides the unit.
    public var mode: Mode?
    public var outcome: Outcome?
    public var lean: Double
}

/// Every unit decided: the decisions in the organisation's order, and each decided unit's mode.
public struct UnitDecisions: Sendable {
    public var decisions: [UnitDecision]
    public var modeOfUnit: [String: Mode]
}

/// One week's run: decide every unit, forecast every open key result, evaluate the alert rules.
public struct WeeklyRun: Sendable {
    public var day: Day
    public var decisions: [UnitDecision]
    public var observations: [Observation]
    /// Open key results the run could not forecast (their numbers overflow), with why; the run
    /// goes on for the others and records none of them.
    public var skipped: [SkippedKeyResult] = []

    /// Runs as of `day`.
    ///
    /// - Parameters:
    ///   - previous: each key result's P(success) at the previous run, with that run's day, for
    ///     `kr.p_success_change` and the "fell from … since …" reason.
    ///   - progress: called with (done, total) while forecasting, for a progress bar.
    public static func run(dataset: Dataset, policy: CompiledPolicy, binding: OrganisationBinding, model: ForecastModel,
                           day: Day, previous: [String: Double], previousDay: Day?,
                           progress: ((Int, Int) -> Void)? = nil) -> WeeklyRun {
        let decided = decideAll(policy: policy, binding: binding)
        let (decisions, modeOfUnit) = (decided.decisions, decided.modeOfUnit)
        // Forecast the open key results and evaluate the alert rules.
        let history = History(dataset)
        let krs = dataset.keyResults.keyResults
        let open = krs.indices.filter { !krs[$0].isClosed && krs[$0].cycle.start <= day && day <= krs[$0].cycle.end }
        var observations: [Observation] = []
        var skipped: [SkippedKeyResult] = []
        observations.reserveCapacity(open.count)
        let alerts = AlertEvaluator(policy: policy, binding: binding, modeOfUnit: modeOfUnit)
        for (n, k) in open.enumerated() {
            if n % 4096 == 0 { progress?(n, open.count) }
            let s = history.snapshot(k, asOf: day)
            let p = model.probability(s)
            guard p.isFinite, s.progress.isFinite, s.elapsed.isFinite else {
                skipped.append(SkippedKeyResult(keyResultID: krs[k].id, unitID: krs[k].unitID,
                                                reason: "its progress cannot be computed from start \(krs[k].startValue), target \(krs[k].targetValue) and its check-ins (the numbers overflow); fix them and import again"))
                continue
            }
            observations.append(alerts.observe(krs[k], s, p: p, before: previous[krs[k].id], previousDay: previousDay))
        }
        progress?(open.count, open.count)
        return WeeklyRun(day: day, decisions: decisions, observations: observations, skipped: skipped)
    }
}

extension WeeklyRun {
    /// Decides every unit; returns the decisions and each decided unit's mode.
    public static func decideAll(policy: CompiledPolicy, binding: OrganisationBinding) -> UnitDecisions {
        var decisions: [UnitDecision] = []
        decisions.reserveCapacity(binding.organisation.units.count)
        var modeOfUnit: [String: Mode] = [:]
        for (u, unit) in binding.organisation.units.enumerated() {
            let d = binding.values(ofUnit: u).withUnsafeBufferPointer { policy.decide($0) }
            let outcome = policy.outcome(of: d)
            decisions.append(UnitDecision(unitID: unit.id, mode: outcome?.mode, outcome: outcome, lean: d.lean))
            if let m = outcome?.mode { modeOfUnit[unit.id] = m }
        }
        return UnitDecisions(decisions: decisions, modeOfUnit: modeOfUnit)
    }
}

/// Evaluates a policy's alert rules on key results: their facts, the rules that fire, and the
/// reasons in words.
public struct AlertEvaluator: Sendable {
    public let policy: CompiledPolicy
    public let binding: OrganisationBinding
    /// Each unit's decided mode (the `mode` fact).
    public let modeOfUnit: [String: Mode]

    public init(policy: CompiledPolicy, binding: OrganisationBinding, modeOfUnit: [String: Mode]) {
        self.policy = policy
        self.binding = binding
        self.modeOfUnit = modeOfUnit
    }

    /// The observation of one key result from its snapshot and P(success).
    ///
    /// - Parameters:
    ///   - s: its snapshot; the `kind` fact is read from it (a what-if may change the kind).
    ///   - before: its P(success) at the previous run, for `kr.p_success_change`.
    ///   - previousDay: the day of that run, for the "fell from … since …" reason.
    ///   - withReasons: whether to put the facts into words when a rule fires (the ledger needs
    ///     them; a what-if needs them only for the alerts that change).
    public func observe(_ kr: KeyResult, _ s: Snapshot, p: Double, before: Double?, previousDay: Day?,
                        withReasons: Bool = true) -> Observation {
        let day = s.day
        let pace = Pace(s).ratio
        let daysSince = s.daysSinceCheckIn ?? kr.cycle.start.distance(to: day)
        let mode = modeOfUnit[kr.unitID]
        // One value per fact, in `KeyResultFact`'s case order; NaN when unknown.
        let facts: [Double] = KeyResultFact.allCases.map { fact in
            switch fact {
            case .pSuccess: p
            case .pSuccessChange: before.map { p - $0 } ?? .nan
            case .progress: s.progress
            case .expectedProgress: s.expectedProgress
            case .elapsed: s.elapsed
            case .daysSinceCheckIn: Double(daysSince)
            case .checkIns: Double(s.checkIns)
            case .confidence: s.confidence ?? .nan
            case .confidenceChange: s.confidence.flatMap { c in s.previousConfidence.map { c - $0 } } ?? .nan
            case .pace: pace
            case .kind: Double(KeyResultKind.allCases.firstIndex(of: s.kind) ?? 0)
            case .mode: mode.flatMap { Mode.allCases.firstIndex(of: $0) }.map(Double.init) ?? .nan
            }
        }
        var firing: [Int] = []
        if let u = binding.organisation.index[kr.unitID] {
            let values = binding.values(ofUnit: u)
            firing = values.withUnsafeBufferPointer { a in facts.withUnsafeBufferPointer { f in policy.firingAlerts(attributes: a, facts: f) } }
        }
        let rules = firing.map { policy.policy.alerts[$0] }
        let severity = rules.map(\.severity).max()
        var reasons = ""
        if severity != nil && withReasons {
            var parts: [String] = []
            if let before, let previousDay, before - p >= 0.05 {
                parts.append("P(success) fell from \(fmt2(before)) to \(fmt2(p)) since \(previousDay)")
            } else {
                parts.append("P(success) \(fmt2(p))")
            }
            parts.append("progress \(pct(s.progress)) where a straight line would be at \(pct(s.expectedProgress))")
            if s.progress < s.threshold && s.elapsed > 0.05 {
                parts.append("pace is \(String(format: "%.1f", max(0, pace)))× what the target needs")
            }
            if daysSince >= 10 { parts.append(s.daysSinceCheckIn == nil ? "no check-in yet (\(daysSince) days into the cycle)" : "no check-in for \(daysSince) days") }
            if let c = s.confidence, let pc = s.previousConfidence, c < pc { parts.append("confidence fell from \(Int(pc)) to \(Int(c))") }
            reasons = parts.joined(separator: "; ")
        }
        return Observation(keyResultID: kr.id, unitID: kr.unitID, owner: kr.owner, title: kr.title, pSuccess: p,
                           progress: s.progress, elapsed: s.elapsed, severity: severity, rules: rules.map(\.title),
                           reasons: reasons)
    }
}

func fmt2(_ x: Double) -> String { String(format: "%.2f", x) }
func pct(_ x: Double) -> String { x.percentText }
