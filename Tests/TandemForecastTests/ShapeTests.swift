import Foundation
import PropertyBased
import Testing
import TandemCore
import TandemNumerics
@testable import TandemForecast

/// One open key result and its check-ins, as a history, for shape properties.
struct OneKeyResult: Sendable, CustomStringConvertible {
    var kind: KeyResultKind
    var start: Double
    var target: Double
    var cycleDays: Int
    /// (day offset from the cycle start, progress, confidence) in date order.
    var path: [(day: Int, progress: Double, confidence: Double?)]
    var asOf: Int
    var rescopedTarget: Double?

    var description: String {
        "\(kind) \(start)→\(target) over \(cycleDays) days, as of day \(asOf), path \(path.map { "(\($0.day), \($0.progress), \($0.confidence.map { "\($0)" } ?? "-"))" }.joined(separator: " "))"
    }

    func value(_ progress: Double) -> Double { start + progress * (target - start) }

    func history() -> (History, Int, Day) {
        let first = Day(iso: "2026-01-05")!
        let kr = KeyResult(id: "KR-1", objectiveID: "O-1", unitID: "u", title: "t", kind: kind, startValue: start,
                           targetValue: target, cycle: Cycle(start: first, end: first.advanced(by: cycleDays - 1)))
        var checkIns: [CheckIn] = []
        for (i, c) in path.enumerated() {
            checkIns.append(CheckIn(keyResultID: "KR-1", date: first.advanced(by: c.day), value: value(c.progress), confidence: c.confidence,
                                    target: i == path.count / 2 ? rescopedTarget : nil))
        }
        let table = KeyResultTable(keyResults: [kr], index: ["KR-1": 0], locations: [SourceLocation(file: "t", line: 1, column: 1)])
        let dataset = Dataset(organisation: nil, keyResults: table, checkIns: CheckInLog(checkIns: checkIns, ranges: [0..<checkIns.count]))
        return (History(dataset), 0, first.advanced(by: asOf))
    }

    func probability(_ model: ForecastModel) -> Double {
        let (h, k, day) = history()
        return model.probability(h.snapshot(k, asOf: day))
    }
}

let modelsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Models")

/// Random key results: any kind, increasing or decreasing, cycles of 7 days to a year, up to 12
/// check-ins with progress anywhere in [−3, 3], confidence often missing.
func keyResults(progress: ClosedRange<Double> = -3...3, nondecreasing: Bool = false) -> Generator<OneKeyResult, some Sequence & SendableMetatype> {
    zip(Gen.int(in: 0...2), Gen.double(in: -100...100), Gen.double(in: 0.1...200), Gen.bool, Gen.int(in: 7...366),
        Gen.double(in: 0...1).array(of: 0...12), Gen.double(in: progress).array(of: 12), Gen.int(in: -1...10).array(of: 12),
        Gen.double(in: 0.05...1.2))
        .map { kind, start, span, decreasing, days, times, progress, confidence, asOfShare in
            let kind = KeyResultKind.allCases[kind]
            let target = decreasing ? start - span : start + span
            let asOf = max(0, min(days - 1, Int(asOfShare * Double(days))))
            var offsets = times.map { Int($0 * Double(asOf)) }.sorted()
            offsets = offsets.enumerated().filter { $0.offset == 0 || $0.element != offsets[$0.offset - 1] }.map(\.element)
            var values = Array(progress.prefix(offsets.count))
            if nondecreasing { values = values.map { max(0, $0) }.sorted() }
            let path = offsets.indices.map { i in (offsets[i], values[i], confidence[i] < 0 ? nil : Double(confidence[i])) }
            return OneKeyResult(kind: kind, start: start, target: target, cycleDays: days, path: path, asOf: asOf)
        }
}

/// A model with the shipped standardisation and random coefficients that meet the shape
/// constraints: any model `ForecastModel.read` accepts.
func randomValidModel(_ base: ForecastModel) -> Generator<RandomModel, some Sequence & SendableMetatype> {
    Gen.double(in: -3...3).array(of: base.coefficients.count).map { c in
        var m = base
        m.coefficients = c.enumerated().map { j, v in j > 0 && FeatureSet.features[j - 1].isMonotoneInProgress ? abs(v) : v }
        return RandomModel(model: m)
    }
}

/// A model with random coefficients, described by them alone.
struct RandomModel: Sendable, CustomStringConvertible {
    var model: ForecastModel
    var description: String { "model with coefficients \(model.coefficients.map { String(format: "%.2f", $0) })" }
}

@Suite("The forecast's shape: monotone in progress and finite for any input, by design")
struct ShapeTests {
    let shipped: ForecastModel

    init() throws { shipped = try ForecastModel.read(path: modelsDirectory.appendingPathComponent("kr-forecast.json").path) }

    @Test func pSuccessNeverRisesAsTheLastValueFallsFurtherBehind() async {
        await propertyCheck(count: 400, input: keyResults().filter { !$0.path.isEmpty },
                            Gen.double(in: 0.001...5).map { $0 < 4.9 ? $0 : 1e19 }, randomValidModel(shipped)) { kr, drop, random in
            var lower = kr
            lower.path[lower.path.count - 1].progress -= drop
            for model in [shipped, random.model] {
                let before = kr.probability(model), after = lower.probability(model)
                #expect(after <= before + 1e-9, "\(kr): last progress −\(drop) moved P from \(before) to \(after)")
            }
        }
    }

