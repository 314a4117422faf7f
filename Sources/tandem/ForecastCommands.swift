import ArgumentParser
import Foundation
import TandemCore
import TandemForecast
import TandemPolicy

/// The data files every forecast command reads.
struct HistoryFiles: ParsableArguments {
    @Option(name: .customLong("krs"), help: ArgumentHelp("Key-result CSV file.", valueName: "file"))
    var keyResults: String

    @Option(name: .customLong("checkins"), help: ArgumentHelp("Check-in CSV file.", valueName: "file"))
    var checkIns: String

    @Option(name: .customLong("org"), help: ArgumentHelp("Organisation file (gives each unit's current mode).", valueName: "file"))
    var organisation: String?

    /// Loads and checks the files; prints diagnostics; exits 1 on errors.
    func load() throws -> History {
        History(try loadDataset(org: organisation, krs: keyResults, checkins: checkIns).dataset)
    }
}

/// Loads and checks the data files, or prints their errors (three of a kind at most) and exits
/// with status 1.
func loadDataset(org: String?, krs: String?, checkins: String?) throws -> (dataset: Dataset, sources: [SourceFile]) {
    let load = DatasetLoader.load(org: org, krs: krs, checkins: checkins)
    let errors = load.diagnostics.filter { $0.severity == .error }
    guard errors.isEmpty, let dataset = load.dataset else {
        let renderer = DiagnosticRenderer(sources: load.sources)
        for item in DiagnosticLimiter.limit(errors, perID: 3) {
            FileHandle.standardError.write(Data(item.text(renderer).utf8))
        }
        throw ExitCode(1)
    }
    return (dataset, load.sources)
}

/// Reads and checks a policy file, or prints its diagnostics and exits with status 1.
func readPolicy(_ path: String) throws -> Policy {
    let result = PolicyLoader.load(path: path)
    guard let policy = result.policy else {
        FileHandle.standardError.write(Data(DiagnosticRenderer(sources: result.source.map { [$0] } ?? []).render(result.diagnostics).utf8))
        throw ExitCode(1)
    }
    return policy
}

/// Reads a model file, or prints why it cannot and exits with status 1.
func readModel(_ path: String) throws -> ForecastModel {
    do { return try ForecastModel.read(path: path) } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// The horizons and output format `tandem evaluate` and `tandem backtest` share.
struct Horizons: ParsableArguments {
    @Option(help: "Elapsed shares to forecast at, comma-separated.")
    var at: String = "0.3,0.5,0.8"

    @Option(help: "Output format: text or json.")
    var format: Validate.OutputFormat = .text

    /// The elapsed shares of `--at`, or a usage error.
    func shares() throws -> [Double] { try parseShares(at) }
}

func parseShares(_ text: String) throws -> [Double] {
    let shares = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard !shares.isEmpty, shares.allSatisfy({ $0 != nil && $0! > 0 && $0! < 1 }) else {
        throw ValidationError("--at takes elapsed shares between 0 and 1, such as 0.3,0.5,0.8; found '\(text)'")
    }
    return shares.map { $0! }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the forecast model on the closed key results of a history.",
        discussion: """
        Every closed key result (one with a final value) contributes snapshots at 10%, 20%, … 90% of its cycle, each made only of what was known then: its check-ins up to that day, and the track record of its unit and owner from key results closed before it. A logistic regression (IRLS with LAPACK solves) learns P(success) from them; its ridge strength is chosen by time-aware cross-validation (each cycle predicted from the cycles before it). The model file is JSON: schema version, features, standardisation, coefficients with standard errors and covariance, baseline calibrations, training summary and metrics.
        """
    )

    @OptionGroup var files: HistoryFiles

    @Option(help: ArgumentHelp("Where to write the model (JSON).", valueName: "file"))
    var out: String

    @Option(help: "Fix the ridge strength instead of choosing it by cross-validation.")
    var ridge: Double?

    func run() throws {
        let history = try files.load()
        var model: ForecastModel
        do {
            model = try Trainer.train(history, ridge: ridge)
        } catch let error as ForecastError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        // Held-out figures for the model file: a rolling-origin backtest on the same history.
        if let (report, _) = try? Evaluator.backtest(history, at: [0.3, 0.5, 0.8]) {
            for h in report.horizons { model.metrics["backtest_at_\(h.at)"] = h.model }
        }
        try model.write(path: out)
        let t = model.training
        print("trained on \(t.keyResults.grouped) closed key results (\(t.rows.grouped) snapshots, \(t.positives.grouped) of them achieved) over \(count(t.cycles.count, "cycle"))")
        if !t.crossValidation.isEmpty {
            print("ridge chosen by time-aware cross-validation: " + t.crossValidation.map {
                "λ=\(fmt($0.ridge)) log loss \(fmt($0.logLoss, 4))\($0.ridge == t.ridge ? " ←" : "")"
            }.joined(separator: " · "))
        }
        print("IRLS: \(t.converged ? "converged" : "did not converge") in \(t.iterations) iterations, deviance \(fmt(t.deviance, 2)), 1/κ \(String(format: "%.1e", t.reciprocalCondition))")
        var table = TextTable(columns: [.init("feature"), .init("coefficient", alignRight: true), .init("std. error", alignRight: true)])
        table.append(["(intercept)", fmt(model.coefficients[0], 3), model.standardErrors.map { fmt($0[0], 3) } ?? "—"])
        for (j, name) in model.features.enumerated() {
            table.append([name, fmt(model.coefficients[j + 1], 3), model.standardErrors.map { fmt($0[j + 1], 3) } ?? "—"])
        }
        print(table.render())
        print("wrote \(out)")
    }
}

