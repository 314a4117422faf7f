import Foundation
import TandemCore
import TandemNumerics

/// One feature of the population model: its name in model files, its shape constraint, and the
/// phrase that explains it (`KeyResultForecast` reasons). Each feature is defined here once;
/// its value is computed in `FeatureSet.write`, in this enum's case order.
public enum Feature: String, CaseIterable, Sendable {
    case elapsed
    case progress
    case progressXElapsed = "progress_x_elapsed"
    case logProgress = "log_progress"
    case logProgressXElapsed = "log_progress_x_elapsed"
    case behindPace = "behind_pace"
    case reached
    case trajectoryZ = "trajectory_z"
    case trajectoryZXElapsed = "trajectory_z_x_elapsed"
    case paceSurplus = "pace_surplus"
    case trendPaceSurplus = "trend_pace_surplus"
    case slopeSD = "slope_sd"
    case checkinRecency = "checkin_recency"
    case logCheckins = "log_checkins"
    case noCheckin = "no_checkin"
    case logCycleDays = "log_cycle_days"
    case confidence
    case confidenceMissing = "confidence_missing"
    case confidenceChange = "confidence_change"
    case meanConfidence = "mean_confidence"
    case kindAspirational = "kind_aspirational"
    case kindKPI = "kind_kpi"
    case modeOKR = "mode_okr"
    case modeHybrid = "mode_hybrid"
    case unitTrackRecord = "unit_track_record"
    case ownerTrackRecord = "owner_track_record"
    case unitMeanMargin = "unit_mean_margin"
    case ownerMeanMargin = "owner_mean_margin"
    case rescoped
    case peerPaceGap = "peer_pace_gap"
    case peerConfidence = "peer_confidence"
    case targetStretch = "target_stretch"
    case targetStretchMissing = "target_stretch_missing"
    case uncertainty
    case uncertaintyXKPIMode = "uncertainty_x_kpi_mode"

    /// The slot of `elapsed`, which a recalibration reads.
    public static let elapsedSlot = 0

    /// The slot of this feature in a feature vector.
    public var slot: Int { Feature.slots[self]! }
    private static let slots = Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })

    /// Whether the model may only give this feature a coefficient ≥ 0.
    ///
    /// Each of these features is a nondecreasing function of the key result's own progress
    /// (every check-in value on the path counts toward it with a weight ≥ 0 for the latest one),
    /// all else equal, and every other feature does not depend on its values at all. With
    /// coefficients ≥ 0 on them, P(success) cannot rise as progress falls behind, whatever the
    /// training data: the domain's shape is a property of the model, not a hope about the fit.
    public var isMonotoneInProgress: Bool {
        switch self {
        case .progress, .progressXElapsed, .logProgress, .logProgressXElapsed, .behindPace, .reached, .trajectoryZ, .trajectoryZXElapsed, .paceSurplus, .trendPaceSurplus:
            true
        default:
            false
        }
    }
}

/// The features of the population model, computed from a snapshot.
public enum FeatureSet {
    public static let features = Feature.allCases
    public static let names = features.map(\.rawValue)
    /// Bound of the trajectory's z-score: beyond ±8 the verdict is certain either way.
    static let zBound = 8.0

    /// Clamps into [lo, hi]; +∞ to hi, −∞ to lo, NaN to `nan`.
    static func clamp(_ x: Double, _ lo: Double, _ hi: Double, nan: Double = 0) -> Double {
        x.isNaN ? nan : min(hi, max(lo, x))
    }

    /// Observed and needed pace (progress per cycle), with the elapsed and remaining shares
    /// floored at 5% so that the first and last days do not divide by zero.
    public static func pace(progress: Double, elapsed: Double, threshold: Double) -> (observed: Double, needed: Double) {
        (progress / max(elapsed, 0.05), (threshold - progress) / max(1 - elapsed, 0.05))
    }

