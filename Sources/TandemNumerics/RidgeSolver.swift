/// Solves the symmetric systems of regression fits: Cholesky with a condition check, and a
/// rank-revealing fallback by SVD (`dgelsd`) when the matrix is singular or ill-conditioned.
public struct SymmetricSolution: Sendable {
    public var solution: [Double]
    /// The inverse (covariance up to scale) when the matrix was well-conditioned; `nil` after
    /// the fallback, whose minimum-norm solution has no unique inverse.
    public var inverse: Matrix?
    /// 1/κ₁ estimated by `dpocon`, or σ_min/σ_max from the SVD after the fallback.
    public var reciprocalCondition: Double
    /// Effective rank (full unless the fallback was used).
    public var rank: Int
    public var usedFallback: Bool
}

public enum SymmetricSolver {
    /// Solves A x = b for symmetric positive semi-definite A.
    ///
    /// - Parameters:
    ///   - minimumReciprocalCondition: below this, Cholesky's answer is not trusted (default 1e-12).
    ///   - wantInverse: also return A⁻¹ (for standard errors).
    public static func solve(_ a: Matrix, _ b: [Double], minimumReciprocalCondition: Double = 1e-12,
                             wantInverse: Bool = false) throws(NumericsError) -> SymmetricSolution {
        do {
            let chol = try Cholesky(a, minimumReciprocalCondition: minimumReciprocalCondition)
            let x = try chol.solve(b)
            return SymmetricSolution(solution: x, inverse: wantInverse ? try chol.inverse() : nil,
                                     reciprocalCondition: chol.reciprocalCondition, rank: a.rows, usedFallback: false)
        } catch {
            switch error {
            case .notPositiveDefinite, .illConditioned:
                let fit = try LeastSquares.minimumNorm(a, b)
                return SymmetricSolution(solution: fit.coefficients, inverse: nil,
                                         reciprocalCondition: fit.reciprocalCondition, rank: fit.rank, usedFallback: true)
            default:
                throw error
            }
        }
    }
}
