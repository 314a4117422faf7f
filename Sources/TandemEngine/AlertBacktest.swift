import Foundation
import TandemCore
import TandemForecast
import TandemPolicy

/// How a policy's alert rules would have done: replayed week by week over closed key results,
/// as the weekly run would have seen them (each week's forecast made only of what was known
/// that day, by a model trained only on key results closed before the key result started), and
/// scored against what happened.
public struct AlertBacktest: Sendable, Codable {
    /// The figures of one rule, or of one severity (any rule of that severity).
    public struct Figures: Sendable, Codable {
        public var name: String
        public var severity: String
        /// Weekly checks at which it fired, per open key result per week.
        public var alertsPerKeyResultWeek: Double
        /// Key results it fired on at least once.
        public var alerted: Int
        /// Share of those that failed.
        public var precision: Double?
        /// Share of the failing key results it fired on.
        public var recall: Double?
        /// Median days before cycle end of its first alert on a key result that failed, and the
        /// same as a share of the cycle.
        public var medianLeadDays: Double?
        public var medianLeadShare: Double?

        enum CodingKeys: String, CodingKey {
            case name, severity, alertsPerKeyResultWeek = "alerts_per_kr_week", alerted, precision, recall
            case medianLeadDays = "median_lead_days", medianLeadShare = "median_lead_share"
        }
    }

    public var keyResults: Int
    public var failed: Int
    public var weeklyChecks: Int
    public var rules: [Figures]
    public var severities: [Figures]
    /// Failing committed key results and KPIs, and the share of them that a critical or warning
    /// alert had caught by mid-cycle (first such alert at ≤ 50% elapsed).
    public var failingCommitted: Int
    public var caughtByMidCycle: Double?

    enum CodingKeys: String, CodingKey {
        case keyResults = "key_results", failed, weeklyChecks = "weekly_checks", rules, severities
        case failingCommitted = "failing_committed_and_kpi", caughtByMidCycle = "caught_by_mid_cycle"
    }

    /// Replays the alert rules of `policy` over the closed key results of each fold.
    ///
    /// - Parameter folds: models with the key results each may forecast (`Evaluator.backtest`).
    public static func replay(dataset: Dataset, policy: CompiledPolicy, binding: OrganisationBinding,
                              folds: [(ForecastModel, [Int])]) -> AlertBacktest {
        let history = History(dataset)
        let krs = dataset.keyResults.keyResults
        let modeOfUnit = WeeklyRun.decideAll(policy: policy, binding: binding).modeOfUnit
        let evaluator = AlertEvaluator(policy: policy, binding: binding, modeOfUnit: modeOfUnit)
        let rules = policy.policy.alerts
        var ruleOfTitle: [String: Int] = [:]
        for (i, r) in rules.enumerated() where ruleOfTitle[r.title] == nil { ruleOfTitle[r.title] = i }

        struct Tally {
            var fires = 0
            var alerted = 0, alertedFailed = 0
            var leads: [(Double, Double)] = []
        }
        var byRule = [Tally](repeating: Tally(), count: rules.count)
        var bySeverity = [Tally](repeating: Tally(), count: AlertSeverity.allCases.count)
        var checks = 0, tested = 0, failed = 0, failingCommitted = 0, caught = 0
        for (model, members) in folds {
            for k in members {
                guard let success = history.dataset.isSuccess(keyResult: k) else { continue }
                let kr = krs[k], cycle = kr.cycle
                tested += 1
                if !success { failed += 1 }
                let committed = kr.kind != .aspirational
                if committed && !success { failingCommitted += 1 }
                var firstRule = [(Int, Double)?](repeating: nil, count: rules.count)
                var firstSeverity = [(Int, Double)?](repeating: nil, count: AlertSeverity.allCases.count)
                var previous: Double?, previousDay: Day?
                var caughtEarly = false
                var day = cycle.start.advanced(by: 6)
                while day <= cycle.end {
                    let s = history.snapshot(k, asOf: day)
                    let p = model.probability(s)
                    let o = evaluator.observe(kr, s, p: p, before: previous, previousDay: previousDay, withReasons: false)
                    checks += 1
                    let left = (day.distance(to: cycle.end), 1 - s.elapsed)
                    var severities = Set<Int>()
                    for title in Set(o.rules) {
                        guard let r = ruleOfTitle[title] else { continue }
                        byRule[r].fires += 1
                        if firstRule[r] == nil { firstRule[r] = (left.0, left.1) }
                        severities.insert(AlertSeverity.allCases.firstIndex(of: rules[r].severity)!)
                    }
                    for v in severities {
                        bySeverity[v].fires += 1
                        if firstSeverity[v] == nil { firstSeverity[v] = (left.0, left.1) }
                        if AlertSeverity.allCases[v] != .info, s.elapsed <= 0.5 { caughtEarly = true }
                    }
                    previous = p
                    previousDay = day
                    day = day.advanced(by: 7)
                }
                if committed && !success && caughtEarly { caught += 1 }
                func tally(_ t: inout Tally, _ first: (Int, Double)?) {
                    guard let first else { return }
                    t.alerted += 1
                    if !success {
                        t.alertedFailed += 1
                        t.leads.append((Double(first.0), first.1))
                    }
                }
                for r in rules.indices { tally(&byRule[r], firstRule[r]) }
                for v in bySeverity.indices { tally(&bySeverity[v], firstSeverity[v]) }
            }
        }
        func figures(_ name: String, _ severity: AlertSeverity, _ t: Tally) -> Figures {
            Figures(name: name, severity: severity.rawValue,
                    alertsPerKeyResultWeek: checks > 0 ? Double(t.fires) / Double(checks) : 0, alerted: t.alerted,
                    precision: t.alerted > 0 ? Double(t.alertedFailed) / Double(t.alerted) : nil,
                    recall: failed > 0 ? Double(t.alertedFailed) / Double(failed) : nil,
                    medianLeadDays: Evaluator.median(t.leads.map(\.0)), medianLeadShare: Evaluator.median(t.leads.map(\.1)))
        }
        return AlertBacktest(
            keyResults: tested, failed: failed, weeklyChecks: checks,
            rules: rules.indices.map { figures(rules[$0].title, rules[$0].severity, byRule[$0]) },
            severities: AlertSeverity.allCases.indices.reversed().map { figures(AlertSeverity.allCases[$0].rawValue, AlertSeverity.allCases[$0], bySeverity[$0]) },
            failingCommitted: failingCommitted,
            caughtByMidCycle: failingCommitted > 0 ? Double(caught) / Double(failingCommitted) : nil)
    }

}
