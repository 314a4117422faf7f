import ArgumentParser
import Foundation
import TandemCore
import TandemPolicy
import TandemService

struct PolicyTest: AsyncParsableCommand {
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

    func run() async throws {
        let report: PolicyTestReport
        do { report = try await service.testPolicy(policyPath) } catch {
            _ = failure(error, perID: .max, consequence: false)
            if case .invalidInput = error { print("cannot run the expectations: the policy has errors") }
            throw ExitCode(1)
        }
        if !report.policy.diagnostics.isEmpty {
            printError(DiagnosticRenderer(sources: [report.policy.source]).render(report.policy.diagnostics))
        }
        for r in report.results {
            if r.passed {
                print("✓ \(r.title) → \(r.actual?.text ?? "")")
            } else {
                print("✗ \(r.title) (\(r.location.file):\(r.location.line))")
                print("  expected \(r.expected)")
                print("  got      \(r.actual?.text ?? "no decision")")
                if let explanation = r.explanation {
                    print(explanation.render().split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
                }
            }
        }
        if report.results.isEmpty { print("the policy has no expectations") }
        let c = report.coverage
        print("\ncoverage: the expectations exercise \(c.covered) of \(c.total) rules (evidence \(c.evidenceFired)/\(c.evidence), rows \(c.rowsDeciding)/\(c.rows), overrides \(c.overridesDeciding)/\(c.overrides))")
        for line in c.neverFired { print("  never fired: \(line)") }
        for line in c.neverDeciding { print("  never decided: \(line)") }
        print("\(report.passed) passed, \(report.failed) failed")
        if report.failed > 0 { throw ExitCode(1) }
    }
}
