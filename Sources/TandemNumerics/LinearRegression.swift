/// A weighted least-squares fit with standard errors, as statsmodels' WLS reports them.
public struct LinearFit: Sendable {
    public var coefficients: [Double]
    /// σ̂²(XᵀWX + Λ)⁻¹; nil when the fallback solver was needed.
    public var covariance: Matrix?
    public var standardErrors: [Double]?
    /// Σ wᵢ rᵢ² / (n − p).
    public var residualVariance: Double
    public var reciprocalCondition: Double
    public var rank: Int
}

public enum LinearRegression {
    /// Minimises Σ wᵢ (yᵢ − xᵢᵀβ)² + Σ λⱼ βⱼ² through the normal equations (XᵀWX + Λ)β = XᵀWy,
    /// formed with `dsyrk` and solved by Cholesky with a condition check (fallback: `dgelsd`).
    ///
    /// Tolerances: for a well-conditioned design the coefficients and standard errors agree with
    /// a QR-based reference to about 1e-10 relative; the normal equations square the condition
    /// number, so the solve is refused below 1/κ = 1e-12 and falls back to the SVD.
    public static func fit(_ x: Matrix, _ y: [Double], weights: [Double]? = nil, ridge: [Double]? = nil) throws(NumericsError) -> LinearFit {
        let n = x.rows, p = x.columns
        guard y.count == n, weights?.count ?? n == n, ridge?.count ?? p == p else {
            throw .dimensionMismatch("x is \(n) × \(p); y has \(y.count) values")
        }
        guard x.isFinite, y.allSatisfy(\.isFinite), weights?.allSatisfy({ $0.isFinite && $0 >= 0 }) ?? true else {
            throw .nonFiniteInput
        }
        var gram = Gram.weighted(x, weights: weights)
        if let ridge { for j in 0..<p { gram[j, j] += ridge[j] } }
        var rhs = [Double](repeating: 0, count: p)
        for j in 0..<p {
            var s = 0.0
            for i in 0..<n { s += x[i, j] * (weights?[i] ?? 1) * y[i] }
            rhs[j] = s
        }
        let solved = try SymmetricSolver.solve(gram, rhs, wantInverse: true)
        let beta = solved.solution
        let fitted = x.multiplied(by: beta)
        var rss = 0.0
        for i in 0..<n { rss += (weights?[i] ?? 1) * (y[i] - fitted[i]) * (y[i] - fitted[i]) }
        let sigma2 = n > p ? rss / Double(n - p) : .nan
        var covariance: Matrix?
        var se: [Double]?
        if let inverse = solved.inverse {
            var c = inverse
            for k in c.storage.indices { c.storage[k] *= sigma2 }
            covariance = c
            se = (0..<p).map { c[$0, $0].squareRoot() }
        }
        return LinearFit(coefficients: beta, covariance: covariance, standardErrors: se, residualVariance: sigma2,
                         reciprocalCondition: solved.reciprocalCondition, rank: solved.rank)
    }
}
