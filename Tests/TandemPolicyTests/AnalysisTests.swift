import Foundation
import Testing
import TandemCore
@testable import TandemPolicy

/// Policies made to have a gap, an overlap, a dead row, a shadowed row, unused names: `tandem
/// check`'s analysis reports each, located, with an example. Expected outputs are snapshots
/// (re-record with TANDEM_RECORD_SNAPSHOTS=1).
@Suite("Policy analysis finds gaps, overlaps, dead and unused rules")
struct AnalysisFixtureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Analysis")
    static let cases = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter { $0.hasSuffix(".policy") }.sorted()

    @Test(arguments: cases)
    func reportsFinding(_ name: String) throws {
        let source = SourceFile(path: name, bytes: [UInt8](try Data(contentsOf: Self.root.appendingPathComponent(name))))
        let result = PolicyLoader.load(source)
        let policy = try #require(result.policy)
        let analyser = PolicyAnalyser(policy)
        let diagnostics = result.diagnostics + analyser.diagnostics(analyser.analyse())
        let actual = DiagnosticRenderer(sources: [source]).render(diagnostics)
        let expectedURL = Self.root.appendingPathComponent(name.replacingOccurrences(of: ".policy", with: ".expected"))
        if ProcessInfo.processInfo.environment["TANDEM_RECORD_SNAPSHOTS"] == "1" {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        #expect(actual == (try String(contentsOf: expectedURL, encoding: .utf8)))
        #expect(!diagnostics.isEmpty)
    }

    @Test func theDefaultPolicyHasNoGapOverlapOrDeadRule() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models/selection.policy").standardized.path
        let policy = try #require(PolicyLoader.load(path: path).policy)
        let report = PolicyAnalyser(policy).analyse()
        #expect(report.gaps.isEmpty && report.overlaps.isEmpty && report.deadRows.isEmpty && report.deadEvidence.isEmpty)
        #expect(PolicyAnalyser(policy).unused().attributes.isEmpty)
    }
}

/// Random small schemas and policies: the analyser agrees with brute-force enumeration of every
/// cell, and nothing crashes.
@Suite("Analysis agrees with brute force on small random policies")
struct AnalysisPropertyTests {
    static func randomPolicy(_ random: inout SeededRandom) -> String {
        var text = "policy \"random\" version \"1\"\n"
        let attributeCount = random.integer(2...4)
        var conditions: [String] = []
        for i in 0..<attributeCount {
            switch random.integer(0...3) {
            case 0:
                text += "attribute a\(i): level l0 < l1 < l2\n"
                conditions += ["a\(i) == l\(random.integer(0...2))", "a\(i) >= l\(random.integer(0...2))", "a\(i) < l\(random.integer(1...2))"]
            case 1:
                text += "attribute a\(i): enum e0 | e1 | e2 | e3\n"
                conditions += ["a\(i) == e\(random.integer(0...3))", "a\(i) in {e\(random.integer(0...1)), e\(random.integer(2...3))}", "a\(i) != e\(random.integer(0...3))"]
            case 2:
                text += "attribute a\(i): bool\n"
                conditions += ["a\(i)", "not a\(i)"]
            default:
                text += "attribute a\(i): number 0..100\n"
                conditions += ["a\(i) < \(random.integer(1...99))", "a\(i) >= \(random.integer(1...99))", "a\(i) == \(random.integer(0...100))"]
            }
        }
        func condition(_ random: inout SeededRandom) -> String {
            let a = random.pick(conditions)
            switch random.integer(0...3) {
            case 0: return a
            case 1: return "\(a) and \(random.pick(conditions))"
            case 2: return "\(a) or \(random.pick(conditions))"
            default: return "lean \(random.pick([">=", "<=", ">", "<"])) \(random.integer(-3...3))"
            }
        }
        text += "evidence {\n"
        for _ in 0..<random.integer(1...4) {
            text += "  \(random.pick(conditions)) => \(random.pick(["okr", "kpi"])) +\(random.integer(1...3)) \"e\"\n"
        }
        text += "}\n"
        if random.chance(0.3) { text += "override when \(random.pick(conditions)) => kpi because \"o\"\n" }
        let hit = random.pick(["unique", "first", "priority"])
        text += "decide \(hit) {\n"
        for r in 0..<random.integer(1...5) {
            text += "  when \(condition(&random)) => \(random.pick(["okr", "kpi", "hybrid(kpi: 50%, okr: 50%)"]))\(hit == "priority" ? " priority \(r % 3)" : "")\n"
        }
        if random.chance(0.3) { text += "  otherwise => kpi\n" }
        text += "}\n"
        return text
    }

