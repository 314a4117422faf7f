import ArgumentParser
import Foundation
import TandemCore
import TandemService

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an organisation, its key results and check-ins, and summarise them.",
        discussion: """
        Every problem is reported with file, line and column, what was expected, and a caret under the offending text; all problems of a file are reported in one run. Warnings (such as a check-in dated outside its key result's cycle) do not fail the run; errors do. Diagnostics go to standard error, the summary to standard output.

        Give any of the three files; check-ins need --krs, since each must name a known key result, and key results are checked against --org when it is given.

        Exit status: 0 when there is no error, 1 when there is one, 64 on a usage error.
        """
    )

    @Option(name: .customLong("org"), help: ArgumentHelp("Organisation file, YAML or JSON.", valueName: "file"))
    var organisation: String?

    @Option(name: .customLong("krs"), help: ArgumentHelp("Key-result CSV file.", valueName: "file"))
    var keyResults: String?

    @Option(name: .customLong("checkins"), help: ArgumentHelp("Check-in CSV file.", valueName: "file"))
    var checkIns: String?

    @Option(help: "Output format: 'text' for people, 'json' for machines (one object on standard output).")
    var format: OutputFormat = .text

    @Flag(help: "Show every diagnostic; by default at most 3 of each kind are shown in text output.")
    var all = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func validate() throws {
        if organisation == nil && keyResults == nil && checkIns == nil {
            throw ValidationError("give at least one of --org, --krs, --checkins")
        }
    }

    func run() async throws {
        let load = await service.validate(ImportRequest(organisation: organisation, keyResults: keyResults, checkIns: checkIns))
        let (errors, warnings) = load.diagnostics.counts
        switch format {
        case .json:
            let report = ValidationReport(
                files: .init(org: organisation, krs: keyResults, checkins: checkIns),
                errors: errors, warnings: warnings,
                diagnostics: load.diagnostics.sortedByLocation(),
                summary: load.summary)
            print(try JSONOutput.encode(report))
        case .text:
            let renderer = DiagnosticRenderer(sources: load.sources)
            let shown = DiagnosticLimiter.limit(load.diagnostics, perID: all ? Int.max : 3)
            for item in shown {
                FileHandle.standardError.write(Data(item.text(renderer).utf8))
            }
            if let summary = load.summary {
                print(SummaryPrinter.render(summary, paths: load.paths))
            }
            let verdict = errors > 0 ? "invalid" : "valid"
            print("\(verdict): \(count(errors, "error")), \(count(warnings, "warning"))")
        }
        if errors > 0 { throw ExitCode(1) }
    }
}

func count(_ n: Int, _ noun: String) -> String { "\(n.grouped) \(noun)\(n == 1 ? "" : "s")" }

struct ValidationReport: Encodable {
    struct Files: Encodable { var org, krs, checkins: String? }
    var files: Files
    var errors: Int
    var warnings: Int
    var diagnostics: [Diagnostic]
    var summary: DatasetSummary?
}

/// Keeps text output readable when a file has thousands of the same problem.
enum DiagnosticLimiter {
    enum Item {
        case diagnostic(Diagnostic)
        case omitted(id: String, count: Int, severity: Severity)

        func text(_ renderer: DiagnosticRenderer) -> String {
            switch self {
            case .diagnostic(let d): return renderer.render(d)
            case .omitted(let id, let n, let severity):
                return "… \(n.grouped) more \(severity.rawValue)\(n == 1 ? "" : "s") like [\(id)] not shown (use --all)\n"
            }
        }
    }

    static func limit(_ diagnostics: [Diagnostic], perID: Int) -> [Item] {
        var seen: [String: Int] = [:]
        var items: [Item] = []
        var omitted: [(String, Severity)] = []
        for d in diagnostics.sortedByLocation() {
            let n = seen[d.id, default: 0]
            seen[d.id] = n + 1
            if n < perID { items.append(.diagnostic(d)) } else if n == perID { omitted.append((d.id, d.severity)) }
        }
        for (id, severity) in omitted {
            items.append(.omitted(id: id, count: seen[id, default: 0] - perID, severity: severity))
        }
        return items
    }
}
