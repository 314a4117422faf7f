import Testing
@testable import TandemNumerics

/// Relative agreement `|a − b| ≤ tol · max(1, |b|)`.
func close(_ a: Double, _ b: Double, _ tol: Double = 1e-10) -> Bool {
    abs(a - b) <= tol * max(1, abs(b))
}

func close(_ a: [Double], _ b: [Double], _ tol: Double = 1e-10) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { close($0, $1, tol) }
}

@Suite("Least squares through LAPACK")
struct LeastSquaresTests {
    // y = 6, 5, 7, 10 at x = 1…4: the textbook fit is y = 3.5 + 1.4 x with RSS 4.2.
    let design = Matrix([[1, 1], [1, 2], [1, 3], [1, 4]])
    let y: [Double] = [6, 5, 7, 10]

    @Test func qrSolvesOverdeterminedProblem() throws {
        let fit = try LeastSquares.solve(design, y)
        #expect(close(fit.coefficients, [3.5, 1.4]))
        #expect(close(try #require(fit.residualSumOfSquares), 4.2))
        #expect(fit.rank == 2)
        #expect(fit.reciprocalCondition > 0.01)
    }

    @Test func qrRecoversExactCoefficients() throws {
        // A random-looking but well-conditioned 6 × 3 system with an exact solution.
        let a = Matrix([[2, -1, 0.5], [1, 3, -2], [0, 1, 4], [5, 0, 1], [-1, 2, 2], [3, 3, 3]])
        let x: [Double] = [0.25, -1.5, 2]
        let fit = try LeastSquares.solve(a, a.multiplied(by: x))
        #expect(close(fit.coefficients, x, 1e-12))
        #expect(try #require(fit.residualSumOfSquares) < 1e-24)
    }

    @Test func qrGivesMinimumNormSolutionOfUnderdeterminedSystem() throws {
        let fit = try LeastSquares.solve(Matrix([[1, 1]]), [2])
        #expect(close(fit.coefficients, [1, 1]))
        #expect(fit.residualSumOfSquares == nil)
    }

    @Test func qrRefusesRankDeficientMatrix() {
        // The third column is twice the second.
        let a = Matrix([[1, 1, 2], [1, 2, 4], [1, 3, 6], [1, 4, 8]])
        #expect(throws: NumericsError.self) { try LeastSquares.solve(a, y) }
        do {
            _ = try LeastSquares.solve(a, y)
        } catch {
            guard case .rankDeficient = error else {
                Issue.record("expected rankDeficient, got \(error)")
                return
            }
        }
    }

    @Test func svdReportsRankAndMinimumNormSolution() throws {
        // Columns 2 and 3 are collinear; among all minimisers (3.5, c₂, c₃) with c₂ + 2c₃ = 1.4
        // the minimum-norm one is c = 1.4 · (1, 2) / 5.
        let a = Matrix([[1, 1, 2], [1, 2, 4], [1, 3, 6], [1, 4, 8]])
        let fit = try LeastSquares.minimumNorm(a, y)
        #expect(fit.rank == 2)
        #expect(close(fit.coefficients, [3.5, 0.28, 0.56], 1e-9))
        let singular = try #require(fit.singularValues)
        #expect(singular.count == 3)
        #expect(singular[2] < 1e-12 * singular[0])
        #expect(fit.residualSumOfSquares == nil)  // not reported when rank < n
    }

    @Test func svdAgreesWithQROnFullRankProblem() throws {
        let qr = try LeastSquares.solve(design, y)
        let svd = try LeastSquares.minimumNorm(design, y)
        #expect(svd.rank == 2)
        #expect(close(svd.coefficients, qr.coefficients, 1e-12))
        #expect(close(try #require(svd.residualSumOfSquares), 4.2))
    }

    @Test func rejectsNonFiniteInputAndWrongShapes() {
        #expect(throws: NumericsError.nonFiniteInput) {
            try LeastSquares.solve(design, [6, .nan, 7, 10])
        }
        #expect(throws: NumericsError.nonFiniteInput) {
            try LeastSquares.minimumNorm(Matrix([[1, .infinity], [1, 2]]), [1, 2])
        }
        #expect(throws: NumericsError.self) { try LeastSquares.solve(design, [1, 2]) }
    }
}

@Suite("Symmetric positive-definite solve")
struct CholeskyTests {
    // A = L Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]].
    let a = Matrix([[4, 12, -16], [12, 37, -43], [-16, -43, 98]])

    @Test func factorMatchesKnownCholesky() throws {
        let chol = try Cholesky(a)
        let u = chol.factor
        let expected: [[Double]] = [[2, 6, -8], [0, 1, 5], [0, 0, 3]]
        for i in 0..<3 {
            for j in i..<3 { #expect(close(u[i, j], expected[i][j], 1e-14)) }
        }
    }

    @Test func solvesAndInverts() throws {
        let chol = try Cholesky(a)
        let x: [Double] = [1, -2, 0.5]
        #expect(close(try chol.solve(a.multiplied(by: x)), x, 1e-12))
        let product = a.multiplied(by: try chol.inverse())
        for i in 0..<3 {
            for j in 0..<3 { #expect(abs(product[i, j] - (i == j ? 1 : 0)) < 1e-10) }
        }
        // The exact inverse's (0,0) element: 49.36111… = 1777/36.
        #expect(close(try chol.inverse()[0, 0], 1777.0 / 36.0, 1e-12))
    }

    @Test func reportsFailingPivotOfIndefiniteMatrix() {
        #expect(throws: NumericsError.notPositiveDefinite(pivot: 2)) {
            try Cholesky(Matrix([[1, 2], [2, 1]]))
        }
    }

    @Test func refusesNearlySingularMatrixThatFactorises() throws {
        // dpotrf accepts this matrix (all pivots positive), but a solve would be noise.
        let nearly = Matrix([[1, 1], [1, 1 + 1e-14]])
        #expect(throws: NumericsError.self) { try Cholesky(nearly) }
        do {
            _ = try Cholesky(nearly)
        } catch {
            guard case .illConditioned(let rcond, _) = error else {
                Issue.record("expected illConditioned, got \(error)")
                return
            }
            #expect(rcond < 1e-12)
        }
        // The same matrix passes with a looser threshold, and reports its condition.
        let loose = try Cholesky(nearly, minimumReciprocalCondition: 1e-16)
        #expect(loose.reciprocalCondition < 1e-13)
    }

    @Test func refusesHilbertMatrixOfOrder12() {
        let n = 12
        var h = Matrix(rows: n, columns: n)
        for i in 0..<n { for j in 0..<n { h[i, j] = 1 / Double(i + j + 1) } }
        #expect(throws: NumericsError.self) { try Cholesky(h) }
    }

    @Test func rejectsNonSquareAndNonFinite() {
        #expect(throws: NumericsError.self) { try Cholesky(Matrix([[1, 2, 3], [4, 5, 6]])) }
        #expect(throws: NumericsError.nonFiniteInput) { try Cholesky(Matrix([[.nan]])) }
    }
}
