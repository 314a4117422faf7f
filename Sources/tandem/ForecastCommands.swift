import ArgumentParser
import Foundation
import TandemCore
import TandemEngine
import TandemForecast
import TandemPolicy
import TandemService

/// The data files every forecast command reads.
struct HistoryOptions: ParsableArguments {
    @Option(name: .customLong("krs"), help: ArgumentHelp("Key-result CSV file.", valueName: "file"))
    var keyResults: String

    @Option(name: .customLong("checkins"), help: ArgumentHelp("Check-in CSV file.", valueName: "file"))
    var checkIns: String

    @Option(name: .customLong("org"), help: ArgumentHelp("Organisation file (gives each unit's current mode).", valueName: "file"))
    var organisation: String?

    var files: HistoryFiles { HistoryFiles(keyResults: keyResults, checkIns: checkIns, organisation: organisation) }
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
    let shares = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard !shares.isEmpty, shares.allSatisfy({ $0 != nil && $0! > 0 && $0! < 1 }) else {
        throw ValidationError("--at takes elapsed shares between 0 and 1, such as 0.3,0.5,0.8; found '\(text)'")
    }
    return shares.map { $0! }
}

struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the forecast model on the closed key results of a history.",
        discussion: """
        Every closed key result (one with a final value) contributes snapshots at 10%, 20%, … 90% of its cycle, each made only of what was known then: its check-ins up to that day, and the track record of its unit and owner from key results closed before it. A logistic regression (IRLS with LAPACK solves) learns P(success) from them, under shape constraints: every feature that rises with progress gets a coefficient ≥ 0, so P(success) can never rise as a key result falls further behind.

        Its ridge strength is chosen by time-aware cross-validation over rolling origins: up to 8 days spread over the history (quantiles of the cycle starts, the first once 30 key results have closed); at each, a model fitted on the key results that closed before it predicts those that start after it. Cost grows with the number of key results, not with the number of distinct cycles.

        Then, unless --no-backtest is given, train also backtests the same way (a model trained at each origin, with its own cross-validation) and writes the held-out figures into the model file's metrics; that takes a few times as long as the training itself, with a progress bar on a terminal. The model file is JSON: schema version, features, standardisation, coefficients with standard errors and covariance, baseline calibrations, training summary and metrics.
        """
    )

    @OptionGroup var history: HistoryOptions

    @Option(help: ArgumentHelp("Where to write the model (JSON).", valueName: "file"))
    var out: String

    @Option(help: "Fix the ridge strength instead of choosing it by cross-validation.")
    var ridge: Double?

    @Flag(name: .customLong("no-backtest"), help: "Skip the backtest (the model file then carries in-sample metrics only).")
    var noBacktest = false

    func run() async throws {
        if let ridge, !(ridge.isFinite && ridge >= 0) { throw ValidationError("--ridge must be a finite number ≥ 0, found \(ridge)") }
        try Train.checkWritable(out)
        let bar = TerminalProgress()
        let outcome: TrainOutcome
        do {
            outcome = try await service.train(history.files, ridge: ridge, backtest: !noBacktest, writingTo: out) { stage, done, total in
                bar.show(stage.hasPrefix("backtest") ? stage : "training: \(stage)", done, total)
            }
        } catch {
            bar.finish()
            throw failure(error, consequence: false)
        }
        bar.finish()
        let model = outcome.model
        let backtestNote: String
        switch outcome.backtest {
        case .notRun: backtestNote = "not run (--no-backtest)"
        case .impossible(let why): backtestNote = "not possible on this history: \(why)"
        case .run(let folds, let auc, let failed):
            backtestNote = "\(count(folds, "fold")) (AUC at 50%: \(auc.map { fmt($0) } ?? "—"))"
                + (failed > 0 ? "; \(count(failed, "fold")) failed to train (see tandem backtest)" : "")
        }
        let t = model.training
        print("trained on \(t.keyResults.grouped) closed key results (\(t.rows.grouped) snapshots, \(t.positives.grouped) of them achieved) over \(count(t.cycles, "distinct cycle"))")
        if !t.crossValidation.isEmpty {
            print("ridge chosen by time-aware cross-validation: " + t.crossValidation.map {
                "λ=\(fmt($0.ridge)) log loss \(fmt($0.logLoss, 4))\($0.ridge == t.ridge ? " ←" : "")"
            }.joined(separator: " · "))
        }
        print("IRLS: \(t.converged ? "converged" : "did not converge") in \(t.iterations) iterations, deviance \(fmt(t.deviance, 2)), 1/κ \(String(format: "%.1e", t.reciprocalCondition))")
        print("backtest: \(backtestNote)")
        var table = TextTable(columns: [.init("feature"), .init("coefficient", alignRight: true), .init("std. error", alignRight: true), .init("shape")])
        table.append(["(intercept)", fmt(model.coefficients[0], 3), model.standardErrors.map { fmt($0[0], 3) } ?? "—", ""])
        for (j, feature) in FeatureSet.features.enumerated() {
            table.append([feature.rawValue, fmt(model.coefficients[j + 1], 3), model.standardErrors.map { fmt($0[j + 1], 3) } ?? "—",
                          feature.isMonotoneInProgress ? (model.coefficients[j + 1] == 0 ? "≥ 0 (held at 0)" : "≥ 0") : ""])
        }
        print(table.render())
        print("wrote \(out)")
    }
}

