/// A dense matrix of `Double` stored column-major, the layout LAPACK and BLAS expect:
/// element (i, j) lives at `storage[i + j * rows]`.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The elements, column after column.
    public internal(set) var storage: [Double]

    /// A matrix filled with one value.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must not be negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over existing column-major storage.
    ///
    /// - Precondition: `columnMajor.count == rows * columns`.
    public init(rows: Int, columns: Int, columnMajor: [Double]) {
        precondition(rows >= 0 && columns >= 0 && columnMajor.count == rows * columns,
                     "storage must hold rows × columns elements")
        self.rows = rows
        self.columns = columns
        self.storage = columnMajor
    }

    /// A matrix from a list of rows, the way matrices are written on paper.
    ///
    /// - Precondition: every row has the same length.
    public init(_ rowList: [[Double]]) {
        let rows = rowList.count
        let columns = rowList.first?.count ?? 0
        precondition(rowList.allSatisfy { $0.count == columns }, "every row must have the same length")
        var storage = [Double](repeating: 0, count: rows * columns)
        for (i, row) in rowList.enumerated() {
            for (j, value) in row.enumerated() { storage[i + j * rows] = value }
        }
        self.init(rows: rows, columns: columns, columnMajor: storage)
    }

    /// Direct access to the column-major storage, for filling large matrices without copies.
    public mutating func withColumnMajor<R>(_ body: (inout [Double]) throws -> R) rethrows -> R {
        try body(&storage)
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// Element at row `i`, column `j` (both from 0).
    public subscript(i: Int, j: Int) -> Double {
        get { storage[i + j * rows] }
        set { storage[i + j * rows] = newValue }
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        Array(storage[(j * rows)..<((j + 1) * rows)])
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] {
        (0..<columns).map { self[i, $0] }
    }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for j in 0..<columns {
            for i in 0..<rows { t[j, i] = self[i, j] }
        }
        return t
    }

    /// Whether every element is finite (neither NaN nor infinite).
    public var isFinite: Bool { storage.allSatisfy(\.isFinite) }

    /// The product `self × vector`.
    public func multiplied(by vector: [Double]) -> [Double] {
        precondition(vector.count == columns, "vector length must equal the number of columns")
        var result = [Double](repeating: 0, count: rows)
        for j in 0..<columns {
            let x = vector[j]
            if x == 0 { continue }
            let base = j * rows
            for i in 0..<rows { result[i] += storage[base + i] * x }
        }
        return result
    }

    /// The product `self × other`.
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(other.rows == columns, "inner dimensions must agree")
        var result = Matrix(rows: rows, columns: other.columns)
        for j in 0..<other.columns {
            for k in 0..<columns {
                let x = other[k, j]
                if x == 0 { continue }
                for i in 0..<rows { result.storage[i + j * rows] += storage[i + k * rows] * x }
            }
        }
        return result
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        (0..<rows).map { i in row(i).map { String($0) }.joined(separator: "\t") }.joined(separator: "\n")
    }
}
