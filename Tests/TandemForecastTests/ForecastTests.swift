import Foundation
import Testing
import TandemCore
import TandemGenerator
@testable import TandemForecast

/// A small generated history, loaded through the real loaders.
func generatedHistory(seed: UInt64 = 5, units: Int = 30, quarters: Int = 5) throws -> (Dataset, URL) {
    let g = DatasetGenerator.generate(GeneratorConfiguration(seed: seed, units: units, quarters: quarters, asOf: Day(iso: "2026-11-18")!))
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-forecast-\(UUID().uuidString)")
    try g.write(to: dir.path)
    let load = DatasetLoader.load(org: dir.appendingPathComponent("org.yaml").path, krs: dir.appendingPathComponent("krs.csv").path,
                                  checkins: dir.appendingPathComponent("checkins.csv").path)
    return (try #require(load.dataset), dir)
}

/// The dataset with extra check-ins and key results added (as if the export were later).
func adding(_ dataset: Dataset, checkIns extra: [CheckIn], keyResults newKRs: [KeyResult] = []) -> Dataset {
    var table = dataset.keyResults
    for kr in newKRs {
        table.index[kr.id] = table.keyResults.count
        table.keyResults.append(kr)
        table.locations.append(SourceLocation(file: "added", line: 0, column: 0))
    }
    var all: [CheckIn] = [], ranges: [Range<Int>] = []
    for k in table.keyResults.indices {
        let start = all.count
        var mine = k < dataset.keyResults.keyResults.count ? Array(dataset.checkIns.checkIns(ofKeyResult: k)) : []
        mine += extra.filter { $0.keyResultID == table.keyResults[k].id }
        all += mine.sorted { $0.date < $1.date }
        ranges.append(start..<all.count)
    }
    return Dataset(organisation: dataset.organisation, keyResults: table, checkIns: CheckInLog(checkIns: all, ranges: ranges))
}

@Suite("Forecasts never peek at the future")
struct AsOfTests {
    @Test func laterCheckInsAndLaterClosingKeyResultsChangeNoEarlierSnapshot() throws {
        let (dataset, dir) = try generatedHistory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let history = History(dataset)
        let model = try Trainer.train(history, ridge: 1)
        let krs = dataset.keyResults.keyResults
        // As of the middle of each cycle, for a sample of key results.
        let sample = Array(krs.indices.filter { krs[$0].isClosed }.prefix(120))
        var before: [Int: (Day, [Double], Double)] = [:]
        for k in sample {
            let day = history.day(k, atShare: 0.5)
            let s = history.snapshot(k, asOf: day)
            before[k] = (day, FeatureSet.vector(s), model.probability(s))
        }
        // Add a check-in after each as-of day (a big jump, with a confidence and a re-scope),
        // and a new key result of every unit that closes after those days with a success.
        var extra: [CheckIn] = []
        for k in sample {
            extra.append(CheckIn(keyResultID: krs[k].id, date: before[k]!.0.advanced(by: 1), value: krs[k].targetValue * 3,
                                 confidence: 10, target: krs[k].startValue + 1))
        }
        var newKRs: [KeyResult] = []
        for (i, unit) in Set(krs.map(\.unitID)).sorted().enumerated() {
            let latest = krs.map(\.cycle.end).max()!
            newKRs.append(KeyResult(id: "NEW-\(i)", objectiveID: "O-NEW-\(i)", unitID: unit, title: "later", kind: .committed,
                                    startValue: 0, targetValue: 1, cycle: Cycle(start: latest.advanced(by: 1), end: latest.advanced(by: 90)),
                                    owner: krs.first { $0.unitID == unit }?.owner, finalValue: 5))
        }
        let later = History(adding(dataset, checkIns: extra, keyResults: newKRs))
        for k in sample {
            let (day, features, p) = before[k]!
            let s = later.snapshot(k, asOf: day)
            #expect(FeatureSet.vector(s) == features, "\(krs[k].id) as of \(day)")
            #expect(model.probability(s) == p)
        }
        // The check-in does change the forecast once its day is reached.
        let k = sample[0]
        let after = later.snapshot(k, asOf: before[k]!.0.advanced(by: 1))
        #expect(FeatureSet.vector(after) != before[k]!.1)
    }

    @Test func trackRecordCountsOnlyKeyResultsClosedBefore() throws {
        let (dataset, dir) = try generatedHistory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let history = History(dataset)
        let krs = dataset.keyResults.keyResults
        let k = try #require(krs.indices.first { krs[$0].isClosed && krs[$0].cycle.start > krs.map(\.cycle.start).min()! })
        let day = history.day(k, atShare: 0.5)
        let s = history.snapshot(k, asOf: day)
        let expected = krs.indices.filter { krs[$0].unitID == krs[k].unitID && krs[$0].isClosed && krs[$0].cycle.end < day }
        #expect(s.unitRecord.closed == expected.count)
        #expect(s.unitRecord.achieved == expected.filter { dataset.isSuccess(keyResult: $0) == true }.count)
    }
}

@Suite("Trajectory model")
struct TrajectoryTests {
    @Test func withoutCheckInsNothingIsAchievedYetAndThePlanHoldsFromToday() {
        // No check-in at all: nothing achieved so far, the plan's pace from today on.
        let early = TrajectoryModel.predict(times: [], progress: [], now: 0.1, threshold: 1)
        #expect(abs(early.mean - 0.9) < 1e-9)
        #expect(early.sd > 0.3)
        #expect(early.probability > 0.3 && early.probability < 0.5)
        let late = TrajectoryModel.predict(times: [], progress: [], now: 0.6, threshold: 1)
        #expect(abs(late.mean - 0.4) < 1e-9)
        #expect(late.probability < early.probability)
    }

    @Test func silenceSinceTheLastCheckInCountsAsNoProgress() {
        // On pace until 40% of the cycle, then nothing reported: the later the day, the lower the trend.
        let times = [0.1, 0.2, 0.3, 0.4]
        let atOnce = TrajectoryModel.predict(times: times, progress: times, now: 0.4, threshold: 1)
        let later = TrajectoryModel.predict(times: times, progress: times, now: 0.7, threshold: 1)
        #expect(abs(atOnce.mean - 1) < 0.05)
        #expect(abs(later.mean - 0.7) < 0.05)
        #expect(later.probability < atOnce.probability)
    }

    @Test func oneCheckInIsSensible() {
        let ahead = TrajectoryModel.predict(times: [0.3], progress: [0.6], now: 0.3, threshold: 1)
        let behind = TrajectoryModel.predict(times: [0.3], progress: [0.05], now: 0.3, threshold: 1)
        #expect(ahead.probability > behind.probability)
        #expect(ahead.probability.isFinite && behind.probability.isFinite)
    }

    @Test func aLinearHistoryProjectsItsEndPoint() {
        let times = stride(from: 0.1, through: 0.8, by: 0.1).map { $0 }
        let p = TrajectoryModel.predict(times: times, progress: times.map { 0.8 * $0 }, now: 0.8, threshold: 1)
        #expect(abs(p.mean - 0.8) < 0.03)
        #expect(abs(p.slope - 0.8) < 0.03)
        #expect(p.probability < 0.5)
        let done = TrajectoryModel.predict(times: times, progress: times.map { 1.4 * $0 }, now: 0.8, threshold: 1)
        #expect(done.probability > 0.8)
    }

    @Test func expectedClampedScore() {
        #expect(abs(ForecastModel.expectedClampedScore(mean: 0.5, sd: 1e-9) - 0.5) < 1e-9)
        #expect(abs(ForecastModel.expectedClampedScore(mean: 3, sd: 0.1) - 1) < 1e-9)
        let s = ForecastModel.expectedClampedScore(mean: 0.5, sd: 0.3)
        #expect(abs(s - 0.5) < 1e-9)   // symmetric about 0.5
    }
}

@Suite("Training and evaluation")
struct TrainingTests {
    @Test func modelBeatsTheBaselinesOnHeldOutData() throws {
        let (train, d1) = try generatedHistory(seed: 21, units: 42)
        let (test, d2) = try generatedHistory(seed: 22, units: 42)
        defer { try? FileManager.default.removeItem(at: d1); try? FileManager.default.removeItem(at: d2) }
        let model = try Trainer.train(History(train))
        #expect(model.training.converged)
        #expect(model.training.crossValidation.count == Trainer.ridgeGrid.count)
        let report = Evaluator.evaluate(model, on: History(test), at: [0.3, 0.5, 0.8])
        for h in report.horizons {
            #expect(h.model.auc > h.baselines.linearPace.auc, "at \(h.at)")
            #expect(h.model.auc > (h.baselines.confidence?.auc ?? 1), "at \(h.at)")
            #expect(h.model.auc > h.baselines.trajectory.auc, "at \(h.at)")
            #expect(h.model.logLoss < h.baselines.linearPace.logLoss)
            #expect(h.model.ece < 0.06, "at \(h.at): \(h.model.ece)")
        }
        #expect(report.horizons[1].model.auc > 0.7)
    }

    @Test func modelFileRoundTripsAndIsChecked() throws {
        let (data, dir) = try generatedHistory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Trainer.train(History(data), ridge: 1)
        let path = dir.appendingPathComponent("m.json").path
        try model.write(path: path)
        let read = try ForecastModel.read(path: path)
        #expect(read.coefficients == model.coefficients)
        #expect(read.features == FeatureSet.names)
        try Data("{\"schema_version\": 1}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ForecastError.self) { try ForecastModel.read(path: path) }
        func refusal(_ edit: (inout ForecastModel) -> Void) throws -> String {
            var m = model
            edit(&m)
            try m.write(path: path)
            do { _ = try ForecastModel.read(path: path); return "accepted" } catch { return "\(error)" }
        }
        let progress = try #require(FeatureSet.features.firstIndex(of: .progress))
        #expect(try refusal { $0.coefficients[progress + 1] = -0.5 }.contains("coefficient of 'progress' is negative"))
        #expect(try refusal { $0.coefficients[3] = 1e308 }.contains("within ±1000"))
        #expect(try refusal { $0.standardisation.lower[2] = $0.standardisation.upper[2] + 1 }.contains("the training range of '\(FeatureSet.names[2])' is empty"))
        #expect(try refusal { $0.recalibration = Recalibration(intercept: 0, slope: 0, elapsedSlope: 0, keyResults: 40, snapshots: 360, baseRate: 0.5) }
            .contains("slope ≥ 0.05"))
        #expect(try refusal { $0.training.snapshotShares = [-5, 1e308] }.contains("snapshot_shares"))
        #expect(try refusal { $0.baselines.linearPaceBehindRate = 7 }.contains("'baselines'"))
        #expect(try refusal { _ in } == "accepted")
        try Data("{\"schema_version\": 1, \"features\": []}".utf8).write(to: URL(fileURLWithPath: path))
        do { _ = try ForecastModel.read(path: path) } catch { #expect("\(error)".contains("schema version 1, this Tandem reads 2")) }
        try Data("{\"schema_version\": 2, \"kind\": \"x\"}".utf8).write(to: URL(fileURLWithPath: path))
        do { _ = try ForecastModel.read(path: path) } catch { #expect("\(error)".contains("'features' is missing")) }
    }

    @Test func metricsOnKnownCases() {
        #expect(Metrics.auc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]) == 0.75)
        #expect(Metrics.auc([0.5, 0.5], [false, true]) == 0.5)
        let m = Metrics(probabilities: [0.2, 0.8], outcomes: [false, true])
        #expect(abs(m.brier - 0.04) < 1e-12)
        #expect(abs(m.logLoss - (-log(0.8))) < 1e-12)
        #expect(abs(m.ece - 0.2) < 1e-12)
    }
}
