import Foundation
import TandemCore

/// The report of `tandem evaluate` and `tandem backtest`.
public struct EvaluationReport: Sendable, Codable {
    public struct Baselines: Sendable, Codable {
        public var linearPace: Metrics
        public var confidence: Metrics
        public var trajectory: Metrics
        enum CodingKeys: String, CodingKey { case linearPace = "linear_pace", confidence, trajectory }
    }

    public struct LeadTime: Sendable, Codable {
        /// False-alarm rate of the linear-pace rule: the share of weekly checks of achieved key
        /// results at which it flags them; the model's threshold is set to flag the same share.
        public var falseAlarmRate: Double
        public var modelThreshold: Double
        /// Median days before cycle end at which failing key results were first flagged.
        public var model: Double?
        public var linearPace: Double?
        /// Failing key results flagged at all.
        public var modelFlagged: Int
        public var linearPaceFlagged: Int
        public var failed: Int
        /// The model at a stricter 10% false-alarm rate (per weekly check), where the rule has
        /// no setting to offer: threshold, median days before cycle end, failing key results flagged.
        public var strictThreshold: Double
        public var strictModel: Double?
        public var strictModelFlagged: Int

        enum CodingKeys: String, CodingKey {
            case falseAlarmRate = "false_alarm_rate", modelThreshold = "model_threshold", model
            case linearPace = "linear_pace", modelFlagged = "model_flagged", linearPaceFlagged = "linear_pace_flagged", failed
            case strictThreshold = "model_threshold_at_10_percent", strictModel = "model_at_10_percent"
            case strictModelFlagged = "model_flagged_at_10_percent"
        }
    }

    public struct Horizon: Sendable, Codable {
        public var at: Double
        public var n: Int
        public var positives: Int
        public var model: Metrics
        public var baselines: Baselines
        public var reliability: Reliability
        public var leadTimeDays: LeadTime

        enum CodingKeys: String, CodingKey { case at, n, positives, model, baselines, reliability, leadTimeDays = "lead_time_days" }
    }

    public var horizons: [Horizon]
}

/// Forecasts key results as of moments in their cycles, using only what was known then, and
/// scores the model against the baselines.
public enum Evaluator {
    /// Probabilities of one forecaster for (key result, share) pairs.
    struct Scored {
        var model: [Double] = []
        var linearPace: [Double] = []
        var confidence: [Double] = []
        var trajectory: [Double] = []
        var outcome: [Bool] = []
    }

    static func score(_ history: History, _ model: ForecastModel, keyResults: [Int], share: Double) -> Scored {
        var s = Scored()
        for k in keyResults {
            guard let success = history.dataset.isSuccess(keyResult: k) else { continue }
            let snapshot = history.snapshot(k, asOf: history.day(k, atShare: share))
            s.model.append(model.probability(snapshot))
            s.linearPace.append(model.linearPace(snapshot))
            s.confidence.append(model.confidenceOnly(snapshot))
            s.trajectory.append(snapshot.trajectory.probability)
            s.outcome.append(success)
        }
        return s
    }