func fmt(_ x: Double, _ digits: Int = 3) -> String {
    guard x.isFinite else { return "—" }
    if digits == 0 { return String(Int(x.rounded())) }
    let s = String(format: "%.\(digits)f", x)
    return s
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a forecast model against the rules OKR tools use today.",
        discussion: """
        Every key result with a known final value is forecast as of each elapsed share given with --at, using only what was known then. Reported per horizon: AUC, Brier score, log loss, expected calibration error (10 bins) and a reliability table, for the model and for three baselines: the linear-pace rule (at risk when progress is behind a straight line by more than 25%), confidence alone, and the trajectory model alone. Lead time: for key results that failed, the median number of days before cycle end at which each forecaster first flagged them, at the linear-pace rule's false-alarm rate.

        Evaluate on key results the model was not trained on (another export, or use `tandem backtest`).
        """
    )

    @Option(help: ArgumentHelp("The model file.", valueName: "file"))
    var model: String

    @OptionGroup var files: HistoryFiles

    @OptionGroup var horizons: Horizons

    func run() throws {
        let shares = try horizons.shares()
        let forecastModel = try readModel(model)
        let history = try files.load()
        let report = Evaluator.evaluate(forecastModel, on: history, at: shares)
        if horizons.format == .json { print(try JSONOutput.encode(report)) } else { print(EvaluationPrinter.render(report)) }
    }
}

