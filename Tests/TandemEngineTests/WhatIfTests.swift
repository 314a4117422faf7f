import Foundation
import Testing
import TandemCore
import TandemForecast
import TandemNumerics
import TandemPolicy
@testable import TandemEngine

/// The sample 星海科技 as a what-if baseline, as of 2026-11-18.
enum Sample {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ p: String) -> String { root.appendingPathComponent(p).path }

    static let baseline: WhatIfBaseline = {
        let load = DatasetLoader.load(org: path("datasets/xinghai/org.yaml"), krs: path("datasets/xinghai/krs.csv"),
                                      checkins: path("datasets/xinghai/checkins.csv"))
        let policy = PolicyLoader.load(path: path("Models/selection.policy")).policy!
        let bindingChecked = OrganisationBinding.bind(load.dataset!.organisation!, to: policy)
        let binding = bindingChecked.value
        let model = try! ForecastModel.read(path: path("Models/kr-forecast.json"))
        return WhatIfBaseline(dataset: load.dataset!, policy: CompiledPolicy(policy), binding: binding!, model: model, day: Day(iso: "2026-11-18")!)
    }()
    static let engine = WhatIfEngine(baseline)

    /// Loads scenario text and applies its scenarios; the rendered diagnostics on failure.
    static func run(_ yaml: String, path file: String = "scenario.yaml") -> (WhatIfReport?, String) {
        let source = SourceFile(path: file, text: yaml)
        let loadedChecked = ScenarioLoader.load(source)
        let loaded = loadedChecked.value, problems = loadedChecked.diagnostics
        guard let loaded else { return (nil, DiagnosticRenderer(sources: [source]).render(problems)) }
        var diagnostics = problems, sources = [source]
        var states: [EvaluatedScenario] = []
        for s in loaded.scenarios {
            let application = engine.apply(s, file: loaded)
            diagnostics += application.diagnostics
            sources += application.sources
            if let applied = application.applied { states.append(EvaluatedScenario(s, engine.evaluate(applied))) }
        }
        let text = DiagnosticRenderer(sources: sources).render(diagnostics)
        if diagnostics.hasErrors { return (nil, text) }
        do {
            return (try WhatIfReport(engine: engine, scenarios: states, threshold: loaded.threshold ?? 0.05, correlation: loaded.correlation ?? 0), text)
        } catch {
            return (nil, "\(error)")
        }
    }
}

@Suite("What-if: scenarios applied to the sample, checked against direct computation")
struct WhatIfTests {
    @Test func settingValuesAlreadyInForceChangesNothing() throws {
        let (report, _) = Sample.run("""
        scenarios:
          - name: same
            changes:
              - units: {unit: rd}
                set: {uncertainty: high, layer_free: 1}
        """)
        #expect(report == nil)   // layer_free is not an attribute
        let (same, text) = Sample.run("""
        scenarios:
          - name: same
            changes:
              - units: {unit: rd}
                set: {uncertainty: high}
              - kr: KR-26Q4-00028
                pace: 1
        """)
        let r = try #require(same, "\(text)")
        let s = r.scenarios[0]
        #expect(s.decisionChanges.isEmpty && s.keyResultMoves.isEmpty && s.alertChanges.isEmpty)
        #expect(r.objectives.allSatisfy { $0.pReaching[0] == $0.pReaching[1] })
        #expect(abs(s.totals.expectedAchieved - r.baseline.expectedAchieved) < 1e-12)
    }

