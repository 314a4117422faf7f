import Foundation
import TandemCore
import TandemNumerics

/// Trains the population model on closed key results.
public enum Trainer {
    /// Elapsed shares at which each closed key result contributes a training snapshot.
    public static let snapshotShares = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    /// Ridge strengths tried by cross-validation (penalty on standardised coefficients).
    public static let ridgeGrid = [0.01, 0.1, 1, 10, 100, 1000]
    /// Rolling origins of the cross-validation that chooses the ridge (a backtest uses
    /// `RollingOrigins.defaultCount`): five are enough to rank six ridge strengths.
    public static let crossValidationOrigins = 5

    /// The training snapshots of a set of closed key results, computed once: every feature is
    /// computed as of its own day from what was known then, so a fold may take any subset of
    /// these rows without recomputing them (nothing in a row depends on which fold uses it).
    public struct Rows: Sendable {
        public internal(set) var x: [Double] = []        // row-major, `FeatureSet.names.count` a row
        public internal(set) var y: [Bool] = []
        /// The rows of each key result, by its index in the history.
        var rowsOf: [Int: Range<Int>] = [:]
        var share: [Double] = []
        var trajectory: [Double] = []
        var confidence: [Double?] = []
        var linearPaceFlag: [Bool] = []
        public var count: Int { y.count }

        /// The rows of the given key results.
        func indices(of keyResults: [Int]) -> [Int] { keyResults.flatMap { rowsOf[$0].map(Array.init) ?? [] } }
    }

    /// Snapshots of the given closed key results at `shares` of their cycles.
    public static func rows(_ history: History, keyResults: [Int], shares: [Double] = snapshotShares) -> Rows {
        var rows = Rows()
        let p = FeatureSet.names.count
        rows.x.reserveCapacity(keyResults.count * shares.count * p)
        var v = [Double](repeating: 0, count: p)
        for k in keyResults {
            guard let success = history.dataset.isSuccess(keyResult: k) else { continue }
            let first = rows.y.count
            for share in shares {
                let s = history.snapshot(k, asOf: history.day(k, atShare: share))
                v.withUnsafeMutableBufferPointer { FeatureSet.write(s, into: $0.baseAddress!) }
                rows.x += v
                rows.y.append(success)
                rows.share.append(share)
                rows.trajectory.append(s.trajectory.probability)
                rows.confidence.append(s.confidence)
                rows.linearPaceFlag.append(s.linearPaceFlag)
            }
            rows.rowsOf[k] = first..<rows.y.count
        }
        return rows
    }

    /// A fit on some rows: coefficients on the standardised features, intercept first.
    struct Fitted {
        var coefficients: [Double]
        var fit: LogisticFit
        var mean: [Double]
        var sd: [Double]
        var lower: [Double]
        var upper: [Double]

        /// The log-odds of row `i`, its features clamped into the training range as
        /// `ForecastModel.logOdds` does.
        func logOdds(_ rows: Rows, _ i: Int) -> Double {
            let p = mean.count
            var eta = coefficients[0]
            for j in 0..<p { eta += coefficients[j + 1] * (min(upper[j], max(lower[j], rows.x[i * p + j])) - mean[j]) / sd[j] }
            return eta
        }
    }

