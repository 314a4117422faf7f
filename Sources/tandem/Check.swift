import ArgumentParser
import Foundation
import TandemCore
import TandemPolicy
import TandemService

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a policy file: syntax, names, types, outcomes, and an exact analysis (gaps, overlaps, dead rules).",
        discussion: """
        Every problem is reported with file, line and column, a stable id, a caret under the exact text, and notes (the other declaration in a conflict, did-you-mean for misspelt names, levels and keywords). All problems of the file are reported in one run.

        The analysis cuts the attribute space into boxes until every rule has one answer on each; a table whose rows cut the space into very many pieces would take long, so it stops after --analysis-budget rule evaluations and says how much of the space it examined (warning P1008). An attribute compared with more than 60-odd distinct numbers cannot be analysed, and the report says so (P1007).

        Exit status: 0 when the policy has no error (warnings allowed), 1 otherwise.
        """
    )

    @Argument(help: ArgumentHelp("The policy file, e.g. Models/selection.policy.", valueName: "policy"))
    var policyPath: String

    @Option(help: "Output format: 'text' for people, 'json' for machines.")
    var format: Validate.OutputFormat = .text

    @Flag(name: .customLong("no-analysis"), help: "Skip the analysis of the decision logic (gaps, overlaps, dead and shadowed rules); names, types and outcomes are still checked.")
    var noAnalysis = false

    @Option(name: .customLong("analysis-budget"), help: ArgumentHelp("Rule evaluations the analysis may spend (each box of the attribute space costs one per rule) before it stops and says how far it got (default \(PolicyAnalyser.defaultBudget.grouped), about a second).", valueName: "n"))
    var analysisBudget: Int = PolicyAnalyser.defaultBudget

    func validate() throws {
        guard (1...1_000_000_000).contains(analysisBudget) else {
            throw ValidationError("--analysis-budget takes a number of rule evaluations from 1 to 1,000,000,000, found \(analysisBudget)")
        }
    }

    func run() async throws {
        let result = await service.checkPolicy(policyPath, analyse: !noAnalysis, budget: analysisBudget)
        switch format {
        case .json:
            struct Report: Encodable {
                var policy: String
                var errors: Int
                var warnings: Int
                var diagnostics: [Diagnostic]
                var summary: PolicySummary?
            }
            let report = Report(policy: policyPath, errors: result.errors, warnings: result.warnings,
                                diagnostics: result.diagnostics.sortedByLocation(), summary: result.summary)
            print(try JSONOutput.encode(report))
        case .text:
            let renderer = DiagnosticRenderer(sources: result.source.map { [$0] } ?? [])
            FileHandle.standardError.write(Data(renderer.render(result.diagnostics).utf8))
            if let summary = result.summary { print(summary.text) }
            print("\(result.errors > 0 ? "invalid" : "valid"): \(count(result.errors, "error")), \(count(result.warnings, "warning"))")
        }
        if result.errors > 0 { throw ExitCode(1) }
    }
}

extension PolicySummary {
    var text: String {
        "\(name)\(version.map { " (version \($0))" } ?? ""): \(count(attributes, "attribute")), \(count(derived, "derived value")), "
            + "\(count(evidence, "evidence rule")), \(count(overrides, "override")), \(count(rows, "row")) (\(hitPolicy)), "
            + "\(count(alerts, "alert rule")), \(count(expectations, "expectation"))"
    }
}

/// Every JSON Tandem writes, in one convention: snake_case keys (`unit_id`, `lean_toward_kpi`,
/// `p_success`), sorted, pretty-printed, slashes unescaped. A structured value is written beside
/// its text (an outcome as `{"mode", "parameters", "text"}`). The shapes are documented as JSON
/// Schemas in `Sources/tandem/Schemas/`, checked by tests against real output.
enum JSONOutput {
    static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }

    /// One line (JSON Lines).
    static func line(_ value: some Encodable) throws -> String {
        String(decoding: try encoder(pretty: false).encode(value), as: UTF8.self)
    }
}