extension Train {
    /// Refuses, before any work, an output path that cannot be written: a missing or read-only
    /// folder, or a folder in its place.
    static func checkWritable(_ path: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard !path.isEmpty else { throw ValidationError("--out needs a file name, such as Models/my-model.json") }
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--out \(path) is a folder; give a file name, such as \(path)/model.json")
        }
        let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        guard fm.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw ValidationError("--out \(path): the folder \(folder) does not exist")
        }
        guard isDirectory.boolValue else { throw ValidationError("--out \(path): \(folder) is a file, not a folder") }
        guard fm.isWritableFile(atPath: folder) else {
            throw ValidationError("--out \(path): the folder \(folder) is not writable")
        }
    }
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class TerminalProgress: @unchecked Sendable {
    // Drawn from one thread at a time (the callers report sequentially); the lock keeps it so.
    private let lock = NSLock()
    private let enabled = isatty(STDERR_FILENO) != 0
    private var drawn = false

    func show(_ label: String, _ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        let width = 30, filled = min(width, width * done / total)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total)".utf8))
        drawn = true
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}

func fmt(_ x: Double, _ digits: Int = 3) -> String {
    guard x.isFinite else { return "—" }
    if digits == 0 { return String(Int(x.rounded())) }
    let s = String(format: "%.\(digits)f", x)
    return s
}

struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a forecast model against the rules OKR tools use today.",
        discussion: """
        Every key result with a known final value is forecast as of each elapsed share given with --at, using only what was known then. Reported per horizon: AUC, Brier score, log loss, expected calibration error (10 bins) and a reliability table, for the model and for three baselines: the linear-pace rule (at risk when progress is behind a straight line by more than 25%), confidence alone, and the trajectory model alone. Lead time: for key results that failed, the median number of days before cycle end at which each forecaster first flagged them, at the linear-pace rule's false-alarm rate.

        Evaluate on key results the model was not trained on (another export, or use `tandem backtest`).

        --recalibrate shows what `tandem forecast` does with an organisation's own history: at each rolling origin (as in `tandem backtest`) the model is recalibrated on the key results closed before it (logit P′ = a + b·logit P) and scores those that start after it; the report gives the model before and after, on the same key results.
        """
    )

    @Option(help: ArgumentHelp("The model file.", valueName: "file"))
    var model: String

    @OptionGroup var history: HistoryOptions

    @OptionGroup var horizons: Horizons

    @Flag(help: "Also recalibrate the model on the history's own closed key results, at rolling origins, and show both.")
    var recalibrate = false

    func run() async throws {
        let shares = try horizons.shares()
        let report = try await call(consequence: false) { () async throws(ServiceError) in
            try await service.evaluate(modelPath: model, history.files, at: shares, recalibrate: recalibrate)
        }
        if horizons.format == .json { print(try JSONOutput.encode(EvaluationJSON(model: ModelReference(file: model), evaluation: report))) } else {
            if recalibrate { print(EvaluationPrinter.folds(report, learnt: "recalibrated on")) }
            print(EvaluationPrinter.render(report))
        }
    }
}

