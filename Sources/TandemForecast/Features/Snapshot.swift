import Foundation
import TandemCore

/// What was known about one key result at the end of one day: facts read from its check-ins
/// dated up to that day, the trajectory model's prediction, and the track records of its unit
/// and owner from key results closed before that day. Nothing later is used.
public struct Snapshot: Sendable {
    public var keyResult: Int
    public var day: Day
    public var elapsed: Double
    /// Latest progress against the target in force then; 0 before the first check-in.
    public var progress: Double
    public var checkIns: Int
    public var daysSinceCheckIn: Int?
    public var confidence: Double?
    public var previousConfidence: Double?
    public var rescoped: Bool
    public var threshold: Double
    public var trajectory: TrajectoryModel.Prediction
    public var unitRecord: (closed: Int, achieved: Int)
    public var ownerRecord: (closed: Int, achieved: Int)
    /// Mean of (final progress − success threshold) over the unit's key results closed before,
    /// shrunk toward 0 by two pseudo-observations.
    public var unitMargin: Double
    /// The same for the owner's key results closed before.
    public var ownerMargin: Double = 0
    public var kind: KeyResultKind
    public var mode: String?
    public var cycleDays: Int
    /// Mean of the confidences reported so far, recent ones weighing more.
    public var meanConfidence: Double?
    /// Progress per cycle over the last three check-ins.
    public var recentSlope: Double?
    /// The unit's other key results of the same cycle, as of the same day: mean gap of their
    /// progress to the linear pace, and their mean latest confidence.
    public var peerGap: Double?
    public var peerConfidence: Double?
    /// How far the target reaches: |target − start| / |start| (nil when the start is 0).
    public var stretch: Double?
    /// The unit's business uncertainty, 0 (low) to 1 (high), when the organisation gives it.
    public var uncertainty: Double?
    /// What-if only: the pace projected forward is this multiple of the pace so far (1 for a
    /// real forecast). See `withPace(_:)`.
    public var paceMultiplier: Double = 1

    /// The snapshot with the pace projected forward multiplied by `k` ("what if this key result
    /// progressed twice as fast from now on"): the trajectory's projected remaining progress,
    /// its slope and slope uncertainty and the recent slope are scaled by `k`; what was already
    /// achieved is not, and the predictive spread is kept. `ForecastModel.probability(_:pace:)`
    /// turns it into a probability.
    public func withPace(_ k: Double) -> Snapshot {
        guard k != paceMultiplier, k > 0, paceMultiplier > 0 else { return self }
        let factor = k / paceMultiplier
        var s = self
        var t = s.trajectory
        t.mean += (factor - 1) * t.slope * max(0, 1 - elapsed)
        t.slope *= factor
        t.slopeSD *= factor
        t.probability = 0.5 * erfc(-((t.mean - threshold) / t.sd) / 2.0.squareRoot())
        s.trajectory = t
        s.recentSlope = recentSlope.map { $0 * factor }
        s.paceMultiplier = k
        return s
    }

    /// The snapshot as if the key result were of another kind: its success threshold and the
    /// trajectory's P(success) against it (for the alert rules of a what-if; the population
    /// model's probability goes through `ForecastModel.probability(_:pace:kind:)`).
    public func withKind(_ kind: KeyResultKind) -> Snapshot {
        var s = self
        s.kind = kind
        s.threshold = kind.successThreshold
        s.trajectory.probability = 0.5 * erfc(-((s.trajectory.mean - s.threshold) / s.trajectory.sd) / 2.0.squareRoot())
        return s
    }

    /// Progress a straight line from start to deadline would have reached (the OKR tools' rule).
    public var expectedProgress: Double { elapsed }

    /// The linear-pace rule of today's OKR tools: at risk when progress is behind the expected
    /// progress by more than 25% of it.
    public var linearPaceFlag: Bool { progress < 0.75 * expectedProgress }
}

