import Foundation
import TandemCore
import TandemNumerics

/// The forecast of one open key result, with its reasons in words.
public struct KeyResultForecast: Sendable, Codable {
    /// The colour of a forecast: red below P 0.4, yellow below 0.7, green from 0.7, except that
    /// a key result whose own trend projects less than half of what success needs, or that has
    /// no check-in or no progress at all, once a quarter of its cycle has passed, is never green
    /// (yellow at most): green means the model and the key result's own path agree. P itself is
    /// not changed.
    public enum Status: String, Sendable, Codable {
        case green, yellow, red

        public static let greenFrom = 0.7
        public static let yellowFrom = 0.4

        public init(probability p: Double, snapshot s: Snapshot) {
            let trendMisses = s.elapsed >= 0.25 && (s.trajectory.mean < 0.5 * s.threshold || s.checkIns == 0 || s.progress <= 0)
            self = p >= Status.greenFrom && !trendMisses ? .green : (p >= Status.yellowFrom ? .yellow : .red)
        }
    }

    public var keyResultID: String
    public var unitID: String
    public var title: String
    public var kind: String
    public var owner: String?
    public var elapsed: Double
    public var progress: Double
    public var expectedProgress: Double
    /// P(success) from the population model.
    public var probability: Double
    /// The trajectory model's P(success), for comparison.
    public var trajectoryProbability: Double
    /// Expected OKR score at cycle end: E[clamp(progress, 0, 1)] under the trajectory's predictive.
    public var expectedScore: Double
    public var status: Status
    public var reasons: [String]
    public var daysSinceCheckIn: Int?
    public var confidence: Double?

    /// Progress as reported: within ±1,000,000 (100,000,000%), so that any value prints and
    /// encodes (JSON has no infinity); NaN as 0.
    static func reportable(_ progress: Double) -> Double { progress.isNaN ? 0 : min(1e6, max(-1e6, progress)) }

    enum CodingKeys: String, CodingKey {
        case keyResultID = "kr_id", unitID = "unit_id", title, kind, owner, elapsed, progress
        case expectedProgress = "expected_progress", probability = "p_success", trajectoryProbability = "p_trajectory"
        case expectedScore = "expected_score", status, reasons, daysSinceCheckIn = "days_since_checkin", confidence
    }
}

extension ForecastModel {
    /// P(success) under a what-if the population model never saw: the pace from now on `pace`
    /// times the pace so far, and/or the key result of another kind (so another success
    /// threshold: 70% for aspirational, 100% otherwise).
    ///
    /// The population model was fitted on key results as they ran; its response to a pace or a
    /// kind that was never observed for this key result is not to be trusted feature by
    /// feature (its slope terms partly cancel one another, and its kind terms carry how hard
    /// such targets were set, not only the threshold). The change is carried by the trajectory
    /// model instead: starting from the population model's calibrated forecast, P(success)
    /// moves by the change in log-odds that the scaled pace and the new threshold make to the
    /// trajectory's predictive probability. Exactly `probability(s)` when nothing changes;
    /// monotone in the pace whenever the trend is upward; higher for a lower threshold.
    ///
    /// - Parameter s: the snapshot as the key result is (its own kind).
    public func probability(_ s: Snapshot, pace: Double, kind: KeyResultKind? = nil) -> Double {
        let p = probability(s)
        guard pace != 1 || (kind != nil && kind != s.kind) else { return p }
        func logit(_ q: Double) -> Double { Logistic.logit(q, epsilon: 1e-12) }
        let t = s.withPace(pace).trajectory
        let threshold = kind?.successThreshold ?? s.threshold
        let after = Normal.cdf((t.mean - threshold) / t.sd)
        let shift = logit(after) - logit(s.trajectory.probability)
        return Logistic.sigmoid(logit(p) + shift)
    }

    /// Forecasts every key result open on `day` (started, not yet ended, no final value).
    public func forecastOpen(_ history: History, asOf day: Day) -> [KeyResultForecast] {
        history.krs.indices.compactMap { k in
            let kr = history.krs[k]
            guard !kr.isClosed, kr.cycle.start <= day, day <= kr.cycle.end else { return nil }
            return forecast(history, k, asOf: day)
        }.sorted { $0.probability < $1.probability }
    }

    /// The forecast of key result `k` as of `day`.
    public func forecast(_ history: History, _ k: Int, asOf day: Day) -> KeyResultForecast {
        let kr = history.krs[k]
        let s = history.snapshot(k, asOf: day)
        let p = probability(s)
        let status = KeyResultForecast.Status(probability: p, snapshot: s)
        // Reasons: the features pushing hardest in the direction of the verdict.
        let towardFailure = p < 0.5
        let ranked = contributions(s).filter { towardFailure ? $0.value < 0 : $0.value > 0 }
            .sorted { abs($0.value) > abs($1.value) }
        var reasons: [String] = []
        if status != .green && p >= KeyResultForecast.Status.greenFrom {
            // Held back from green by its own path: say so first.
            reasons.append(s.checkIns == 0 ? "no check-in yet, \(Self.pct(s.elapsed)) into the cycle"
                : s.progress <= 0 ? "no progress yet (\(Self.pct(s.progress))), \(Self.pct(s.elapsed)) into the cycle"
                : "its trend projects \(Self.pct(min(2, max(0, s.trajectory.mean)))) by cycle end (\(Self.pct(s.threshold)) needed)")
        }
        for (feature, _) in ranked {
            let phrase = Self.phrase(feature, s, towardFailure: towardFailure)
            if let phrase, !reasons.contains(phrase) { reasons.append(phrase) }
            if reasons.count == 3 { break }
        }
        let t = s.trajectory
        return KeyResultForecast(
            keyResultID: kr.id, unitID: kr.unitID, title: kr.title, kind: kr.kind.rawValue, owner: kr.owner,
            elapsed: s.elapsed, progress: KeyResultForecast.reportable(s.progress), expectedProgress: s.expectedProgress, probability: p,
            trajectoryProbability: t.probability, expectedScore: Self.expectedClampedScore(mean: t.mean, sd: t.sd),
            status: status, reasons: reasons, daysSinceCheckIn: s.daysSinceCheckIn, confidence: s.confidence)
    }

