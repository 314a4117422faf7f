import ArgumentParser
import Foundation
import TandemCore
import TandemEngine
import TandemForecast
import TandemPolicy
import TandemService
import TandemStore

/// Output formats of the consultant's reports.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case table, json, markdown, html }

/// Where the baseline comes from: a store, or the three files.
struct BaselineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The store to read the baseline from: an SQLite file or a postgres:// URL.", valueName: "file|url"))
    var db: String?

    @Option(name: .customLong("org-key"), help: orgKeyHelp)
    var orgKey: String?

    @Option(name: .customLong("org"), help: ArgumentHelp("Organisation file (instead of --db).", valueName: "file"))
    var organisation: String?

    @Option(name: .customLong("krs"), help: ArgumentHelp("Key-result CSV file (instead of --db).", valueName: "file"))
    var keyResults: String?

    @Option(name: .customLong("checkins"), help: ArgumentHelp("Check-in CSV file (instead of --db).", valueName: "file"))
    var checkIns: String?

    @Option(help: ArgumentHelp("Policy file; by default the one shipped with Tandem.", valueName: "file"))
    var policy: String = Shipped.policy

    @Option(help: ArgumentHelp("Forecast model file; by default the one shipped with Tandem.", valueName: "file"))
    var model: String = Shipped.model

    func validate() throws {
        let fromEnvironment = ProcessInfo.processInfo.environment["TANDEM_DB"].map { !$0.isEmpty } ?? false
        if db == nil && !fromEnvironment && (organisation == nil || keyResults == nil || checkIns == nil) {
            throw ValidationError("give the baseline as --db FILE (or a postgres:// URL, or TANDEM_DB), or as --org, --krs and --checkins")
        }
        if db != nil && (organisation != nil || keyResults != nil || checkIns != nil) {
            throw ValidationError("give the baseline either as --db or as --org/--krs/--checkins, not both")
        }
    }

    /// Loads the baseline (a store or the three files) with the policy and model, as of `day`
    /// (nil: the latest run or check-in); prints why it cannot and exits otherwise.
    func load(day: Day?) async throws -> LoadedBaseline {
        let (source, policy, model) = try await resolved()
        return try await call(consequence: false) { () async throws(ServiceError) in
            try await service.baseline(source, policyPath: policy, modelPath: model, day: day)
        }
    }

    /// The baseline's source, policy and model paths.
    func resolved() async throws -> (BaselineSource, String, String) {
        let source: BaselineSource
        if db != nil || (organisation == nil && keyResults == nil && checkIns == nil) {
            source = .store(try await openStore(db, .readOnly, orgKey))
        } else {
            source = .files(org: organisation ?? "", krs: keyResults ?? "", checkins: checkIns ?? "")
        }
        return (source, Shipped.resolve(policy, default: Shipped.policy), Shipped.resolve(model, default: Shipped.model))
    }
}

/// Writes a report to --output or to standard output.
func emit(_ text: String, to output: String?) throws {
    guard let output else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        return
    }
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    } catch {
        FileHandle.standardError.write(Data("\(output): error: cannot write the report: \(error.localizedDescription)\n".utf8))
        throw ExitCode(1)
    }
    FileHandle.standardError.write(Data("wrote \(output)\n".utf8))
}

struct WhatIf: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "What if: apply scenarios (changed attributes, policy, key results) and show the differences they make.",
        discussion: """
        Reads a scenario file (YAML; see datasets/xinghai/scenarios.yaml and the README) and compares each scenario with the baseline as of one day: units whose mode or parameters change and the rules responsible; key results whose P(success) moves by at least --threshold; alerts that would open or close; per objective, the probability that its score reaches 0.7 (the share of its key results achieved, computed exactly from their probabilities); per unit, the expected number of key results achieved and its 80% range. Several scenarios are compared side by side.

        The baseline is a store (--db, as of its latest run unless --as-of) or the three files (--org, --krs, --checkins, as of the latest check-in unless --as-of). Nothing is written to the store.

        Formats: table (terminal), json, markdown, html (one self-contained page with charts, for a client; use --output report.html).
        """
    )

    @OptionGroup var baseline: BaselineOptions

    @Option(help: ArgumentHelp("The scenario file (YAML).", valueName: "file"))
    var scenario: String

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The baseline day (YYYY-MM-DD); default: the scenario file's as_of, else the latest run or check-in.", valueName: "date"), transform: { try dayArgument($0, "--as-of") })
    var asOf: Day?

    @Option(help: ArgumentHelp("List key results whose P(success) moves by at least this much (default: the file's, else 0.05).", valueName: "p"))
    var threshold: Double?

    @Option(help: ArgumentHelp("Latent correlation between the key results of one objective (and of one unit), 0 to below 1 (default: the file's, else 0: independent).", valueName: "rho"))
    var correlation: Double?

    @Option(help: "Output format: table, json, markdown or html.")
    var format: ReportFormat = .table

    @Option(help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Rows per table in table, markdown and html output (0: all).", valueName: "n"))
    var limit: Int = 15

    func validate() throws {
        if let threshold, !(threshold > 0 && threshold < 1) { throw ValidationError("--threshold must be between 0 and 1, found \(threshold)") }
        if let correlation, !(correlation >= 0 && correlation < 1) { throw ValidationError("--correlation must be at least 0 and below 1, found \(correlation)") }
        if limit < 0 { throw ValidationError("--limit must be 0 (all) or more") }
    }

    func run() async throws {
        let (source, policy, model) = try await baseline.resolved()
        let request = WhatIfRequest(scenarioPath: scenario, day: asOf, threshold: threshold, correlation: correlation)
        let outcome = try await call(perID: .max, consequence: false) { () async throws(ServiceError) in
            try await service.whatIf(request, baseline: source, policyPath: policy, modelPath: model)
        }
        if !outcome.warnings.isEmpty {
            printError(DiagnosticRenderer(sources: outcome.sources).render(outcome.warnings))
        }
        let renderer = WhatIfRenderer(report: outcome.report, source: "\(outcome.baseline.caption); scenarios from \(scenario)", limit: limit)
        switch format {
        case .table: try emit(renderer.text(), to: output)
        case .markdown: try emit(renderer.markdown(), to: output)
        case .html: try emit(renderer.html(), to: output)
        case .json:
            try emit(JSONOutput.encode(WhatIfJSON(baseline: BaselineReference(outcome.baseline), scenarioFile: scenario, report: outcome.report)), to: output)
        }
    }
}

