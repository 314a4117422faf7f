internal import CLAPACK

/// The solution of a linear least-squares problem min ‖b − A x‖₂.
public struct LeastSquaresSolution: Sendable, Equatable {
    /// The coefficients x, one per column of A.
    public var coefficients: [Double]
    /// The effective rank of A used by the solve.
    public var rank: Int
    /// ‖b − A x‖₂², when A has at least as many rows as columns.
    public var residualSumOfSquares: Double?
    /// Singular values of A in decreasing order (minimum-norm solver only).
    public var singularValues: [Double]?
    /// Estimated reciprocal condition number of A in the 1-norm (full-rank solver), or the ratio
    /// of the smallest to the largest singular value (minimum-norm solver).
    public var reciprocalCondition: Double
}

/// Linear least squares through LAPACK.
public enum LeastSquares {
    /// Machine epsilon for `Double`, 2⁻⁵².
    public static let epsilon = Double.ulpOfOne

    /// Solves min ‖b − A x‖₂ for a matrix of full rank with QR (`dgels`), or the minimum-norm
    /// solution of an underdetermined system with LQ.
    ///
    /// After the factorisation the triangular factor's condition number is estimated (`dtrcon`);
    /// a matrix whose reciprocal condition falls below `minimumReciprocalCondition` is refused
    /// rather than answered with coefficients dominated by rounding error.
    ///
    /// - Parameters:
    ///   - a: the m × n design matrix.
    ///   - b: the right-hand side, m values.
    ///   - minimumReciprocalCondition: the refusal threshold; the default, 1e-12, leaves about
    ///     four significant digits of a solution's relative accuracy in the worst case.
    /// - Returns: the coefficients, rank n (or m), and the residual sum of squares when m ≥ n.
    /// - Throws: `NumericsError.rankDeficient` for a singular or nearly singular A (use
    ///   `minimumNorm` instead), `.nonFiniteInput`, `.dimensionMismatch`.
    public static func solve(
        _ a: Matrix, _ b: [Double], minimumReciprocalCondition: Double = 1e-12
    ) throws(NumericsError) -> LeastSquaresSolution {
        try check(a, b)
        let m = a.rows, n = a.columns
        var mm = Int32(m), nn = Int32(n), nrhs: Int32 = 1
        var lda = Int32(max(1, m)), ldb = Int32(max(1, m, n))
        var aa = a.storage
        var bb = b + [Double](repeating: 0, count: max(0, n - m))
        var info: Int32 = 0
        var trans = CChar(UInt8(ascii: "N"))
        var query = 0.0, lwork: Int32 = -1
        dgels_(&trans, &mm, &nn, &nrhs, &aa, &lda, &bb, &ldb, &query, &lwork, &info, 1)
        try checkInfo("dgels", info)
        lwork = Int32(query)
        var work = [Double](repeating: 0, count: max(1, Int(lwork)))
        dgels_(&trans, &mm, &nn, &nrhs, &aa, &lda, &bb, &ldb, &work, &lwork, &info, 1)
        if info > 0 { throw .rankDeficient(estimatedReciprocalCondition: 0) }
        try checkInfo("dgels", info)

        // The triangular factor (R when m ≥ n, L when m < n) sits in the leading k × k block.
        let k = min(m, n)
        var rcond = 1.0
        if k > 0 {
            var kk = Int32(k)
            var norm = CChar(UInt8(ascii: "1"))
            var uplo = CChar(UInt8(ascii: m >= n ? "U" : "L"))
            var diag = CChar(UInt8(ascii: "N"))
            var twork = [Double](repeating: 0, count: 3 * k)
            var iwork = [Int32](repeating: 0, count: k)
            dtrcon_(&norm, &uplo, &diag, &kk, &aa, &lda, &rcond, &twork, &iwork, &info, 1, 1, 1)
            try checkInfo("dtrcon", info)
        }
        if !(rcond >= minimumReciprocalCondition) {
            throw .rankDeficient(estimatedReciprocalCondition: rcond)
        }
        var rss: Double?
        if m >= n {
            rss = bb[n..<m].reduce(0) { $0 + $1 * $1 }
        }
        return LeastSquaresSolution(
            coefficients: Array(bb[0..<n]), rank: k, residualSumOfSquares: rss,
            singularValues: nil, reciprocalCondition: rcond)
    }

    /// Solves min ‖b − A x‖₂ with the smallest ‖x‖₂ among all minimisers, by singular value
    /// decomposition (`dgelsd`). Works for any rank and reports the effective rank.
    ///
    /// - Parameters:
    ///   - a: the m × n design matrix.
    ///   - b: the right-hand side, m values.
    ///   - relativeTolerance: singular values at most `relativeTolerance × σ₁` count as zero;
    ///     the default is max(m, n) × ε, as in LAPACK's own drivers.
    /// - Returns: the coefficients, the effective rank, the singular values, and the residual
    ///   sum of squares when A has full column rank and m > n.
    /// - Throws: `.noConvergence` if the SVD fails, `.nonFiniteInput`, `.dimensionMismatch`.
    public static func minimumNorm(
        _ a: Matrix, _ b: [Double], relativeTolerance: Double? = nil
    ) throws(NumericsError) -> LeastSquaresSolution {
        try check(a, b)
        let m = a.rows, n = a.columns
        var mm = Int32(m), nn = Int32(n), nrhs: Int32 = 1
        var lda = Int32(max(1, m)), ldb = Int32(max(1, m, n))
        var aa = a.storage
        var bb = b + [Double](repeating: 0, count: max(0, n - m))
        var s = [Double](repeating: 0, count: max(1, min(m, n)))
        var rcond = relativeTolerance ?? Double(max(m, n)) * epsilon
        var rank: Int32 = 0
        var info: Int32 = 0
        var query = 0.0, lwork: Int32 = -1
        var iquery: Int32 = 0
        dgelsd_(&mm, &nn, &nrhs, &aa, &lda, &bb, &ldb, &s, &rcond, &rank, &query, &lwork, &iquery, &info)
        try checkInfo("dgelsd", info)
        lwork = Int32(query)
        var work = [Double](repeating: 0, count: max(1, Int(lwork)))
        var iwork = [Int32](repeating: 0, count: max(1, Int(iquery)))
        dgelsd_(&mm, &nn, &nrhs, &aa, &lda, &bb, &ldb, &s, &rcond, &rank, &work, &lwork, &iwork, &info)
        if info > 0 { throw .noConvergence(routine: "dgelsd") }
        try checkInfo("dgelsd", info)
        let singular = Array(s.prefix(min(m, n)))
        let ratio = (singular.first ?? 0) > 0 ? (singular.last ?? 0) / singular[0] : 0
        var rss: Double?
        if Int(rank) == n && m > n { rss = bb[n..<m].reduce(0) { $0 + $1 * $1 } }
        return LeastSquaresSolution(
            coefficients: Array(bb[0..<n]), rank: Int(rank), residualSumOfSquares: rss,
            singularValues: singular, reciprocalCondition: ratio)
    }

    private static func check(_ a: Matrix, _ b: [Double]) throws(NumericsError) {
        guard b.count == a.rows else {
            throw .dimensionMismatch("right-hand side has \(b.count) values, matrix has \(a.rows) rows")
        }
        guard a.isFinite, b.allSatisfy(\.isFinite) else { throw .nonFiniteInput }
    }
}

/// Maps LAPACK's `info < 0` (illegal argument) to an error.
func checkInfo(_ routine: String, _ info: Int32) throws(NumericsError) {
    if info < 0 { throw .illegalArgument(routine: routine, position: Int(-info)) }
}
