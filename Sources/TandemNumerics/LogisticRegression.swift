import Foundation
internal import CLAPACK

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
    /// The iterations ran on the fused kernel (`LogisticEngine.fused`); the covariance is
    /// nevertheless from a double-precision XᵀWX at the solution.
    public var usedFusedKernel: Bool
}

/// Logistic regression by iteratively reweighted least squares (Newton's method).
///
/// Each iteration makes one pass over X: the linear predictor, the weights, the deviance, XᵀWX
/// and the gradient. Two engines do it (`LogisticEngine`): BLAS, in blocks of rows that stay in
/// cache (`dgemv` for η, `dsyrk` on the √w-scaled block, `dgemv` for the gradient), or, for
/// large problems on processors with AVX-512, the fused kernel, which reads each block of X
/// once and forms XᵀWX from single-precision products. The Newton system is solved by Cholesky
/// with a condition check, falling back to `dgelsd`. A step that does not lower the penalised
/// deviance is halved (up to 30 times). Convergence: relative change of the penalised deviance
/// below `tolerance`.
///
/// With the fused kernel the Hessian is exact to about 1e-6 relative, so the Newton step is
/// off by about κ·1e-7 relative: the iteration still converges to the same point (the
/// gradient, which fixes the solution, is in double precision), and while the penalised
/// Hessian's 1/κ₁ stays above 1e-5 it does so in as many iterations. Below that, the fit
/// continues with BLAS. The covariance and standard errors always come from a double-precision
/// XᵀWX at the solution.
public enum LogisticRegression {
    /// 1/κ₁ of the penalised Hessian below which the fused kernel's single-precision products
    /// could cost Newton's method its speed; the fit then continues with BLAS.
    static let fusedConditionLimit = 1e-5

    public static func fit(
        _ x: Matrix, _ y: [Double], weights: [Double]? = nil, ridge: [Double]? = nil,
        start: [Double]? = nil, maxIterations: Int = 100, tolerance: Double = 1e-12,
        engine: LogisticEngine = .automatic
    ) throws(NumericsError) -> LogisticFit {
        let n = x.rows, p = x.columns
        guard y.count == n, weights?.count ?? n == n, ridge?.count ?? p == p, start?.count ?? p == p else {
            throw .dimensionMismatch("x is \(n) × \(p); y has \(y.count) values")
        }
        guard x.isFinite, y.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }),
              weights?.allSatisfy({ $0.isFinite && $0 >= 0 }) ?? true else { throw .nonFiniteInput }
        let lambda = ridge ?? [Double](repeating: 0, count: p)
        var beta = start ?? [Double](repeating: 0, count: p)
        let pass = Pass(x: x, y: y, weights: weights)
        var fused = engine.usesFused(rows: n, columns: p) ? FusedPass(x: PanelMatrix(x), y: y, weights: weights) : nil
        var usedFused = false
        func evaluate(_ b: [Double]) -> Pass.Result {
            if let f = fused {
                if let r = f.evaluate(b) { usedFused = true; return r }
                fused = nil
            }
            return pass.evaluate(b, full: true)
        }
        var state = evaluate(beta)
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
            if fused != nil && step.reciprocalCondition < fusedConditionLimit {
                // Too ill-conditioned for single-precision products: on with BLAS from here.
                fused = nil
                state = pass.evaluate(beta, full: true)
                current = objective(state, beta)
                iterations -= 1
                continue
            }
            rcond = min(rcond, step.reciprocalCondition)
            usedFallback = usedFallback || step.usedFallback
            var delta = step.solution
            var trial = zip(beta, delta).map { $0 + $1 }
            var next = evaluate(trial)
            var value = objective(next, trial)
            var halved = 0
            while !(value <= current * (1 + 1e-14) + 1e-300) && halved < 30 {
                halved += 1
                for j in 0..<p { delta[j] /= 2 }
                trial = zip(beta, delta).map { $0 + $1 }
                next = evaluate(trial)
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
        if fused != nil {
            // The covariance wants XᵀWX in double precision: one BLAS pass at the solution.
            state = pass.evaluate(beta, full: true)
        }
        var hessian = state.gram
        for j in 0..<p { hessian[j, j] += lambda[j] }
        let final = try SymmetricSolver.solve(hessian, [Double](repeating: 0, count: p), wantInverse: true)
        let se = final.inverse.map { inv in (0..<p).map { inv[$0, $0].squareRoot() } }
        let separated = lambda.allSatisfy { $0 == 0 } && state.maxAbsEta > 30
        return LogisticFit(coefficients: beta, covariance: final.inverse, standardErrors: se, iterations: iterations,
                           converged: converged, deviance: state.deviance, halvings: halvings,
                           reciprocalCondition: min(rcond, final.reciprocalCondition), usedFallback: usedFallback || final.usedFallback,
                           separationSuspected: separated, usedFusedKernel: usedFused)
    }

    /// One iteration's pass over X at `beta`: deviance, XᵀWX and gradient (for benchmarks).
    public static func iterationPass(_ x: Matrix, _ y: [Double], _ beta: [Double], weights: [Double]? = nil)
        -> (deviance: Double, gram: Matrix, gradient: [Double]) {
        let r = Pass(x: x, y: y, weights: weights).evaluate(beta, full: true)
        return (r.deviance, r.gram, r.gradient)
    }

    /// One iteration's pass of the fused kernel over packed X at `beta` (for benchmarks and
    /// tests); nil where the processor lacks AVX-512.
    public static func fusedIterationPass(_ x: PanelMatrix, _ y: [Double], _ beta: [Double], weights: [Double]? = nil)
        -> (deviance: Double, gram: Matrix, gradient: [Double])? {
        guard LogisticEngine.fusedAvailable, x.columns >= 1, x.columns <= 256, y.count == x.rows, beta.count == x.columns,
              weights?.count ?? x.rows == x.rows,
              let r = FusedPass(x: x, y: y, weights: weights).evaluate(beta) else { return nil }
        return (r.deviance, r.gram, r.gradient)
    }

    /// The probability for one row of features: σ(xᵀβ).
    @inlinable
    public static func probability(_ x: [Double], _ beta: [Double]) -> Double {
        var eta = 0.0
        for j in 0..<min(x.count, beta.count) { eta += x[j] * beta[j] }
        return 1 / (1 + exp(-eta))
    }
}

