import Foundation
import Testing
import TandemCore
@testable import TandemPolicy

@Suite("Organisation values are checked against the policy's schema")
struct BindingTests {
    let policySource = SourceFile(path: "p.policy", text: """
    policy "p" version "1"
    attribute uncertainty: level low < medium < high
    attribute layer: enum front | back, default front
    attribute headcount: number 1..500, default 10
    attribute remote: bool, default false
    decide first {
      otherwise => kpi
    }
    """)

    func bind(_ yaml: String) throws -> (OrganisationBinding?, String) {
        let policy = try #require(PolicyLoader.load(policySource).policy)
        let orgSource = SourceFile(path: "org.yaml", text: yaml)
        let organisation = try #require(OrganisationLoader.load(orgSource).value)
        let bindingChecked = OrganisationBinding.bind(organisation, to: policy)
        let binding = bindingChecked.value, diagnostics = bindingChecked.diagnostics
        return (binding, DiagnosticRenderer(sources: [orgSource, policySource]).render(diagnostics))
    }

    @Test func badValuesPointIntoTheOrganisationFile() throws {
        let (binding, text) = try bind("""
        units:
          - id: xh
            name: 星海科技
            attributes: { uncertainty: hihg, headcount: 900 }
          - id: rd
            name: 研发中心
            parent: xh
            attributes: { remote: maybe, uncertanity: low }
          - id: ops
            name: 运营中心
            parent: xh
        """)
        #expect(binding == nil)
        #expect(text == """
        org.yaml:4:32: error: 'hihg' is not a level of 'uncertainty' (low < medium < high) [P0801]
            4 |     attributes: { uncertainty: hihg, headcount: 900 }
              |                                ^~~~
        note: did you mean 'high'?
        p.policy:2:11: note: 'uncertainty' is declared here
            2 | attribute uncertainty: level low < medium < high
              |           ^~~~~~~~~~~
        org.yaml:4:49: error: 'headcount' must be at most 500, found 900 [P0801]
            4 |     attributes: { uncertainty: hihg, headcount: 900 }
              |                                                 ^~~
        p.policy:4:11: note: 'headcount' is declared here
            4 | attribute headcount: number 1..500, default 10
              |           ^~~~~~~~~
        org.yaml:8:27: error: 'remote' must be true or false, found 'maybe' [P0801]
            8 |     attributes: { remote: maybe, uncertanity: low }
              |                           ^~~~~
        p.policy:5:11: note: 'remote' is declared here
            5 | attribute remote: bool, default false
              |           ^~~~~~
        org.yaml:8:47: warning: attribute 'uncertanity' is not in the policy's schema [P0805]
            8 |     attributes: { remote: maybe, uncertanity: low }
              |                                               ^~~
        note: did you mean 'uncertainty'?
        note: the policy 'p' ignores attributes it does not declare

        """)
    }

    @Test func missingValueWithoutDefault() throws {
        let (binding, text) = try bind("""
        units:
          - id: xh
            name: 星海科技
        """)
        #expect(binding == nil)
        #expect(text.hasPrefix("org.yaml:2:9: error: unit 'xh' must have a value for 'uncertainty', set on it or on an ancestor [P0804]"))
    }

    @Test func inheritanceAndDefaultsAreRecorded() throws {
        let (binding, text) = try bind("""
        units:
          - id: xh
            name: 星海科技
            attributes: { uncertainty: low }
          - id: rd
            name: 研发中心
            parent: xh
            attributes: { uncertainty: high, layer: back }
        """)
        #expect(text.isEmpty)
        let b = try #require(binding)
        #expect(Array(b.values(ofUnit: 0)) == [0, 0, 10, 0])
        #expect(Array(b.values(ofUnit: 1)) == [2, 1, 10, 0])
        #expect(b.origin(ofUnit: 0, attribute: 0) == .own)
        #expect(b.origin(ofUnit: 0, attribute: 2) == .defaultValue)
        #expect(b.origin(ofUnit: 1, attribute: 0) == .own)
    }
}

@Suite("Explanation of a sample unit")
struct ExplanationSnapshotTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    @Test(arguments: ["rd.algo", "production.line2", "finance", "sales.key-accounts"])
    func explanationMatchesSnapshot(_ unit: String) throws {
        let policy = try #require(PolicyLoader.load(path: Self.root.appendingPathComponent("../../Models/selection.policy").standardized.path).policy)
        let orgPath = Self.root.appendingPathComponent("../../datasets/xinghai/org.yaml").standardized.path
        let organisation = try #require(DatasetLoader.load(org: orgPath, krs: nil, checkins: nil).dataset?.organisation)
        let bindingChecked = OrganisationBinding.bind(organisation, to: policy)
        let binding = bindingChecked.value, diagnostics = bindingChecked.diagnostics
        #expect(diagnostics.isEmpty)
        let compiled = CompiledPolicy(policy)
        let index = try #require(organisation.index[unit])
        let text = compiled.explain(unit: index, in: try #require(binding)).render()
            .replacingOccurrences(of: policy.path, with: "Models/selection.policy")
        let snapshot = Self.root.appendingPathComponent("Snapshots/explain-\(unit).txt")
        if ProcessInfo.processInfo.environment["TANDEM_RECORD_SNAPSHOTS"] == "1" {
            try text.write(to: snapshot, atomically: true, encoding: .utf8)
        }
        #expect(text == (try String(contentsOf: snapshot, encoding: .utf8)))
    }
}

@Suite("Counterfactuals")
struct CounterfactualTests {
    @Test func changesAreChangeableAndActuallyGiveTheMode() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let policy = try #require(PolicyLoader.load(path: root.appendingPathComponent("../../Models/selection.policy").standardized.path).policy)
        let organisation = try #require(DatasetLoader.load(org: root.appendingPathComponent("../../datasets/xinghai/org.yaml").standardized.path,
                                                           krs: nil, checkins: nil).dataset?.organisation)
        let binding = try #require(OrganisationBinding.bind(organisation, to: policy).value)
        let compiled = CompiledPolicy(policy)
        var proposals = 0
        for u in organisation.units.indices {
            let values = Array(binding.values(ofUnit: u))
            let current = compiled.outcome(of: compiled.decide(values))?.mode
            for c in compiled.counterfactuals(values) {
                #expect(c.mode != current)
                #expect(c.changes.count <= 2)
                var changed = values
                for change in c.changes {
                    let a = try #require(policy.attributeIndex(change.attribute))
                    #expect(policy.attributes[a].changeable, "\(change.attribute) is fixed")
                    let cell = try #require(compiled.space.cells[a].first { $0.label == change.to || policy.attributes[a].display($0.representative) == change.to })
                    changed[a] = cell.representative
                }
                if !c.changes.isEmpty {
                    proposals += 1
                    #expect(compiled.outcome(of: compiled.decide(changed))?.mode == c.mode, "\(organisation.units[u].id): \(c.text)")
                }
            }
        }
        #expect(proposals > 42)
    }
}
