// Coverage-guided fuzz targets for everything Tandem reads from a file.
//
//   tandem-fuzz TARGET [libFuzzer flags and corpus folders]
//
// TARGET: krs, checkins, org, policy, scenario, model. Each feeds the bytes to the loader as a
// file of that kind would be, then, when it loads, goes on through what Tandem does next with it
// (binding and deciding, forecasting, analysing, applying a scenario), so that a value a loader
// lets through and a later stage chokes on is found too. `make fuzz` runs them all.
import CFuzzDriver
import Foundation
import TandemCore
import TandemEngine
import TandemForecast
import TandemPolicy

/// The small hand-written hospital of the hardening reproductions, the shipped policy and model:
/// the fixed half of every target.
enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static func file(_ relative: String) -> SourceFile {
        let path = root.appendingPathComponent(relative).path
        guard let data = FileManager.default.contents(atPath: path) else {
            fatalError("fuzz fixture missing: \(path)")  // the harness's own files, not fuzzed input
        }
        return SourceFile(path: relative, bytes: [UInt8](data))
    }
    static let hardening = "Tests/TandemCLITests/Fixtures/Hardening/"
    nonisolated(unsafe) static let organisation = OrganisationLoader.load(file(hardening + "org.yaml")).value!
    nonisolated(unsafe) static let keyResults = KeyResultLoader.load(file(hardening + "krs.csv"), organisation: organisation).value
    nonisolated(unsafe) static let dataset: Dataset = {
        let checkIns = CheckInLoader.load(file(hardening + "checkins.csv"), keyResults: keyResults).value
        return Dataset(organisation: organisation, keyResults: keyResults, checkIns: checkIns)
    }()
    nonisolated(unsafe) static let policy = PolicyLoader.load(file(hardening + "hospital.policy")).policy!
    nonisolated(unsafe) static let model: ForecastModel = {
        do { return try ForecastModel.read(path: root.appendingPathComponent("Models/kr-forecast.json").path) } catch {
            fatalError("the shipped model does not read: \(error)")  // the harness's own file
        }
    }()
    static let day = Day(iso: "2026-11-18")!
    nonisolated(unsafe) static let whatIf: WhatIfEngine = {
        let bindingChecked = OrganisationBinding.bind(organisation, to: policy)
        let binding = bindingChecked.value
        return WhatIfEngine(WhatIfBaseline(dataset: dataset, policy: CompiledPolicy(policy), binding: binding!, model: model, day: day))
    }()
}

/// Renders diagnostics as the command line would (carets, display widths, notes): rendering
/// reads the fuzzed text too.
func render(_ diagnostics: [Diagnostic], _ source: SourceFile) {
    let text = DiagnosticRenderer(sources: [source]).render(diagnostics)
    precondition(!text.isEmpty || diagnostics.isEmpty)
}

/// Forecasts every key result of a dataset at a few days, checking the numbers are probabilities.
func forecastAll(_ dataset: Dataset) {
    let history = History(dataset)
    for k in dataset.keyResults.keyResults.indices.prefix(64) {
        let kr = dataset.keyResults.keyResults[k]
        for day in [kr.cycle.start, Fixture.day, kr.cycle.end] {
            let s = history.snapshot(k, asOf: day)
            let p = Fixture.model.probability(s)
            precondition(p.isNaN || (p >= 0 && p <= 1), "P(success) \(p) out of [0, 1]")
        }
    }
    _ = Fixture.model.forecastOpen(history, asOf: Fixture.day)
}