/// One blocked pass over X at given coefficients, split over the machine's cores: each worker
/// takes a contiguous range of rows with its own accumulators, and the sums are added at the end.
struct Pass {
    struct Result {
        var deviance: Double
        var gram: Matrix
        var gradient: [Double]
        var maxAbsEta: Double

        init(deviance: Double, gram: Matrix, gradient: [Double], maxAbsEta: Double) {
            (self.deviance, self.gram, self.gradient, self.maxAbsEta) = (deviance, gram, gradient, maxAbsEta)
        }

        /// The sum of the workers' partial results, each laid out as the p × p Gram (upper
        /// triangle), the p gradient terms, the deviance and max |η|; the Gram made symmetric.
        init(adding partial: UnsafePointer<Double>, workers: Int, columns p: Int) {
            let stride = p * p + p + 2
            var gram = [Double](repeating: 0, count: p * p), gradient = [Double](repeating: 0, count: p)
            var deviance = 0.0, maxAbsEta = 0.0
            for k in 0..<workers {
                let base = partial + k * stride
                for i in 0..<(p * p) { gram[i] += base[i] }
                for j in 0..<p { gradient[j] += base[p * p + j] }
                deviance += base[p * p + p]
                maxAbsEta = max(maxAbsEta, base[p * p + p + 1])
            }
            var g = Matrix(rows: p, columns: p, columnMajor: gram)
            for j in 0..<p { for i in (j + 1)..<p { g[i, j] = g[j, i] } }
            self.init(deviance: deviance, gram: g, gradient: gradient, maxAbsEta: maxAbsEta)
        }
    }

    let x: Matrix
    let y: [Double]
    let weights: [Double]?
    /// Rows per block: 4096 × 21 doubles of scaled rows stay in the core's cache.
    static let block = 4096
    let workers: Int

    init(x: Matrix, y: [Double], weights: [Double]?) {
        self.x = x
        self.y = y
        self.weights = weights
        // Small problems are not worth the threads: below 100,000 rows a pass runs on the
        // calling thread. BLAS itself never threads inside our calls: for a small fit its threads
        // cost more in hand-offs than they save (OpenBLAS's workers spin in sched_yield, and a
        // backtest of many small fits spent half its time there), and for a large one our own
        // workers already hold every core.
        workers = Pass.workers(rows: x.rows, from: 100_000)
        BLAS.singleThreaded()
    }

