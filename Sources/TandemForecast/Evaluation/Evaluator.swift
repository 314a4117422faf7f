import Foundation
import TandemCore
import TandemNumerics

/// The report of `tandem evaluate` and `tandem backtest`.
public struct EvaluationReport: Sendable, Codable {
    public struct Baselines: Sendable, Codable {
        public var linearPace: Metrics
        /// `nil` when the history holds no confidence at all: the baseline does not apply.
        public var confidence: Metrics?
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
        /// The same as a share of the cycle still to come.
        public var modelShare: Double?
        public var linearPaceShare: Double?
        /// Failing key results flagged at all.
        public var modelFlagged: Int
        public var linearPaceFlagged: Int
        public var failed: Int
        /// The model at a stricter 10% false-alarm rate (per weekly check), where the rule has
        /// no setting to offer: threshold, median days before cycle end, failing key results flagged.
        public var strictThreshold: Double
        public var strictModel: Double?
        public var strictModelShare: Double?
        public var strictModelFlagged: Int

        enum CodingKeys: String, CodingKey {
            case falseAlarmRate = "false_alarm_rate", modelThreshold = "model_threshold", model = "model_days"
            case linearPace = "linear_pace_days", modelShare = "model_share_of_cycle", linearPaceShare = "linear_pace_share_of_cycle"
            case modelFlagged = "model_flagged", linearPaceFlagged = "linear_pace_flagged", failed
            case strictThreshold = "model_threshold_at_10_percent", strictModel = "model_days_at_10_percent"
            case strictModelShare = "model_share_of_cycle_at_10_percent", strictModelFlagged = "model_flagged_at_10_percent"
        }
    }

    public struct Horizon: Sendable, Codable {
        public var at: Double
        public var n: Int
        public var positives: Int
        public var model: Metrics
        /// The model before recalibration, when the report recalibrated it.
        public var modelUncalibrated: Metrics?
        public var baselines: Baselines
        public var reliability: Reliability
        public var leadTime: LeadTime

        enum CodingKeys: String, CodingKey {
            case at, n, positives, model, modelUncalibrated = "model_before_recalibration", baselines, reliability, leadTime = "lead_time"
        }
    }

    /// One fold of a backtest (or of a recalibrated evaluation).
    public struct Fold: Sendable, Codable {
        public var origin: String
        public var training: Int
        public var test: Int
        /// `nil` when the fold's model was trained; otherwise why not (its key results are then
        /// not forecast, and the report says so).
        public var failure: String?
    }

    public var horizons: [Horizon]
    public var folds: [Fold]?
    /// Closed key results that no fold forecast (they start before the first origin, or their
    /// fold failed).
    public var untested: Int?
    /// Whether any check-in of the history carries a confidence.
    public var hasConfidence: Bool

    enum CodingKeys: String, CodingKey { case horizons, folds, untested, hasConfidence = "has_confidence" }
}

/// Forecasts key results as of moments in their cycles, using only what was known then, and
/// scores the model against the baselines.
public enum Evaluator {
    /// Probabilities of the forecasters for (key result, share) pairs.
    struct Scored {
        var model: [Double] = []
        var raw: [Double] = []
        var linearPace: [Double] = []
        var confidence: [Double] = []
        var trajectory: [Double] = []
        var outcome: [Bool] = []

        mutating func append(_ other: Scored) {
            model += other.model; raw += other.raw; linearPace += other.linearPace
            confidence += other.confidence; trajectory += other.trajectory; outcome += other.outcome
        }
    }

    static func score(_ history: History, _ model: ForecastModel, keyResults: [Int], share: Double) -> Scored {
        var s = Scored()
        var x = [Double](repeating: 0, count: FeatureSet.names.count)
        for k in keyResults {
            guard let success = history.dataset.isSuccess(keyResult: k) else { continue }
            let snapshot = history.snapshot(k, asOf: history.day(k, atShare: share))
            // The features once; the model's probability with and without its recalibration from one log-odds.
            x.withUnsafeMutableBufferPointer { FeatureSet.write(snapshot, into: $0.baseAddress!) }
            let eta = x.withUnsafeBufferPointer { model.logOdds(features: $0.baseAddress!) }
            s.model.append(Logistic.sigmoid(model.recalibration.map { $0.logOdds(eta, elapsed: x[Feature.elapsedSlot]) } ?? eta))
            s.raw.append(Logistic.sigmoid(eta))
            s.linearPace.append(model.linearPace(snapshot))
            s.confidence.append(model.confidenceOnly(snapshot))
            s.trajectory.append(model.trajectoryOnly(snapshot))
            s.outcome.append(success)
        }
        return s
    }

