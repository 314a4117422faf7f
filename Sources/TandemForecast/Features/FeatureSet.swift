import Foundation
import TandemCore
import TandemNumerics

/// One feature of the population model, named as model files name it. What it is (its
/// computation, its shape constraint and the phrase that explains it) is its entry in
/// `FeatureDefinition.all`, in this enum's case order.
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
    public var isMonotoneInProgress: Bool { definition.monotoneInProgress }

    /// The feature's one definition: its computation and the phrase that explains it.
    public var definition: FeatureDefinition { FeatureDefinition.all[slot] }
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

    /// Writes the features of a snapshot into `out` (which must hold `names.count` values).
    /// Every value is finite and bounded for any snapshot.
    public static func write(_ s: Snapshot, into out: UnsafeMutablePointer<Double>) {
        let inputs = FeatureInputs(s)
        for (slot, definition) in FeatureDefinition.all.enumerated() { out[slot] = definition.value(inputs) }
    }

    public static func vector(_ s: Snapshot) -> [Double] {
        var v = [Double](repeating: 0, count: names.count)
        v.withUnsafeMutableBufferPointer { write(s, into: $0.baseAddress!) }
        return v
    }
}

/// What a snapshot's features are computed from: the snapshot, and the quantities several
/// features share, each clamped so that every feature is finite for any snapshot.
public struct FeatureInputs: Sendable {
    public let s: Snapshot
    public let elapsed: Double
    public let progress: Double
    /// The trajectory's z-score against the threshold, within ±8.
    public let z: Double
    public let pace: Pace
    /// Days since the last check-in as a share of the cycle (the elapsed share when none).
    public let recency: Double
    public let uncertainty: Double

    public init(_ s: Snapshot) {
        self.s = s
        elapsed = FeatureSet.clamp(s.elapsed, 0, 1)
        progress = TrajectoryModel.clampProgress(s.progress)
        z = FeatureSet.clamp((s.trajectory.mean - s.threshold) / s.trajectory.sd, -FeatureSet.zBound, FeatureSet.zBound)
        pace = Pace(progress: progress, elapsed: elapsed, threshold: s.threshold)
        recency = s.daysSinceCheckIn.map { Double($0) / Double(max(1, s.cycleDays)) } ?? elapsed
        uncertainty = FeatureSet.clamp(s.uncertainty ?? 0.5, 0, 1, nan: 0.5)
    }

    /// A mean confidence (0–10, 5 when unknown) as log-odds.
    func confidenceLogit(_ c: Double?) -> Double { Logistic.logit(((c.map { FeatureSet.clamp($0, 0, 10, nan: 5) } ?? 5) + 0.5) / 11) }
}

/// A feature, defined once: how it is computed, whether it must rise with progress, and the
/// phrase that explains it in a forecast's reasons (nil when the fact does not point the way of
/// the verdict: a forecast of success is never explained by a trend that projects a miss).
public struct FeatureDefinition: Sendable {
    public let feature: Feature
    public let monotoneInProgress: Bool
    public let value: @Sendable (FeatureInputs) -> Double
    public let phrase: @Sendable (_ s: Snapshot, _ towardFailure: Bool) -> String?

    init(_ feature: Feature, monotone: Bool = false, _ value: @escaping @Sendable (FeatureInputs) -> Double,
         phrase: @escaping @Sendable (Snapshot, Bool) -> String?) {
        self.feature = feature
        self.monotoneInProgress = monotone
        self.value = value
        self.phrase = phrase
    }