struct Sensitivity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "How a unit's decision, or a key result's chance of success, moves as its inputs change.",
        discussion: """
        --unit U: for every changeable attribute of the policy, every value it can take (one attribute at a time, the others as they are), the unit's lean score and decision: a tornado table, widest swing first, with the values at which the decision changes.

        --kr K: the key result's P(success) against a pace multiplier (the pace from now on as a multiple of the pace so far: 0.5 … 3) and a deadline shift (−14 … +28 days), as a table and, with --svg FILE or --format html, as a chart.

        The baseline is read as for `tandem whatif` (--db, or --org/--krs/--checkins).
        """
    )

    @OptionGroup var baseline: BaselineOptions

    @Option(help: ArgumentHelp("The unit to analyse (its id).", valueName: "id"))
    var unit: String?

    @Option(help: ArgumentHelp("The key result to analyse (its id).", valueName: "id"))
    var kr: String?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day (YYYY-MM-DD); default: the latest run or check-in.", valueName: "date"), transform: { try dayArgument($0, "--as-of") })
    var asOf: Day?

    @Option(help: "Output format: table, json, markdown or html.")
    var format: ReportFormat = .table

    @Option(help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Also write the chart as an SVG file.", valueName: "file"))
    var svg: String?

    func validate() throws {
        if (unit == nil) == (kr == nil) { throw ValidationError("give exactly one of --unit ID or --kr ID") }
    }

    func run() async throws {
        let base = try await baseline.load(day: asOf)
        let subject: SensitivitySubject = unit.map { .unit($0) } ?? .keyResult(kr ?? "")
        let outcome = try await call { () async throws(ServiceError) in try await service.sensitivity(of: subject, baseline: base) }
        let section: ReportSection, chart: String, json: String, title: String
        switch outcome {
        case .unit(let result):
            (section, chart, json, title) = (result.section(), result.chart(),
                                             try JSONOutput.encode(SensitivityJSON(baseline: BaselineReference(base), unit: result)), "Sensitivity of \(unit ?? "")")
        case .keyResult(let result):
            (section, chart, json, title) = (result.section(), result.chart(),
                                             try JSONOutput.encode(SensitivityJSON(baseline: BaselineReference(base), keyResult: result)), "Sensitivity of \(kr ?? "")")
        }
        if let svg { try emit(chart, to: svg) }
        switch format {
        case .table: try emit(section.text(), to: output)
        case .markdown: try emit(section.markdown(level: 2), to: output)
        case .json: try emit(json, to: output)
        case .html:
            try emit(HTML.page(title: title, subtitle: "As of \(base.baseline.day), against \(base.source), \(base.policyPath), \(base.modelPath).",
                               body: section.html(level: 2, chart: chart)), to: output)
        }
    }
}

/// What a consultant's report was computed against: the source (a store or the organisation
/// file), the day, the policy and the model.
struct BaselineReference: Encodable {
    var source: String
    var asOf: Day
    var policy: PolicyReference
    var model: ModelReference

    init(_ b: LoadedBaseline) {
        source = b.source
        asOf = b.baseline.day
        policy = PolicyReference(name: b.baseline.policy.policy.name, version: b.baseline.policy.policy.version, file: b.policyPath)
        model = ModelReference(file: b.modelPath)
    }
}

/// `whatif --format json`.
struct WhatIfJSON: Encodable {
    var baseline: BaselineReference
    var scenarioFile: String
    var report: WhatIfReport
}

/// `sensitivity --format json`: one of `unit` and `key_result`.
struct SensitivityJSON: Encodable {
    var baseline: BaselineReference
    var unit: UnitSensitivity?
    var keyResult: KeyResultSensitivity?
}
