import Foundation
import TandemCore
import TandemForecast
import TandemNumerics
import TandemPolicy

/// The differences scenarios make against the baseline, side by side.
public struct WhatIfReport: Sendable, Codable {
    /// Counts for one side (the baseline or a scenario).
    public struct Totals: Sendable, Codable {
        public var units: Int
        /// Units by decided mode ("kpi", "okr", "hybrid", "undecided").
        public var modes: [String: Int]
        public var openKeyResults: Int
        /// Expected number of open key results achieved (ΣP) and its standard deviation (key
        /// results of one unit correlated as `correlation` says, units independent).
        public var expectedAchieved: Double
        public var achievedSD: Double
        /// Open key results at risk, by the worst severity of the alert rules that fire.
        public var alerts: [String: Int]
        public var objectives: Int
        /// Expected number of objectives whose score reaches 0.7.
        public var expectedObjectivesReaching: Double
    }

    public struct DecisionSide: Sendable, Codable {
        public var mode: Mode?
        public var outcome: OutcomeValue?
        public var lean: Double
        /// The rule that decided, in words, with its place in the policy.
        public var rule: String
    }

    public struct DecisionChange: Sendable, Codable {
        public var unitID: String
        public var unitName: String
        public var before: DecisionSide
        public var after: DecisionSide
        /// Evidence that fires in the scenario and not in the baseline, and the reverse.
        public var evidenceGained: [String]
        public var evidenceLost: [String]
    }

    public struct KeyResultMove: Sendable, Codable {
        public var krID: String
        public var title: String
        public var unitID: String
        public var owner: String?
        public var before: Double
        public var after: Double
        /// When hypothetical check-ins moved its forecast past the baseline day.
        public var forecastDay: String?
    }

    /// How a scenario changes a key result's alert, in the order a report lists them.
    public enum AlertChangeKind: String, Sendable, Codable, CaseIterable, Comparable {
        /// No rule fires on the baseline; one does in the scenario.
        case opens
        /// A more severe rule fires in the scenario.
        case escalates
        /// A less severe rule fires in the scenario.
        case eases
        /// A rule fires on the baseline; none does in the scenario.
        case closes

        public static func < (a: AlertChangeKind, b: AlertChangeKind) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public struct AlertChange: Sendable, Codable {
        public var krID: String
        public var title: String
        public var unitID: String
        public var owner: String?
        public var change: AlertChangeKind
        /// The alert's severity on the baseline and in the scenario (nil: no rule fires).
        public var before: AlertSeverity?
        public var after: AlertSeverity?
        public var rules: [String]
        public var reasons: String
    }

    public struct ScenarioResult: Sendable, Codable {
        public var name: String
        public var description: String?
        public var changes: [String]
        public var totals: Totals
        public var decisionChanges: [DecisionChange]
        public var keyResultMoves: [KeyResultMove]
        public var alertChanges: [AlertChange]
    }

    /// An objective's P(score ≥ 0.7): the baseline first, then each scenario.
    public struct ObjectiveRow: Sendable, Codable {
        public var objectiveID: String
        public var unitID: String
        public var keyResults: Int
        public var pReaching: [Double]
    }

    /// A unit's number of open key results achieved: the baseline first, then each scenario.
    public struct UnitRow: Sendable, Codable {
        public var unitID: String
        public var name: String
        public var openKeyResults: Int
        public var mode: [String?]
        public var expectedAchieved: [Double]
        /// The 10% and 90% quantiles of the number achieved.
        public var range80: [[Int]]
        /// P(exactly k achieved), k = 0…n.
        public var distribution: [[Double]]
    }

    public var asOf: String
    public var threshold: Double
    /// Score an objective must reach, and the share of its key results that must be achieved.
    public var objectiveScore: Double
    public var correlation: Double
    public var scenarioNames: [String]
    public var baseline: Totals
    public var scenarios: [ScenarioResult]
    public var objectives: [ObjectiveRow]
    public var units: [UnitRow]
}

/// A scenario with the state it leads to, as a report compares it with the baseline.
public struct EvaluatedScenario: Sendable {
    public var scenario: Scenario
    public var state: WhatIfState