    @Test func patchedSnapshotsEqualAFullRecomputation() throws {
        // The engine reuses baseline snapshots for key results a scenario does not touch and
        // patches their unit's mode and uncertainty; recomputing everything must agree.
        let source = SourceFile(path: "s.yaml", text: """
        scenarios:
          - name: everything
            changes:
              - units: all
                shift: {uncertainty: 1}
              - units: {where: {layer: back}}
                set: {current_mode: okr}
        """)
        let file = try #require(ScenarioLoader.load(source).value)
        let engine = Sample.engine
        let application = engine.apply(file.scenarios[0], file: file)
        let (applied, diagnostics) = (application.applied, application.diagnostics)
        #expect(!diagnostics.hasErrors)
        let state = engine.evaluate(try #require(applied))
        var dataset = Sample.baseline.dataset
        dataset.organisation = applied!.binding.organisation
        let history = History(dataset)
        let direct = engine.open.map { Sample.baseline.model.probability(history.snapshot($0, asOf: Sample.baseline.day)) }
        #expect(direct.count == state.probabilities.count)
        for (a, b) in zip(direct, state.probabilities) { #expect(abs(a - b) < 1e-12) }
        #expect(zip(direct, engine.baseline.probabilities).contains { abs($0 - $1) > 0.01 })
    }

    @Test func keyResultChangesMoveTheForecastTheRightWay() throws {
        let (report, text) = Sample.run("""
        threshold: 0.01
        scenarios:
          - name: faster
            changes:
              - kr: KR-26Q4-00023
                pace: 2
          - name: later
            changes:
              - kr: KR-26Q4-00023
                deadline: +28
          - name: aspirational
            changes:
              - kr: KR-26Q4-00031
                kind: aspirational
          - name: reported
            changes:
              - kr: KR-26Q4-00027
                checkins:
                  - {date: 2026-11-25, value: 82, confidence: 8}
        """)
        let r = try #require(report, "\(text)")
        func move(_ s: Int, _ id: String) -> WhatIfReport.KeyResultMove? { r.scenarios[s].keyResultMoves.first { $0.krID == id } }
        let faster = try #require(move(0, "KR-26Q4-00023"))
        #expect(faster.after > faster.before + 0.05)
        let later = try #require(move(1, "KR-26Q4-00023"))
        #expect(later.after > later.before + 0.01)
        let aspirational = try #require(move(2, "KR-26Q4-00031"))
        #expect(aspirational.after > aspirational.before)
        let reported = try #require(move(3, "KR-26Q4-00027"))
        #expect(reported.forecastDay == "2026-11-25")
        #expect(reported.after > reported.before + 0.15, "\(reported.before) → \(reported.after)")
        // Peers of a changed key result are recomputed, and nobody else moves.
        #expect(r.scenarios[0].keyResultMoves.allSatisfy { $0.unitID == "rd.algo" })
    }

    @Test func objectiveAndUnitProbabilitiesAreExact() throws {
        let (report, text) = Sample.run("""
        correlation: 0
        scenarios:
          - name: reported
            changes:
              - kr: KR-26Q4-00027
                checkins: [{date: 2026-11-25, value: 82}]
        """)
        let r = try #require(report, "\(text)")
        let engine = Sample.engine
        let krs = Sample.baseline.dataset.keyResults.keyResults
        for objective in r.objectives.prefix(40) {
            let members = engine.open.indices.filter { krs[engine.open[$0]].objectiveID == objective.objectiveID }
            let p = members.map { engine.baseline.probabilities[$0] }
            // Enumerate every outcome of the objective's key results.
            var reach = 0.0
            for mask in 0..<(1 << p.count) {
                var prob = 1.0, k = 0
                for i in p.indices { if mask & (1 << i) != 0 { prob *= p[i]; k += 1 } else { prob *= 1 - p[i] } }
                if Double(k) >= 0.7 * Double(p.count) - 1e-9 { reach += prob }
            }
            #expect(abs(reach - objective.pReaching[0]) < 1e-12, "\(objective.objectiveID)")
        }
        let algo = try #require(r.units.first { $0.unitID == "rd.algo" })
        let members = engine.open.indices.filter { krs[engine.open[$0]].unitID == "rd.algo" }
        #expect(abs(algo.expectedAchieved[0] - members.reduce(0) { $0 + engine.baseline.probabilities[$1] }) < 1e-12)
        #expect(algo.distribution[0].count == members.count + 1)
        #expect(algo.expectedAchieved[1] > algo.expectedAchieved[0])
    }

    @Test func attributeChangesReachTheUnitsBelowAndTheDecisionSaysWhy() throws {
        let (report, text) = Sample.run("""
        scenarios:
          - name: calmer R&D
            changes:
              - units: {subtree: rd}
                shift: {uncertainty: -1}
        """)
        let r = try #require(report, "\(text)")
        let changes = r.scenarios[0].decisionChanges
        #expect(Set(changes.map(\.unitID)) == ["rd.platform", "rd.frontend", "rd.cloud"])
        let platform = try #require(changes.first { $0.unitID == "rd.platform" })
        #expect(platform.before.mode == .okr && platform.after.mode == .hybrid)
        #expect(platform.after.rule.hasPrefix("row 6 (selection.policy:"))
        #expect(platform.evidenceGained.contains { $0.hasPrefix("uncertainty == low") })
        #expect(r.scenarios[0].changes == ["uncertainty shifted -1 on 6 units (rd and every unit below it)"])
    }

    @Test func aReplacementPolicyDecides() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-whatif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The shipped policy with the middle office's hybrid turned into KPI.
        var text = try String(contentsOfFile: Sample.path("Models/selection.policy"), encoding: .utf8)
        let hybridRow = try #require(text.range(of: "    => hybrid(kpi: 60%, okr: 40%, kpi_cycle: quarterly, okr_cycle: quarterly, committed: 60%, pay: partial(30%))"))
        text.replaceSubrange(hybridRow, with: "    => kpi(cycle: quarterly, pay: full)")
        try text.write(to: dir.appendingPathComponent("kpi-middle.policy"), atomically: true, encoding: .utf8)
        try "policy \"broken\"\nattribute x: level a < b, default c\n".write(to: dir.appendingPathComponent("broken.policy"), atomically: true, encoding: .utf8)
        let scenarioPath = dir.appendingPathComponent("s.yaml").path
        let (report, diagnostics) = Sample.run("""
        scenarios:
          - name: KPI in the middle
            policy: kpi-middle.policy
        """, path: scenarioPath)
        let r = try #require(report, "\(diagnostics)")
        let changes = r.scenarios[0].decisionChanges
        #expect(!changes.isEmpty && changes.allSatisfy { $0.before.mode == .hybrid && $0.after.mode == .kpi })
        #expect(changes.contains { $0.unitID == "hr" })
        let (none, errors) = Sample.run("""
        scenarios:
          - name: broken
            policy: broken.policy
        """, path: scenarioPath)
        #expect(none == nil)
        #expect(errors.contains("error: the policy of scenario 'broken' must check without errors"))
        #expect(errors.contains("broken.policy:2:"))
    }
}

@Suite("Scenario files: every problem located, nothing applied")
struct ScenarioErrorTests {
    func errors(_ yaml: String) -> String {
        let (report, text) = Sample.run(yaml)
        #expect(report == nil)
        return text
    }

