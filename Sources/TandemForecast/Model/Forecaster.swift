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
        for feature in ranked.map(\.feature) {
            let phrase = feature.definition.phrase(s, towardFailure)
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
}
