import Foundation
import TandemCore
import TandemNumerics

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
    /// The unit's success rate over its key results closed before, partially pooled toward the
    /// organisation's rate over all key results closed before (`History.poolingStrength`
    /// pseudo-observations of it): a unit with little history reads as the organisation.
    public var unitRate: Double = 0.5
    /// The same for the owner.
    public var ownerRate: Double = 0.5
    /// Mean of (final progress − success threshold) over the unit's key results closed before,
    /// pooled the same way toward the organisation's mean margin.
    public var unitMargin: Double
    /// The same for the owner's key results closed before.
    public var ownerMargin: Double = 0
    public var kind: KeyResultKind
    public var mode: Mode?
    public var cycleDays: Int
    /// Mean of the confidences reported so far, recent ones weighing more.
    public var meanConfidence: Double?
    /// Progress per cycle over the last three check-ins (nil when they span less than a tenth
    /// of the cycle: the trajectory's slope stands in).
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
        t.probability = Normal.cdf((t.mean - threshold) / t.sd)
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
        s.trajectory.probability = Normal.cdf((s.trajectory.mean - s.threshold) / s.trajectory.sd)
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
            // Over at least a tenth of the cycle: two check-ins a day apart say nothing about a
            // pace (a rise of 0.2 in 2% of the cycle is not "10× the target"). The feature clamps it.
            if dt >= 0.1 { recentSlope = (progress[progress.count - 1] - progress[k]) / dt }
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
        let unitPooled = pooled(unit, before: day), ownerPooled = pooled(owner, before: day)
        return Snapshot(
            keyResult: index, day: day, elapsed: elapsed, progress: progress.last ?? 0, checkIns: times.count,
            daysSinceCheckIn: last.map { $0.date.distance(to: day) }, confidence: confidence,
            previousConfidence: previousConfidence, rescoped: rescoped, threshold: threshold, trajectory: prediction,
            unitRecord: (unit.0, unit.1), ownerRecord: (owner.0, owner.1), unitRate: unitPooled.rate, ownerRate: ownerPooled.rate,
            unitMargin: unitPooled.margin, ownerMargin: ownerPooled.margin,
            kind: kr.kind, mode: modeOf[index],
            cycleDays: kr.cycle.days, meanConfidence: confidenceWeight > 0 ? confidenceSum / confidenceWeight : nil,
            recentSlope: recentSlope, peerGap: gapCount > 0 ? gapSum / Double(gapCount) : nil,
            peerConfidence: peerConfidenceCount > 0 ? peerConfidenceSum / Double(peerConfidenceCount) : nil,
            stretch: kr.startValue != 0 ? abs(target - kr.startValue) / abs(kr.startValue) : nil,
            uncertainty: uncertaintyOf[index])
    }

    /// The day at a given elapsed share (0…1) of a key result's cycle, never its last day: a
    /// forecast "as of 90%" of a five-day cycle must not see the closing check-in.
    public func day(_ index: Int, atShare share: Double) -> Day {
        let cycle = krs[index].cycle
        let share = share.isNaN ? 0 : min(1, max(0, share))
        let offset = Int((share * Double(cycle.days)).rounded()) - 1
        return cycle.start.advanced(by: max(0, min(cycle.days - 2, offset)))
    }
}

