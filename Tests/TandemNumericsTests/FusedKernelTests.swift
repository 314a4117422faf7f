import Foundation
import Testing
@testable import TandemNumerics

/// The fused IRLS kernel (`CTandemKernels`) against the BLAS pass and statsmodels. Where the
/// processor lacks AVX-512 the kernel is not used by Tandem, and these tests show as skipped
/// with that reason.
@Suite("Fused logistic kernel", .enabled(if: LogisticEngine.fusedAvailable, "this processor has no AVX-512: the fused kernel is not used here"))
struct FusedKernelTests {
    /// A seeded design: an intercept, `p − 1` features in [−2, 2], outcomes drawn from the
    /// model with coefficients `scale · (±1, ±1/2, …)`, fractional outcomes on every 7th row.
    static func problem(rows n: Int, columns p: Int, scale: Double = 0.6, seed: UInt64 = 7) -> (x: Matrix, y: [Double], w: [Double], beta: [Double]) {
        var g = SplitMix(seed)
        var x = Matrix(rows: n, columns: p)
        var y = [Double](repeating: 0, count: n), w = [Double](repeating: 0, count: n)
        var beta = [Double](repeating: 0, count: p)
        for j in 0..<p {
            let sign: Double = j % 2 == 0 ? 1 : -1
            beta[j] = scale * sign / Double(j / 2 + 1)
        }
        for i in 0..<n {
            x[i, 0] = 1
            for j in 1..<max(1, p) { x[i, j] = g.uniform() * 4 - 2 }
            let mu = LogisticRegression.probability(x.row(i), beta)
            y[i] = i % 7 == 3 ? mu : (g.uniform() < mu ? 1 : 0)
            w[i] = 0.25 + 2 * g.uniform()
        }
        return (x, y, w, beta)
    }

    /// Deviance to 1e-12, gradient to 1e-11 of its scale, XᵀWX to 2e-6 of √(GⱼⱼGₖₖ) (the
    /// single-precision products), over full blocks, a partial last block, weights or none.
    @Test(arguments: [(5_037, 21, true), (5_037, 35, false), (100, 4, true), (256, 1, false), (777, 2, true)])
    func passAgreesWithBLAS(_ n: Int, _ p: Int, _ weighted: Bool) throws {
        let (x, y, w, beta) = Self.problem(rows: n, columns: p)
        let weights = weighted ? w : nil
        let reference = LogisticRegression.iterationPass(x, y, beta, weights: weights)
        let fused = try #require(LogisticRegression.fusedIterationPass(PanelMatrix(x), y, beta, weights: weights))
        #expect(abs(fused.deviance - reference.deviance) <= 1e-12 * reference.deviance)
        let scale = reference.gradient.map(abs).max()! + 1
        for j in 0..<p {
            #expect(abs(fused.gradient[j] - reference.gradient[j]) <= 1e-11 * scale, "gradient[\(j)]")
            for k in 0..<p {
                let bound = 2e-6 * (reference.gram[j, j] * reference.gram[k, k]).squareRoot()
                #expect(abs(fused.gram[j, k] - reference.gram[j, k]) <= bound, "gram[\(j), \(k)]")
            }
        }
    }

    /// The vectorised e^−|η| and log1p over the whole range of η, including |η| > 708 where
    /// the exponential is clamped: each row's deviance term and residual against Foundation's.
    @Test func tailsOfTheLinearPredictor() throws {
        let etas = stride(from: -800.0, through: 800.0, by: 0.37).map { $0 } + [0, -1e-9, 1e-9, 708.5, -708.5, 36.7, -36.7]
        let x = Matrix(etas.map { [$0] })
        for y in [0.0, 1.0, 0.3] {
            let ys = [Double](repeating: y, count: etas.count)
            let r = try #require(LogisticRegression.fusedIterationPass(PanelMatrix(x), ys, [1]))
            var deviance = 0.0, gradient = 0.0
            for e in etas {
                deviance += 2 * (max(e, 0) + log1p(exp(-abs(e))) - y * e)
                gradient += e * (y - 1 / (1 + exp(-e)))
            }
            #expect(abs(r.deviance - deviance) <= 1e-13 * deviance, "y = \(y): \(r.deviance) vs \(deviance)")
            #expect(abs(r.gradient[0] - gradient) <= 1e-12 * abs(gradient) + 1e-9, "y = \(y): \(r.gradient[0]) vs \(gradient)")
        }
    }

    /// A whole fit on the kernel reaches the BLAS fit's coefficients and standard errors.
    @Test func fitAgreesWithBLAS() throws {
        let (x, y, w, _) = Self.problem(rows: 20_000, columns: 9)
        for weights in [nil, w] {
            let exact = try LogisticRegression.fit(x, y, weights: weights, engine: .blas)
            let fused = try LogisticRegression.fit(x, y, weights: weights, engine: .fused)
            #expect(fused.usedFusedKernel && !exact.usedFusedKernel)
            #expect(fused.converged)
            #expect(abs(fused.iterations - exact.iterations) <= 1)
            #expect(agree(fused.coefficients, exact.coefficients, 1e-10), "\(fused.coefficients) vs \(exact.coefficients)")
            #expect(agree(try #require(fused.standardErrors), try #require(exact.standardErrors), 1e-10))
        }
    }

    /// statsmodels' solutions (the 1e-8 criterion) reached on the kernel as well.
    @Test(arguments: ["logit.json", "logit_weighted.json"])
    func statsmodelsFixtures(_ name: String) throws {
        let r = try Reference.load(name)
        let fit = try LogisticRegression.fit(r.matrix, r.y, weights: r.w, engine: .fused)
        #expect(fit.usedFusedKernel)
        #expect(agree(fit.coefficients, r.params), "\(fit.coefficients) vs \(r.params)")
        #expect(agree(try #require(fit.standardErrors), try #require(r.bse)))
    }

    /// Nearly collinear columns (1/κ₁ far below 1e-5): the fit hands over to BLAS and still
    /// agrees with the all-BLAS fit.
    @Test func illConditionedHandsOverToBLAS() throws {
        var (x, y, _, _) = Self.problem(rows: 3_000, columns: 4, seed: 11)
        var g = SplitMix(99)
        for i in 0..<x.rows { x[i, 3] = x[i, 2] + 1e-4 * (g.uniform() - 0.5) }
        let exact = try LogisticRegression.fit(x, y, engine: .blas)
        let fused = try LogisticRegression.fit(x, y, engine: .fused)
        #expect(fused.reciprocalCondition < 1e-5)
        #expect(agree(fused.coefficients, exact.coefficients, 1e-8), "\(fused.coefficients) vs \(exact.coefficients)")
    }
}

/// A small seeded generator (SplitMix64), so that the problems are the same on every run.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
}
