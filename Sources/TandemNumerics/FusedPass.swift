import Foundation
internal import CTandemKernels

/// A design matrix packed for the fused logistic pass (`CTandemKernels`): blocks of
/// `rowsPerBlock` rows, each block column after column, the last block padded with zero rows.
/// Reading X block by block is one sequential stream, which the processor prefetches well;
/// reading 21 columns of a column-major matrix side by side is two times slower on this machine.
public final class PanelMatrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    /// Rows per block (256).
    public static var rowsPerBlock: Int { Int(tandem_panel_rows()) }
    /// Number of blocks, the last one padded.
    public let blocks: Int
    /// 64-byte aligned, `blocks × rowsPerBlock × columns` doubles; never mutated after `init`.
    let base: UnsafeMutablePointer<Double>
    private let region: Region

    /// Packs a column-major matrix.
    public init(_ x: Matrix) {
        let r = PanelMatrix.rowsPerBlock
        rows = x.rows
        columns = x.columns
        blocks = (x.rows + r - 1) / r
        let count = max(1, blocks * r * columns)
        region = Region(bytes: count * MemoryLayout<Double>.stride)
        base = region.start.bindMemory(to: Double.self, capacity: count)
        let (n, p, blocks, base) = (rows, columns, blocks, base)
        x.storage.withUnsafeBufferPointer { xs in
            guard let source = xs.baseAddress else { return }
            for b in 0..<blocks {
                let first = b * r, m = min(r, n - first)
                for j in 0..<p {
                    (base + (b * p + j) * r).update(from: source + j * n + first, count: m)
                }
            }
        }
    }


    /// The bytes of X (without padding): what one streaming read of X has to move.
    public var bytes: Int { rows * columns * MemoryLayout<Double>.stride }

    /// Sum of every element, read with both cores and the widest loads the processor has: the
    /// memory-bandwidth floor of a pass over X (for benchmarks; padding rows are zeros).
    public func streamingSum(workers: Int = ProcessInfo.processInfo.activeProcessorCount) -> Double {
        let w = max(1, min(workers, blocks))
        let share = (blocks + w - 1) / w
        let perBlock = PanelMatrix.rowsPerBlock * columns
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: w)
        sums.initialize(repeating: 0, count: w)
        defer { sums.deallocate() }
        nonisolated(unsafe) let (out, data) = (sums, base)
        let blocks = blocks
        DispatchQueue.concurrentPerform(iterations: w) { k in
            let lo = k * share, hi = min(blocks, lo + share)
            guard lo < hi else { return }
            let start = data + lo * perBlock, count = (hi - lo) * perBlock
            let s = tandem_stream_sum(start, count)
            out[k] = s
        }
        return (0..<w).reduce(0) { $0 + sums[$1] }
    }
}

/// Zeroed memory for the panels. On Linux a large buffer is mapped directly and the kernel is
/// asked for transparent huge pages: touching 168 MB in 4 KB pages costs 41,000 page faults,
/// which on this virtual machine took longer (about 0.4 s) than a whole fit.
private final class Region: @unchecked Sendable {
    let start: UnsafeMutableRawPointer
    private let mapped: (address: UnsafeMutableRawPointer, length: Int)?

    init(bytes: Int) {
        #if os(Linux)
        let huge = 2 << 20
        if bytes >= huge {
            let length = (bytes + 2 * huge - 1) / huge * huge
            if let address = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
               address != MAP_FAILED {
                // Huge pages need 2 MB alignment; the mapping has room for it.
                let offset = (huge - Int(bitPattern: address) % huge) % huge
                _ = madvise(address + offset, length - offset, Int32(MADV_HUGEPAGE))
                start = address + offset
                mapped = (address, length)
                return
            }
        }
        #endif
        start = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
        start.initializeMemory(as: UInt8.self, repeating: 0, count: max(bytes, 64))
        mapped = nil
    }

    deinit {
        #if os(Linux)
        if let mapped { munmap(mapped.address, mapped.length); return }
        #endif
        start.deallocate()
    }
}

/// Which code forms each IRLS iteration's XᵀWX, gradient and deviance.
public enum LogisticEngine: Sendable, Equatable {
    /// The fused kernel where the processor has it (x86-64 with AVX-512) and the problem is
    /// large (n ≥ 100,000 rows, p ≤ 256); BLAS otherwise.
    case automatic
    /// `dgemv` + `dsyrk` in double precision, blocked over the cores.
    case blas
    /// The fused kernel (`CTandemKernels`): X read once per iteration, η, μ, the deviance and
    /// the gradient in double precision, XᵀWX from single-precision products summed in double.
    /// Falls back to BLAS where the processor lacks AVX-512.
    case fused

    /// Whether this processor can run the fused kernel.
    public static var fusedAvailable: Bool { tandem_logistic_kernel_available() != 0 }

    func usesFused(rows: Int, columns: Int) -> Bool {
        guard LogisticEngine.fusedAvailable, columns >= 1, columns <= 256 else { return false }
        switch self {
        case .blas: return false
        case .fused: return true
        case .automatic: return rows >= 100_000
        }
    }
}

/// One pass of the fused kernel over packed X at given coefficients, split by blocks over the
/// cores; the same result as `Pass.evaluate` up to the single-precision products of XᵀWX
/// (relative error about 1e-6 per element).
struct FusedPass {
    let x: PanelMatrix
    let y: [Double]
    let weights: [Double]?
    let workers: Int

    init(x: PanelMatrix, y: [Double], weights: [Double]?) {
        (self.x, self.y, self.weights) = (x, y, weights)
        // The kernel spawns no threads of its own, so smaller problems can share the cores too.
        workers = Pass.workers(rows: x.rows, from: 20_000)
    }

    /// The pass at `beta`, or nil if the kernel could not run (no workspace memory); the caller
    /// then uses the BLAS pass.
    func evaluate(_ beta: [Double]) -> Pass.Result? {
        let p = x.columns, w = max(1, min(workers, x.blocks))
        let stride = p * p + p + 2
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: w * stride)
        partial.initialize(repeating: 0, count: w * stride)
        defer { partial.deallocate() }
        let share = (x.blocks + w - 1) / w
        let status = UnsafeMutablePointer<Int32>.allocate(capacity: w)
        status.initialize(repeating: 0, count: w)
        defer { status.deallocate() }
        y.withUnsafeBufferPointer { ys in
            beta.withUnsafeBufferPointer { b in
                let wp = weights?.withUnsafeBufferPointer { $0.baseAddress }
                nonisolated(unsafe) let (out, codes, panels) = (partial, status, x.base)
                nonisolated(unsafe) let (yq, bq, wq) = (ys.baseAddress, b.baseAddress, wp)
                let (n, blocks) = (x.rows, x.blocks)
                DispatchQueue.concurrentPerform(iterations: w) { k in
                    let lo = k * share, hi = min(blocks, lo + share)
                    guard lo < hi, let yq, let bq else { return }
                    let o = out + k * stride
                    codes[k] = tandem_logistic_pass(panels, Int32(p), n, lo, hi, yq, wq, bq,
                                                    o, o + p * p, o + p * p + p, o + p * p + p + 1)
                }
            }
        }
        // The kernel refuses p outside 1…256 and processors without AVX-512 (both checked by
        // `LogisticEngine.usesFused` before a FusedPass is made) and fails without workspace.
        guard (0..<w).allSatisfy({ status[$0] == 0 }) else { return nil }
        return Pass.Result(adding: partial, workers: w, columns: p)
    }
}