    /// The median of `xs`, nil when empty.
    package static func median(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Lead time at matched false alarms: weekly checks from the second week to the cycle end.
    static func leadTime(_ history: History, _ models: [(ForecastModel, [Int])]) -> EvaluationReport.LeadTime {
        // For every key result: per weekly check, the model's probability and the rule's flag.
        var achievedChecks: [Double] = [], achievedFlags = 0
        var failed: [(days: [Int], shares: [Double], p: [Double], rule: [Bool])] = []
        for (model, krs) in models {
            for k in krs {
                guard let success = history.dataset.isSuccess(keyResult: k) else { continue }
                let cycle = history.krs[k].cycle
                var days: [Int] = [], shares: [Double] = [], ps: [Double] = [], rule: [Bool] = []
                var day = cycle.start.advanced(by: 13)
                while day < cycle.end {
                    let s = history.snapshot(k, asOf: day)
                    days.append(day.distance(to: cycle.end))
                    shares.append(1 - s.elapsed)
                    ps.append(model.probability(s))
                    rule.append(s.linearPaceFlag)
                    day = day.advanced(by: 7)
                }
                if success {
                    achievedChecks += ps
                    achievedFlags += rule.filter { $0 }.count
                } else {
                    failed.append((days, shares, ps, rule))
                }
            }
        }
        // False alarms per weekly check: the share of checks of achieved key results that the
        // rule flags. The model's threshold τ flags (P < τ) the same share of those checks.
        let falseAlarm = achievedChecks.isEmpty ? 0 : Double(achievedFlags) / Double(achievedChecks.count)
        let sorted = achievedChecks.sorted()
        func threshold(flagging rate: Double) -> Double {
            let flagged = min(sorted.count, Int((rate * Double(sorted.count)).rounded()))
            if sorted.isEmpty { return 0 }
            if flagged == 0 { return sorted[0] }
            if flagged >= sorted.count { return 1 }
            return (sorted[flagged - 1] + sorted[flagged]) / 2
        }
        let matched = threshold(flagging: falseAlarm), strict = threshold(flagging: 0.1)
        var modelLead: [(Double, Double)] = [], ruleLead: [(Double, Double)] = [], strictLead: [(Double, Double)] = []
        for f in failed {
            if let i = f.p.firstIndex(where: { $0 < matched }) { modelLead.append((Double(f.days[i]), f.shares[i])) }
            if let i = f.p.firstIndex(where: { $0 < strict }) { strictLead.append((Double(f.days[i]), f.shares[i])) }
            if let i = f.rule.firstIndex(of: true) { ruleLead.append((Double(f.days[i]), f.shares[i])) }
        }
        return .init(falseAlarmRate: falseAlarm, modelThreshold: matched,
                     model: median(modelLead.map(\.0)), linearPace: median(ruleLead.map(\.0)),
                     modelShare: median(modelLead.map(\.1)), linearPaceShare: median(ruleLead.map(\.1)),
                     modelFlagged: modelLead.count, linearPaceFlagged: ruleLead.count, failed: failed.count,
                     strictThreshold: strict, strictModel: median(strictLead.map(\.0)), strictModelShare: median(strictLead.map(\.1)),
                     strictModelFlagged: strictLead.count)
    }

    static func horizon(_ share: Double, _ s: Scored, lead: EvaluationReport.LeadTime, hasConfidence: Bool,
                        recalibrated: Bool) -> EvaluationReport.Horizon {
        .init(at: share, n: s.outcome.count, positives: s.outcome.filter { $0 }.count,
              model: Metrics(probabilities: s.model, outcomes: s.outcome),
              modelUncalibrated: recalibrated ? Metrics(probabilities: s.raw, outcomes: s.outcome) : nil,
              baselines: .init(linearPace: Metrics(probabilities: s.linearPace, outcomes: s.outcome),
                               confidence: hasConfidence ? Metrics(probabilities: s.confidence, outcomes: s.outcome) : nil,
                               trajectory: Metrics(probabilities: s.trajectory, outcomes: s.outcome)),
              reliability: Reliability(probabilities: s.model, outcomes: s.outcome), leadTime: lead)
    }

    static func hasConfidence(_ history: History) -> Bool {
        history.dataset.checkIns.checkIns.contains { $0.confidence != nil }
    }

    /// Evaluates a model on every key result with a known final value.
    ///
    /// With `recalibrate`, the model is recalibrated on the history's own closed key results as
    /// a user's `tandem forecast` would be, honestly: at each of `RollingOrigins`' origins on
    /// the key results closed before it, scoring those that start after it. Only key results in
    /// a fold are then scored, and the report gives the model before recalibration on the same
    /// ones.
    public static func evaluate(_ model: ForecastModel, on history: History, at shares: [Double], recalibrate: Bool = false) -> EvaluationReport {
        let closed = history.krs.indices.filter { history.krs[$0].isClosed }
        let confidence = hasConfidence(history)
        guard recalibrate else {
            let lead = leadTime(history, [(model, closed)])
            return EvaluationReport(horizons: shares.map {
                horizon($0, score(history, model, keyResults: closed, share: $0), lead: lead, hasConfidence: confidence, recalibrated: false)
            }, folds: nil, untested: nil, hasConfidence: confidence)
        }
        let result = overOrigins(history, closed: closed, at: shares, recalibrated: true) { fold in
            model.recalibrated(on: history, keyResults: fold.training).map { .success($0) }
                ?? .failure(FoldFailure(reason: "too few closed key results before it, or all with one outcome, to recalibrate"))
        }
        return result.report
    }

    /// Why a fold has no model.
    struct FoldFailure: Error { var reason: String }

    /// Forecasts, at each of `RollingOrigins`' origins over `closed`, the key results that start
    /// after it with the model `model(fold)` makes from the key results closed before it, and
    /// scores the pooled forecasts. A fold whose model cannot be made is listed with the reason,
    /// and its key results counted as not forecast.
    static func overOrigins(_ history: History, closed: [Int], at shares: [Double], recalibrated: Bool,
                            progress: (@Sendable (Int, Int) -> Void)? = nil,
                            model: (RollingOrigins.Fold) -> Result<ForecastModel, FoldFailure>) -> (report: EvaluationReport, models: [(ForecastModel, [Int])]) {
        let origins = RollingOrigins(history, closed: closed)
        var pooled = [Scored](repeating: Scored(), count: shares.count)
        var models: [(ForecastModel, [Int])] = []
        var folds: [EvaluationReport.Fold] = []
        var untested = origins.untested
        let work = origins.folds.filter { !$0.test.isEmpty }
        for (f, fold) in work.enumerated() {
            progress?(f, work.count)
            switch model(fold) {
            case .failure(let why):
                folds.append(.init(origin: fold.origin.description, training: fold.training.count, test: fold.test.count, failure: why.reason))
                untested += fold.test.count
            case .success(let m):
                folds.append(.init(origin: fold.origin.description, training: fold.training.count, test: fold.test.count, failure: nil))
                models.append((m, fold.test))
                for (i, share) in shares.enumerated() { pooled[i].append(score(history, m, keyResults: fold.test, share: share)) }
            }
        }
        progress?(work.count, work.count)
        let confidence = hasConfidence(history)
        let lead = leadTime(history, models)
        let report = EvaluationReport(horizons: shares.indices.map {
            horizon(shares[$0], pooled[$0], lead: lead, hasConfidence: confidence, recalibrated: recalibrated)
        }, folds: folds, untested: untested, hasConfidence: confidence)
        return (report, models)
    }

    /// Rolling-origin backtest by calendar time (`RollingOrigins`): at each origin a model is
    /// trained (its ridge chosen by its own cross-validation) on the key results closed before
    /// it, and forecasts those that start between it and the next origin; the forecasts of all
    /// folds are pooled. The snapshots are computed once for the whole history (each is made of
    /// what was known on its own day, so no fold sees a later fact through them).
    ///
    /// - Parameter progress: called with (folds done, folds) as the folds finish.
    public static func backtest(_ history: History, at shares: [Double],
                                progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> (report: EvaluationReport, models: [(ForecastModel, [Int])]) {
        let krs = history.krs
        let closed = krs.indices.filter { krs[$0].isClosed }
        let rows = Trainer.rows(history, keyResults: closed)
        let result = overOrigins(history, closed: closed, at: shares, recalibrated: false, progress: progress) { fold in
            Result { try Trainer.train(history, keyResults: fold.training, rows: rows, ridge: nil) }
                .mapError { FoldFailure(reason: "\($0)") }
        }
        guard !result.models.isEmpty else {
            throw ForecastError.notEnoughData("a backtest needs at least \(RollingOrigins.minimumTraining) closed key results, with both outcomes, that ended before later ones started")
        }
        return result
    }
}