    @Test func aFixedAttributeIsRefusedWithThePolicyDeclaration() {
        let text = errors("""
        scenarios:
          - name: move R&D to the back office
            changes:
              - units: {unit: rd}
                set: {layer: back}
        """)
        #expect(text.contains("scenario.yaml:5:22: error: 'layer' is fixed in the policy and a scenario may not change it"))
        #expect(text.contains("[S0205]"))
        #expect(text.contains("selection.policy:15:11: note: 'layer' is declared 'fixed' here"))
    }

    @Test func namesAreCheckedWithSuggestions() {
        let text = errors("""
        as_of: 2026-11-18
        scenarios:
          - name: typos
            changes:
              - units: {unit: rd.algp}
                set: {uncertanty: low}
              - kr: KR-26Q4-0002
                pace: 2
              - kr: KR-25Q4-00001
                kind: aspirational
              - units: {subtree: rd}
                shift: {stage: 1}
              - units: {unit: rd}
                set: {uncertainty: extreme}
        """)
        #expect(text.contains("scenario.yaml:5:16: error: unit 'rd.algp' must be a unit of the organisation"))
        #expect(text.contains("did you mean 'rd.algo'?"))
        #expect(text.contains("error: key result 'KR-26Q4-0002' must be in the key-result file"))
        #expect(text.contains("scenario.yaml:9:13: error: key result 'KR-25Q4-00001' must be open on the baseline day 2026-11-18 to be changed; it has closed"))
        #expect(text.contains("error: 'stage' has no order to shift along"))
        #expect(text.contains("scenario.yaml:14:28: error: 'extreme' is not a level of 'uncertainty' (low < medium < high)"))
    }