    public init(_ scenario: Scenario, _ state: WhatIfState) {
        self.scenario = scenario
        self.state = state
    }
}

extension WhatIfReport {
    /// An objective's score is the share of its key results achieved (a key result scores 1 when
    /// it reaches its success threshold, 0 otherwise); it reaches `objectiveScore` when at least
    /// ⌈0.7·n⌉ of its n open key results are achieved. Probabilities are exact under the stated
    /// independence (or latent correlation), by `SuccessCount`.
    public init(engine: WhatIfEngine, scenarios: [EvaluatedScenario], threshold: Double = 0.05, correlation: Double = 0,
                objectiveScore: Double = 0.7) throws(NumericsError) {
        let base = engine.base
        let krs = base.dataset.keyResults.keyResults
        let open = engine.open
        let org = base.binding.organisation
        let sides = [engine.baseline] + scenarios.map(\.state)
        func distribution(_ p: [Double]) throws(NumericsError) -> [Double] {
            correlation > 0 ? try SuccessCount.distribution(p, correlation: correlation) : SuccessCount.distribution(p)
        }
        // Objectives and units over the open key results.
        var objectiveMembers: [String: [Int]] = [:], objectiveOrder: [String] = []
        var unitMembers: [String: [Int]] = [:]
        for (i, k) in open.enumerated() {
            let kr = krs[k]
            if objectiveMembers[kr.objectiveID] == nil { objectiveOrder.append(kr.objectiveID) }
            objectiveMembers[kr.objectiveID, default: []].append(i)
            unitMembers[kr.unitID, default: []].append(i)
        }
        var objectiveRows: [ObjectiveRow] = []
        for id in objectiveOrder {
            let members = objectiveMembers[id] ?? []
            let needed = Int((objectiveScore * Double(members.count) - 1e-9).rounded(.up))
            var p: [Double] = []
            for side in sides { p.append(SuccessCount.atLeast(needed, try distribution(members.map { side.probabilities[$0] }))) }
            objectiveRows.append(ObjectiveRow(objectiveID: id, unitID: krs[open[members[0]]].unitID, keyResults: members.count, pReaching: p))
        }
        var unitRows: [UnitRow] = []
        // The variance of the number achieved, side by side: each unit's from its own
        // distribution (the latent correlation acts within a unit), units independent of one
        // another; key results of units outside the organisation as independent events.
        var variance = [Double](repeating: 0, count: sides.count)
        var covered = Set<Int>()
        for (u, unit) in org.units.enumerated() {
            guard let members = unitMembers[unit.id] else { continue }
            covered.formUnion(members)
            var row = UnitRow(unitID: unit.id, name: unit.name, openKeyResults: members.count, mode: [], expectedAchieved: [], range80: [], distribution: [])
            for (sideIndex, side) in sides.enumerated() {
                let p = members.map { side.probabilities[$0] }
                let pmf = try distribution(p)
                let mean = pmf.enumerated().reduce(0.0) { $0 + Double($1.offset) * $1.element }
                variance[sideIndex] += max(0, pmf.enumerated().reduce(0.0) { $0 + Double($1.offset * $1.offset) * $1.element } - mean * mean)
                row.mode.append(side.decisions[u].mode?.rawValue)
                row.expectedAchieved.append(p.reduce(0, +))
                row.range80.append([SuccessCount.quantile(0.1, pmf), SuccessCount.quantile(0.9, pmf)])
                row.distribution.append(pmf.map { ($0 * 1e6).rounded() / 1e6 })
            }
            unitRows.append(row)
        }
        func totals(_ side: WhatIfState, _ index: Int) -> Totals {
            var modes: [String: Int] = [:]
            for d in side.decisions { modes[d.mode?.rawValue ?? "undecided", default: 0] += 1 }
            var alerts: [String: Int] = [:]
            for o in side.observations { if let s = o.severity { alerts[s.rawValue, default: 0] += 1 } }
            let p = side.probabilities
            let outside = p.indices.filter { !covered.contains($0) }.reduce(0.0) { $0 + p[$1] * (1 - p[$1]) }
            return Totals(units: side.decisions.count, modes: modes, openKeyResults: p.count, expectedAchieved: p.reduce(0, +),
                          achievedSD: (variance[index] + outside).squareRoot(), alerts: alerts, objectives: objectiveRows.count,
                          expectedObjectivesReaching: objectiveRows.reduce(0) { $0 + $1.pReaching[index] })
        }
        var results: [ScenarioResult] = []
        for (n, evaluated) in scenarios.enumerated() {
            let (scenario, state) = (evaluated.scenario, evaluated.state)
            var decisionChanges: [DecisionChange] = []
            for (u, unit) in org.units.enumerated() {
                let a = engine.baseline.decisions[u], b = state.decisions[u]
                guard a.mode != b.mode || a.outcome != b.outcome else { continue }
                let (ruleA, evidenceA) = Self.trace(engine.baseline, unit: u)
                let (ruleB, evidenceB) = Self.trace(state, unit: u)
                decisionChanges.append(DecisionChange(
                    unitID: unit.id, unitName: unit.name,
                    before: DecisionSide(mode: a.mode, outcome: a.outcome.map(OutcomeValue.init), lean: a.lean, rule: ruleA),
                    after: DecisionSide(mode: b.mode, outcome: b.outcome.map(OutcomeValue.init), lean: b.lean, rule: ruleB),
                    evidenceGained: evidenceB.filter { !evidenceA.contains($0) }, evidenceLost: evidenceA.filter { !evidenceB.contains($0) }))
            }
            var moves: [KeyResultMove] = []
            var alertChanges: [AlertChange] = []
            for (i, k) in open.enumerated() {
                let kr = krs[k]
                let before = engine.baseline.probabilities[i], after = state.probabilities[i]
                if abs(after - before) >= threshold - 1e-12 {
                    moves.append(KeyResultMove(krID: kr.id, title: kr.title, unitID: kr.unitID, owner: kr.owner, before: before, after: after,
                                               forecastDay: state.forecastDays[k]?.description))
                }
                let oa = engine.baseline.observations[i], ob = state.observations[i]
                guard oa.severity != ob.severity else { continue }
                let change: AlertChangeKind
                switch (oa.severity, ob.severity) {
                case (nil, _?): change = .opens
                case (_?, nil): change = .closes
                case let (x?, y?): change = y > x ? .escalates : .eases
                default: continue
                }
                let shown = ob.severity != nil ? engine.observation(i, in: state) : engine.observation(i, in: engine.baseline)
                alertChanges.append(AlertChange(krID: kr.id, title: kr.title, unitID: kr.unitID, owner: kr.owner, change: change,
                                                before: oa.severity, after: ob.severity, rules: shown.rules,
                                                reasons: shown.reasons))
            }
            moves.sort { abs($0.after - $0.before) > abs($1.after - $1.before) }
            alertChanges.sort { ($0.change, $0.unitID, $0.krID) < ($1.change, $1.unitID, $1.krID) }
            results.append(ScenarioResult(name: scenario.name, description: scenario.description, changes: state.changes,
                                          totals: totals(state, n + 1), decisionChanges: decisionChanges, keyResultMoves: moves,
                                          alertChanges: alertChanges))
        }
        self.init(asOf: base.day.description, threshold: threshold, objectiveScore: objectiveScore, correlation: correlation,
                  scenarioNames: scenarios.map(\.scenario.name), baseline: totals(engine.baseline, 0), scenarios: results,
                  objectives: objectiveRows, units: unitRows)
    }