    @Test func aValueFallsInTheCellThatHoldsIt() throws {
        let text = """
        policy "cells"
        attribute headcount: number 0..1000, default 0, changeable
        attribute risk: level low < high, default low, changeable
        evidence {
          headcount >= 15 => kpi +1 "medium"
          headcount > 40 => kpi +1 "large"
          risk == high => kpi +1 "risky"
        }
        decide first { otherwise => kpi(cycle: quarterly, pay: full) "always" }
        """
        let policy = try #require(PolicyLoader.load(SourceFile(path: "c.policy", text: text)).policy)
        let space = AttributeSpace(policy)
        func label(_ v: Double) -> String { space.cells[0][space.cell(of: v, attribute: 0)].label }
        #expect(space.cells[0].map(\.label) == ["< 15", "= 15", "15 … 40", "= 40", "> 40"])
        #expect(label(3) == "< 15" && label(0) == "< 15" && label(14.9) == "< 15")
        #expect(label(15) == "= 15")
        #expect(label(16) == "15 … 40" && label(27.5) == "15 … 40" && label(39) == "15 … 40")
        #expect(label(40) == "= 40")
        // Nearer the cut 40 than the "> 40" cell's representative (520): still above 40.
        #expect(label(45) == "> 40" && label(1000) == "> 40")
        #expect(space.cell(of: 1, attribute: 1) == 1)
        // The cell's decision is the value's decision.
        let compiled = CompiledPolicy(policy)
        for v in stride(from: 0.0, through: 1000, by: 0.5) {
            let cell = space.cells[0][space.cell(of: v, attribute: 0)]
            #expect(compiled.decide([v, 0]).lean == compiled.decide([cell.representative, 0]).lean)
        }
    }

