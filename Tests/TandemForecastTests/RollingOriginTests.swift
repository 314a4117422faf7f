import Foundation
import Testing
import TandemCore
import TandemGenerator
import TandemNumerics
@testable import TandemForecast

@Suite("Rolling origins in calendar time, and recalibration")
struct RollingOriginTests {
    @Test func foldsAreFewHonestAndCoverTheLaterKeyResults() throws {
        // Every key result its own cycle: thousands of distinct cycles, still at most 8 folds.
        let g = DatasetGenerator.generate(GeneratorConfiguration(seed: 4, units: 40, quarters: 5, asOf: Day(iso: "2026-11-18")!, staggered: true))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-origins-\(UUID().uuidString)")
        try g.write(to: dir.path)
        defer { try? FileManager.default.removeItem(at: dir) }
        let load = DatasetLoader.load(org: dir.appendingPathComponent("org.yaml").path, krs: dir.appendingPathComponent("krs.csv").path,
                                      checkins: dir.appendingPathComponent("checkins.csv").path)
        let history = History(try #require(load.dataset))
        let krs = history.krs
        let closed = krs.indices.filter { krs[$0].isClosed }
        #expect(Set(closed.map { krs[$0].cycle }).count > 500)
        let origins = RollingOrigins(history, closed: closed)
        #expect((2...RollingOrigins.defaultCount).contains(origins.folds.count))
        var tested = Set<Int>()
        for fold in origins.folds {
            // Nothing a fold learns from ends on or after its origin; nothing it forecasts starts before it.
            #expect(fold.training.allSatisfy { krs[$0].cycle.end < fold.origin })
            #expect(fold.test.allSatisfy { krs[$0].cycle.start >= fold.origin })
            #expect(fold.training.count >= RollingOrigins.minimumTraining)
            #expect(tested.isDisjoint(with: fold.test))
            tested.formUnion(fold.test)
        }
        #expect(tested.count + origins.untested == closed.count)
        #expect(Double(origins.untested) < 0.5 * Double(closed.count))
    }

    @Test func recalibrationRecoversKnownCoefficients() {
        // Outcomes drawn from logit P = −1 + 0.7·η + 0.5·e: the fit finds a, b, c within a few
        // standard errors (n = 40,000, each its own key result, so the ridge is negligible).
        var random = SeededRandom(seed: 9)
        var eta: [Double] = [], elapsed: [Double] = [], y: [Bool] = []
        for _ in 0..<40_000 {
            let x = random.normal(0, 1.5), e = random.uniform()
            eta.append(x); elapsed.append(e)
            y.append(random.uniform() < Logistic.sigmoid(-1 + 0.7 * x + 0.5 * e))
        }
        let r = Recalibration.fit(logOdds: eta, elapsed: elapsed, outcomes: y, keyResults: eta.count)
        #expect(r != nil)
        #expect(abs((r?.intercept ?? 0) + 1) < 0.08)
        #expect(abs((r?.slope ?? 0) - 0.7) < 0.04)
        #expect(abs((r?.elapsedSlope ?? 0) - 0.5) < 0.12)
        // Too few key results, or one outcome only: no recalibration.
        #expect(Recalibration.fit(logOdds: [0, 1], elapsed: [0.5, 0.5], outcomes: [true, false], keyResults: 2) == nil)
        #expect(Recalibration.fit(logOdds: eta, elapsed: elapsed, outcomes: eta.map { _ in true }, keyResults: eta.count) == nil)
    }

    static let realHistory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/justgiving")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(.enabled(if: FileManager.default.fileExists(atPath: realHistory.appendingPathComponent("krs.csv").path),
                   "the real history ../shared/data/justgiving is not beside this checkout"))
    func recalibrationMendsABaseRateShift() throws {
        // Trained on charity fundraising (24% achieved), applied to the generated sample (51%).
        let real = DatasetLoader.load(org: nil, krs: Self.realHistory.appendingPathComponent("krs.csv").path,
                                      checkins: Self.realHistory.appendingPathComponent("checkins.csv").path)
        let model = try Trainer.train(History(try #require(real.dataset)), ridge: 10)
        let sample = Self.repository.appendingPathComponent("datasets/xinghai")
        let load = DatasetLoader.load(org: sample.appendingPathComponent("org.yaml").path, krs: sample.appendingPathComponent("krs.csv").path,
                                      checkins: sample.appendingPathComponent("checkins.csv").path)
        let report = Evaluator.evaluate(model, on: History(try #require(load.dataset)), at: [0.3, 0.5, 0.8], recalibrate: true)
        for h in report.horizons {
            let before = try #require(h.modelUncalibrated)
            #expect(before.ece > 0.15, "at \(h.at): \(before.ece)")
            #expect(h.model.ece < 0.5 * before.ece, "at \(h.at): ECE \(before.ece) → \(h.model.ece)")
            #expect(h.model.logLoss < before.logLoss)
        }
        #expect(report.folds?.allSatisfy { $0.failure == nil } == true)
    }
}
