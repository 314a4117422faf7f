/// Why a numeric routine refused to return a result.
public enum NumericsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operands' shapes do not fit together.
    case dimensionMismatch(String)
    /// An input held NaN or an infinity.
    case nonFiniteInput
    /// The matrix is not positive definite: the Cholesky factorisation met a non-positive pivot
    /// at this (1-based) position.
    case notPositiveDefinite(pivot: Int)
    /// The matrix is too close to singular to trust a solve: its estimated reciprocal condition
    /// number is below the threshold.
    case illConditioned(reciprocalCondition: Double, threshold: Double)
    /// A full-rank least-squares solve met a (numerically) rank-deficient matrix.
    case rankDeficient(estimatedReciprocalCondition: Double)
    /// An SVD did not converge.
    case noConvergence(routine: String)
    /// LAPACK reported an illegal argument: a bug in Tandem, reported rather than hidden.
    case illegalArgument(routine: String, position: Int)

    public var description: String {
        switch self {
        case .dimensionMismatch(let what): "dimension mismatch: \(what)"
        case .nonFiniteInput: "input holds NaN or an infinite value"
        case .notPositiveDefinite(let pivot): "matrix is not positive definite (pivot \(pivot) is not positive)"
        case .illConditioned(let rcond, let threshold):
            "matrix is ill-conditioned: reciprocal condition \(rcond) is below \(threshold)"
        case .rankDeficient(let rcond):
            "matrix is rank-deficient (estimated reciprocal condition \(rcond)); use the minimum-norm solver"
        case .noConvergence(let routine): "\(routine) did not converge"
        case .illegalArgument(let routine, let position): "\(routine): argument \(position) is illegal"
        }
    }
}