    /// The deciding rule of a unit in words, and the evidence that fired.
    static func trace(_ state: WhatIfState, unit u: Int) -> (String, [String]) {
        var trace = DecisionTrace()
        state.binding.values(ofUnit: u).withUnsafeBufferPointer { state.policy.trace($0, into: &trace) }
        let policy = state.policy.policy
        func at(_ l: SourceLocation) -> String { "\((l.file as NSString).lastPathComponent):\(l.line)" }
        let rule: String
        switch trace.decision.origin {
        case .override(let i):
            let o = policy.overrides[Int(i)]
            rule = "override \(o.title.map { "'\($0)'" } ?? "#\(i + 1)") (\(at(o.location))): \(o.reason)"
        case .row(let i):
            let r = policy.rows[Int(i)]
            rule = "row \(i + 1) (\(at(r.location)))\(r.reason.map { ": \($0)" } ?? "")"
        case .noMatch:
            rule = "no row matches (a gap in the policy)"
        case .conflict(let i, let j):
            rule = "rows \(i + 1) and \(j + 1) both match (an overlap in the policy)"
        }
        let evidence = trace.firedEvidence.map { e -> String in
            let r = policy.evidence[Int(e)]
            return "\(r.condition.text) ⇒ \(r.direction.rawValue) +\(PolicyFormat.number(r.weight))"
        }
        return (rule, evidence)
    }
}