struct Backtest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Backtest the forecast on a history with rolling-origin folds by cycle.",
        discussion: "Each cycle after the first two is forecast by a model trained only on key results whose cycles ended before it starts; the forecasts of all folds are pooled and scored as `tandem evaluate` does. This is how much to trust the model on your own history."
    )

    @OptionGroup var files: HistoryFiles

    @OptionGroup var horizons: Horizons

    func run() throws {
        let shares = try horizons.shares()
        let history = try files.load()
        do {
            let (report, folds) = try Evaluator.backtest(history, at: shares)
            if horizons.format == .json { print(try JSONOutput.encode(report)) } else {
                print("rolling-origin backtest: \(count(folds, "fold")), one per cycle after the first two\n")
                print(EvaluationPrinter.render(report))
            }
        } catch let error as ForecastError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

enum EvaluationPrinter {
    static func render(_ report: EvaluationReport) -> String {
        var out: [String] = []
        for h in report.horizons {
            out.append("as of \(Int((h.at * 100).rounded()))% of the cycle: \(h.n.grouped) key results, \(h.positives.grouped) achieved")
            var table = TextTable(columns: [.init("  forecaster"), .init("AUC", alignRight: true), .init("Brier", alignRight: true),
                                            .init("log loss", alignRight: true), .init("ECE", alignRight: true)])
            for (name, m) in [("model", h.model), ("linear pace (25%)", h.baselines.linearPace),
                              ("confidence alone", h.baselines.confidence), ("trajectory alone", h.baselines.trajectory)] {
                table.append(["  " + name, fmt(m.auc), fmt(m.brier), fmt(m.logLoss), fmt(m.ece)])
            }
            out += table.render().split(separator: "\n").map(String.init)
            var reliability = TextTable(columns: [.init("  P(success)"), .init("n", alignRight: true),
                                                  .init("mean forecast", alignRight: true), .init("observed", alignRight: true)])
            for b in h.reliability.bins {
                reliability.append(["  \(fmt(b.lower, 1))–\(fmt(b.upper, 1))", b.count.grouped, fmt(b.meanProbability), fmt(b.observedRate)])
            }
            out.append("  reliability of the model:")
            out += reliability.render().split(separator: "\n").map { "  " + $0 }
            out.append("")
        }
        if let lead = report.horizons.first?.leadTimeDays {
            out.append("lead time: \(lead.failed.grouped) key results failed; checked weekly from day 14, at the linear-pace rule's false-alarm rate (it flags achieved key results at \(fmt(lead.falseAlarmRate * 100, 0))% of their weekly checks; the model flags P < \(fmt(lead.modelThreshold)) to match)")
            out.append("  model        flags \(lead.modelFlagged.grouped), first a median \(lead.model.map { fmt($0, 0) } ?? "—") days before cycle end")
            out.append("  linear pace  flags \(lead.linearPaceFlagged.grouped), first a median \(lead.linearPace.map { fmt($0, 0) } ?? "—") days before cycle end")
            out.append("  at a stricter 10% false-alarm rate (P < \(fmt(lead.strictThreshold))), the model flags \(lead.strictModelFlagged.grouped), first a median \(lead.strictModel.map { fmt($0, 0) } ?? "—") days before cycle end; the rule has no such setting")
        }
        return out.joined(separator: "\n")
    }
}

struct Forecast: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast the open key results: probability of success, expected score, status, reasons.",
        discussion: "Lists the key results open on --as-of (started, not ended, no final value), the most at risk first: P(success) from the model, the expected OKR score at cycle end, a status colour (red below 0.4, yellow below 0.7, green above) and the two or three reasons that weigh most, in words. Only check-ins dated up to --as-of are used."
    )

    @Option(help: ArgumentHelp("The model file.", valueName: "file"))
    var model: String = "Models/kr-forecast.json"

    @OptionGroup var files: HistoryFiles

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day to forecast as of (YYYY-MM-DD); default: the latest check-in.", valueName: "date"))
    var asOf: String?

    @Option(help: "Only this unit's key results (its id).")
    var unit: String?

    @Option(help: "Output format: table or json.")
    var format: Diagnose.Format = .table

    func run() throws {
        let forecastModel = try readModel(model)
        let history = try files.load()
        var day: Day
        if let asOf {
            guard let d = Day(iso: asOf) else { throw ValidationError("--as-of must be a date YYYY-MM-DD, found '\(asOf)'") }
            day = d
        } else {
            day = history.dataset.checkIns.checkIns.map(\.date).max() ?? Day(ordinal: 0)
        }
        var list = forecastModel.forecastOpen(history, asOf: day)
        if let unit { list = list.filter { $0.unitID == unit || $0.unitID.hasPrefix(unit + ".") } }
        switch format {
        case .json:
            struct Report: Encodable { var asOf: String; var keyResults: [KeyResultForecast]
                enum CodingKeys: String, CodingKey { case asOf = "as_of", keyResults = "key_results" } }
            print(try JSONOutput.encode(Report(asOf: day.description, keyResults: list)))
        default:
            var table = TextTable(columns: [.init("status"), .init("P(success)", alignRight: true), .init("score", alignRight: true),
                                            .init("progress", alignRight: true), .init("kr"), .init("unit"), .init("title"), .init("why")])
            for f in list {
                table.append([f.status.rawValue, fmt(f.probability, 2), fmt(f.expectedScore, 2),
                              "\(Int((f.progress * 100).rounded()))%/\(Int((f.expectedProgress * 100).rounded()))%",
                              f.keyResultID, f.unitID, truncated(f.title, 26), f.reasons.joined(separator: "; ")])
            }
            print(table.render())
            let counts = Dictionary(grouping: list, by: \.status).mapValues(\.count)
            print("\n\(count(list.count, "open key result")) as of \(day): red \(counts[.red] ?? 0) · yellow \(counts[.yellow] ?? 0) · green \(counts[.green] ?? 0)   (progress: now / a straight line's)")
        }
    }
}

func truncated(_ s: String, _ width: Int) -> String {
    if s.displayWidth <= width { return s }
    var out = ""
    for ch in s {
        if (out + String(ch)).displayWidth > width - 1 { break }
        out.append(ch)
    }
    return out + "…"
}