    @Test func analyserMatchesEnumerationOfEveryCell() throws {
        var random = SeededRandom(seed: 99)
        var checked = 0
        for _ in 0..<300 {
            let text = Self.randomPolicy(&random)
            guard let policy = PolicyLoader.load(SourceFile(path: "r.policy", text: text)).policy else { continue }
            let analyser = PolicyAnalyser(policy)
            let report = analyser.analyse(maximumExamples: 1000)
            let compiled = CompiledPolicy(policy)
            // Every cell of the partitioned space, decided concretely.
            var gapCells = 0.0, overlap = false
            var wins = Set<Int>()
            var index = [Int](repeating: 0, count: policy.attributes.count)
            let space = analyser.space
            while true {
                let values = (0..<index.count).map { space.cells[$0][index[$0]].representative }
                let d = compiled.decide(values)
                switch d.origin {
                case .noMatch: gapCells += 1
                case .conflict: overlap = true
                case .row(let r): wins.insert(Int(r) + 1)
                case .override: break
                }
                var k = 0
                while k < index.count { index[k] += 1; if index[k] < space.cells[k].count { break }; index[k] = 0; k += 1 }
                if k == index.count { break }
            }
            #expect(report.gapCells == gapCells, "\(text)")
            #expect(report.overlaps.isEmpty == !overlap, "\(text)")
            // A row the analyser calls dead never decides a cell.
            for dead in report.deadRows { #expect(!wins.contains(dead), "\(text)") }
            if policy.hitPolicy != .unique {
                for s in report.shadowedRows { #expect(!wins.contains(s.row), "\(text)") }
            }
            checked += 1
        }
        #expect(checked > 200)
    }
}

@Suite("Region diffs agree with brute force")
struct DiffPropertyTests {
    @Test func regionDiffMatchesEnumerationOfEveryCell() throws {
        var random = SeededRandom(seed: 7)
        var checked = 0, nonEmpty = 0
        for _ in 0..<300 {
            let text = AnalysisPropertyTests.randomPolicy(&random)
            // The new version: same schema, weights and thresholds moved.
            var changed = text
            for (a, b) in [("+1 ", "+2 "), ("lean >= 1", "lean >= 2"), ("lean <= -1", "lean <= 0"), ("=> okr\n", "=> hybrid(kpi: 50%, okr: 50%)\n")]
            where random.chance(0.8) {
                changed = changed.replacingOccurrences(of: a, with: b)
            }
            guard let old = PolicyLoader.load(SourceFile(path: "old.policy", text: text)).policy,
                  let new = PolicyLoader.load(SourceFile(path: "new.policy", text: changed)).policy else { continue }
            let diff = PolicyAnalyser.diff(old, new, maximumExamples: 1000)
            #expect(diff.schemaDifference == nil)
            let space = AttributeSpace([old, new])
            let a = CompiledPolicy(old), b = CompiledPolicy(new)
            var differing = 0.0
            var index = [Int](repeating: 0, count: old.attributes.count)
            while true {
                let values = index.indices.map { space.cells[$0][index[$0]].representative }
                if a.outcome(of: a.decide(values)) != b.outcome(of: b.decide(values)) { differing += 1 }
                var k = 0
                while k < index.count { index[k] += 1; if index[k] < space.cells[k].count { break }; index[k] = 0; k += 1 }
                if k == index.count { break }
            }
            #expect(diff.changedCells == differing, "\(text)\n---\n\(changed)")
            checked += 1
            if differing > 0 { nonEmpty += 1 }
        }
        #expect(checked > 150)
        #expect(nonEmpty > 25)
    }
}

/// The analyser and the evaluator agree on every decision: for random policies over number
/// attributes compared with many constants (up to 60 cells each), levels and booleans, every
/// random unit's decision equals the outcome the analysis settled for the box holding it.
@Suite("The analysis and the evaluator agree on every decision")
struct AnalysisAgreementTests {
    static func randomPolicy(_ random: inout SeededRandom) -> (String, [ClosedRange<Int>]) {
        var text = "policy \"many constants\" version \"1\"\n"
        var conditions: [String] = [], ranges: [ClosedRange<Int>] = []
        for i in 0..<random.integer(2...4) {
            if random.chance(0.7) {
                text += "attribute n\(i): number 0..1000\n"
                ranges.append(0...1000)
                // Many distinct constants on one attribute: up to 29 cuts, 59 cells.
                for _ in 0..<random.integer(5...29) {
                    let c = random.integer(0...1000)
                    conditions.append("n\(i) \(random.pick(["<", "<=", ">", ">=", "==", "!="])) \(c)")
                }
            } else if random.chance(0.5) {
                text += "attribute n\(i): level l0 < l1 < l2 < l3\n"
                ranges.append(0...3)
                conditions += ["n\(i) >= l\(random.integer(0...3))", "n\(i) == l\(random.integer(0...3))"]
            } else {
                text += "attribute n\(i): bool\n"
                ranges.append(0...1)
                conditions += ["n\(i)", "not n\(i)"]
            }
        }
        func condition(_ random: inout SeededRandom, lean: Bool = true) -> String {
            switch random.integer(0...(lean ? 4 : 3)) {
            case 0: return random.pick(conditions)
            case 1, 2: return "\(random.pick(conditions)) and \(random.pick(conditions))"
            case 3: return "\(random.pick(conditions)) or not \(random.pick(conditions))"
            default: return "lean \(random.pick([">=", "<"])) \(random.integer(-4...4))"
            }
        }
        text += "evidence {\n"
        for _ in 0..<random.integer(1...5) {
            text += "  \(condition(&random, lean: false)) => \(random.pick(["okr", "kpi"])) +\(random.integer(1...3)) \"e\"\n"
        }
        text += "}\n"
        if random.chance(0.4) { text += "override when \(condition(&random, lean: false)) => hybrid(kpi: 50%, okr: 50%) because \"o\"\n" }
        let hit = random.pick(["unique", "first", "priority"])
        text += "decide \(hit) {\n"
        for r in 0..<random.integer(2...12) {
            text += "  when \(condition(&random)) => \(random.pick(["okr", "kpi", "hybrid(kpi: 70%, okr: 30%)"]))\(hit == "priority" ? " priority \(r % 4)" : "")\n"
        }
        if random.chance(0.5) { text += "  otherwise => kpi\n" }
        text += "}\n"
        return (text, ranges)
    }

    @Test func everyRandomUnitIsDecidedAsTheAnalysisSettledIt() throws {
        var random = SeededRandom(seed: 2026)
        var policies = 0, units = 0
        for _ in 0..<150 {
            let (text, ranges) = Self.randomPolicy(&random)
            let loaded = PolicyLoader.load(SourceFile(path: "r.policy", text: text))
            guard let policy = loaded.policy else {
                Issue.record("a generated policy does not check:\n\(text)\n\(loaded.diagnostics.filter { $0.severity == .error }.map(\.message))")
                continue
            }
            let analyser = PolicyAnalyser(policy)
            guard analyser.unanalysable == nil else { continue }
            policies += 1
            let compiled = CompiledPolicy(policy)
            let space = analyser.space
            // The settled boxes and their outcomes (a generous budget: these spaces are small).
            var settled: [(Box, Outcome?)] = []
            let complete = analyser.settled(within: Box(all: space), budget: BoxBudget(2_000_000)) { settled.append(($0, $1)) }
            #expect(complete, "\(text)")
            for _ in 0..<60 {
                // Half the values on a constant the policy names (the edges of cells), half anywhere.
                var values: [Double] = []
                for (a, range) in ranges.enumerated() {
                    let points = space.cells[a].filter(\.isPoint).map(\.representative)
                    if case .number = policy.attributes[a].kind, random.chance(0.5), let p = points.randomElement(using: &random) {
                        values.append(p)
                    } else if case .number = policy.attributes[a].kind {
                        values.append(Double(random.integer(range.lowerBound * 10...range.upperBound * 10)) / 10)
                    } else {
                        values.append(Double(random.integer(range)))
                    }
                }
                let cells = values.enumerated().map { space.cell(of: $1, attribute: $0) }
                let holding = settled.filter { box, _ in cells.enumerated().allSatisfy { box.masks[$0] & (UInt64(1) << UInt64($1)) != 0 } }
                #expect(holding.count == 1, "the settled boxes partition the space")
                guard let (_, outcome) = holding.first else { continue }
                let decided = compiled.outcome(of: compiled.decide(values))
                #expect(decided == outcome, "unit \(values): the evaluator decides \(decided?.description ?? "nothing"), the analysis \(outcome?.description ?? "nothing")\n\(text)")
                units += 1
            }
        }
        #expect(policies >= 100 && units >= 6_000)
    }
}