    /// Fits on the rows `subset` with a ridge strength, standardising with those rows' own
    /// means and sds, under the shape constraints: every feature that is monotone in progress
    /// (`Feature.isMonotoneInProgress`) gets a coefficient ≥ 0. The constraint is met by an
    /// active set: a fit whose constrained coefficients come out negative is refitted with
    /// those features held at 0 (their columns zeroed, so the ridge pins them to exactly 0),
    /// warm-started, until none is negative (at most once per constrained feature).
    ///
    /// - Parameter warm: coefficients to start from (a fit on the same rows with another ridge
    ///   strength): Newton's method then needs a few iterations instead of several.
    static func fit(_ rows: Rows, subset: [Int], ridge: Double, warm: [Double]? = nil) throws -> Fitted {
        let p = FeatureSet.names.count
        let n = subset.count
        var mean = [Double](repeating: 0, count: p), sd = [Double](repeating: 0, count: p)
        var lower = [Double](repeating: .infinity, count: p), upper = [Double](repeating: -.infinity, count: p)
        for i in subset {
            for j in 0..<p {
                let v = rows.x[i * p + j]
                mean[j] += v
                lower[j] = min(lower[j], v)
                upper[j] = max(upper[j], v)
            }
        }
        for j in 0..<p { mean[j] /= Double(max(1, n)) }
        for i in subset { for j in 0..<p { let d = rows.x[i * p + j] - mean[j]; sd[j] += d * d } }
        for j in 0..<p { sd[j] = (sd[j] / Double(max(1, n - 1))).squareRoot(); if !(sd[j] > 1e-12) { sd[j] = 1 } }
        var x = Matrix(rows: n, columns: p + 1)
        for (r, i) in subset.enumerated() {
            x[r, 0] = 1
            for j in 0..<p { x[r, j + 1] = (rows.x[i * p + j] - mean[j]) / sd[j] }
        }
        let y = subset.map { rows.y[$0] ? 1.0 : 0.0 }
        let penalty = [0] + [Double](repeating: ridge, count: p)
        let constrained = FeatureSet.features.enumerated().filter { $0.element.isMonotoneInProgress }.map(\.offset)
        var start = warm.map { w in
            w.enumerated().map { j, v in j > 0 && constrained.contains(j - 1) ? max(0, v) : v }
        }
        do {
            while true {
                let fit = try LogisticRegression.fit(x, y, ridge: penalty, start: start)
                let negative = constrained.filter { fit.coefficients[$0 + 1] < 0 }
                if negative.isEmpty { return Fitted(coefficients: fit.coefficients, fit: fit, mean: mean, sd: sd, lower: lower, upper: upper) }
                var warm = fit.coefficients
                for j in negative {
                    for r in 0..<n { x[r, j + 1] = 0 }
                    warm[j + 1] = 0
                }
                start = warm
            }
        } catch {
            throw ForecastError.numerics(error)
        }
    }

    static func logLoss(_ f: Fitted, _ rows: Rows, _ subset: [Int]) -> Double {
        var loss = 0.0
        for i in subset {
            let p = min(1 - 1e-15, max(1e-15, Logistic.sigmoid(f.logOdds(rows, i))))
            loss -= rows.y[i] ? log(p) : log(1 - p)
        }
        return loss / Double(max(1, subset.count))
    }

    /// What `train` reports while it works: a stage and (done, total) within it.
    public typealias Progress = @Sendable (_ stage: String, _ done: Int, _ total: Int) -> Void

    /// Trains on the closed key results of the history, choosing the ridge strength by
    /// time-aware cross-validation over `RollingOrigins`: at each origin a model fitted on the
    /// key results that closed before it predicts those that start after it.
    public static func train(_ history: History, ridge fixedRidge: Double? = nil, progress: Progress? = nil) throws -> ForecastModel {
        let krs = history.krs
        let closed = krs.indices.filter { krs[$0].isClosed }
        return try train(history, keyResults: closed, rows: rows(history, keyResults: closed), ridge: fixedRidge, progress: progress)
    }