    /// Writes the features of a snapshot into `out` (which must hold `names.count` values).
    /// Every value is finite and bounded for any snapshot.
    public static func write(_ s: Snapshot, into out: UnsafeMutablePointer<Double>) {
        let elapsed = clamp(s.elapsed, 0, 1)
        let progress = TrajectoryModel.clampProgress(s.progress)
        let t = s.trajectory
        let z = clamp((t.mean - s.threshold) / t.sd, -zBound, zBound)
        let pace = pace(progress: progress, elapsed: elapsed, threshold: s.threshold)
        let recency = s.daysSinceCheckIn.map { Double($0) / Double(max(1, s.cycleDays)) } ?? elapsed
        func meanConfidenceLogit(_ c: Double?) -> Double { Logistic.logit(((c.map { clamp($0, 0, 10, nan: 5) } ?? 5) + 0.5) / 11) }
        let uncertainty = clamp(s.uncertainty ?? 0.5, 0, 1, nan: 0.5)
        for (slot, feature) in features.enumerated() {
            let v: Double = switch feature {
            case .elapsed: elapsed
            case .progress: progress
            case .progressXElapsed: progress * elapsed
            // The first steps weigh most: 0 → 10% says more than 60% → 70% (real histories
            // move in jumps, and a first jump is the strongest sign of life).
            case .logProgress: log(0.02 + max(0, progress))
            case .logProgressXElapsed: log(0.02 + max(0, progress)) * elapsed
            // Being behind the linear pace weighs more than being ahead of it.
            case .behindPace: min(0, progress - elapsed)
            // Most targets stop counting once reached: a smooth step from 5% short of the threshold.
            case .reached: clamp((progress - s.threshold) / 0.05 + 1, 0, 1)
            case .trajectoryZ: z
            case .trajectoryZXElapsed: z * elapsed
            case .paceSurplus: clamp(pace.observed - pace.needed, -5, 5)
            // The trend's pace (the trajectory's slope: every check-in, recent ones weighing more)
            // against the pace still needed: a fast pace counts only as far as it is enough for
            // what is left of the cycle. Not the last two check-ins' difference: in histories
            // that move in jumps that is noise (0 → −54% → 0 → −11% is no recovery).
            case .trendPaceSurplus: clamp(t.slope - pace.needed, -5, 5)
            case .slopeSD: clamp(t.slopeSD, 0, 5)
            case .checkinRecency: clamp(recency, 0, 1)
            case .logCheckins: log1p(Double(min(s.checkIns, 10_000)))
            case .noCheckin: s.checkIns == 0 ? 1 : 0
            case .logCycleDays: log(Double(min(max(s.cycleDays, 1), 3660)) / 91)
            case .confidence: clamp((s.confidence ?? 5) / 10, 0, 1, nan: 0.5)
            case .confidenceMissing: s.confidence == nil ? 1 : 0
            case .confidenceChange: clamp(s.confidence.flatMap { c in s.previousConfidence.map { (c - $0) / 10 } } ?? 0, -1, 1)
            case .meanConfidence: meanConfidenceLogit(s.meanConfidence)
            case .kindAspirational: s.kind == .aspirational ? 1 : 0
            case .kindKPI: s.kind == .kpi ? 1 : 0
            case .modeOKR: s.mode == "okr" ? 1 : 0
            case .modeHybrid: s.mode == "hybrid" ? 1 : 0
            case .unitTrackRecord: Logistic.logit(s.unitRate, epsilon: 0.01)
            case .ownerTrackRecord: Logistic.logit(s.ownerRate, epsilon: 0.01)
            case .unitMeanMargin: clamp(s.unitMargin, -1, 1)
            case .ownerMeanMargin: clamp(s.ownerMargin, -1, 1)
            case .rescoped: s.rescoped ? 1 : 0
            case .peerPaceGap: clamp(s.peerGap ?? 0, -2, 2)
            case .peerConfidence: meanConfidenceLogit(s.peerConfidence)
            case .targetStretch: s.stretch.map { log1p(clamp($0, 0, 10)) } ?? 0
            case .targetStretchMissing: s.stretch == nil ? 1 : 0
            case .uncertainty: uncertainty
            case .uncertaintyXKPIMode: uncertainty * (s.mode == "kpi" ? 1 : 0)
            }
            out[slot] = v
        }
    }

    public static func vector(_ s: Snapshot) -> [Double] {
        var v = [Double](repeating: 0, count: names.count)
        v.withUnsafeMutableBufferPointer { write(s, into: $0.baseAddress!) }
        return v
    }
}