    /// Lead time at matched false alarms: weekly checks from the second week to the cycle end.
    static func leadTime(_ history: History, _ models: [(ForecastModel, [Int])]) -> EvaluationReport.LeadTime {
        // For every key result: per weekly check, the model's probability and the rule's flag.
        var achievedChecks: [Double] = [], achievedFlags = 0
        var failed: [(days: [Int], p: [Double], rule: [Bool])] = []
        for (model, krs) in models {
            for k in krs {
                guard let success = history.dataset.isSuccess(keyResult: k) else { continue }
                let cycle = history.krs[k].cycle
                var days: [Int] = [], ps: [Double] = [], rule: [Bool] = []
                var day = cycle.start.advanced(by: 13)
                while day < cycle.end {
                    let s = history.snapshot(k, asOf: day)
                    days.append(day.distance(to: cycle.end))
                    ps.append(model.probability(s))
                    rule.append(s.linearPaceFlag)
                    day = day.advanced(by: 7)
                }
                if success {
                    achievedChecks += ps
                    achievedFlags += rule.filter { $0 }.count
                } else {
                    failed.append((days, ps, rule))
                }
            }
        }
        // False alarms per weekly check: the share of checks of achieved key results that the
        // rule flags. The model's threshold τ flags (P < τ) the same share of those checks.
        let falseAlarm = achievedChecks.isEmpty ? 0 : Double(achievedFlags) / Double(achievedChecks.count)
        let sorted = achievedChecks.sorted()
        let flaggedCount = min(sorted.count, Int((falseAlarm * Double(sorted.count)).rounded()))
        let threshold = sorted.isEmpty ? 0 : (flaggedCount == 0 ? sorted[0] : (flaggedCount >= sorted.count ? 1 : (sorted[flaggedCount - 1] + sorted[flaggedCount]) / 2))
        func median(_ xs: [Int]) -> Double? {
            guard !xs.isEmpty else { return nil }
            let s = xs.sorted()
            return s.count % 2 == 1 ? Double(s[s.count / 2]) : Double(s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        let strictCount = Int((0.1 * Double(sorted.count)).rounded())
        let strict = sorted.isEmpty ? 0 : (strictCount == 0 ? sorted[0] : (sorted[strictCount - 1] + sorted[min(strictCount, sorted.count - 1)]) / 2)
        var modelLead: [Int] = [], ruleLead: [Int] = [], strictLead: [Int] = []
        for f in failed {
            if let i = f.p.firstIndex(where: { $0 < threshold }) { modelLead.append(f.days[i]) }
            if let i = f.p.firstIndex(where: { $0 < strict }) { strictLead.append(f.days[i]) }
            if let i = f.rule.firstIndex(of: true) { ruleLead.append(f.days[i]) }
        }
        return .init(falseAlarmRate: falseAlarm, modelThreshold: threshold, model: median(modelLead), linearPace: median(ruleLead),
                     modelFlagged: modelLead.count, linearPaceFlagged: ruleLead.count, failed: failed.count,
                     strictThreshold: strict, strictModel: median(strictLead), strictModelFlagged: strictLead.count)
    }

    static func horizon(_ share: Double, _ s: Scored, lead: EvaluationReport.LeadTime) -> EvaluationReport.Horizon {
        .init(at: share, n: s.outcome.count, positives: s.outcome.filter { $0 }.count,
              model: Metrics(probabilities: s.model, outcomes: s.outcome),
              baselines: .init(linearPace: Metrics(probabilities: s.linearPace, outcomes: s.outcome),
                               confidence: Metrics(probabilities: s.confidence, outcomes: s.outcome),
                               trajectory: Metrics(probabilities: s.trajectory, outcomes: s.outcome)),
              reliability: Reliability(probabilities: s.model, outcomes: s.outcome), leadTimeDays: lead)
    }

    /// Evaluates a model on every key result with a known final value.
    public static func evaluate(_ model: ForecastModel, on history: History, at shares: [Double]) -> EvaluationReport {
        let krs = history.krs.indices.filter { history.krs[$0].isClosed }
        let lead = leadTime(history, [(model, krs)])
        return EvaluationReport(horizons: shares.map { horizon($0, score(history, model, keyResults: krs, share: $0), lead: lead) })
    }

    /// Rolling-origin backtest by cycle: each cycle (after the first two) is forecast by a model
    /// trained only on key results whose cycles ended before it starts; predictions are pooled.
    public static func backtest(_ history: History, at shares: [Double]) throws -> (EvaluationReport, folds: Int) {
        let krs = history.krs
        let closed = krs.indices.filter { krs[$0].isClosed }
        let cycles = Set(closed.map { krs[$0].cycle }).sorted { $0.start < $1.start }
        var pooled = [Scored](repeating: Scored(), count: shares.count)
        var models: [(ForecastModel, [Int])] = []
        for cycle in cycles.dropFirst(2) {
            let trainingKRs = closed.filter { krs[$0].cycle.end < cycle.start }
            let testKRs = closed.filter { krs[$0].cycle == cycle }
            // The fold's model may only see what had closed before the fold starts.
            let visible = History(history.dataset.restricted(toKeyResults: trainingKRs))
            guard let model = try? Trainer.train(visible) else { continue }
            models.append((model, testKRs))
            for (i, share) in shares.enumerated() {
                let s = score(history, model, keyResults: testKRs, share: share)
                pooled[i].model += s.model
                pooled[i].linearPace += s.linearPace
                pooled[i].confidence += s.confidence
                pooled[i].trajectory += s.trajectory
                pooled[i].outcome += s.outcome
            }
        }
        guard !models.isEmpty else { throw ForecastError.notEnoughData("a backtest needs at least three cycles of closed key results") }
        let lead = leadTime(history, models)
        return (EvaluationReport(horizons: shares.indices.map { horizon(shares[$0], pooled[$0], lead: lead) }), models.count)
    }
}