    /// Trains on the given closed key results, whose snapshots are in `all` (`rows(_:keyResults:)`
    /// of the same history: they may hold more key results than these).
    static func train(_ history: History, keyResults closed: [Int], rows all: Rows, ridge fixedRidge: Double?,
                      progress: Progress? = nil) throws -> ForecastModel {
        let krs = history.krs
        guard closed.count >= 30 else { throw ForecastError.notEnoughData("\(closed.count) closed key results; need at least 30") }
        let used = all.indices(of: closed)
        guard used.contains(where: { all.y[$0] }), used.contains(where: { !all.y[$0] }) else {
            throw ForecastError.notEnoughData("every closed key result has the same outcome")
        }
        let cycles = Set(closed.map { krs[$0].cycle })

        var cv: [ForecastModel.CrossValidation] = []
        var ridge = fixedRidge ?? 1
        if fixedRidge == nil {
            let folds = RollingOrigins(history, closed: closed, count: crossValidationOrigins).folds.filter { !$0.training.isEmpty && !$0.test.isEmpty }
            if !folds.isEmpty {
                var total = [Double](repeating: 0, count: ridgeGrid.count), count = 0
                for (f, fold) in folds.enumerated() {
                    progress?("cross-validation", f, folds.count)
                    let train = all.indices(of: fold.training), test = all.indices(of: fold.test)
                    guard train.contains(where: { all.y[$0] }), train.contains(where: { !all.y[$0] }) else { continue }
                    // From the strongest ridge down, each fit warm-started from the last.
                    var warm: [Double]?
                    for (l, lambda) in ridgeGrid.enumerated().reversed() {
                        let fitted = try fit(all, subset: train, ridge: lambda, warm: warm)
                        warm = fitted.coefficients
                        total[l] += logLoss(fitted, all, test) * Double(test.count)
                    }
                    count += test.count
                }
                progress?("cross-validation", folds.count, folds.count)
                if count > 0 {
                    cv = ridgeGrid.enumerated().map { .init(ridge: $1, logLoss: total[$0] / Double(count)) }
                    ridge = cv.min { $0.logLoss < $1.logLoss }!.ridge
                }
            }
        }
        let final = try fit(all, subset: used, ridge: ridge)

        // Baseline calibrations on the same snapshots.
        var onTrack = (0, 0), behind = (0, 0), missing = (0, 0)
        var confidenceX: [[Double]] = [], confidenceY: [Double] = []
        for i in used {
            let y = all.y[i]
            if all.linearPaceFlag[i] { behind.0 += 1; behind.1 += y ? 1 : 0 } else { onTrack.0 += 1; onTrack.1 += y ? 1 : 0 }
            if let c = all.confidence[i] {
                confidenceX.append([1, c / 10])
                confidenceY.append(y ? 1 : 0)
            } else {
                missing.0 += 1; missing.1 += y ? 1 : 0
            }
        }
        let positives = used.filter { all.y[$0] }.count
        let base = Double(positives) / Double(used.count)
        func rate(_ c: (Int, Int)) -> Double { c.0 > 0 ? (Double(c.1) + base) / (Double(c.0) + 1) : base }
        var confidenceFit = [Logistic.logit(base), 0.0]
        if confidenceX.count >= 10, Set(confidenceY).count == 2 {
            do {
                confidenceFit = try LogisticRegression.fit(Matrix(confidenceX), confidenceY, ridge: [0, 1e-6]).coefficients
            } catch {
                // Confidence alone cannot be fitted (e.g. every report the same): the baseline
                // stays the base rate, which the report shows as AUC 0.5 for what it is.
            }
        }
        let trajectory = Recalibration.fit(logOdds: used.map { Logistic.logit(all.trajectory[$0], epsilon: 1e-6) },
                                           outcomes: used.map { all.y[$0] }, keyResults: closed.count)

        var metrics: [String: Metrics] = [:]
        for share in [0.3, 0.5, 0.8] {
            let subset = used.filter { abs(all.share[$0] - share) < 1e-9 }
            metrics["in_sample_at_\(share)"] = Metrics(probabilities: subset.map { Logistic.sigmoid(final.logOdds(all, $0)) },
                                                       outcomes: subset.map { all.y[$0] })
        }

        let covariance = final.fit.covariance.map { c in (0..<c.rows).map { c.row($0) } }
        return ForecastModel(
            schemaVersion: ForecastModel.schemaVersion, kind: ForecastModel.kind, features: FeatureSet.names,
            standardisation: .init(mean: final.mean, sd: final.sd, lower: final.lower, upper: final.upper), coefficients: final.coefficients,
            standardErrors: final.fit.standardErrors, covariance: covariance,
            baselines: .init(linearPaceOnTrackRate: rate(onTrack), linearPaceBehindRate: rate(behind),
                             confidenceIntercept: confidenceFit[0], confidenceSlope: confidenceFit[1],
                             confidenceMissingRate: rate(missing),
                             trajectoryIntercept: trajectory?.intercept ?? 0, trajectorySlope: trajectory?.slope ?? 1),
            training: .init(rows: used.count, keyResults: closed.count, positives: positives,
                            cycles: cycles.count, snapshotShares: snapshotShares, ridge: ridge,
                            crossValidation: cv, iterations: final.fit.iterations, converged: final.fit.converged,
                            deviance: final.fit.deviance, reciprocalCondition: final.fit.reciprocalCondition),
            metrics: metrics)
    }
}
