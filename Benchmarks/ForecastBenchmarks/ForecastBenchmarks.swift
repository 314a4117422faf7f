import Benchmark
import Foundation
import TandemCore
import TandemForecast
import TandemGenerator
import TandemNumerics

/// The logistic-regression workload: 1,000,000 rows × 20 features plus an intercept column,
/// drawn from an integer hash so that `Benchmarks/logit_reference.py` builds exactly the same
/// data in numpy and times scikit-learn and statsmodels on it.
enum LogitWorkload {
    static let rows = 1_000_000
    static let features = 20

    /// A uniform number in [0, 1) from (i, j), identical in Swift and numpy (uint64 arithmetic).
    @inline(__always)
    static func uniform(_ i: UInt64, _ j: UInt64) -> Double {
        var z = i &* 0x9E37_79B9_7F4A_7C15 &+ j &* 0xBF58_476D_1CE4_E5B9 &+ 0x94D0_49BB_1331_11EB
        z = (z ^ (z >> 31)) &* 0xD6E8_FEB8_6659_FD93
        z = z ^ (z >> 32)
        return Double(z >> 11) * 0x1p-53
    }

    static let data: (x: Matrix, y: [Double]) = {
        let p = features + 1
        var x = Matrix(rows: rows, columns: p)
        var y = [Double](repeating: 0, count: rows)
        x.withColumnMajor { storage in
            for i in 0..<rows { storage[i] = 1 }
            for j in 1..<p {
                for i in 0..<rows { storage[j * rows + i] = uniform(UInt64(i), UInt64(j)) * 2 - 1 }
            }
            for i in 0..<rows {
                var eta = -0.25
                for j in 1..<p { eta += (j % 2 == 0 ? 1.0 : -1.0) * Double(j) / 20 * storage[j * rows + i] }
                y[i] = uniform(UInt64(i), 1000) < 1 / (1 + exp(-eta)) ? 1 : 0
            }
        }
        return (x, y)
    }()

    static let panels = PanelMatrix(data.x)
}

/// Open key results to score: the generator's organisations, exported mid-quarter.
enum ScoringWorkload {
    static let shared: (history: History, model: ForecastModel, open: [Int], day: Day) = {
        let day = Day(iso: "2026-11-18")!
        let g = DatasetGenerator.generate(GeneratorConfiguration(seed: 3, units: 2_000, quarters: 3, asOf: day))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-\(getpid())")
        try? g.write(to: dir.path)
        let load = DatasetLoader.load(org: dir.appendingPathComponent("org.yaml").path, krs: dir.appendingPathComponent("krs.csv").path,
                                      checkins: dir.appendingPathComponent("checkins.csv").path)
        try? FileManager.default.removeItem(at: dir)
        let history = History(load.dataset!)
        let model = try! Trainer.train(history, ridge: 1)
        let open = history.dataset.keyResults.keyResults.indices.filter {
            let kr = history.dataset.keyResults.keyResults[$0]
            return !kr.isClosed && kr.cycle.contains(day)
        }
        return (history, model, open, day)
    }()
}

