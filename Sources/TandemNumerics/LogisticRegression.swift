import Foundation

/// A fitted (ridge-penalised) logistic regression.
public struct LogisticFit: Sendable {
    public var coefficients: [Double]
    /// (XᵀWX + Λ)⁻¹ at the solution: the covariance of the coefficients (for Λ = 0, the usual
    /// inverse Fisher information). `nil` if the final Hessian needed the SVD fallback.
    public var covariance: Matrix?
    public var standardErrors: [Double]?
    public var iterations: Int
    public var converged: Bool
    /// −2 log-likelihood at the solution.
    public var deviance: Double
    /// Step halvings taken in all.
    public var halvings: Int
    /// Smallest 1/κ₁ of the Hessians met.
    public var reciprocalCondition: Double
    /// Some Newton step needed the rank-revealing fallback.
    public var usedFallback: Bool
    /// Without a penalty, the linear predictor ran off to ±30 for some rows: the classes are
    /// (quasi-)separable and the coefficients are not identified. Use a ridge penalty.
    public var separationSuspected: Bool
}

/// Logistic regression by iteratively reweighted least squares (Newton's method).
///
/// Each iteration makes one pass over X in blocks of rows that stay in cache: the linear
/// predictor (`dgemv`), the weights, XᵀWX (`dsyrk` on the √w-scaled block) and the gradient
/// (`dgemv`), so X is streamed from memory once. The Newton system is solved by Cholesky with a
/// condition check, falling back to `dgelsd`. A step that does not lower the penalised deviance
/// is halved (up to 30 times). Convergence: relative change of the penalised deviance below
/// `tolerance`.
public enum LogisticRegression {
    public static func fit(
        _ x: Matrix, _ y: [Double], weights: [Double]? = nil, ridge: [Double]? = nil,
        start: [Double]? = nil, maxIterations: Int = 100, tolerance: Double = 1e-12
    ) throws(NumericsError) -> LogisticFit {
        let n = x.rows, p = x.columns
        guard y.count == n, weights?.count ?? n == n, ridge?.count ?? p == p, start?.count ?? p == p else {
            throw .dimensionMismatch("x is \(n) × \(p); y has \(y.count) values")
        }
        guard x.isFinite, y.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }),
              weights?.allSatisfy({ $0.isFinite && $0 >= 0 }) ?? true else { throw .nonFiniteInput }
        let lambda = ridge ?? [Double](repeating: 0, count: p)
        var beta = start ?? [Double](repeating: 0, count: p)
        var pass = Pass(x: x, y: y, weights: weights)
        var state = pass.evaluate(beta, full: true)
        func objective(_ s: Pass.Result, _ b: [Double]) -> Double {
            var penalty = 0.0
            for j in 0..<p { penalty += lambda[j] * b[j] * b[j] }
            return s.deviance + penalty
        }
        var current = objective(state, beta)
        var iterations = 0, halvings = 0
        var converged = false, usedFallback = false
        var rcond = Double.infinity
        while iterations < maxIterations {
            iterations += 1
            var hessian = state.gram
            var gradient = state.gradient
            for j in 0..<p {
                hessian[j, j] += lambda[j]
                gradient[j] -= lambda[j] * beta[j]
            }
            let step = try SymmetricSolver.solve(hessian, gradient)
            rcond = min(rcond, step.reciprocalCondition)
            usedFallback = usedFallback || step.usedFallback
            var delta = step.solution
            var trial = zip(beta, delta).map { $0 + $1 }
            var next = pass.evaluate(trial, full: true)
            var value = objective(next, trial)
            var halved = 0
            while !(value <= current * (1 + 1e-14) + 1e-300) && halved < 30 {
                halved += 1
                for j in 0..<p { delta[j] /= 2 }
                trial = zip(beta, delta).map { $0 + $1 }
                next = pass.evaluate(trial, full: true)
                value = objective(next, trial)
            }
            halvings += halved
            if !(value <= current * (1 + 1e-14) + 1e-300) {
                // No step lowers the objective: we are at the optimum to machine precision.
                converged = true
                break
            }
            let change = abs(current - value) / (abs(value) + 0.1)
            beta = trial
            state = next
            current = value
            if change < tolerance {
                converged = true
                break
            }
        }
        var hessian = state.gram
        for j in 0..<p { hessian[j, j] += lambda[j] }
        let final = try SymmetricSolver.solve(hessian, [Double](repeating: 0, count: p), wantInverse: true)
        let se = final.inverse.map { inv in (0..<p).map { inv[$0, $0].squareRoot() } }
        let separated = lambda.allSatisfy { $0 == 0 } && state.maxAbsEta > 30
        return LogisticFit(coefficients: beta, covariance: final.inverse, standardErrors: se, iterations: iterations,
                           converged: converged, deviance: state.deviance, halvings: halvings,
                           reciprocalCondition: min(rcond, final.reciprocalCondition), usedFallback: usedFallback || final.usedFallback,
                           separationSuspected: separated)
    }

    /// The probability for one row of features: σ(xᵀβ).
    @inlinable
    public static func probability(_ x: [Double], _ beta: [Double]) -> Double {
        var eta = 0.0
        for j in 0..<min(x.count, beta.count) { eta += x[j] * beta[j] }
        return 1 / (1 + exp(-eta))
    }
}

