import Foundation
import TandemCore
import TandemEngine
import TandemForecast
import TandemNumerics
import TandemPolicy
import TandemStore

/// Where a what-if's baseline comes from.
public enum BaselineSource: Sendable {
    /// A store, as of its latest run unless a day is given.
    case store(any Store)
    /// The three files, as of the latest check-in unless a day is given.
    case files(org: String, krs: String, checkins: String)

    /// The source in words, for a report's caption.
    public var description: String {
        switch self {
        case .store(let s): "the store \(s.location)"
        case .files(let org, _, _): org
        }
    }
}

/// A baseline loaded, with the files it came from.
public struct LoadedBaseline: Sendable {
    public var baseline: WhatIfBaseline
    public var policyPath: String
    public var modelPath: String
    public var source: String

    /// One line naming what the baseline is: source, day, policy and model.
    public var caption: String { "\(source) as of \(baseline.day), \(policyPath), \(modelPath)" }
}

/// A what-if request: scenarios from a file, against a baseline.
public struct WhatIfRequest: Sendable {
    public var scenarioPath: String
    public var day: Day?
    /// Key results whose P(success) moves at least this much are listed (default: the file's, else 0.05).
    public var threshold: Double?
    /// Latent correlation within objectives and units (default: the file's, else 0).
    public var correlation: Double?

    public init(scenarioPath: String, day: Day? = nil, threshold: Double? = nil, correlation: Double? = nil) {
        self.scenarioPath = scenarioPath
        self.day = day
        self.threshold = threshold
        self.correlation = correlation
    }
}

/// A what-if's result: the report, and the warnings found on the way (errors stop it).
public struct WhatIfOutcome: Sendable {
    public var report: WhatIfReport
    public var baseline: LoadedBaseline
    public var warnings: [Diagnostic]
    public var sources: [SourceFile]
}

/// What a sensitivity analysis is of.
public enum SensitivitySubject: Sendable {
    case unit(String)
    case keyResult(String)
}

/// A sensitivity analysis's result.
public enum SensitivityOutcome: Sendable {
    case unit(UnitSensitivity)
    case keyResult(KeyResultSensitivity)
}

/// The consultant's use cases: what if, and how sensitive.
public enum WhatIfService {
    /// Loads a baseline: the dataset, the policy bound to its organisation, the model, the day,
    /// and (from a store) the previous run's forecasts for the alert rules on change.
    ///
    /// - Parameter day: nil for the store's latest run, or the files' latest check-in.
    public static func baseline(_ source: BaselineSource, policyPath: String, modelPath: String, day: Day?) throws(ServiceError) -> LoadedBaseline {
        let policy = try Inputs.policy(policyPath)
        let model = try Inputs.model(modelPath).model
        var dataset: Dataset
        var previous = PreviousForecasts(day: nil, pSuccess: [:])
        var baselineDay = day
        var sources: [SourceFile] = []
        switch source {
        case .store(let store):
            dataset = try storeCall { () throws(StoreError) in try store.loadDataset() }
            if baselineDay == nil { baselineDay = try storeCall { () throws(StoreError) in try store.latestRun() } }
            if let d = baselineDay { previous = try storeCall { () throws(StoreError) in try store.previousForecasts(before: d) } }
        case .files(let org, let krs, let checkins):
            let loaded = try Inputs.dataset(org: org, krs: krs, checkins: checkins)
            (dataset, sources) = (loaded.dataset, loaded.sources)
        }
        guard let organisation = dataset.organisation else {
            throw .refused("the store holds no organisation; run `tandem import` first", location: source.location)
        }
        guard let day = baselineDay ?? dataset.checkIns.checkIns.map(\.date).max() else {
            throw .invalidRequest("no baseline day: give --as-of")
        }
        let binding = try Inputs.bind(organisation, to: policy, sources: sources)
        return LoadedBaseline(baseline: WhatIfBaseline(dataset: dataset, policy: policy.compiled, binding: binding, model: model, day: day,
                                                       previous: previous.pSuccess, previousDay: previous.day),
                              policyPath: policyPath, modelPath: modelPath, source: source.description)
    }

