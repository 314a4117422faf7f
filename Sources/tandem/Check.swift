import ArgumentParser
import Foundation
import TandemCore
import TandemPolicy

struct Check: ParsableCommand {
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

    func run() throws {
        var result = PolicyLoader.load(path: policyPath)
        // A policy without errors is analysed: gaps, overlaps, dead and shadowed rules, unused names.
        if let policy = result.policy, !noAnalysis {
            let analyser = PolicyAnalyser(policy)
            result.diagnostics += analyser.diagnostics(analyser.analyse(budget: analysisBudget))
        }
        let (errors, warnings) = result.diagnostics.counts
        switch format {
        case .json:
            struct Report: Encodable {
                var policy: String
                var errors: Int
                var warnings: Int
                var diagnostics: [Diagnostic]
                var summary: PolicySummary?
            }
            let report = Report(policy: policyPath, errors: errors, warnings: warnings,
                                diagnostics: result.diagnostics.sortedByLocation(), summary: result.policy.map(PolicySummary.init))
            print(try JSONOutput.encode(report))
        case .text:
            let renderer = DiagnosticRenderer(sources: result.source.map { [$0] } ?? [])
            FileHandle.standardError.write(Data(renderer.render(result.diagnostics).utf8))
            if let policy = result.policy {
                print(PolicySummary(policy).text)
            }
            print("\(errors > 0 ? "invalid" : "valid"): \(count(errors, "error")), \(count(warnings, "warning"))")
        }
        if errors > 0 { throw ExitCode(1) }
    }
}

/// What a checked policy holds.
struct PolicySummary: Encodable {
    var name: String
    var version: String?
    var attributes: Int
    var derived: Int
    var evidence: Int
    var overrides: Int
    var rows: Int
    var hitPolicy: String
    var alerts: Int
    var expectations: Int

    init(_ p: Policy) {
        name = p.name
        version = p.version
        attributes = p.attributes.count
        derived = p.derived.count
        evidence = p.evidence.count
        overrides = p.overrides.count
        rows = p.rows.count
        hitPolicy = p.hitPolicy.rawValue
        alerts = p.alerts.count
        expectations = p.expectations.count
    }

    var text: String {
        "\(name)\(version.map { " (version \($0))" } ?? ""): \(count(attributes, "attribute")), \(count(derived, "derived value")), "
            + "\(count(evidence, "evidence rule")), \(count(overrides, "override")), \(count(rows, "row")) (\(hitPolicy)), "
            + "\(count(alerts, "alert rule")), \(count(expectations, "expectation"))"
    }
}

enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// With snake_case keys (for reports whose types use Swift's camelCase names).
    static func encodeSnake(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
