import Benchmark
import Foundation
import TandemCore
import TandemEngine
import TandemForecast
import TandemPolicy
import TandemService
import TandemStore

/// A store with 10,000 units, about 100,000 open key results and 1.3 million check-ins, made
/// once by child processes of the release `tandem` binary (`tandem generate`, `tandem import`)
/// and cached under .build/bench-data, so that this process's peak memory is the run's own.
enum RunWorkload {
    /// The workload read from its generated files (not the store), with the shipped policy and
    /// model, and the organisation bound to the policy.
    static func fromFiles() throws -> (Dataset, Policy, ForecastModel, OrganisationBinding?) {
        _ = prepare()
        let files = data.appendingPathComponent("files").path
        let dataset = DatasetLoader.load(org: files + "/org.yaml", krs: files + "/krs.csv", checkins: files + "/checkins.csv").dataset!
        let policy = PolicyLoader.load(path: root.appendingPathComponent("Models/selection.policy").path).policy!
        let model = try ForecastModel.read(path: root.appendingPathComponent("Models/kr-forecast.json").path)
        let bindingChecked = OrganisationBinding.bind(dataset.organisation!, to: policy)
        let binding = bindingChecked.value
        return (dataset, policy, model, binding)
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let data = root.appendingPathComponent(".build/bench-data/weekly-run")
    static let store = data.appendingPathComponent("store.db").path
    static let day = Day(iso: "2026-11-30")!

    static func prepare() -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: store) {
            // A store cached by an older Tandem is brought up to date here, not in a measurement.
            if let s = try? SQLiteStore(path: store, access: .readWrite) { try? s.close() }
            return store
        }
        try? fm.createDirectory(at: data, withIntermediateDirectories: true)
        let tandem = root.appendingPathComponent(".build/release/tandem").path
        precondition(fm.isExecutableFile(atPath: tandem), "build the release tandem first (make bench does)")
        func run(_ arguments: [String]) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tandem)
            p.arguments = arguments
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try! p.run()
            p.waitUntilExit()
            precondition(p.terminationStatus == 0, "tandem \(arguments.first ?? "") failed")
        }
        let files = data.appendingPathComponent("files").path
        run(["generate", "--seed", "10", "--units", "10000", "--quarters", "2", "--as-of", "2026-11-30", "--out", files])
        run(["import", "--db", store + ".tmp", "--org", files + "/org.yaml", "--krs", files + "/krs.csv", "--checkins", files + "/checkins.csv"])
        try! fm.moveItem(atPath: store + ".tmp", toPath: store)
        return store
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal],
        timeUnits: .milliseconds, warmupIterations: 0, maxDuration: .seconds(120), maxIterations: 3)
    storeBackendBenchmarks()
    inboxBenchmarks()
    notifyBenchmarks()

    // The whole weekly run as `tandem run` does it, on a fresh copy of the store each time:
    // read the store, bind and decide 10,000 units, forecast every open key result, evaluate
    // the alert rules, record decisions, forecasts and the ledger's transitions.
    Benchmark("weekly run: 10k units, ~100k open KRs, ~1.3M check-ins") { benchmark in
        let source = RunWorkload.prepare()
        let copy = source + ".run.db"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) }
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        let request = WeeklyRunRequest(day: RunWorkload.day, policyPath: RunWorkload.root.appendingPathComponent("Models/selection.policy").path,
                                       modelPath: RunWorkload.root.appendingPathComponent("Models/kr-forecast.json").path, recalibrate: false, force: true)
        benchmark.startMeasurement()
        // The service's own path, as `tandem run` takes it: read the store at one moment, decide,
        // forecast, evaluate the alert rules, decide the ledger's transitions, record.
        let store = try SQLiteStore(path: copy, access: .readWrite)
        let outcome = try WeeklyRunService.run(request, store: store)
        try store.close()
        benchmark.stopMeasurement()
        guard let run = outcome.run else { preconditionFailure("the run did nothing") }
        precondition(run.decisions.count == 10_000 && run.observations.count >= 90_000, "workload too small: \(run.observations.count) open KRs")
        blackHole(outcome.record?.events.count ?? 0)
    }

    // The reference the what-if is compared with, in the same run: the weekly run's own
    // computation (decide every unit, forecast every open key result, alert rules) on the same
    // dataset, read from the same files outside the measurement, without the store.
    Benchmark("reference: the weekly run's computation on the same dataset, no store") { benchmark in
        let (dataset, policy, model, binding) = try RunWorkload.fromFiles()
        let compiled = CompiledPolicy(policy)
        benchmark.startMeasurement()
        let run = WeeklyRun.run(dataset: dataset, policy: compiled, binding: binding!, model: model, day: RunWorkload.day,
                                previous: [:], previousDay: nil)
        benchmark.stopMeasurement()
        precondition(run.observations.count >= 90_000 && run.skipped.isEmpty)
        blackHole(run.observations.count)
    }

    // What-if on the same organisation, read from the generated files (outside the
    // measurement): the baseline (decide 10,000 units, forecast every open key result, alert
    // rules), then one scenario that touches every unit (a level shift and a value set on all
    // 10,000) and changes a unit's key results, then the report with every objective's and
    // unit's exact distribution. Reference in the same run: the weekly run's forecast of the
    // same key results from scratch (`WeeklyRun.run` without the store).
    Benchmark("what-if: baseline + scenario touching all 10k units + report (~100k open KRs)") { benchmark in
        _ = RunWorkload.prepare()
        let files = RunWorkload.data.appendingPathComponent("files").path
        let load = DatasetLoader.load(org: files + "/org.yaml", krs: files + "/krs.csv", checkins: files + "/checkins.csv")
        let dataset = load.dataset!
        let policy = PolicyLoader.load(path: RunWorkload.root.appendingPathComponent("Models/selection.policy").path).policy!
        let model = try ForecastModel.read(path: RunWorkload.root.appendingPathComponent("Models/kr-forecast.json").path)
        let bindingChecked = OrganisationBinding.bind(dataset.organisation!, to: policy)
        let binding = bindingChecked.value
        let compiled = CompiledPolicy(policy)
        let someUnit = dataset.keyResults.keyResults.last { !$0.isClosed }!.unitID
        let source = SourceFile(path: "bench.yaml", text: """
        scenarios:
          - name: every unit calmer, and one unit's key results twice as fast
            changes:
              - units: all
                shift: {uncertainty: -1}
              - units: all
                set: {talent_autonomy: high}
              - krs: {unit: \(someUnit)}
                pace: 2
        """)
        let file = ScenarioLoader.load(source).value!
        benchmark.startMeasurement()
        let engine = WhatIfEngine(WhatIfBaseline(dataset: dataset, policy: compiled, binding: binding!, model: model, day: RunWorkload.day))
        let applied = engine.apply(file.scenarios[0], file: file) { _ in ScenarioPolicy(policy: nil, diagnostics: [], sources: []) }.applied
        let state = engine.evaluate(applied!)
        let report = try WhatIfReport(engine: engine, scenarios: [EvaluatedScenario(file.scenarios[0], state)])
        benchmark.stopMeasurement()
        precondition(engine.open.count >= 90_000 && report.units.count > 9_000, "workload too small: \(engine.open.count) open KRs")
        precondition(applied!.binding.organisation.units.count == 10_000)
        blackHole(report.scenarios[0].keyResultMoves.count)
    }

    Benchmark("what-if: the scenario alone, on a baseline already evaluated") { benchmark in
        let (dataset, policy, model, binding) = try RunWorkload.fromFiles()
        let source = SourceFile(path: "bench.yaml", text: """
        scenarios:
          - name: every unit calmer
            changes:
              - units: all
                shift: {uncertainty: -1}
              - units: all
                set: {talent_autonomy: high}
        """)
        let file = ScenarioLoader.load(source).value!
        let engine = WhatIfEngine(WhatIfBaseline(dataset: dataset, policy: CompiledPolicy(policy), binding: binding!, model: model, day: RunWorkload.day))
        benchmark.startMeasurement()
        let applied = engine.apply(file.scenarios[0], file: file) { _ in ScenarioPolicy(policy: nil, diagnostics: [], sources: []) }.applied
        let report = try WhatIfReport(engine: engine, scenarios: [EvaluatedScenario(file.scenarios[0], engine.evaluate(applied!))])
        benchmark.stopMeasurement()
        blackHole(report.scenarios[0].decisionChanges.count)
    }
}