    /// Applies every scenario of a file to the baseline and compares them side by side.
    ///
    /// - Throws: `invalidInput` with every problem of the scenario file (and of the policies it
    ///   brings), located; nothing is evaluated then.
    public static func whatIf(_ request: WhatIfRequest, baseline source: BaselineSource, policyPath: String,
                              modelPath: String) throws(ServiceError) -> WhatIfOutcome {
        let scenarioSource: SourceFile
        switch DatasetLoader.read(request.scenarioPath) {
        case .success(let file): scenarioSource = file
        case .failure(let list):
            throw .invalidInput(InputProblems(diagnostics: list.diagnostics, sources: [], consequence: "no what-if"))
        }
        return try whatIf(scenario: scenarioSource, request: request, baseline: source, policyPath: policyPath, modelPath: modelPath)
    }

    /// A what-if of a scenario file's text (uploaded, or kept in a store), named by `scenario.path`.
    ///
    /// - Parameter maxScenarios: a file with more scenarios is refused before any is computed (a
    ///   server's bound on one request's work).
    public static func whatIf(scenario scenarioSource: SourceFile, request: WhatIfRequest, baseline source: BaselineSource, policyPath: String,
                              modelPath: String, maxScenarios: Int = .max) throws(ServiceError) -> WhatIfOutcome {
        let loadedChecked = ScenarioLoader.load(scenarioSource)
        let loaded = loadedChecked.value, problems = loadedChecked.diagnostics
        guard let file = loaded else {
            throw .invalidInput(InputProblems(diagnostics: problems, sources: [scenarioSource], consequence: "no what-if"))
        }
        guard file.scenarios.count <= maxScenarios else {
            throw .refused("the file holds \(file.scenarios.count) scenarios; at most \(maxScenarios) are computed at once here", note: "split it, or run `tandem whatif` on the command line")
        }
        let base = try baseline(source, policyPath: policyPath, modelPath: modelPath, day: request.day ?? file.asOf)
        let engine = WhatIfEngine(base.baseline)
        var diagnostics = problems, sources = [scenarioSource]
        var evaluated: [EvaluatedScenario] = []
        for s in file.scenarios {
            let application = engine.apply(s, file: file)
            diagnostics += application.diagnostics
            sources += application.sources
            if let applied = application.applied { evaluated.append(EvaluatedScenario(s, engine.evaluate(applied))) }
        }
        diagnostics = diagnostics.uniqued()
        if diagnostics.hasErrors {
            throw .invalidInput(InputProblems(diagnostics: diagnostics, sources: sources, consequence: "no what-if"))
        }
        let report: WhatIfReport
        do {
            report = try WhatIfReport(engine: engine, scenarios: evaluated, threshold: request.threshold ?? file.threshold ?? 0.05,
                                      correlation: request.correlation ?? file.correlation ?? 0)
        } catch {
            throw .refused("the objectives' chances under correlation could not be computed: \(error)")
        }
        return WhatIfOutcome(report: report, baseline: base, warnings: diagnostics, sources: sources)
    }

    /// How a unit's decision, or a key result's chance of success, moves as its inputs change.
    public static func sensitivity(of subject: SensitivitySubject, baseline base: LoadedBaseline) throws(ServiceError) -> SensitivityOutcome {
        let b = base.baseline
        switch subject {
        case .unit(let unit):
            let org = b.binding.organisation
            guard let u = org.index[unit] else {
                let guess = Suggestion.closest(to: unit, among: org.units.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""
                throw .invalidRequest("unit '\(unit)' is not in the organisation\(guess)")
            }
            return .unit(UnitSensitivity(unit: u, policy: b.policy, binding: b.binding))
        case .keyResult(let id):
            let table = b.dataset.keyResults
            guard let k = table.index[id] else {
                let guess = Suggestion.closest(to: id, among: table.keyResults.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""
                throw .invalidRequest("key result '\(id)' is not in the key-result file\(guess)")
            }
            let record = table.keyResults[k]
            guard !record.isClosed, record.cycle.contains(b.day) else {
                throw .invalidRequest("key result '\(record.id)' must be open on \(b.day) (its cycle is \(record.cycle)\(record.isClosed ? ", and it has closed" : ""))")
            }
            return .keyResult(KeyResultSensitivity(keyResult: k, dataset: b.dataset, model: b.model, day: b.day))
        }
    }
}

extension BaselineSource {
    var location: String? {
        if case .store(let s) = self { return s.location }
        return nil
    }
}
