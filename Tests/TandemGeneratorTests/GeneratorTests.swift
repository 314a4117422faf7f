import Foundation
import Testing
import TandemCore
@testable import TandemGenerator

@Suite("Sample data generator")
struct GeneratorTests {
    static let configuration = GeneratorConfiguration(seed: 2026, units: 42, quarters: 5, asOf: Day(iso: "2026-11-18")!)
    static let generated = DatasetGenerator.generate(configuration)

    static func load(_ g: GeneratedDataset) -> DatasetLoad {
        // Through the real loaders, from real files.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-gen-\(UUID().uuidString)")
        try? g.write(to: dir.path)
        defer { try? FileManager.default.removeItem(at: dir) }
        return DatasetLoader.load(org: dir.appendingPathComponent("org.yaml").path,
                                  krs: dir.appendingPathComponent("krs.csv").path,
                                  checkins: dir.appendingPathComponent("checkins.csv").path)
    }

    @Test func sameSeedSameBytesOtherSeedOtherData() {
        let again = DatasetGenerator.generate(Self.configuration)
        #expect(again.organisationYAML == Self.generated.organisationYAML)
        #expect(again.keyResultsCSV == Self.generated.keyResultsCSV)
        #expect(again.checkInsCSV == Self.generated.checkInsCSV)
        var other = Self.configuration
        other.seed = 7
        #expect(DatasetGenerator.generate(other).checkInsCSV != Self.generated.checkInsCSV)
    }

    @Test func bundledSampleIsThisGeneratorsOutput() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../datasets/xinghai").standardized
        #expect(try String(contentsOf: dir.appendingPathComponent("org.yaml"), encoding: .utf8) == Self.generated.organisationYAML)
        #expect(try String(contentsOf: dir.appendingPathComponent("krs.csv"), encoding: .utf8) == Self.generated.keyResultsCSV)
        #expect(try String(contentsOf: dir.appendingPathComponent("checkins.csv"), encoding: .utf8) == Self.generated.checkInsCSV)
    }

    @Test func generatedDataPassesValidationWithOnlyLateCheckInWarnings() throws {
        let load = Self.load(Self.generated)
        #expect(!load.diagnostics.hasErrors)
        #expect(load.diagnostics.allSatisfy { $0.id == "C0132" })
        let dataset = try #require(load.dataset)
        let org = try #require(dataset.organisation)
        #expect(org.units.count == 42)
        #expect(org.depth == 3)
        #expect(org.units.contains { $0.name == "研发中心" })
        let krs = dataset.keyResults.keyResults
        #expect(krs.count > 1500)
        let cycles = Set(krs.map(\.cycle))
        #expect(cycles.count == 5)
        // Four closed quarters and one open.
        #expect(krs.filter { !$0.isClosed }.allSatisfy { $0.cycle.contains(Day(iso: "2026-11-18")!) })
        #expect(krs.filter { $0.cycle.end < Day(iso: "2026-10-01")! }.allSatisfy { $0.isClosed })
        // No check-in after the export date.
        #expect(dataset.checkIns.checkIns.allSatisfy { $0.date <= Day(iso: "2026-11-18")! })
    }

    @Test func dataHasTheQuirksOfRealOKRData() throws {
        let dataset = try #require(Self.load(Self.generated).dataset)
        let krs = dataset.keyResults.keyResults
        let log = dataset.checkIns
        #expect(krs.contains { $0.direction == .decrease })
        #expect(Set(krs.map(\.kind)) == Set(KeyResultKind.allCases))
        // Re-scoped targets, missing confidence, KRs with no check-in at all.
        #expect(log.checkIns.contains { $0.target != nil })
        #expect(log.checkIns.contains { $0.confidence == nil })
        #expect(log.checkIns.contains { $0.confidence != nil })
        #expect(log.ranges.contains { $0.isEmpty })
        // Irregular spacing: gaps between consecutive check-ins vary.
        var gaps = Set<Int>()
        for range in log.ranges where range.count > 1 {
            for i in range.dropFirst() { gaps.insert(log.checkIns[i - 1].date.distance(to: log.checkIns[i].date)) }
        }
        #expect(gaps.count > 10)
        // Milestone KRs move in whole steps.
        let milestones = krs.indices.filter { krs[$0].title.contains("里程碑") || krs[$0].title.contains("阶段") }
        #expect(!milestones.isEmpty)
        for i in milestones {
            #expect(log.checkIns(ofKeyResult: i).allSatisfy { $0.value == $0.value.rounded() && $0.value >= 0 })
        }
        // Titles with commas exercise CSV quoting.
        #expect(krs.contains { $0.title.contains(",") })
        // Outcomes vary: both successes and failures in every kind.
        for kind in KeyResultKind.allCases {
            let closed = krs.indices.filter { krs[$0].kind == kind && krs[$0].isClosed }
            let achieved = closed.filter { dataset.isSuccess(keyResult: $0) == true }.count
            #expect(achieved > closed.count / 5 && achieved < closed.count * 4 / 5, "\(kind): \(achieved)/\(closed.count)")
        }
    }

    @Test func uncertainUnitsHeldToKPIDoWorse() throws {
        // The hidden fit between mode and real uncertainty shows in outcomes: units that state
        // high uncertainty but are run by KPI achieve fewer KRs than those run by OKR.
        let dataset = try #require(Self.load(Self.generated).dataset)
        let org = try #require(dataset.organisation)
        var tally: [String: (achieved: Int, closed: Int)] = [:]
        for (i, kr) in dataset.keyResults.keyResults.enumerated() where kr.isClosed {
            guard org.attribute("uncertainty", of: kr.unitID)?.value.text == "high",
                  let mode = org.attribute("current_mode", of: kr.unitID)?.value.text else { continue }
            let success = dataset.isSuccess(keyResult: i) == true
            tally[mode, default: (0, 0)].achieved += success ? 1 : 0
            tally[mode, default: (0, 0)].closed += 1
        }
        let kpi = try #require(tally["kpi"]), okr = try #require(tally["okr"])
        let kpiRate = Double(kpi.achieved) / Double(kpi.closed), okrRate = Double(okr.achieved) / Double(okr.closed)
        #expect(kpi.closed >= 50 && okr.closed >= 50)
        #expect(kpiRate + 0.1 < okrRate, "KPI \(kpiRate) vs OKR \(okrRate)")
    }

    @Test func scalesToLargeOrganisations() throws {
        let big = DatasetGenerator.generate(GeneratorConfiguration(seed: 1, units: 300, quarters: 2, asOf: Day(iso: "2026-05-20")!))
        #expect(big.unitCount == 300)
        let load = Self.load(big)
        #expect(!load.diagnostics.hasErrors)
        #expect(load.dataset?.organisation?.units.filter { $0.id.hasPrefix("bg") && !$0.id.contains(".") }.count ?? 0 >= 5)
    }

    @Test func deterministicMathMatchesFoundation() {
        for x in stride(from: -20.0, through: 20.0, by: 0.37) {
            #expect(abs(x.exponential - Foundation.exp(x)) <= 1e-14 * Foundation.exp(x))
            #expect(abs(x.cosine - Foundation.cos(x)) <= 1e-12)
        }
        for x in [1e-9, 0.01, 0.5, 1, 2, 10, 12345.678] {
            #expect(abs(x.logarithm - Foundation.log(x)) <= 1e-14 * max(1, abs(Foundation.log(x))))
        }
    }
}