/// One blocked pass over X at given coefficients.
struct Pass {
    struct Result {
        var deviance: Double
        var gram: Matrix
        var gradient: [Double]
        var maxAbsEta: Double
    }

    let x: Matrix
    let y: [Double]
    let weights: [Double]?
    static let block = 2048
    var eta: [Double]
    var scaled: [Double]

    init(x: Matrix, y: [Double], weights: [Double]?) {
        self.x = x
        self.y = y
        self.weights = weights
        eta = [Double](repeating: 0, count: Self.block)
        scaled = [Double](repeating: 0, count: Self.block * x.columns)
    }

    mutating func evaluate(_ beta: [Double], full: Bool) -> Result {
        let n = x.rows, p = x.columns
        var gram = [Double](repeating: 0, count: p * p)
        var gradient = [Double](repeating: 0, count: p)
        var deviance = 0.0, maxAbsEta = 0.0
        var resid = [Double](repeating: 0, count: Self.block)
        x.storage.withUnsafeBufferPointer { xs in
            beta.withUnsafeBufferPointer { b in
                var r = 0
                var first = true
                while r < n {
                    let m = min(Self.block, n - r)
                    let a = xs.baseAddress! + r
                    eta.withUnsafeMutableBufferPointer { e in
                        BLAS.gemv(transpose: false, rows: m, columns: p, alpha: 1, a: a, lda: n, x: b.baseAddress!, beta: 0, y: e.baseAddress!)
                    }
                    for i in 0..<m {
                        let e = eta[i], yi = y[r + i], wt = weights?[r + i] ?? 1
                        maxAbsEta = max(maxAbsEta, abs(e))
                        let mu = 1 / (1 + exp(-e))
                        // −2 log-likelihood, stably: log(1 + e^η) − yη.
                        let softplus = e > 0 ? e + log1p(exp(-e)) : log1p(exp(e))
                        deviance += 2 * wt * (softplus - yi * e)
                        resid[i] = wt * (yi - mu)
                        eta[i] = (wt * mu * (1 - mu)).squareRoot()  // reuse: √w
                    }
                    if full {
                        for j in 0..<p {
                            let column = a + j * n
                            let out = j * m
                            for i in 0..<m { scaled[out + i] = column[i] * eta[i] }
                        }
                        BLAS.syrkTransposed(rows: m, columns: p, a: scaled, lda: m, into: &gram, beta: first ? 0 : 1)
                        resid.withUnsafeBufferPointer { rp in
                            gradient.withUnsafeMutableBufferPointer { g in
                                BLAS.gemv(transpose: true, rows: m, columns: p, alpha: 1, a: a, lda: n, x: rp.baseAddress!, beta: 1, y: g.baseAddress!)
                            }
                        }
                    }
                    first = false
                    r += m
                }
            }
        }
        var g = Matrix(rows: p, columns: p, columnMajor: gram)
        for j in 0..<p { for i in (j + 1)..<p { g[i, j] = g[j, i] } }
        return Result(deviance: deviance, gram: g, gradient: gradient, maxAbsEta: maxAbsEta)
    }
}
