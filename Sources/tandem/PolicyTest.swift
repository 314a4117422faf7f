import ArgumentParser
import Foundation
import TandemCore
import TandemPolicy

struct PolicyTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run a policy's expectations: example units and the decision each must get.",
        discussion: """
        Each `expect "name" { attribute: value, … } => outcome` in the policy is decided; the outcome must have the expected mode and every parameter the expectation gives. A mismatch prints the explanation of the actual decision. Coverage follows: which evidence rules fired and which table rows and overrides decided at least one expectation, listing those never exercised.

        Exit status: 0 when every expectation holds, 1 when one fails or the policy has errors.
        """
    )

    @Argument(help: ArgumentHelp("The policy file.", valueName: "policy"))
    var policyPath: String

    func run() throws {
        let result = PolicyLoader.load(path: policyPath)
        let renderer = DiagnosticRenderer(sources: result.source.map { [$0] } ?? [])
        FileHandle.standardError.write(Data(renderer.render(result.diagnostics).utf8))
        guard let policy = result.policy else {
            print("cannot run the expectations: the policy has errors")
            throw ExitCode(1)
        }
        let compiled = CompiledPolicy(policy)
        var passed = 0, failed = 0
        for expectation in policy.expectations {
            let decision = compiled.decide(expectation.values)
            let actual = compiled.outcome(of: decision)
            if let actual, expectation.expected.matches(actual) {
                passed += 1
                print("✓ \(expectation.title) → \(actual)")
            } else {
                failed += 1
                print("✗ \(expectation.title) (\(expectation.location.file):\(expectation.location.line))")
                print("  expected \(expectation.expected.text)")
                print("  got      \(actual?.description ?? "no decision")")
                let explanation = compiled.explain(values: expectation.values, unitID: "example", unitName: expectation.title)
                print(explanation.render().split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
            }
        }
        if policy.expectations.isEmpty { print("the policy has no expectations") }
        // Coverage: which rules the expectations exercised.
        var firedEvidence = Set<Int>(), decidingRows = Set<Int>(), decidingOverrides = Set<Int>()
        var trace = DecisionTrace()
        for x in policy.expectations {
            x.values.withUnsafeBufferPointer { compiled.trace($0, into: &trace) }
            firedEvidence.formUnion(trace.firedEvidence.map(Int.init))
            switch trace.decision.origin {
            case .row(let r): decidingRows.insert(Int(r))
            case .override(let o): decidingOverrides.insert(Int(o))
            default: break
            }
        }
        let total = policy.evidence.count + policy.rows.count + policy.overrides.count
        let covered = firedEvidence.count + decidingRows.count + decidingOverrides.count
        print("\ncoverage: the expectations exercise \(covered) of \(total) rules (evidence \(firedEvidence.count)/\(policy.evidence.count), rows \(decidingRows.count)/\(policy.rows.count), overrides \(decidingOverrides.count)/\(policy.overrides.count))")
        for (i, e) in policy.evidence.enumerated() where !firedEvidence.contains(i) {
            print("  never fired: evidence at \(e.location.file):\(e.location.line): \(e.condition.text) — \(e.reason)")
        }
        for (i, r) in policy.rows.enumerated() where !decidingRows.contains(i) {
            print("  never decided: row \(i + 1) at \(r.location.file):\(r.location.line): \(r.condition?.text ?? "otherwise")")
        }
        for (i, o) in policy.overrides.enumerated() where !decidingOverrides.contains(i) {
            print("  never decided: override #\(i + 1) at \(o.location.file):\(o.location.line): \(o.condition.text)")
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
