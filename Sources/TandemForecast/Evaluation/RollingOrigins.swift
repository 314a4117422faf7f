import TandemCore

/// Folds by calendar time, for cross-validation and backtests: a few origins spread over the
/// history; at each, a model may learn from the key results that closed before it and is
/// judged on those that start between it and the next origin.
///
/// The first origin is the earliest cycle start before which at least `minimumTraining` closed
/// key results and a fifth of them all (`minimumShare`), with both outcomes among them, had
/// ended (a model trained on a handful would be judged, not the model); the others
/// sit at evenly spaced quantiles of the later cycle starts (`count` origins at most, fewer when
/// starts coincide, as with quarterly cycles, where each quarter becomes one fold). The cost of
/// a backtest therefore grows with the number of key results, never with the number of
/// distinct cycles: a history where every key result has its own cycle makes `count` folds,
/// not thousands.
public struct RollingOrigins: Sendable {
    public struct Fold: Sendable {
        public var origin: Day
        /// Closed key results whose cycle ended before the origin.
        public var training: [Int]
        /// Closed key results whose cycle starts on or after the origin and before the next one.
        public var test: [Int]
    }

    public static let defaultCount = 8
    public static let minimumTraining = 30
    public static let minimumShare = 0.2

    public var folds: [Fold]
    /// Closed key results that start before the first origin: no model could have learnt from
    /// enough history to forecast them.
    public var untested: Int

    /// Folds over the closed key results `closed` of `history`.
    public init(_ history: History, closed: [Int], count: Int = RollingOrigins.defaultCount,
                minimumTraining: Int = RollingOrigins.minimumTraining) {
        let krs = history.krs
        // Ends in order, with whether each was achieved, to find the first usable origin.
        let byEnd = closed.sorted { krs[$0].cycle.end < krs[$1].cycle.end }
        let starts = closed.map { krs[$0].cycle.start }.sorted()
        var first: Day?
        var ended = 0, achieved = 0
        for start in starts {
            while ended < byEnd.count && krs[byEnd[ended]].cycle.end < start {
                if history.dataset.isSuccess(keyResult: byEnd[ended]) == true { achieved += 1 }
                ended += 1
            }
            if ended >= max(minimumTraining, Int((RollingOrigins.minimumShare * Double(closed.count)).rounded(.up))) && achieved > 0 && achieved < ended { first = start; break }
        }
        guard let first else {
            folds = []
            untested = closed.count
            return
        }
        let later = starts.filter { $0 >= first }
        var origins: [Day] = []
        for i in 0..<max(1, count) {
            let day = later[min(later.count - 1, i * later.count / max(1, count))]
            if origins.last != day { origins.append(day) }
        }
        folds = origins.enumerated().map { i, origin in
            let next = i + 1 < origins.count ? origins[i + 1] : nil
            return Fold(origin: origin,
                        training: closed.filter { krs[$0].cycle.end < origin },
                        test: closed.filter { k in krs[k].cycle.start >= origin && (next.map { krs[k].cycle.start < $0 } ?? true) })
        }
        untested = closed.count - folds.reduce(0) { $0 + $1.test.count }
    }
}