    @Test func shapesAndDatesAreChecked() {
        let text = errors("""
        scenarios:
          - name: a
            changes:
              - kr: KR-26Q4-00027
                pace: -1
                deadline: next week
                checkins:
                  - {date: 2026-11-10, value: 70}
          - name: a
            changes:
              - units: {unit: rd}
                kind: kpi
          - name: nothing
        """)
        #expect(text.contains("scenario.yaml:5:15: error: 'pace' must be a multiplier above 0 and at most 20, found -1"))
        #expect(text.contains("scenario.yaml:6:19: error: 'deadline' must be a shift in days"))
        #expect(text.contains("error: scenario names must be unique; 'a' is used twice"))
        #expect(text.contains("error: 'kind' changes key results"))
        #expect(text.contains("error: scenario 'nothing' must change something"))
        let dated = errors("""
        scenarios:
          - name: past
            changes:
              - kr: KR-26Q4-00027
                checkins:
                  - {date: 2026-11-10, value: 70}
                deadline: 2026-11-01
        """)
        #expect(dated.contains("error: a hypothetical check-in must be dated after the baseline day 2026-11-18, found 2026-11-10"))
        #expect(dated.contains("error: the new deadline of KR-26Q4-00027, 2026-11-01, must be after its start"))
    }

    @Test func yamlSyntaxAndEmptyFiles() {
        #expect(errors("scenarios: [\n").contains("scenario.yaml:2:1: error: file must be valid YAML or JSON"))
        #expect(errors("  \n").contains("error: file is empty; expected a mapping with 'scenarios'"))
        #expect(errors("scenario: []\n").contains("did you mean 'scenarios'?"))
    }
}

@Suite("Sensitivity")
struct SensitivityTests {
    @Test func theTornadoAgreesWithDirectDecisions() throws {
        let base = Sample.baseline
        let u = try #require(base.binding.organisation.index["rd.algo"])
        let s = UnitSensitivity(unit: u, policy: base.policy, binding: base.binding)
        #expect(s.mode == .okr)
        #expect(!s.rows.contains { $0.attribute == "layer" || $0.attribute == "function" })   // fixed
        let uncertainty = try #require(s.rows.first { $0.attribute == "uncertainty" })
        #expect(uncertainty.values.map(\.value) == ["low", "medium", "high"])
        #expect(uncertainty.values.filter(\.isCurrent).map(\.value) == ["high"])
        var values = Array(base.binding.values(ofUnit: u))
        let a = try #require(base.policy.policy.attributeIndex("uncertainty"))
        for (i, v) in uncertainty.values.enumerated() {
            values[a] = Double(i)
            #expect(base.policy.decide(values).lean == v.lean)
        }
        let swings = s.rows.map { $0.highLean - $0.lowLean }
        #expect(swings == swings.sorted(by: >))
        #expect(s.chart().hasPrefix("<svg"))
    }

    @Test func aKeyResultGridIsCentredOnItsForecastAndRisesWithPace() throws {
        let base = Sample.baseline
        let k = try #require(base.dataset.keyResults.index["KR-26Q4-00023"])
        let s = KeyResultSensitivity(keyResult: k, dataset: base.dataset, model: base.model, day: base.day)
        let row = try #require(s.deadlineShifts.firstIndex(of: 0)), column = try #require(s.paces.firstIndex(of: 1))
        #expect(abs(s.grid[row][column] - s.probability) < 1e-12)
        let history = History(base.dataset)
        #expect(abs(s.probability - base.model.probability(history.snapshot(k, asOf: base.day))) < 1e-12)
        #expect(s.grid[row] == s.grid[row].sorted())       // more pace, more chance (its trend is upward)
        #expect(s.grid.last![column] > s.grid[row][column])   // a later deadline helps
        #expect(s.deadlineShifts == [-14, -7, 0, 7, 14, 28])
    }
}