    /// Threads for a pass over `rows` rows: one below `threshold`, else one a core (at most 8).
    static func workers(rows: Int, from threshold: Int) -> Int {
        rows >= threshold ? max(1, min(8, ProcessInfo.processInfo.activeProcessorCount)) : 1
    }

    func evaluate(_ beta: [Double], full: Bool) -> Result {
        let n = x.rows, p = x.columns
        let w = workers
        // Per worker: p·p Gram, p gradient, deviance, max |η|.
        let stride = p * p + p + 2
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: w * stride)
        partial.initialize(repeating: 0, count: w * stride)
        defer { partial.deallocate() }
        let share = (n + w - 1) / w
        x.storage.withUnsafeBufferPointer { xs in
            y.withUnsafeBufferPointer { ys in
                beta.withUnsafeBufferPointer { b in
                    let xp = xs.baseAddress!, yp = ys.baseAddress!, bp = b.baseAddress!
                    let wp = weights?.withUnsafeBufferPointer { $0.baseAddress }
                    nonisolated(unsafe) let out = partial
                    nonisolated(unsafe) let (xq, yq, bq, wq) = (xp, yp, bp, wp)
                    DispatchQueue.concurrentPerform(iterations: w) { worker in
                        let lo = worker * share, hi = min(n, lo + share)
                        guard lo < hi else { return }
                        Pass.run(rows: lo..<hi, n: n, p: p, x: xq, y: yq, weights: wq, beta: bq, full: full,
                                 into: out + worker * stride)
                    }
                }
            }
        }
        return Result(adding: partial, workers: w, columns: p)
    }

    /// Accumulates over a range of rows into `out`: Gram (upper triangle), gradient, deviance, max |η|.
    static func run(rows: Range<Int>, n: Int, p: Int, x: UnsafePointer<Double>, y: UnsafePointer<Double>,
                    weights: UnsafePointer<Double>?, beta: UnsafePointer<Double>, full: Bool, into out: UnsafeMutablePointer<Double>) {
        let eta = UnsafeMutablePointer<Double>.allocate(capacity: block)
        let root = UnsafeMutablePointer<Double>.allocate(capacity: block)
        let resid = UnsafeMutablePointer<Double>.allocate(capacity: block)
        let scaled = UnsafeMutablePointer<Double>.allocate(capacity: block * p)
        defer { eta.deallocate(); root.deallocate(); resid.deallocate(); scaled.deallocate() }
        var gram = [Double](repeating: 0, count: p * p)
        var deviance = 0.0, maxAbsEta = 0.0
        var r = rows.lowerBound
        var first = true
        while r < rows.upperBound {
            let m = min(block, rows.upperBound - r)
            let a = x + r
            BLAS.gemv(transpose: false, rows: m, columns: p, alpha: 1, a: a, lda: n, x: beta, beta: 0, y: eta)
            for i in 0..<m {
                let e = eta[i], yi = y[r + i], wt = weights?[r + i] ?? 1
                let magnitude = abs(e)
                if magnitude > maxAbsEta { maxAbsEta = magnitude }
                // One exponential serves both μ and the deviance: with q = e^(−|η|),
                // log(1 + e^η) = max(η, 0) + log1p(q).
                let q = exp(-magnitude)
                let mu = e >= 0 ? 1 / (1 + q) : q / (1 + q)
                deviance += 2 * wt * (max(e, 0) + log1p(q) - yi * e)
                resid[i] = wt * (yi - mu)
                root[i] = (wt * mu * (1 - mu)).squareRoot()
            }
            if full {
                for j in 0..<p {
                    let column = a + j * n
                    let target = scaled + j * m
                    for i in 0..<m { target[i] = column[i] * root[i] }
                }
                BLAS.syrkTransposed(rows: m, columns: p, a: scaled, lda: m, into: &gram, beta: first ? 0 : 1)
                BLAS.gemv(transpose: true, rows: m, columns: p, alpha: 1, a: a, lda: n, x: resid, beta: 1, y: out + p * p)
            }
            first = false
            r += m
        }
        for i in 0..<(p * p) { out[i] = gram[i] }
        out[p * p + p] = deviance
        out[p * p + p + 1] = maxAbsEta
    }
}
