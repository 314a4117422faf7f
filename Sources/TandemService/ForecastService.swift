import Foundation
import TandemCore
import TandemEngine
import TandemForecast
import TandemPolicy

/// The history files every forecast use case reads.
public struct HistoryFiles: Sendable {
    public var keyResults: String
    public var checkIns: String
    /// The organisation gives each unit's current mode (and the tree for a unit's subtree).
    public var organisation: String?

    public init(keyResults: String, checkIns: String, organisation: String? = nil) {
        self.keyResults = keyResults
        self.checkIns = checkIns
        self.organisation = organisation
    }

    func load() throws(ServiceError) -> LoadedDataset {
        try Inputs.dataset(org: organisation, krs: keyResults, checkins: checkIns)
    }
}

/// What training made, and how the backtest that follows it went.
public struct TrainOutcome: Sendable {
    public var model: ForecastModel
    /// Where it was written.
    public var path: String
    public var backtest: TrainBacktest
}

/// The held-out backtest run after training, for the model file's metrics.
public enum TrainBacktest: Sendable {
    case notRun
    /// Folds run, AUC at 50% of the cycle (nil when not scored), folds that failed to train.
    case run(folds: Int, aucAtHalf: Double?, failedFolds: Int)
    case impossible(String)
}

/// A backtest's result: the forecast's figures and, when asked, the alert rules' replay.
public struct BacktestOutcome: Sendable {
    public var report: EvaluationReport
    public var alerts: AlertBacktest?
    /// The policy whose alert rules were replayed.
    public var policy: LoadedPolicy?
}

/// The open key results forecast as of a day.
public struct OpenForecast: Sendable {
    public var day: Day
    public var modelPath: String
    /// Set when the model was recalibrated on the history's own closed key results.
    public var recalibration: Recalibration?
    public var keyResults: [KeyResultForecast]
    /// The day was not given and the history has no check-in: the latest cycle start was taken.
    public var dayFromCycleStart: Bool
}

/// HR's and the data scientist's use cases: train, evaluate, backtest, forecast.
public enum ForecastService {
    /// Trains a model on the history's closed key results and writes it to `path` (atomically);
    /// unless `backtest` is false, a rolling-origin backtest adds held-out figures to its metrics.
    public static func train(_ files: HistoryFiles, ridge: Double?, backtest: Bool, writingTo path: String,
                             progress: Trainer.Progress? = nil) throws(ServiceError) -> TrainOutcome {
        if let ridge, !(ridge.isFinite && ridge >= 0) { throw .invalidRequest("--ridge must be a finite number ≥ 0, found \(ridge)") }
        let history = History(try files.load().dataset)
        var model: ForecastModel
        do { model = try Trainer.train(history, ridge: ridge, progress: progress) } catch {
            throw (error as? ForecastError).map { .forecast($0) } ?? .refused("training failed: \(error)")
        }
        var note = TrainBacktest.notRun
        if backtest {
            do {
                let result = try Evaluator.backtest(history, at: [0.3, 0.5, 0.8]) { done, total in progress?("backtest: fold", done, total) }
                for h in result.report.horizons { model.metrics["backtest_at_\(h.at)"] = h.model }
                note = .run(folds: result.models.count, aucAtHalf: result.report.horizons.first { abs($0.at - 0.5) < 1e-9 }?.model.auc,
                            failedFolds: result.report.folds?.filter { $0.failure != nil }.count ?? 0)
            } catch {
                note = .impossible("\(error)")
            }
        }
        do { try model.write(path: path) } catch {
            throw .refused("the model could not be written: \((error as NSError).localizedDescription)", location: path)
        }
        return TrainOutcome(model: model, path: path, backtest: note)
    }

    /// Scores a model on the history's closed key results at each elapsed share.
    public static func evaluate(modelPath: String, _ files: HistoryFiles, at shares: [Double], recalibrate: Bool) throws(ServiceError) -> EvaluationReport {
        let model = try Inputs.model(modelPath).model
        return Evaluator.evaluate(model, on: History(try files.load().dataset), at: shares, recalibrate: recalibrate)
    }

    /// Backtests on the history with rolling origins; with `alertsPolicy`, replays its alert
    /// rules week by week over the forecast key results.
    public static func backtest(_ files: HistoryFiles, at shares: [Double], alertsPolicy: String?,
                                progress: (@Sendable (Int, Int) -> Void)? = nil) throws(ServiceError) -> BacktestOutcome {
        let policy = try alertsPolicy.map { path throws(ServiceError) in try Inputs.policy(path) }
        if policy != nil && files.organisation == nil {
            throw .invalidRequest("--alerts needs --org: the alert rules read each unit's decided mode and attributes")
        }
        let loaded = try files.load()
        let history = History(loaded.dataset)
        let result: (report: EvaluationReport, models: [(ForecastModel, [Int])])
        do { result = try Evaluator.backtest(history, at: shares, progress: progress) } catch {
            throw (error as? ForecastError).map { .forecast($0) } ?? .refused("the backtest failed: \(error)")
        }
        var replay: AlertBacktest?
        if let policy, let organisation = loaded.dataset.organisation {
            let binding = try Inputs.bind(organisation, to: policy, sources: loaded.sources)
            replay = AlertBacktest.replay(dataset: loaded.dataset, policy: policy.compiled, binding: binding, folds: result.models)
        }
        return BacktestOutcome(report: result.report, alerts: replay, policy: policy)
    }

    /// Forecasts the key results open on `day` (default: the latest check-in), most at risk first.
    ///
    /// - Parameter unit: only this unit's key results and those of the units below it.
    public static func forecastOpen(modelPath: String, _ files: HistoryFiles, day: Day?, unit: String?,
                                    recalibrate: Bool) throws(ServiceError) -> OpenForecast {
        var model = try Inputs.model(modelPath).model
        let dataset = try files.load().dataset
        let history = History(dataset)
        var units: Set<String>?
        if let unit {
            let known = Set(dataset.keyResults.keyResults.map(\.unitID)).union(dataset.organisation?.units.map(\.id) ?? [])
            guard known.contains(unit) else {
                let guess = Suggestion.closest(to: unit, among: known).map { "; did you mean '\($0)'?" } ?? ""
                throw .refused("no unit '\(unit)' in \(files.organisation ?? files.keyResults)\(guess)")
            }
            units = dataset.organisation.map { $0.subtree(of: unit) } ?? [unit]
        }
        var asOf: Day
        var fromCycleStart = false
        if let day {
            asOf = day
        } else {
            // The latest check-in; with none at all, the latest cycle start (said in the outcome).
            guard let latest = dataset.checkIns.checkIns.map(\.date).max() ?? dataset.keyResults.keyResults.map(\.cycle.start).max() else {
                throw .invalidRequest("the key-result file holds no key result to forecast")
            }
            asOf = latest
            fromCycleStart = dataset.checkIns.checkIns.isEmpty
        }
        let calibrated = recalibrate ? model.recalibrated(on: history, closedBefore: asOf) : nil
        if let calibrated { model = calibrated }
        var list = model.forecastOpen(history, asOf: asOf)
        if let units { list = list.filter { units.contains($0.unitID) } }
        return OpenForecast(day: asOf, modelPath: modelPath, recalibration: calibrated?.recalibration, keyResults: list,
                            dayFromCycleStart: fromCycleStart)
    }
}
