import Foundation
import TandemCore
import TandemNumerics

/// Trains the population model on closed key results.
public enum Trainer {
    /// Elapsed shares at which each closed key result contributes a training snapshot.
    public static let snapshotShares = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    /// Ridge strengths tried by cross-validation (penalty on standardised coefficients).
    public static let ridgeGrid = [0.01, 0.1, 1, 10, 100, 1000]

    struct Rows {
        var x: [[Double]] = []
        var y: [Bool] = []
        var cycleEnd: [Day] = []
        var snapshots: [Snapshot] = []
    }

    /// Snapshots of the given closed key results.
    static func rows(_ history: History, keyResults: [Int], shares: [Double]) -> Rows {
        var rows = Rows()
        for k in keyResults {
            guard let success = history.dataset.isSuccess(keyResult: k) else { continue }
            for share in shares {
                let s = history.snapshot(k, asOf: history.day(k, atShare: share))
                rows.x.append(FeatureSet.vector(s))
                rows.y.append(success)
                rows.cycleEnd.append(history.krs[k].cycle.end)
                rows.snapshots.append(s)
            }
        }
        return rows
    }

    /// Fits on rows with a ridge strength, standardising with the rows' own means and sds.
    static func fit(_ rows: Rows, ridge: Double) throws -> (coefficients: [Double], fit: LogisticFit, mean: [Double], sd: [Double]) {
        let p = FeatureSet.names.count
        let n = rows.x.count
        var mean = [Double](repeating: 0, count: p), sd = [Double](repeating: 0, count: p)
        for r in rows.x { for j in 0..<p { mean[j] += r[j] } }
        for j in 0..<p { mean[j] /= Double(n) }
        for r in rows.x { for j in 0..<p { sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) } }
        for j in 0..<p { sd[j] = (sd[j] / Double(max(1, n - 1))).squareRoot(); if !(sd[j] > 1e-12) { sd[j] = 1 } }
        var x = Matrix(rows: n, columns: p + 1)
        for i in 0..<n {
            x[i, 0] = 1
            for j in 0..<p { x[i, j + 1] = (rows.x[i][j] - mean[j]) / sd[j] }
        }
        let penalty = [0] + [Double](repeating: ridge, count: p)
        do {
            let fit = try LogisticRegression.fit(x, rows.y.map { $0 ? 1 : 0 }, ridge: penalty)
            return (fit.coefficients, fit, mean, sd)
        } catch {
            throw ForecastError.numerics(error)
        }
    }

    static func logLoss(_ coefficients: [Double], _ mean: [Double], _ sd: [Double], _ rows: Rows) -> Double {
        var loss = 0.0
        for (x, y) in zip(rows.x, rows.y) {
            var eta = coefficients[0]
            for j in 0..<x.count { eta += coefficients[j + 1] * (x[j] - mean[j]) / sd[j] }
            let p = min(1 - 1e-15, max(1e-15, 1 / (1 + exp(-eta))))
            loss -= y ? log(p) : log(1 - p)
        }
        return loss / Double(max(1, rows.x.count))
    }

    /// Trains on the closed key results of the history, choosing the ridge strength by
    /// time-aware cross-validation: each cycle after the first two is predicted by a model fit
    /// on the key results whose cycles ended before it starts.
    public static func train(_ history: History, ridge fixedRidge: Double? = nil) throws -> ForecastModel {
        let krs = history.krs
        let closed = krs.indices.filter { krs[$0].isClosed }
        guard closed.count >= 30 else { throw ForecastError.notEnoughData("\(closed.count) closed key results; need at least 30") }
        let cycles = Set(closed.map { krs[$0].cycle }).sorted { $0.start < $1.start }
        let all = rows(history, keyResults: closed, shares: snapshotShares)
        guard Set(all.y).count == 2 else { throw ForecastError.notEnoughData("every closed key result has the same outcome") }

        var cv: [ForecastModel.CrossValidation] = []
        var ridge = fixedRidge ?? 1
        if fixedRidge == nil {
            var folds: [(Rows, Rows)] = []
            for cycle in cycles.dropFirst(2) {
                let train = closed.filter { krs[$0].cycle.end < cycle.start }
                let test = closed.filter { krs[$0].cycle == cycle }
                let trainRows = rows(history, keyResults: train, shares: snapshotShares)
                guard Set(trainRows.y).count == 2, !test.isEmpty else { continue }
                folds.append((trainRows, rows(history, keyResults: test, shares: snapshotShares)))
            }
            if !folds.isEmpty {
                for lambda in ridgeGrid {
                    var total = 0.0, count = 0
                    for (train, test) in folds {
                        let f = try fit(train, ridge: lambda)
                        total += logLoss(f.coefficients, f.mean, f.sd, test) * Double(test.x.count)
                        count += test.x.count
                    }
                    cv.append(.init(ridge: lambda, logLoss: total / Double(count)))
                }
                ridge = cv.min { $0.logLoss < $1.logLoss }!.ridge
            }
        }
        let final = try fit(all, ridge: ridge)

        // Baseline calibrations on the same snapshots.
        var onTrack = (0, 0), behind = (0, 0), missing = (0, 0)
        var confidenceX: [[Double]] = [], confidenceY: [Double] = []
        for (s, y) in zip(all.snapshots, all.y) {
            if s.linearPaceFlag { behind.0 += 1; behind.1 += y ? 1 : 0 } else { onTrack.0 += 1; onTrack.1 += y ? 1 : 0 }
            if let c = s.confidence {
                confidenceX.append([1, c / 10])
                confidenceY.append(y ? 1 : 0)
            } else {
                missing.0 += 1; missing.1 += y ? 1 : 0
            }
        }
        let base = Double(all.y.filter { $0 }.count) / Double(all.y.count)
        func rate(_ c: (Int, Int)) -> Double { c.0 > 0 ? (Double(c.1) + base) / (Double(c.0) + 1) : base }
        var confidenceFit = [log(base / (1 - base)), 0.0]
        if confidenceX.count >= 10, Set(confidenceY).count == 2,
           let f = try? LogisticRegression.fit(Matrix(confidenceX), confidenceY, ridge: [0, 1e-6]) {
            confidenceFit = f.coefficients
        }

        var metrics: [String: Metrics] = [:]
        for share in [0.3, 0.5, 0.8] {
            let subset = all.snapshots.indices.filter { abs(snapshotShares[$0 % snapshotShares.count] - share) < 1e-9 }
            let p = subset.map { i -> Double in
                var eta = final.coefficients[0]
                for j in 0..<FeatureSet.names.count { eta += final.coefficients[j + 1] * (all.x[i][j] - final.mean[j]) / final.sd[j] }
                return 1 / (1 + exp(-eta))
            }
            metrics["in_sample_at_\(share)"] = Metrics(probabilities: p, outcomes: subset.map { all.y[$0] })
        }

        let covariance = final.fit.covariance.map { c in (0..<c.rows).map { c.row($0) } }
        return ForecastModel(
            schemaVersion: ForecastModel.schemaVersion, kind: "tandem.kr-forecast.logistic", features: FeatureSet.names,
            standardisation: .init(mean: final.mean, sd: final.sd), coefficients: final.coefficients,
            standardErrors: final.fit.standardErrors, covariance: covariance,
            baselines: .init(linearPaceOnTrackRate: rate(onTrack), linearPaceBehindRate: rate(behind),
                             confidenceIntercept: confidenceFit[0], confidenceSlope: confidenceFit[1],
                             confidenceMissingRate: rate(missing)),
            training: .init(rows: all.x.count, keyResults: closed.count, positives: all.y.filter { $0 }.count,
                            cycles: cycles.map(\.description), snapshotShares: snapshotShares, ridge: ridge,
                            crossValidation: cv, iterations: final.fit.iterations, converged: final.fit.converged,
                            deviance: final.fit.deviance, reciprocalCondition: final.fit.reciprocalCondition),
            metrics: metrics)
    }
}
