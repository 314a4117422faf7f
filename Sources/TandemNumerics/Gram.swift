internal import CLAPACK

/// Cross-products of a design matrix, formed with BLAS.
public enum Gram {
    /// XᵀWX (upper and lower triangles filled) with `dsyrk`, W = diag(weights), or XᵀX when
    /// `weights` is nil. Rows are scaled by √wᵢ in cache-sized blocks, so X is read once.
    ///
    /// - Precondition: weights are non-negative and there is one per row.
    public static func weighted(_ x: Matrix, weights: [Double]? = nil) -> Matrix {
        let n = x.rows, p = x.columns
        var c = [Double](repeating: 0, count: p * p)
        guard n > 0 && p > 0 else { return Matrix(rows: p, columns: p, columnMajor: c) }
        let block = max(1, min(n, 4096))
        var scaled = [Double](repeating: 0, count: block * p)
        x.storage.withUnsafeBufferPointer { xs in
            var r = 0
            while r < n {
                let m = min(block, n - r)
                for j in 0..<p {
                    let column = xs.baseAddress! + j * n + r
                    let out = j * m
                    if let weights {
                        for i in 0..<m { scaled[out + i] = column[i] * weights[r + i].squareRoot() }
                    } else {
                        for i in 0..<m { scaled[out + i] = column[i] }
                    }
                }
                BLAS.syrkTransposed(rows: m, columns: p, a: scaled, lda: m, into: &c, beta: r == 0 ? 0 : 1)
                r += m
            }
        }
        var result = Matrix(rows: p, columns: p, columnMajor: c)
        for j in 0..<p { for i in (j + 1)..<p { result[i, j] = result[j, i] } }
        return result
    }
}

/// Thin wrappers over the BLAS calls, hiding the Fortran calling convention.
enum BLAS {
    /// Keeps OpenBLAS from threading inside calls (once per process); no effect on other BLAS.
    static func singleThreaded() { _ = once }
    private static let once: Bool = tandem_blas_single_threaded() != 0

    /// C := AᵀA + beta·C on the upper triangle, A of `rows × columns` with leading dimension `lda`.
    static func syrkTransposed(rows: Int, columns: Int, a: UnsafePointer<Double>, lda: Int, into c: inout [Double], beta: Double) {
        var uplo = CChar(UInt8(ascii: "U")), trans = CChar(UInt8(ascii: "T"))
        var n = Int32(columns), k = Int32(rows), ld = Int32(lda), ldc = Int32(columns)
        var alpha = 1.0, b = beta
        dsyrk_(&uplo, &trans, &n, &k, &alpha, a, &ld, &b, &c, &ldc, 1, 1)
    }

    static func syrkTransposed(rows: Int, columns: Int, a: [Double], lda: Int, into c: inout [Double], beta: Double) {
        a.withUnsafeBufferPointer { syrkTransposed(rows: rows, columns: columns, a: $0.baseAddress!, lda: lda, into: &c, beta: beta) }
    }

    /// y := alpha·op(A)·x + beta·y, A of `rows × columns` with leading dimension `lda`.
    static func gemv(transpose: Bool, rows: Int, columns: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                     x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>) {
        var trans = CChar(UInt8(ascii: transpose ? "T" : "N"))
        var m = Int32(rows), n = Int32(columns), ld = Int32(lda), inc: Int32 = 1
        var al = alpha, be = beta
        dgemv_(&trans, &m, &n, &al, a, &ld, x, &inc, &be, y, &inc, 1)
    }
}
