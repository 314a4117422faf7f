import Foundation
import Testing
@testable import TandemNumerics

/// A dataset and statsmodels' solution for it (see Fixtures/make_fixtures.py).
struct Reference: Decodable {
    var x: [[Double]]
    var y: [Double]
    var w: [Double]?
    var params: [Double]
    var bse: [Double]?

    static func load(_ name: String) throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    var matrix: Matrix { Matrix(x) }
}

/// Relative agreement, the 1e-8 criterion.
func agree(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-8) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(abs($1), 1e-300) }
}

@Suite("Regression against statsmodels reference solutions (1e-8 relative)")
struct ReferenceTests {
    @Test func weightedLeastSquares() throws {
        let r = try Reference.load("wls.json")
        let fit = try LinearRegression.fit(r.matrix, r.y, weights: r.w)
        #expect(agree(fit.coefficients, r.params), "\(fit.coefficients) vs \(r.params)")
        let se = try #require(fit.standardErrors), bse = try #require(r.bse)
        #expect(agree(se, bse), "\(se) vs \(bse)")
    }

    @Test func logisticRegression() throws {
        let r = try Reference.load("logit.json")
        let fit = try LogisticRegression.fit(r.matrix, r.y)
        #expect(fit.converged)
        #expect(fit.iterations < 20)
        #expect(agree(fit.coefficients, r.params), "\(fit.coefficients) vs \(r.params)")
        let se = try #require(fit.standardErrors), bse = try #require(r.bse)
        #expect(agree(se, bse), "\(se) vs \(bse)")
        #expect(!fit.separationSuspected)
    }

    @Test func weightedLogisticRegression() throws {
        let r = try Reference.load("logit_weighted.json")
        let fit = try LogisticRegression.fit(r.matrix, r.y, weights: r.w)
        #expect(agree(fit.coefficients, r.params))
        let se = try #require(fit.standardErrors), bse = try #require(r.bse)
        #expect(agree(se, bse), "\(se) vs \(bse)")
    }

    @Test func rankDeficientFallsBackToMinimumNorm() throws {
        let r = try Reference.load("ols_rank_deficient.json")
        let fit = try LinearRegression.fit(r.matrix, r.y)
        #expect(fit.rank == 3)
        #expect(fit.standardErrors == nil)
        #expect(agree(fit.coefficients, r.params, 1e-7), "\(fit.coefficients) vs \(r.params)")
    }
}

@Suite("Gram matrix, ridge and separation")
struct GramAndRidgeTests {
    @Test func gramMatchesDirectProduct() {
        var random = SystemRandomNumberGenerator()
        let n = 10_000, p = 5   // spans several blocks
        var x = Matrix(rows: n, columns: p)
        var w = [Double](repeating: 0, count: n)
        for i in 0..<n {
            w[i] = Double.random(in: 0.1...2, using: &random)
            for j in 0..<p { x[i, j] = Double.random(in: -1...1, using: &random) }
        }
        let g = Gram.weighted(x, weights: w)
        for a in 0..<p {
            for b in 0..<p {
                var s = 0.0
                for i in 0..<n { s += x[i, a] * w[i] * x[i, b] }
                #expect(abs(g[a, b] - s) <= 1e-10 * max(1, abs(s)))
            }
        }
    }

    @Test func ridgeLinearFitMatchesAugmentedLeastSquares() throws {
        // Ridge = least squares on X stacked over √λ·I, y stacked over zeros.
        let x = Matrix([[1, 2], [1, 3], [1, 5], [1, 7], [1, 11]])
        let y: [Double] = [1, 2, 2, 4, 5]
        let lambda: [Double] = [0, 3]
        let fit = try LinearRegression.fit(x, y, ridge: lambda)
        let augmented = Matrix([[1, 2], [1, 3], [1, 5], [1, 7], [1, 11], [0, 0], [0, 3.0.squareRoot()]])
        let reference = try LeastSquares.solve(augmented, y + [0, 0]).coefficients
        #expect(agree(fit.coefficients, reference, 1e-10))
    }

    @Test func separableDataDoesNotDivergeWithRidge() throws {
        // y = 1 exactly when x > 0: perfectly separable.
        let xs = stride(from: -2.0, through: 2.0, by: 0.1).filter { abs($0) > 1e-9 }
        let x = Matrix(xs.map { [1, $0] })
        let y = xs.map { $0 > 0 ? 1.0 : 0.0 }
        let ridge = try LogisticRegression.fit(x, y, ridge: [0, 0.1])
        #expect(ridge.converged)
        #expect(ridge.coefficients.allSatisfy { $0.isFinite && abs($0) < 100 })
        let plain = try LogisticRegression.fit(x, y, maxIterations: 50)
        #expect(plain.separationSuspected)
        #expect(plain.coefficients.allSatisfy { $0.isFinite })
    }

    @Test func recoversGeneratingCoefficients() throws {
        var random = SystemRandomNumberGenerator()
        let n = 50_000
        let truth: [Double] = [-0.5, 1.0, -2.0, 0.5]
        var x = Matrix(rows: n, columns: 4)
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            x[i, 0] = 1
            for j in 1..<4 { x[i, j] = Double.random(in: -1...1, using: &random) }
            let p = LogisticRegression.probability(x.row(i), truth)
            y[i] = Double.random(in: 0..<1, using: &random) < p ? 1 : 0
        }
        let fit = try LogisticRegression.fit(x, y)
        let se = try #require(fit.standardErrors)
        for j in 0..<4 { #expect(abs(fit.coefficients[j] - truth[j]) < 5 * se[j]) }
    }
}