/// A history as real ones are: about 10,000 closed key results over thousands of distinct
/// cycles (every key result its own: 10 to 180 days, staggered), from the generator with
/// `staggered`, loaded through the real loaders outside the measurement.
enum StaggeredWorkload {
    static let history: History = {
        let g = DatasetGenerator.generate(GeneratorConfiguration(seed: 10, units: 210, quarters: 6, asOf: Day(iso: "2026-11-18")!, staggered: true))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-staggered-\(getpid())")
        try? g.write(to: dir.path)
        let load = DatasetLoader.load(org: dir.appendingPathComponent("org.yaml").path, krs: dir.appendingPathComponent("krs.csv").path,
                                      checkins: dir.appendingPathComponent("checkins.csv").path)
        try? FileManager.default.removeItem(at: dir)
        let history = History(load.dataset!)
        let closed = history.dataset.keyResults.keyResults.filter(\.isClosed)
        let cycles = Set(closed.map(\.cycle)).count
        precondition(closed.count >= 10_000 && cycles >= 2_000, "staggered workload: \(closed.count) closed key results, \(cycles) cycles")
        return history
    }()
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds, warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 10)

    // The memory-bandwidth floor: one streaming read of X (sum of every element), first as one
    // core reads column-major X with scalar adds, then as fast as this machine reads X: the
    // packed panels the fused kernel reads, SIMD adds on both cores. The second is the floor.
    Benchmark("floor: one streaming read of X, one core (1M × 21)") { benchmark in
        let x = LogitWorkload.data.x
        benchmark.startMeasurement()
        var sums = (0.0, 0.0, 0.0, 0.0)
        x.storage.withUnsafeBufferPointer { b in
            var i = 0
            let n = b.count & ~3
            while i < n {
                sums.0 += b[i]; sums.1 += b[i + 1]; sums.2 += b[i + 2]; sums.3 += b[i + 3]
                i += 4
            }
        }
        benchmark.stopMeasurement()
        blackHole(sums.0 + sums.1 + sums.2 + sums.3)
    }

    Benchmark("floor: one streaming read of X, both cores (1M × 21)") { benchmark in
        let panels = LogitWorkload.panels
        benchmark.startMeasurement()
        let sum = panels.streamingSum()
        benchmark.stopMeasurement()
        blackHole(sum)
    }

    // One IRLS iteration's pass over X on the fused kernel (the path fits of 100,000 rows or
    // more take on this machine): η, μ, deviance and gradient in double precision, XᵀWX from
    // single-precision products, X packed once beforehand (outside the measurement).
    Benchmark("IRLS: one iteration's pass over X, fused kernel (1M × 21)") { benchmark in
        let (panels, y) = (LogitWorkload.panels, LogitWorkload.data.y)
        let beta = [Double](repeating: 0.01, count: panels.columns)
        benchmark.startMeasurement()
        let result = LogisticRegression.fusedIterationPass(panels, y, beta)
        benchmark.stopMeasurement()
        precondition(result != nil, "this processor has no AVX-512: the fused kernel does not run here")
        blackHole(result)
    }

    // The same pass with BLAS: linear predictor, weights, deviance, XᵀWX by dsyrk, gradient
    // (the Newton solve of a 21 × 21 system adds microseconds).
    Benchmark("IRLS: one iteration's pass over X, BLAS (1M × 21)") { benchmark in
        let (x, y) = LogitWorkload.data
        let beta = [Double](repeating: 0.01, count: x.columns)
        benchmark.startMeasurement()
        let result = LogisticRegression.iterationPass(x, y, beta)
        benchmark.stopMeasurement()
        blackHole(result)
    }

    // The whole fit to convergence (relative deviance change below 1e-8), with standard errors:
    // packing X, the iterations on the fused kernel, one BLAS pass for the covariance.
    Benchmark("IRLS: whole fit (1M × 21)") { benchmark in
        let (x, y) = LogitWorkload.data
        benchmark.startMeasurement()
        let fit = try LogisticRegression.fit(x, y, tolerance: 1e-8)
        benchmark.stopMeasurement()
        precondition(fit.converged)
        blackHole(fit)
    }

    // The same fit with every pass through BLAS (dgemv + dsyrk in double precision): the
    // reference for the fused kernel, in the same run.
    Benchmark("IRLS: whole fit, BLAS passes (1M × 21)") { benchmark in
        let (x, y) = LogitWorkload.data
        benchmark.startMeasurement()
        let fit = try LogisticRegression.fit(x, y, tolerance: 1e-8, engine: .blas)
        benchmark.stopMeasurement()
        precondition(fit.converged)
        blackHole(fit)
    }

    // Scoring open key results: features from their check-ins (trajectory model included) and
    // the population model, as `tandem forecast` and the weekly run do.
    Benchmark("score \(ScoringWorkload.shared.open.count) open key results (features + both models)") { benchmark in
        let w = ScoringWorkload.shared
        var features = [Double](repeating: 0, count: FeatureSet.names.count)
        benchmark.startMeasurement()
        var sum = 0.0
        features.withUnsafeMutableBufferPointer { f in
            for k in w.open {
                let s = w.history.snapshot(k, asOf: w.day)
                FeatureSet.write(s, into: f.baseAddress!)
                sum += w.model.probability(features: f.baseAddress!)
            }
        }
        benchmark.stopMeasurement()
        precondition(w.open.count >= 10_000, "scoring workload has only \(w.open.count) open key results")
        blackHole(sum)
    }

    // Training and backtesting on staggered cycles (issue targets: train ≤ 10 s, backtest ≤ 60 s,
    // system time ≤ 10% of user time). One sample each after one warm-up: a run is seconds long.
    // The CPU metrics show user and system time for the thread hand-off check.
    // One benchmark over the staggered history: `work` measured, its result kept alive.
    func onStaggeredHistory(_ name: String, seconds: Int, samples: Int, _ work: @escaping @Sendable (History) throws -> Any) {
        Benchmark(name, configuration: .init(metrics: [.wallClock, .cpuUser, .cpuSystem, .peakMemoryResident], timeUnits: .milliseconds,
                                             warmupIterations: 0, maxDuration: .seconds(seconds), maxIterations: samples)) { benchmark in
            let history = StaggeredWorkload.history
            benchmark.startMeasurement()
            let result = try work(history)
            benchmark.stopMeasurement()
            blackHole(result)
        }
    }
    onStaggeredHistory("train: 10,028 closed key results, 9,063 distinct cycles (cross-validation included)", seconds: 60, samples: 2) {
        try Trainer.train($0)
    }
    // The reference in the same run: the same training with the ridge fixed (snapshots and one
    // shape-constrained fit, no cross-validation): what cross-validation adds on top.
    onStaggeredHistory("train with a fixed ridge (reference): the same 10,028 key results, no cross-validation", seconds: 60, samples: 3) {
        try Trainer.train($0, ridge: 10)
    }
    onStaggeredHistory("backtest: 10,028 closed key results, 9,063 distinct cycles (8 origins, each trained with its own cross-validation)",
                       seconds: 120, samples: 1) {
        try Evaluator.backtest($0, at: [0.3, 0.5, 0.8]).report
    }
}