struct Backtest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Backtest the forecast on a history with rolling origins in calendar time.",
        discussion: """
        Up to 8 origins are spread over the history (quantiles of the cycle starts, the first once 30 key results with both outcomes have closed). At each, a model is trained (its ridge chosen by its own cross-validation) on the key results whose cycles ended before it, and forecasts the key results that start between it and the next origin. The forecasts of all folds are pooled and scored as `tandem evaluate` does. Key results that start before the first origin are not forecast (the report counts them), and a fold whose model cannot be trained is listed with the reason. This is how much to trust the model on your own history; its cost grows with the number of key results, not of distinct cycles.
        """
    )

    @OptionGroup var history: HistoryOptions

    @OptionGroup var horizons: Horizons

    @Flag(help: "Also replay the policy's alert rules week by week over the forecast key results, and score them (needs --org).")
    var alerts = false

    static let defaultPolicy = Shipped.policy

    @Option(help: ArgumentHelp("Policy whose alert rules --alerts replays; by default the one shipped with Tandem.", valueName: "file"))
    var policy: String = Backtest.defaultPolicy

    func run() async throws {
        let shares = try horizons.shares()
        if !alerts && policy != Backtest.defaultPolicy {
            throw ValidationError("--policy is read only with --alerts (it gives the alert rules to replay)")
        }
        if alerts && history.organisation == nil {
            throw ValidationError("--alerts needs --org: the alert rules read each unit's decided mode and attributes")
        }
        let policy = Shipped.resolve(self.policy, default: Shipped.policy)
        let bar = TerminalProgress()
        let outcome: BacktestOutcome
        do {
            outcome = try await service.backtest(history.files, at: shares, alertsPolicy: alerts ? policy : nil) { done, total in
                bar.show("backtest: fold", done, total)
            }
        } catch {
            bar.finish()
            throw failure(error, perID: .max, consequence: false)
        }
        bar.finish()
        if horizons.format == .json {
            struct Report: Encodable {
                var forecast: EvaluationReport
                var alerts: AlertBacktest?
                var policy: PolicyReference?
            }
            print(try JSONOutput.encode(Report(forecast: outcome.report, alerts: outcome.alerts, policy: outcome.policy.map(PolicyReference.init))))
        } else {
            print(EvaluationPrinter.folds(outcome.report))
            print(EvaluationPrinter.render(outcome.report))
            if let replay = outcome.alerts { print("\n" + AlertBacktestPrinter.render(replay, policy: policy)) }
        }
    }
}

enum AlertBacktestPrinter {
    static func render(_ r: AlertBacktest, policy: String) -> String {
        var out = ["alert rules of \(policy), replayed week by week: \(r.keyResults.grouped) key results (\(r.failed.grouped) failed), \(r.weeklyChecks.grouped) weekly checks"]
        if r.rules.isEmpty { return out[0] + "\n  the policy has no alert rules: nothing to replay" }
        var table = TextTable(columns: [.init("  rule"), .init("severity"), .init("per KR-week", alignRight: true), .init("alerted", alignRight: true),
                                        .init("precision", alignRight: true), .init("recall", alignRight: true), .init("median lead", alignRight: true)])
        func row(_ f: AlertBacktest.Figures, _ name: String) {
            let lead = f.medianLeadDays.flatMap { d in f.medianLeadShare.map { "\(fmt(d, 0)) d (\(fmt($0 * 100, 0))%)" } } ?? "—"
            table.append(["  " + name, f.severity, fmt(f.alertsPerKeyResultWeek), f.alerted.grouped, f.precision.map { fmt($0, 2) } ?? "—",
                          f.recall.map { fmt($0, 2) } ?? "—", lead])
        }
        for f in r.severities { row(f, "any \(f.name) rule") }
        for f in r.rules { row(f, truncated(f.name, 28)) }
        out += table.render().split(separator: "\n").map(String.init)
        out.append("  precision: share of the alerted key results that failed; recall: share of the failing ones alerted; lead: before cycle end (share of the cycle)")
        if let caught = r.caughtByMidCycle {
            out.append("  a critical or warning alert caught \(fmt(caught * 100, 0))% of the \(r.failingCommitted.grouped) failing committed key results and KPIs by mid-cycle")
        }
        return out.joined(separator: "\n")
    }
}

