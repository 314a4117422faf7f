internal import CLAPACK

/// The Cholesky factorisation A = Uᵀ U of a symmetric positive-definite matrix, with its
/// estimated condition number, ready to solve systems and to invert.
public struct Cholesky: Sendable {
    /// Order of the matrix.
    public let order: Int
    /// The factor U in the upper triangle (column-major); the strict lower triangle is unused.
    public let factor: Matrix
    /// LAPACK's estimate of 1 / κ₁(A), the reciprocal condition number in the 1-norm (`dpocon`).
    public let reciprocalCondition: Double

    /// Factorises a symmetric positive-definite matrix (`dpotrf`) and estimates its condition
    /// (`dlansy` + `dpocon`). Only the upper triangle of `a` is read.
    ///
    /// `dpotrf` alone fails only on a non-positive pivot, so a nearly singular matrix would
    /// factorise and then produce a solution dominated by rounding error; this initialiser
    /// refuses such a matrix instead.
    ///
    /// - Parameters:
    ///   - a: a symmetric n × n matrix.
    ///   - minimumReciprocalCondition: refuse when 1/κ₁(A) is below this; the default 1e-12
    ///     keeps at least about four correct significant digits in a solve.
    /// - Throws: `.notPositiveDefinite` (with the failing pivot), `.illConditioned`,
    ///   `.nonFiniteInput`, `.dimensionMismatch`.
    public init(_ a: Matrix, minimumReciprocalCondition: Double = 1e-12) throws(NumericsError) {
        guard a.rows == a.columns else {
            throw .dimensionMismatch("matrix is \(a.rows) × \(a.columns), not square")
        }
        guard a.isFinite else { throw .nonFiniteInput }
        let n = a.rows
        var nn = Int32(n), lda = Int32(max(1, n)), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "U"))
        var norm = CChar(UInt8(ascii: "1"))
        var u = a.storage
        var work = [Double](repeating: 0, count: max(1, 3 * n))
        var iwork = [Int32](repeating: 0, count: max(1, n))
        var anorm = dlansy_(&norm, &uplo, &nn, &u, &lda, &work, 1, 1)
        dpotrf_(&uplo, &nn, &u, &lda, &info, 1)
        if info > 0 { throw .notPositiveDefinite(pivot: Int(info)) }
        try checkInfo("dpotrf", info)
        var rcond = 0.0
        if n > 0 {
            dpocon_(&uplo, &nn, &u, &lda, &anorm, &rcond, &work, &iwork, &info, 1)
            try checkInfo("dpocon", info)
        } else {
            rcond = 1
        }
        guard rcond >= minimumReciprocalCondition else {
            throw .illConditioned(reciprocalCondition: rcond, threshold: minimumReciprocalCondition)
        }
        self.order = n
        self.factor = Matrix(rows: n, columns: n, columnMajor: u)
        self.reciprocalCondition = rcond
    }

    /// Solves A x = b (`dpotrs`).
    ///
    /// - Throws: `.dimensionMismatch` when `b` does not have `order` values, `.nonFiniteInput`.
    public func solve(_ b: [Double]) throws(NumericsError) -> [Double] {
        guard b.count == order else {
            throw .dimensionMismatch("right-hand side has \(b.count) values, matrix has order \(order)")
        }
        guard b.allSatisfy(\.isFinite) else { throw .nonFiniteInput }
        if order == 0 { return [] }
        var nn = Int32(order), nrhs: Int32 = 1, lda = Int32(order), ldb = Int32(order), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "U"))
        var x = b
        factor.storage.withUnsafeBufferPointer { u in
            dpotrs_(&uplo, &nn, &nrhs, u.baseAddress, &lda, &x, &ldb, &info, 1)
        }
        try checkInfo("dpotrs", info)
        return x
    }

    /// A⁻¹, symmetric, both triangles filled (`dpotri`). Used for covariance matrices.
    public func inverse() throws(NumericsError) -> Matrix {
        if order == 0 { return Matrix(rows: 0, columns: 0) }
        var nn = Int32(order), lda = Int32(order), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "U"))
        var inv = factor.storage
        dpotri_(&uplo, &nn, &inv, &lda, &info, 1)
        if info > 0 { throw .notPositiveDefinite(pivot: Int(info)) }
        try checkInfo("dpotri", info)
        var result = Matrix(rows: order, columns: order, columnMajor: inv)
        for j in 0..<order {
            for i in (j + 1)..<order { result[i, j] = result[j, i] }
        }
        return result
    }
}