    /// Every feature, in `Feature`'s case order (a test holds them to it).
    public static let all: [FeatureDefinition] = {
        let c = FeatureSet.clamp
        return [
            .init(.elapsed, { $0.elapsed }, phrase: Phrase.elapsed),
            .init(.progress, monotone: true, { $0.progress }, phrase: Phrase.progress),
            .init(.progressXElapsed, monotone: true, { $0.progress * $0.elapsed }, phrase: Phrase.progress),
            // The first steps weigh most: 0 → 10% says more than 60% → 70% (real histories
            // move in jumps, and a first jump is the strongest sign of life).
            .init(.logProgress, monotone: true, { log(0.02 + max(0, $0.progress)) }, phrase: Phrase.progress),
            .init(.logProgressXElapsed, monotone: true, { log(0.02 + max(0, $0.progress)) * $0.elapsed }, phrase: Phrase.progress),
            // Being behind the linear pace weighs more than being ahead of it.
            .init(.behindPace, monotone: true, { min(0, $0.progress - $0.elapsed) }, phrase: Phrase.progress),
            // Most targets stop counting once reached: a smooth step from 5% short of the threshold.
            .init(.reached, monotone: true, { c(($0.progress - $0.s.threshold) / 0.05 + 1, 0, 1, 0) }, phrase: Phrase.progress),
            .init(.trajectoryZ, monotone: true, { $0.z }, phrase: Phrase.trend),
            .init(.trajectoryZXElapsed, monotone: true, { $0.z * $0.elapsed }, phrase: Phrase.trend),
            .init(.paceSurplus, monotone: true, { c($0.pace.observed - $0.pace.needed, -5, 5, 0) }, phrase: Phrase.progress),
            // The trend's pace (the trajectory's slope: every check-in, recent ones weighing more)
            // against the pace still needed: a fast pace counts only as far as it is enough for
            // what is left of the cycle. Not the last two check-ins' difference: in histories
            // that move in jumps that is noise (0 → −54% → 0 → −11% is no recovery).
            .init(.trendPaceSurplus, monotone: true, { c($0.s.trajectory.slope - $0.pace.needed, -5, 5, 0) }, phrase: Phrase.trend),
            .init(.slopeSD, { c($0.s.trajectory.slopeSD, 0, 5, 0) }, phrase: Phrase.trend),
            .init(.checkinRecency, { c($0.recency, 0, 1, 0) }, phrase: Phrase.checkIns),
            .init(.logCheckins, { log1p(Double(min($0.s.checkIns, 10_000))) }, phrase: Phrase.checkIns),
            .init(.noCheckin, { $0.s.checkIns == 0 ? 1 : 0 }, phrase: Phrase.checkIns),
            .init(.logCycleDays, { log(Double(min(max($0.s.cycleDays, 1), 3660)) / 91) }, phrase: { s, _ in "a cycle of \(s.cycleDays) days" }),
            .init(.confidence, { c(($0.s.confidence ?? 5) / 10, 0, 1, 0.5) }, phrase: Phrase.confidence),
            .init(.confidenceMissing, { $0.s.confidence == nil ? 1 : 0 }, phrase: { s, _ in s.confidence == nil ? "no confidence reported" : nil }),
            .init(.confidenceChange, { i in c(i.s.confidence.flatMap { x in i.s.previousConfidence.map { (x - $0) / 10 } } ?? 0, -1, 1, 0) },
                  phrase: Phrase.confidenceChange),
            .init(.meanConfidence, { $0.confidenceLogit($0.s.meanConfidence) }, phrase: Phrase.confidence),
            .init(.kindAspirational, { $0.s.kind == .aspirational ? 1 : 0 }, phrase: Phrase.kind),
            .init(.kindKPI, { $0.s.kind == .kpi ? 1 : 0 }, phrase: Phrase.kind),
            .init(.modeOKR, { $0.s.mode == .okr ? 1 : 0 }, phrase: Phrase.mode),
            .init(.modeHybrid, { $0.s.mode == .hybrid ? 1 : 0 }, phrase: Phrase.mode),
            .init(.unitTrackRecord, { Logistic.logit($0.s.unitRate, epsilon: 0.01) }, phrase: Phrase.unitRecord),
            .init(.ownerTrackRecord, { Logistic.logit($0.s.ownerRate, epsilon: 0.01) }, phrase: Phrase.ownerRecord),
            .init(.unitMeanMargin, { c($0.s.unitMargin, -1, 1, 0) }, phrase: Phrase.unitRecord),
            .init(.ownerMeanMargin, { c($0.s.ownerMargin, -1, 1, 0) }, phrase: Phrase.ownerRecord),
            .init(.rescoped, { $0.s.rescoped ? 1 : 0 }, phrase: { s, _ in s.rescoped ? "the target was re-scoped" : nil }),
            .init(.peerPaceGap, { c($0.s.peerGap ?? 0, -2, 2, 0) }, phrase: { s, _ in
                s.peerGap.map { g in "the unit's other key results are \(Phrase.pct(abs(g))) \(g < 0 ? "behind" : "ahead of") pace" }
            }),
            .init(.peerConfidence, { $0.confidenceLogit($0.s.peerConfidence) }, phrase: { s, _ in
                s.peerConfidence.map { "the unit's other owners report confidence \(String(format: "%.1f", $0))/10" }
            }),
            .init(.targetStretch, { $0.s.stretch.map { log1p(c($0, 0, 10, 0)) } ?? 0 }, phrase: Phrase.stretch),
            .init(.targetStretchMissing, { $0.s.stretch == nil ? 1 : 0 }, phrase: Phrase.stretch),
            .init(.uncertainty, { $0.uncertainty }, phrase: Phrase.uncertainty),
            .init(.uncertaintyXKPIMode, { $0.uncertainty * ($0.s.mode == .kpi ? 1 : 0) }, phrase: Phrase.uncertainty),
        ]
    }()
}

