/// How fast a key result moves against how fast it must: the one definition of pace, read by the
/// model's features, the forecast's reasons and the alert rules' `kr.pace` fact.
public struct Pace: Sendable, Equatable {
    /// The elapsed and remaining shares of the cycle are floored at this, so that the first and
    /// last days do not divide by zero.
    public static let floor = 0.05
    /// `ratio`'s bound either way.
    public static let ratioBound = 10.0

    /// Progress per cycle so far (times a what-if's multiplier of the pace from now on).
    public var observed: Double
    /// Progress per cycle still needed to reach the threshold by the end.
    public var needed: Double

    public init(progress: Double, elapsed: Double, threshold: Double, multiplier: Double = 1) {
        observed = progress / max(elapsed, Self.floor) * multiplier
        needed = (threshold - progress) / max(1 - elapsed, Self.floor)
    }

    /// The pace of a snapshot, with its what-if multiplier.
    public init(_ s: Snapshot) {
        self.init(progress: s.progress, elapsed: s.elapsed, threshold: s.threshold, multiplier: s.paceMultiplier)
    }

    /// Observed pace as a multiple of the pace needed, within ±10; 10 when nothing more is needed.
    public var ratio: Double {
        needed <= 0 ? Self.ratioBound : min(Self.ratioBound, max(-Self.ratioBound, observed / needed))
    }
}