extension History {
    /// The snapshot of key result `index` at the end of `day`.
    public func snapshot(_ index: Int, asOf day: Day) -> Snapshot {
        let kr = krs[index]
        let all = dataset.checkIns.checkIns(ofKeyResult: index)
        var times: [Double] = [], progress: [Double] = []
        times.reserveCapacity(all.count)
        progress.reserveCapacity(all.count)
        var target = kr.targetValue
        var rescoped = false
        var last: CheckIn?, confidence: Double?, previousConfidence: Double?
        var confidenceSum = 0.0, confidenceWeight = 0.0
        for c in all {
            guard c.date <= day else { break }
            if let t = c.target {
                target = t
                rescoped = true
            }
            times.append(kr.cycle.elapsedShare(at: c.date))
            progress.append(kr.progress(of: c.value, target: target))
            last = c
            if let conf = c.confidence {
                previousConfidence = confidence
                confidence = conf
                confidenceSum = 0.7 * confidenceSum + conf
                confidenceWeight = 0.7 * confidenceWeight + 1
            }
        }
        let elapsed = kr.cycle.elapsedShare(at: day)
        var recentSlope: Double?
        if times.count >= 2 {
            let k = max(0, times.count - 3)
            let dt = times[times.count - 1] - times[k]
            if dt > 0.02 { recentSlope = (progress[progress.count - 1] - progress[k]) / dt }
        }
        var gapSum = 0.0, gapCount = 0, peerConfidenceSum = 0.0, peerConfidenceCount = 0
        for j in peers[index] {
            let (p, c) = latest(j, asOf: day)
            if let p { gapSum += p - elapsed; gapCount += 1 }
            if let c { peerConfidenceSum += c; peerConfidenceCount += 1 }
        }
        let threshold = kr.kind.successThreshold
        let prediction = TrajectoryModel.predict(times: times, progress: progress, now: elapsed, threshold: threshold)
        let unit = unitRecord(ofKeyResult: index, before: day)
        let owner = ownerRecord(ofKeyResult: index, before: day)
        return Snapshot(
            keyResult: index, day: day, elapsed: elapsed, progress: progress.last ?? 0, checkIns: times.count,
            daysSinceCheckIn: last.map { $0.date.distance(to: day) }, confidence: confidence,
            previousConfidence: previousConfidence, rescoped: rescoped, threshold: threshold, trajectory: prediction,
            unitRecord: (unit.0, unit.1), ownerRecord: (owner.0, owner.1), unitMargin: unit.2 / Double(unit.0 + 2), ownerMargin: owner.2 / Double(owner.0 + 2),
            kind: kr.kind, mode: modeOf[index],
            cycleDays: kr.cycle.days, meanConfidence: confidenceWeight > 0 ? confidenceSum / confidenceWeight : nil,
            recentSlope: recentSlope, peerGap: gapCount > 0 ? gapSum / Double(gapCount) : nil,
            peerConfidence: peerConfidenceCount > 0 ? peerConfidenceSum / Double(peerConfidenceCount) : nil,
            stretch: kr.startValue != 0 ? abs(target - kr.startValue) / abs(kr.startValue) : nil,
            uncertainty: uncertaintyOf[index])
    }

    /// The day at a given elapsed share of a key result's cycle.
    public func day(_ index: Int, atShare share: Double) -> Day {
        let cycle = krs[index].cycle
        return cycle.start.advanced(by: Int((share * Double(cycle.days)).rounded()) - 1)
    }
}

/// The features of the population model, computed from a snapshot.
public enum FeatureSet {
    public static let names = [
        "elapsed", "progress", "pace_gap_x_elapsed", "slope", "slope_sd",
        "trajectory_logit", "trajectory_logit_x_elapsed", "pace_needed_minus_observed", "checkin_recency",
        "log_checkins", "confidence", "confidence_missing", "confidence_change", "kind_aspirational", "kind_kpi",
        "mode_okr", "mode_hybrid", "unit_track_record", "owner_track_record", "rescoped",
        "mean_confidence", "recent_slope", "peer_pace_gap", "peer_confidence", "mean_confidence_x_elapsed",
        "target_stretch", "target_stretch_missing", "uncertainty", "uncertainty_x_kpi_mode", "unit_mean_margin",
        "owner_mean_margin", "pace_gap_squared", "trajectory_logit_squared", "confidence_squared",
    ]