/// The phrases several features share (the facts behind them are the same).
enum Phrase {
    static func pct(_ x: Double) -> String { x.percentText }

    static func elapsed(_ s: Snapshot, _ towardFailure: Bool) -> String? { "\(pct(s.elapsed)) of the cycle has passed" }

    static func progress(_ s: Snapshot, _ towardFailure: Bool) -> String? {
        if s.progress >= s.threshold { return towardFailure ? nil : "already at \(pct(s.progress)) of the target" }
        let behind = s.progress < s.expectedProgress
        guard behind == towardFailure else { return nil }
        if s.progress < 0 { return "moved the wrong way: progress \(pct(s.progress)) where a straight line would be at \(pct(s.expectedProgress))" }
        let pace = Pace(progress: s.progress, elapsed: s.elapsed, threshold: s.threshold)
        if pace.observed <= 0.01 { return "no progress yet (\(pct(s.progress))) where a straight line would be at \(pct(s.expectedProgress))" }
        return "progress \(pct(s.progress)) where a straight line would be at \(pct(s.expectedProgress)); needs \(String(format: "%.1f", pace.needed / pace.observed))× its pace so far"
    }

    static func trend(_ s: Snapshot, _ towardFailure: Bool) -> String? {
        if s.checkIns == 0 { return towardFailure ? "no check-in yet" : nil }
        guard (s.trajectory.mean < s.threshold) == towardFailure else { return nil }
        return "its trend projects \(pct(min(2, max(0, s.trajectory.mean)))) by cycle end (\(pct(s.threshold)) needed)"
    }

    static func checkIns(_ s: Snapshot, _ towardFailure: Bool) -> String? {
        guard let days = s.daysSinceCheckIn else { return towardFailure ? "no check-in yet" : nil }
        return "last check-in \(days) days ago (\(s.checkIns) so far)"
    }

    static func confidence(_ s: Snapshot, _ towardFailure: Bool) -> String? {
        s.confidence.map { "owner's confidence \(Int($0))/10" }
    }

    static func confidenceChange(_ s: Snapshot, _ towardFailure: Bool) -> String? {
        guard let c = s.confidence, let p = s.previousConfidence, c != p, (c < p) == towardFailure else { return nil }
        return "confidence \(c < p ? "fell" : "rose") from \(Int(p)) to \(Int(c))"
    }

    static func kind(_ s: Snapshot, _ towardFailure: Bool) -> String? {
        s.kind == .aspirational ? "aspirational: 70% counts as achieved" : "\(s.kind.rawValue): 100% is required"
    }

    static func mode(_ s: Snapshot, _ towardFailure: Bool) -> String? { s.mode.map { "the unit is run by \($0.rawValue.uppercased())" } }

    static func unitRecord(_ s: Snapshot, _ towardFailure: Bool) -> String? {
        let (n, a) = s.unitRecord
        return n == 0 ? "the unit has no closed key results yet" : "the unit achieved \(a) of its \(n) past key results"
    }

    static func ownerRecord(_ s: Snapshot, _ towardFailure: Bool) -> String? {
        let (n, a) = s.ownerRecord
        return n == 0 ? nil : "the owner achieved \(a) of \(n) past key results"
    }

    static func stretch(_ s: Snapshot, _ towardFailure: Bool) -> String? { s.stretch.map { "the target is \(pct($0)) away from the start" } }

    static func uncertainty(_ s: Snapshot, _ towardFailure: Bool) -> String? {
        guard let u = s.uncertainty else { return nil }
        let level = u >= 1 ? "high" : (u <= 0 ? "low" : "medium")
        return "the unit's uncertainty is \(level)" + (s.mode == .kpi ? " and it is run by KPI" : "")
    }
}