    @Test func pSuccessNeverRisesAsThePaceFalls() async {
        // The same dates, every check-in's progress scaled by k < 1: a slower pace all along.
        // Within 0–200% of the target: beyond, progress is clamped (`TrajectoryModel.progressRange`)
        // and a key result that far ahead counts as achieved whatever its path.
        await propertyCheck(count: 400, input: keyResults(progress: 0...2, nondecreasing: true).filter { !$0.path.isEmpty },
                            Gen.double(in: 0...0.999), randomValidModel(shipped)) { kr, k, random in
            var slower = kr
            for i in slower.path.indices { slower.path[i].progress *= k }
            for model in [shipped, random.model] {
                let before = kr.probability(model), after = slower.probability(model)
                #expect(after <= before + 1e-9, "\(kr): pace ×\(k) moved P from \(before) to \(after)")
            }
        }
    }

    @Test func finiteAndBoundedForAnyFiniteInput() async {
        let extreme = Gen.double(in: -1e19...1e19)
        await propertyCheck(count: 300, input: keyResults(), extreme, extreme, Gen.double(in: -1e6...1e6)) { kr, start, target, rescope in
            var wild = kr
            wild.start = start
            wild.target = target == start ? start + 1 : target
            wild.rescopedTarget = rescope
            for kr in [kr, wild] {
                let (h, k, day) = kr.history()
                let s = h.snapshot(k, asOf: day)
                let x = FeatureSet.vector(s)
                #expect(x.allSatisfy { $0.isFinite }, "\(kr): features \(x)")
                let p = shipped.probability(s)
                #expect(p.isFinite && p >= 0 && p <= 1, "\(kr): P \(p)")
                let f = shipped.forecast(h, k, asOf: day)
                #expect(f.probability == p)
            }
        }
    }

    @Test func aKeyResultWhoseTrendProjectsNothingIsNeverGreen() async {
        // Whatever else is said of it (an owner's confidence jumping to 9 included): green means
        // the model and the key result's own path agree (`KeyResultForecast.Status`).
        await propertyCheck(count: 1000, input: keyResults(progress: -3...0).filter { !$0.path.isEmpty }) { kr in
            let (h, k, day) = kr.history()
            let s = h.snapshot(k, asOf: day)
            guard s.trajectory.mean <= 0, s.elapsed >= 0.25 else { return }
            let f = shipped.forecast(h, k, asOf: day)
            #expect(f.status != .green, "\(kr): P \(f.probability), reasons \(f.reasons)")
            #expect(!f.reasons.contains { $0.contains("already at") }, "\(f.reasons)")
        }
    }

    @Test func reasonsPointTheWayOfTheVerdict() async {
        await propertyCheck(count: 300, input: keyResults().filter { !$0.path.isEmpty }) { kr in
            let (h, k, day) = kr.history()
            let s = h.snapshot(k, asOf: day)
            let f = shipped.forecast(h, k, asOf: day)
            if f.status == .green {
                // A green forecast is never explained by a trend that projects a miss.
                #expect(!(s.trajectory.mean < s.threshold && f.reasons.contains { $0.hasPrefix("its trend projects") }), "\(kr): \(f.reasons)")
            } else if f.probability >= 0.7 {
                // Held back from green by its own path, and the first reason says so.
                #expect(f.reasons.first.map { $0.hasPrefix("its trend projects") || $0.hasPrefix("no check-in yet") || $0.hasPrefix("no progress yet") } == true, "\(kr): \(f.reasons)")
            } else if f.probability < 0.5 {
                #expect(!f.reasons.contains { $0.hasPrefix("already at") }, "\(kr): \(f.reasons)")
            }
        }
    }

    @Test func theTrajectoryMeanRisesWithEveryLaterObservation() async {
        // The property the design rests on (see `TrajectoryModel`): the predictive mean is
        // increasing in the latest value, and its sd does not depend on the values at all.
        await propertyCheck(count: 500, input: Gen.double(in: 0...1).array(of: 1...10), Gen.double(in: -3...3).array(of: 10),
                            Gen.double(in: 0.001...2)) { times, values, bump in
            let t = times.sorted(), now = t.last!
            let y = Array(values.prefix(t.count))
            var up = y
            up[up.count - 1] = min(2, up[up.count - 1] + bump)
            let a = TrajectoryModel.predict(times: t, progress: y, now: now, threshold: 1)
            let b = TrajectoryModel.predict(times: t, progress: up, now: now, threshold: 1)
            #expect(b.mean >= a.mean - 1e-12)
            #expect(abs(b.sd - a.sd) < 1e-12)
            #expect(b.probability >= a.probability - 1e-12)
        }
    }
}

/// Each quantity defined once: the features in one table, one pace.
@Suite("One definition per feature, one pace")
struct DefinitionTests {
    @Test func everyFeatureHasItsDefinitionInCaseOrder() {
        #expect(FeatureDefinition.all.map(\.feature) == Feature.allCases)
        #expect(FeatureSet.names == Feature.allCases.map(\.rawValue))
        for f in Feature.allCases { #expect(f.definition.feature == f) }
    }

    @Test func paceIsBoundedAndFlooredTheSameEverywhere() {
        // On the first day, progress 0.1: the elapsed share is floored at 5%.
        let p = Pace(progress: 0.1, elapsed: 0, threshold: 1)
        #expect(abs(p.observed - 2) < 1e-12 && abs(p.needed - 0.9) < 1e-12)
        #expect(abs(p.ratio - 2 / 0.9) < 1e-12)
        // Past the threshold nothing more is needed: the ratio is at its bound.
        #expect(Pace(progress: 1.2, elapsed: 0.5, threshold: 1).ratio == Pace.ratioBound)
        // Huge or non-finite numbers stay within ±10.
        #expect(Pace(progress: -1e6, elapsed: 0.01, threshold: 1).ratio == -Pace.ratioBound)
        #expect(Pace(progress: .nan, elapsed: 0.5, threshold: 1).ratio.isFinite)
        #expect(Pace(progress: 0.5, elapsed: 0.5, threshold: 1, multiplier: 3).observed == 3)
    }
}