    /// E[min(max(X, 0), 1)] for X ~ N(mean, sd²).
    static func expectedClampedScore(mean: Double, sd: Double) -> Double {
        guard sd > 1e-12 else { return min(1, max(0, mean)) }
        func phi(_ z: Double) -> Double { exp(-z * z / 2) / (2 * Double.pi).squareRoot() }
        func cdf(_ z: Double) -> Double { Normal.cdf(z) }
        let a = -mean / sd, b = (1 - mean) / sd
        return mean * (cdf(b) - cdf(a)) + sd * (phi(a) - phi(b)) + (1 - cdf(b))
    }

    static func pct(_ x: Double) -> String { x.percentText }

    /// A feature's contribution in plain words, with the numbers behind it; `nil` when the
    /// fact does not point the way of the verdict (a forecast of success is never explained by
    /// a trend that projects a miss, nor a forecast of failure by progress ahead of pace).
    static func phrase(_ feature: Feature, _ s: Snapshot, towardFailure: Bool) -> String? {
        switch feature {
        case .elapsed:
            return "\(pct(s.elapsed)) of the cycle has passed"
        case .progress, .progressXElapsed, .logProgress, .logProgressXElapsed, .behindPace, .reached, .paceSurplus:
            let pace = FeatureSet.pace(progress: s.progress, elapsed: s.elapsed, threshold: s.threshold)
            if s.progress >= s.threshold { return towardFailure ? nil : "already at \(pct(s.progress)) of the target" }
            let behind = s.progress < s.expectedProgress
            guard behind == towardFailure else { return nil }
            if s.progress < 0 { return "moved the wrong way: progress \(pct(s.progress)) where a straight line would be at \(pct(s.expectedProgress))" }
            if pace.observed <= 0.01 { return "no progress yet (\(pct(s.progress))) where a straight line would be at \(pct(s.expectedProgress))" }
            return "progress \(pct(s.progress)) where a straight line would be at \(pct(s.expectedProgress)); needs \(String(format: "%.1f", pace.needed / pace.observed))× its pace so far"
        case .trajectoryZ, .trajectoryZXElapsed, .trendPaceSurplus, .slopeSD:
            if s.checkIns == 0 { return towardFailure ? "no check-in yet" : nil }
            guard (s.trajectory.mean < s.threshold) == towardFailure else { return nil }
            return "its trend projects \(pct(min(2, max(0, s.trajectory.mean)))) by cycle end (\(pct(s.threshold)) needed)"
        case .checkinRecency, .logCheckins, .noCheckin:
            guard let days = s.daysSinceCheckIn else { return towardFailure ? "no check-in yet" : nil }
            return "last check-in \(days) days ago (\(s.checkIns) so far)"
        case .logCycleDays:
            return "a cycle of \(s.cycleDays) days"
        case .confidence, .meanConfidence:
            guard let c = s.confidence else { return nil }
            return "owner's confidence \(Int(c))/10"
        case .confidenceChange:
            guard let c = s.confidence, let p = s.previousConfidence, c != p, (c < p) == towardFailure else { return nil }
            return "confidence \(c < p ? "fell" : "rose") from \(Int(p)) to \(Int(c))"
        case .confidenceMissing:
            return s.confidence == nil ? "no confidence reported" : nil
        case .kindAspirational, .kindKPI:
            return s.kind == .aspirational ? "aspirational: 70% counts as achieved" : "\(s.kind.rawValue): 100% is required"
        case .modeOKR, .modeHybrid:
            return s.mode.map { "the unit is run by \($0.uppercased())" }
        case .unitTrackRecord, .unitMeanMargin:
            let (n, a) = s.unitRecord
            return n == 0 ? "the unit has no closed key results yet" : "the unit achieved \(a) of its \(n) past key results"
        case .ownerTrackRecord, .ownerMeanMargin:
            let (n, a) = s.ownerRecord
            return n == 0 ? nil : "the owner achieved \(a) of \(n) past key results"
        case .rescoped:
            return s.rescoped ? "the target was re-scoped" : nil
        case .peerPaceGap:
            guard let g = s.peerGap else { return nil }
            return "the unit's other key results are \(pct(abs(g))) \(g < 0 ? "behind" : "ahead of") pace"
        case .peerConfidence:
            return s.peerConfidence.map { "the unit's other owners report confidence \(String(format: "%.1f", $0))/10" }
        case .targetStretch, .targetStretchMissing:
            return s.stretch.map { "the target is \(pct($0)) away from the start" }
        case .uncertainty, .uncertaintyXKPIMode:
            guard let u = s.uncertainty else { return nil }
            let level = u >= 1 ? "high" : (u <= 0 ? "low" : "medium")
            return "the unit's uncertainty is \(level)" + (s.mode == "kpi" ? " and it is run by KPI" : "")
        }
    }
}