let targets: [String: ([UInt8]) -> Void] = [
    "krs": { bytes in
        let source = SourceFile(path: "fuzz-krs.csv", bytes: bytes)
        let tableChecked = KeyResultLoader.load(source, organisation: Fixture.organisation)
        let table = tableChecked.value, diagnostics = tableChecked.diagnostics
        render(diagnostics, source)
        guard !diagnostics.hasErrors else { return }
        forecastAll(Dataset(organisation: Fixture.organisation, keyResults: table,
                            checkIns: CheckInLog(checkIns: [], ranges: Array(repeating: 0..<0, count: table.keyResults.count))))
    },
    "checkins": { bytes in
        let source = SourceFile(path: "fuzz-checkins.csv", bytes: bytes)
        let logChecked = CheckInLoader.load(source, keyResults: Fixture.keyResults)
        let log = logChecked.value, diagnostics = logChecked.diagnostics
        render(diagnostics, source)
        guard !diagnostics.hasErrors else { return }
        forecastAll(Dataset(organisation: Fixture.organisation, keyResults: Fixture.keyResults, checkIns: log))
    },
    "org": { bytes in
        let source = SourceFile(path: "fuzz-org.yaml", bytes: bytes)
        let organisationChecked = OrganisationLoader.load(source)
        let organisation = organisationChecked.value, diagnostics = organisationChecked.diagnostics
        render(diagnostics, source)
        guard let organisation else { return }
        let bindingChecked = OrganisationBinding.bind(organisation, to: Fixture.policy)
        let binding = bindingChecked.value, found = bindingChecked.diagnostics
        render(found, source)
        guard let binding else { return }
        let compiled = CompiledPolicy(Fixture.policy)
        for u in organisation.units.indices.prefix(256) {
            _ = compiled.explain(unit: u, in: binding).render()
        }
    },
    "policy": { bytes in
        let source = SourceFile(path: "fuzz.policy", bytes: bytes)
        let result = PolicyLoader.load(source)
        render(result.diagnostics, source)
        guard let policy = result.policy else { return }
        // A small budget: the analysis must stop, and say so, on any policy.
        let analyser = PolicyAnalyser(policy)
        render(analyser.diagnostics(analyser.analyse(budget: 2_000)), source)
        let compiled = CompiledPolicy(policy)
        let bindingChecked = OrganisationBinding.bind(Fixture.organisation, to: policy)
        let binding = bindingChecked.value
        if let binding {
            for u in Fixture.organisation.units.indices { _ = compiled.explain(unit: u, in: binding).render() }
        }
        _ = PolicyAnalyser.diff(Fixture.policy, policy, budget: 2_000)
    },
    "scenario": { bytes in
        let source = SourceFile(path: "fuzz-scenario.yaml", bytes: bytes)
        let fileChecked = ScenarioLoader.load(source)
        let file = fileChecked.value, diagnostics = fileChecked.diagnostics
        render(diagnostics, source)
        guard let file else { return }
        for scenario in file.scenarios.prefix(4) {
            // A scenario naming another policy file gets none: the file system is not fuzzed.
            let application = Fixture.whatIf.apply(scenario, file: file) { _ in ScenarioPolicy(policy: nil, diagnostics: [], sources: []) }
            let (applied, found) = (application.applied, application.diagnostics)
            render(found, source)
            if let applied { _ = Fixture.whatIf.evaluate(applied) }
        }
    },
    "model": { bytes in
        guard let model = try? ForecastModel.read(data: Data(bytes), path: "fuzz-model.json") else { return }
        let history = History(Fixture.dataset)
        for k in Fixture.keyResults.keyResults.indices {
            let p = model.probability(history.snapshot(k, asOf: Fixture.day))
            precondition(p.isFinite && p >= 0 && p <= 1, "a model that reads must give probabilities; got \(p)")
        }
    },
]

// The target's name is ours; every other argument is libFuzzer's.
var arguments = CommandLine.arguments
guard arguments.count >= 2, let chosen = targets[arguments[1]] else {
    FileHandle.standardError.write(Data("usage: tandem-fuzz TARGET [libFuzzer flags] [corpus folders]\nTARGET: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
    exit(2)
}
nonisolated(unsafe) var selected: ([UInt8]) -> Void = chosen
arguments.remove(at: 1)
// Build the fixtures before the first input, so that their cost is not taken for a slow input.
_ = Fixture.whatIf

var argc = Int32(arguments.count)
var cStrings: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
let status = cStrings.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        let bytes = size == 0 ? [] : [UInt8](UnsafeBufferPointer(start: data, count: size))
        selected(bytes)
        return 0
    }
}
exit(status)
