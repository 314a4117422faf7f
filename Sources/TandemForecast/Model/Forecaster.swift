import Foundation
import TandemCore

/// The forecast of one open key result, with its reasons in words.
public struct KeyResultForecast: Sendable, Codable {
    public enum Status: String, Sendable, Codable { case green, yellow, red }

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
        func logit(_ q: Double) -> Double { let c = min(1 - 1e-12, max(1e-12, q)); return log(c / (1 - c)) }
        let t = s.withPace(pace).trajectory
        let threshold = kind?.successThreshold ?? s.threshold
        let after = 0.5 * erfc(-((t.mean - threshold) / t.sd) / 2.0.squareRoot())
        let shift = logit(after) - logit(s.trajectory.probability)
        return 1 / (1 + exp(-(logit(p) + shift)))
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
        let status: KeyResultForecast.Status = p >= 0.7 ? .green : (p >= 0.4 ? .yellow : .red)
        // Reasons: the features pushing hardest in the direction of the verdict.
        let towardFailure = p < 0.5
        let ranked = contributions(s).filter { towardFailure ? $0.value < 0 : $0.value > 0 }
            .sorted { abs($0.value) > abs($1.value) }
        var reasons: [String] = []
        for (feature, _) in ranked {
            let phrase = Self.phrase(feature, s, history: history, k: k)
            if let phrase, !reasons.contains(phrase) { reasons.append(phrase) }
            if reasons.count == 3 { break }
        }
        let t = s.trajectory
        return KeyResultForecast(
            keyResultID: kr.id, unitID: kr.unitID, title: kr.title, kind: kr.kind.rawValue, owner: kr.owner,
            elapsed: s.elapsed, progress: s.progress, expectedProgress: s.expectedProgress, probability: p,
            trajectoryProbability: t.probability, expectedScore: Self.expectedClampedScore(mean: t.mean, sd: t.sd),
            status: status, reasons: reasons, daysSinceCheckIn: s.daysSinceCheckIn, confidence: s.confidence)
    }

    /// E[min(max(X, 0), 1)] for X ~ N(mean, sd²).
    static func expectedClampedScore(mean: Double, sd: Double) -> Double {
        guard sd > 1e-12 else { return min(1, max(0, mean)) }
        func phi(_ z: Double) -> Double { exp(-z * z / 2) / (2 * Double.pi).squareRoot() }
        func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
        let a = -mean / sd, b = (1 - mean) / sd
        return mean * (cdf(b) - cdf(a)) + sd * (phi(a) - phi(b)) + (1 - cdf(b))
    }

    static func pct(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }

    /// A feature's contribution in plain words, with the numbers behind it.
    static func phrase(_ feature: String, _ s: Snapshot, history: History, k: Int) -> String? {
        switch feature {
        case "elapsed":
            return "\(pct(s.elapsed)) of the cycle has passed"
        case "progress", "pace_gap_x_elapsed", "pace_needed_minus_observed", "pace_gap_squared":
            let needed = (s.threshold - s.progress) / max(1 - s.elapsed, 0.05)
            let so = s.progress / max(s.elapsed, 0.05)
            if s.progress >= s.threshold { return "already at \(pct(s.progress)) of the target" }
            if so <= 0.01 { return "no progress yet (\(pct(s.progress))) where a straight line would be at \(pct(s.expectedProgress))" }
            return "progress \(pct(s.progress)) where a straight line would be at \(pct(s.expectedProgress)); needs \(String(format: "%.1f", needed / so))× its pace so far"
        case "slope", "slope_sd", "trajectory_logit", "trajectory_logit_x_elapsed", "recent_slope", "trajectory_logit_squared":
            return "its trend projects \(pct(max(0, s.trajectory.mean))) by cycle end (\(pct(s.threshold)) needed)"
        case "checkin_recency", "log_checkins":
            guard let days = s.daysSinceCheckIn else { return "no check-in yet" }
            return "last check-in \(days) days ago (\(s.checkIns) so far)"
        case "confidence", "mean_confidence", "mean_confidence_x_elapsed", "confidence_squared":
            guard let c = s.confidence else { return nil }
            return "owner's confidence \(Int(c))/10"
        case "confidence_change":
            guard let c = s.confidence, let p = s.previousConfidence, c != p else { return nil }
            return "confidence \(c < p ? "fell" : "rose") from \(Int(p)) to \(Int(c))"
        case "confidence_missing":
            return s.confidence == nil ? "no confidence reported" : nil
        case "kind_aspirational", "kind_kpi":
            return s.kind == .aspirational ? "aspirational: 70% counts as achieved" : "\(s.kind.rawValue): 100% is required"
        case "mode_okr", "mode_hybrid":
            return s.mode.map { "the unit is run by \($0.uppercased())" }
        case "unit_track_record", "unit_mean_margin":
            let (n, a) = s.unitRecord
            return n == 0 ? "the unit has no closed key results yet" : "the unit achieved \(a) of its \(n) past key results"
        case "owner_track_record", "owner_mean_margin":
            let (n, a) = s.ownerRecord
            return n == 0 ? nil : "the owner achieved \(a) of \(n) past key results"
        case "rescoped":
            return s.rescoped ? "the target was re-scoped" : nil
        case "peer_pace_gap":
            guard let g = s.peerGap else { return nil }
            return "the unit's other key results are \(pct(abs(g))) \(g < 0 ? "behind" : "ahead of") pace"
        case "peer_confidence":
            return s.peerConfidence.map { "the unit's other owners report confidence \(String(format: "%.1f", $0))/10" }
        case "target_stretch", "target_stretch_missing":
            return s.stretch.map { "the target is \(pct($0)) away from the start" }
        case "uncertainty", "uncertainty_x_kpi_mode":
            guard let u = s.uncertainty else { return nil }
            let level = u >= 1 ? "high" : (u <= 0 ? "low" : "medium")
            return "the unit's uncertainty is \(level)" + (s.mode == "kpi" ? " and it is run by KPI" : "")
        default:
            return nil
        }
    }
}