    /// How each feature reads in a reason, for `tandem forecast`.
    static func clamp(_ x: Double, _ lo: Double, _ hi: Double) -> Double { min(hi, max(lo, x.isFinite ? x : 0)) }

    static func logit(_ p: Double) -> Double {
        let q = clamp(p, 1e-4, 1 - 1e-4)
        return log(q / (1 - q))
    }

    /// Writes the features of a snapshot into `out` (which must hold `names.count` values).
    public static func write(_ s: Snapshot, into out: UnsafeMutablePointer<Double>) {
        let progress = clamp(s.progress, -1, 3)
        let gap = progress - s.elapsed
        let trajectory = logit(s.trajectory.probability)
        let required = (s.threshold - progress) / max(1 - s.elapsed, 0.05)
        let observed = progress / max(s.elapsed, 0.05)
        let recency = s.daysSinceCheckIn.map { Double($0) / Double(s.cycleDays) } ?? s.elapsed
        // Progress itself and its gap to the linear pace would be collinear with elapsed; the
        // gap enters through its interaction with elapsed instead.
        out[0] = s.elapsed
        out[1] = progress
        out[2] = gap * s.elapsed
        out[3] = clamp(s.trajectory.slope, -3, 5)
        out[4] = clamp(s.trajectory.slopeSD, 0, 5)
        out[5] = trajectory
        out[6] = trajectory * s.elapsed
        out[7] = clamp(required - observed, -5, 5)
        out[8] = clamp(recency, 0, 1)
        out[9] = log1p(Double(s.checkIns))
        out[10] = (s.confidence ?? 5) / 10
        out[11] = s.confidence == nil ? 1 : 0
        out[12] = s.confidence.flatMap { c in s.previousConfidence.map { (c - $0) / 10 } } ?? 0
        out[13] = s.kind == .aspirational ? 1 : 0
        out[14] = s.kind == .kpi ? 1 : 0
        out[15] = s.mode == "okr" ? 1 : 0
        out[16] = s.mode == "hybrid" ? 1 : 0
        out[17] = logit(Double(s.unitRecord.achieved + 1) / Double(s.unitRecord.closed + 2))
        out[18] = logit(Double(s.ownerRecord.achieved + 1) / Double(s.ownerRecord.closed + 2))
        out[19] = s.rescoped ? 1 : 0
        // Confidence lives on a bounded 0–10 scale; its log-odds is closer to linear in the outcome.
        out[20] = logit(((s.meanConfidence ?? 5) + 0.5) / 11)
        out[21] = clamp(s.recentSlope ?? s.trajectory.slope, -3, 5)
        out[22] = clamp(s.peerGap ?? 0, -2, 2)
        out[23] = logit(((s.peerConfidence ?? 5) + 0.5) / 11)
        out[24] = out[20] * s.elapsed
        out[25] = s.stretch.map { log1p(clamp($0, 0, 10)) } ?? 0
        out[26] = s.stretch == nil ? 1 : 0
        out[27] = s.uncertainty ?? 0.5
        out[28] = (s.uncertainty ?? 0.5) * (s.mode == "kpi" ? 1 : 0)
        out[29] = s.unitMargin
        out[30] = s.ownerMargin
        // Curvature: how far behind (or ahead of) the linear pace, how sure the trend is either
        // way, and how extreme the confidence, each matter more than linearly.
        out[31] = gap * gap
        out[32] = trajectory * trajectory / 10
        out[33] = out[10] * out[10]
    }

    public static func vector(_ s: Snapshot) -> [Double] {
        var v = [Double](repeating: 0, count: names.count)
        v.withUnsafeMutableBufferPointer { write(s, into: $0.baseAddress!) }
        return v
    }
}