enum EvaluationPrinter {
    /// The folds of a backtest: origins, sizes, failures, and what was left out.
    /// - Parameter learnt: what each fold did with the key results closed before its origin.
    static func folds(_ report: EvaluationReport, learnt: String = "trained on") -> String {
        guard let folds = report.folds else { return "" }
        var out = ["rolling origins in calendar time: \(count(folds.count, "fold"))"]
        for f in folds {
            out.append("  from \(f.origin): \(learnt) \(f.training.grouped) closed before it, forecast \(f.test.grouped)" + (f.failure.map { " — failed: \($0)" } ?? ""))
        }
        if folds.isEmpty { out.append("  none: no origin had enough closed key results before it (\(RollingOrigins.minimumTraining), with both outcomes)") }
        if let untested = report.untested, untested > 0 {
            out.append("  \(untested.grouped) closed key results not forecast (they start before the first origin, or their fold failed)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func render(_ report: EvaluationReport) -> String {
        var out: [String] = []
        for h in report.horizons {
            out.append("as of \(Int((h.at * 100).rounded()))% of the cycle: \(h.n.grouped) key results, \(h.positives.grouped) achieved")
            var table = TextTable(columns: [.init("  forecaster"), .init("AUC", alignRight: true), .init("Brier", alignRight: true),
                                            .init("log loss", alignRight: true), .init("ECE", alignRight: true)])
            var rows: [(String, Metrics?)] = [(h.modelUncalibrated == nil ? "model" : "model, recalibrated", h.model)]
            if let raw = h.modelUncalibrated { rows.append(("model as trained", raw)) }
            rows += [("linear pace (25%)", h.baselines.linearPace), ("confidence alone", h.baselines.confidence),
                     ("trajectory alone", h.baselines.trajectory)]
            for (name, m) in rows {
                if let m {
                    table.append(["  " + name, fmt(m.auc), fmt(m.brier), fmt(m.logLoss), fmt(m.ece)])
                } else {
                    table.append(["  " + name, "n/a", "", "", "(no confidence in this history)"])
                }
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
        if report.horizons.allSatisfy({ $0.n == 0 }) {
            out.append("nothing to score: no closed key result was forecast")
        } else if let lead = report.horizons.first?.leadTime {
            func when(_ days: Double?, _ share: Double?) -> String {
                guard let days, let share else { return "—" }
                return "\(fmt(days, 0)) days (\(fmt(share * 100, 0))% of the cycle) before cycle end"
            }
            out.append("lead time: \(count(lead.failed, "key result")) failed; checked weekly from day 14, at the linear-pace rule's false-alarm rate (it flags achieved key results at \(fmt(lead.falseAlarmRate * 100, 0))% of their weekly checks; the model flags P < \(fmt(lead.modelThreshold)) to match)")
            out.append("  model        flags \(lead.modelFlagged.grouped), first a median \(when(lead.model, lead.modelShare))")
            out.append("  linear pace  flags \(lead.linearPaceFlagged.grouped), first a median \(when(lead.linearPace, lead.linearPaceShare))")
            out.append("  at a stricter 10% false-alarm rate (P < \(fmt(lead.strictThreshold))), the model flags \(lead.strictModelFlagged.grouped), first a median \(when(lead.strictModel, lead.strictModelShare)); the rule has no such setting")
        }
        return out.joined(separator: "\n")
    }
}

struct Forecast: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast the open key results: probability of success, expected score, status, reasons.",
        discussion: """
        Lists the key results open on --as-of (started, not ended, no final value), the most at risk first: P(success) from the model, the expected OKR score at cycle end, a status colour (red below 0.4, yellow below 0.7, green above, except that a key result whose own trend projects less than half of what it needs, or that has no check-in or no progress, after a quarter of its cycle, is yellow at most: green means the model and the path agree) and the two or three reasons that weigh most, in words. Only check-ins dated up to --as-of are used.

        When the history holds at least 30 key results that closed before --as-of, with both outcomes, the model is first recalibrated on them (logit P′ = a + b·logit P: the organisation's own base rate and sharpness; the ranking is kept), and the output says so. --no-recalibrate uses the model as trained.
        """
    )

    @Option(help: ArgumentHelp("The model file; by default the one shipped with Tandem.", valueName: "file"))
    var model: String = Shipped.model

    @OptionGroup var history: HistoryOptions

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day to forecast as of (YYYY-MM-DD); default: the latest check-in.", valueName: "date"), transform: { try dayArgument($0, "--as-of") })
    var asOf: Day?

    @Option(help: "Only this unit's key results and those of the units below it (its id; the tree is read from --org, without it only the unit itself).")
    var unit: String?

    @Option(help: "Output format: table, json, csv (RFC 4180) or markdown.")
    var format: Diagnose.Format = .table

    @Flag(name: .customLong("no-recalibrate"), help: "Use the model as trained, not recalibrated on this history's closed key results.")
    var noRecalibrate = false

    func run() async throws {
        let model = Shipped.resolve(self.model, default: Shipped.model)
        let day = asOf
        let result = try await call(consequence: false) { () async throws(ServiceError) in
            try await service.forecastOpen(modelPath: model, history.files, day: day, unit: unit, recalibrate: !noRecalibrate)
        }
        if result.dayFromCycleStart {
            printError("note: no check-in at all; forecasting as of the latest cycle start, \(result.day) (give --as-of)")
        }
        let list = result.keyResults, calibration = result.recalibration
        switch format {
        case .json:
            struct Report: Encodable { var asOf: Day; var model: ModelReference; var recalibration: Recalibration?; var keyResults: [KeyResultForecast] }
            print(try JSONOutput.encode(Report(asOf: result.day, model: ModelReference(file: model), recalibration: calibration, keyResults: list)))
        case .csv:
            CSV.print(["kr_id", "unit_id", "owner", "title", "status", "p_success", "expected_score", "progress", "expected_progress", "reasons"], list.map { f in
                [f.keyResultID, f.unitID, f.owner ?? "", f.title, f.status.rawValue, fmt(f.probability, 4), fmt(f.expectedScore, 4),
                 fmt(f.progress, 4), fmt(f.expectedProgress, 4), f.reasons.joined(separator: "; ")]
            })
        case .markdown:
            print(Markdown.table(["status", "P(success)", "score", "progress", "kr", "unit", "title", "why"], right: [1, 2, 3], list.map { f in
                [f.status.rawValue, fmt(f.probability, 2), fmt(f.expectedScore, 2), "\(f.progress.percentText)/\(f.expectedProgress.percentText)",
                 f.keyResultID, f.unitID, f.title, f.reasons.joined(separator: "; ")]
            }))
            print("\n" + Forecast.calibrationNote(model: model, calibration, refused: noRecalibrate))
        case .table:
            var table = TextTable(columns: [.init("status"), .init("P(success)", alignRight: true), .init("score", alignRight: true),
                                            .init("progress", alignRight: true), .init("kr"), .init("unit"), .init("title"), .init("why")])
            for f in list {
                table.append([f.status.rawValue, fmt(f.probability, 2), fmt(f.expectedScore, 2),
                              "\(f.progress.percentText)/\(f.expectedProgress.percentText)",
                              f.keyResultID, f.unitID, truncated(f.title, 26), f.reasons.joined(separator: "; ")])
            }
            print(table.render())
            let counts = Dictionary(grouping: list, by: \.status).mapValues(\.count)
            print("\n\(count(list.count, "open key result")) as of \(result.day): red \(counts[.red] ?? 0) · yellow \(counts[.yellow] ?? 0) · green \(counts[.green] ?? 0)   (progress: now / a straight line's)")
            print(Forecast.calibrationNote(model: model, calibration, refused: noRecalibrate))
        }
    }
}

/// Which model a report used.
struct ModelReference: Encodable {
    var file: String
}

/// `evaluate --format json`: the model file and the evaluation.
struct EvaluationJSON: Encodable {
    var model: ModelReference
    var evaluation: EvaluationReport
}

extension Forecast {
    /// One line saying which model was used and whether it was recalibrated on this history.
    static func calibrationNote(model: String, _ r: Recalibration?, refused: Bool) -> String {
        if let r {
            return "model \(model), recalibrated on this organisation's \(r.keyResults.grouped) closed key results (achieved \(fmt(r.baseRate * 100, 0))% of the time; logit P′ = \(fmt(r.intercept, 2)) + \(fmt(r.slope, 2))·logit P \(r.elapsedSlope < 0 ? "−" : "+") \(fmt(abs(r.elapsedSlope), 2))·elapsed)"
        }
        return "model \(model), as trained" + (refused ? " (--no-recalibrate)" : " (fewer than \(Recalibration.minimumKeyResults) key results closed before, with both outcomes, to recalibrate on)")
    }
}

func truncated(_ s: String, _ width: Int) -> String {
    if s.displayWidth <= width { return s }
    var out = "", used = 0
    for ch in s {
        let w = ch.displayWidth
        if used + w > width - 1 { break }
        out.append(ch)
        used += w
    }
    return out + "…"
}
