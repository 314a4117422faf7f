import Benchmark
import Foundation
import TandemCore
import TandemGenerator

/// One million check-in rows from the sample generator (real-looking rows: irregular dates,
/// optional confidence, re-scoped targets), with the key-result table they refer to.
struct CheckInWorkload {
    static let rowCount = 1_000_000
    let source: SourceFile
    let keyResults: KeyResultTable

    static let shared: CheckInWorkload = {
        let generated = DatasetGenerator.generate(GeneratorConfiguration(
            seed: 42, units: 3_000, quarters: 6, asOf: Day(iso: "2026-11-18")!))
        // Keep the header and exactly one million data rows.
        var lines = 0
        var end = generated.checkInsCSV.utf8.endIndex
        for index in generated.checkInsCSV.utf8.indices where generated.checkInsCSV.utf8[index] == UInt8(ascii: "\n") {
            lines += 1
            if lines == rowCount + 1 {
                end = generated.checkInsCSV.utf8.index(after: index)
                break
            }
        }
        precondition(lines == rowCount + 1, "generator produced only \(lines - 1) check-in rows")
        let checkIns = SourceFile(path: "checkins.csv", bytes: Array(generated.checkInsCSV.utf8[..<end]))
        let krs = KeyResultLoader.load(SourceFile(path: "krs.csv", text: generated.keyResultsCSV)).value
        return CheckInWorkload(source: checkIns, keyResults: krs)
    }()
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(15),
        maxIterations: 20
    )

    // The real path: tokenise, check every value, resolve every kr_id, group and sort by key
    // result, detect duplicate dates. One iteration reads 1,000,000 rows.
    Benchmark("check-ins: parse and validate 1M rows") { benchmark in
        let workload = CheckInWorkload.shared
        benchmark.startMeasurement()
        let logChecked = CheckInLoader.load(workload.source, keyResults: workload.keyResults)
        let log = logChecked.value, diagnostics = logChecked.diagnostics
        benchmark.stopMeasurement()
        precondition(log.checkIns.count + diagnostics.count(where: { $0.severity == .error }) == CheckInWorkload.rowCount)
        blackHole(log)
    }

    // Reference 1, the floor: one pass over the same bytes counting line ends.
    Benchmark("reference: count line ends of the same bytes") { benchmark in
        let workload = CheckInWorkload.shared
        benchmark.startMeasurement()
        var lines = 0
        workload.source.bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer where byte == UInt8(ascii: "\n") { lines += 1 }
        }
        benchmark.stopMeasurement()
        blackHole(lines)
    }

    // Reference 2, the obvious approach: split into lines and fields as Strings and convert with
    // the standard library, without any of the checks or locations.
    Benchmark("reference: naive String split and Double()") { benchmark in
        let workload = CheckInWorkload.shared
        benchmark.startMeasurement()
        let text = String(decoding: workload.source.bytes, as: UTF8.self)
        var sum = 0.0
        var rows = 0
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count >= 3, let value = Double(fields[2]), workload.keyResults.index[String(fields[0])] != nil {
                sum += value
                rows += 1
            }
        }
        benchmark.stopMeasurement()
        blackHole((sum, rows))
    }
}
