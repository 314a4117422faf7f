import Foundation
import TandemCore
import TandemNumerics

/// A recalibration of a model's log-odds on an organisation's own closed key results:
/// logit P′ = a + b·η + c·e, where η is the model's fitted log-odds and e the elapsed share of
/// the cycle (Platt scaling, with an offset that may drift over the cycle).
///
/// A model trained on one history is often miscalibrated on another: the base rate differs
/// (one company achieves 60% of its key results, another 25%), and so do how sharply its
/// features separate and how that changes as cycles run. The ranking at a given elapsed share
/// is kept (b is held ≥ 0.05, so P′ is increasing in η and every monotonicity in progress
/// survives); only the probabilities move.
public struct Recalibration: Sendable, Codable, Equatable {
    public var intercept: Double
    public var slope: Double
    public var elapsedSlope: Double
    /// Closed key results and snapshots it was fitted on.
    public var keyResults: Int
    public var snapshots: Int
    /// Their success rate.
    public var baseRate: Double

    enum CodingKeys: String, CodingKey {
        case intercept, slope, elapsedSlope = "elapsed_slope", keyResults = "key_results", snapshots, baseRate = "base_rate"
    }

    /// Closed key results needed (with both outcomes among them) before a recalibration is fitted.
    public static let minimumKeyResults = 30
    /// Ridge toward the identity (a = 0, b = 1, c = 0), in key results: each key result's
    /// snapshots together weigh as one observation (they are far from independent), and the
    /// identity weighs as `ridge` of them, so that with a few dozen key results the
    /// recalibration stays close to the model and with thousands it follows the data.
    public static let ridge = 20.0
    public static let minimumSlope = 0.05

    /// logit P′ for a fitted log-odds η at elapsed share e.
    public func logOdds(_ eta: Double, elapsed e: Double) -> Double { intercept + slope * eta + elapsedSlope * e }

    /// Fits a, b and c by Newton's method on triples (η, e, outcome), each weighing
    /// keyResults / snapshots, penalised by `ridge`·(a² + (b − 1)² + c²). Three parameters: the 3 × 3 system is solved by Cholesky
    /// (positive definite: the penalty alone gives it eigenvalues ≥ `ridge`). Converges to
    /// 1e-10 in the step; at most 50 iterations.
    public static func fit(logOdds eta: [Double], elapsed: [Double], outcomes y: [Bool], keyResults: Int) -> Recalibration? {
        guard keyResults >= minimumKeyResults, y.contains(true), y.contains(false) else { return nil }
        let weight = Double(keyResults) / Double(max(1, eta.count))
        var beta = [0.0, 1.0, 0.0]
        for _ in 0..<50 {
            var g = [-ridge * beta[0], -ridge * (beta[1] - 1), -ridge * beta[2]]
            var h = Matrix(rows: 3, columns: 3)
            for j in 0..<3 { h[j, j] = ridge }
            for i in eta.indices {
                let (x1, x2) = (eta[i], elapsed[i])
                let p = Logistic.sigmoid(beta[0] + beta[1] * x1 + beta[2] * x2)
                let r = weight * ((y[i] ? 1 : 0) - p), w = weight * p * (1 - p)
                g[0] += r; g[1] += r * x1; g[2] += r * x2
                h[0, 0] += w; h[0, 1] += w * x1; h[0, 2] += w * x2
                h[1, 1] += w * x1 * x1; h[1, 2] += w * x1 * x2; h[2, 2] += w * x2 * x2
            }
            (h[1, 0], h[2, 0], h[2, 1]) = (h[0, 1], h[0, 2], h[1, 2])
            // Positive definite by the ridge alone; should the solve still fail, there is no
            // recalibration (the callers then say the model is used as trained).
            let step: [Double]
            do { step = try SymmetricSolver.solve(h, g).solution } catch { return nil }
            guard step.allSatisfy(\.isFinite) else { return nil }
            for j in 0..<3 { beta[j] += step[j] }
            beta[1] = max(minimumSlope, beta[1])
            if step.reduce(0, { $0 + abs($1) }) < 1e-10 { break }
        }
        guard beta.allSatisfy(\.isFinite) else { return nil }
        return Recalibration(intercept: beta[0], slope: beta[1], elapsedSlope: beta[2], keyResults: keyResults, snapshots: eta.count,
                             baseRate: Double(y.filter { $0 }.count) / Double(max(1, y.count)))
    }

    /// Fits on pairs (η, outcome) alone (c held at 0): for a score with no elapsed share.
    public static func fit(logOdds eta: [Double], outcomes y: [Bool], keyResults: Int) -> Recalibration? {
        fit(logOdds: eta, elapsed: [Double](repeating: 0, count: eta.count), outcomes: y, keyResults: keyResults)
    }
}

extension ForecastModel {
    /// This model recalibrated on the key results of `history` closed before `day` (cycle ended
    /// before it, final value known), each seen at the training snapshot shares; `nil` when there
    /// are fewer than `Recalibration.minimumKeyResults` of them or they all share one outcome.
    public func recalibrated(on history: History, closedBefore day: Day) -> ForecastModel? {
        let closed = history.krs.indices.filter { history.krs[$0].isClosed && history.krs[$0].cycle.end < day }
        return recalibrated(on: history, keyResults: closed)
    }

    /// This model recalibrated on the given closed key results of `history`.
    public func recalibrated(on history: History, keyResults closed: [Int]) -> ForecastModel? {
        var raw = self
        raw.recalibration = nil
        var eta: [Double] = [], elapsed: [Double] = [], y: [Bool] = []
        var x = [Double](repeating: 0, count: FeatureSet.names.count)
        for k in closed {
            guard let success = history.dataset.isSuccess(keyResult: k) else { continue }
            for share in training.snapshotShares {
                let s = history.snapshot(k, asOf: history.day(k, atShare: share))
                x.withUnsafeMutableBufferPointer { FeatureSet.write(s, into: $0.baseAddress!) }
                eta.append(x.withUnsafeBufferPointer { raw.logOdds(features: $0.baseAddress!) })
                elapsed.append(s.elapsed)
                y.append(success)
            }
        }
        guard let r = Recalibration.fit(logOdds: eta, elapsed: elapsed, outcomes: y, keyResults: closed.count) else { return nil }
        raw.recalibration = r
        return raw
    }
}
