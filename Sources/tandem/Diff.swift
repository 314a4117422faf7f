import ArgumentParser
import Foundation
import TandemCore
import TandemPolicy
import TandemService

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What a new version of a policy changes: for a real organisation, and over the whole attribute space.",
        discussion: """
        For every unit of the organisation: its decision under OLD and under NEW, the rules responsible on each side, and the units whose mode or parameters change, counted by change. Then, independent of any organisation, the regions of the attribute space where the two versions decide differently (exact: the space is cut at every constant either version compares with), each with an example unit.
        """
    )

    @Argument(help: ArgumentHelp("The current policy.", valueName: "old"))
    var oldPath: String

    @Argument(help: ArgumentHelp("The new version.", valueName: "new"))
    var newPath: String

    @Option(name: .customLong("org"), help: ArgumentHelp("Organisation file, YAML or JSON.", valueName: "file"))
    var organisationPath: String

    @Option(help: "Output format: table, json, csv (the units whose decision changes, RFC 4180) or markdown.")
    var format: Diagnose.Format = .table

    @Option(name: .customLong("analysis-budget"), help: ArgumentHelp("Rule evaluations the region diff may spend before it stops and says how far it got (default \(PolicyAnalyser.defaultBudget.grouped), about a second).", valueName: "n"))
    var analysisBudget: Int = PolicyAnalyser.defaultBudget

    func validate() throws {
        guard (1...1_000_000_000).contains(analysisBudget) else {
            throw ValidationError("--analysis-budget takes a number of rule evaluations from 1 to 1,000,000,000, found \(analysisBudget)")
        }
    }

    func run() async throws {
        let report = try await call(perID: .max) { () async throws(ServiceError) in
            try await service.diffPolicies(old: oldPath, new: newPath, organisation: organisationPath, budget: analysisBudget)
        }
        let changes = report.units, units = report.unitsCompared, regions = report.regions
        func row(_ c: UnitDecisionChange) -> [String] {
            [c.unitID, c.name, c.change, c.old?.text ?? "no decision", c.new?.text ?? "no decision", c.oldRule, c.newRule]
        }
        switch format {
        case .json:
            print(try JSONOutput.encode(report))
        case .csv:
            CSV.print(["unit_id", "name", "change", "old", "new", "old_rule", "new_rule"], changes.map(row))
        case .markdown:
            print("## Units whose decision changes (\(changes.count) of \(units))\n")
            print(Markdown.table(["unit", "name", "change", "old", "new", "old rule", "new rule"], changes.map(row)))
            print("\n## Where the versions decide differently\n")
            printRegions(regions, markdown: true)
        case .table:
            print("\(changes.count) of \(count(units, "unit")) change decision" + (report.counts.isEmpty ? "" : ": " + report.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " · ")))
            if !changes.isEmpty {
                var table = TextTable(columns: [.init("unit"), .init("name"), .init("change"), .init("old rule"), .init("new rule")])
                for c in changes { table.append([c.unitID, c.name, c.change, c.oldRule, c.newRule]) }
                print(table.render())
                for c in changes { print("  \(c.unitID): \(c.old?.text ?? "no decision")\n  \(String(repeating: " ", count: c.unitID.count))→ \(c.new?.text ?? "no decision")") }
            }
            print("")
            printRegions(regions, markdown: false)
        }
    }

    /// A count of cells with thousands separators (counts beyond 10^15 in scientific form).
    func cells(_ n: Double) -> String { n < 1e15 ? Int(n).grouped : String(format: "%.3g", n) }

    func printRegions(_ regions: RegionDiff, markdown: Bool) {
        if let why = regions.schemaDifference {
            print("the attribute schemas differ (\(why)): no region diff")
            return
        }
        if let why = regions.notAnalysed {
            print("no region diff: \(why)")
            return
        }
        let share = regions.spaceCells > 0 ? regions.changedCells / regions.spaceCells * 100 : 0
        if regions.stoppedEarly {
            let examined = regions.spaceCells > 0 ? regions.cellsExamined / regions.spaceCells * 100 : 0
            print("the region diff stopped at its budget (\(regions.work.grouped) rule evaluations, --analysis-budget), having examined \(String(format: "%.1f", examined))% of the attribute space; there, \(cells(regions.changedCells)) cells are decided differently (more may be elsewhere)")
        } else {
            print("over the whole attribute space: \(cells(regions.changedCells)) of \(cells(regions.spaceCells)) cells (\(String(format: "%.1f", share))%) are decided differently")
        }
        for c in regions.changes {
            print((markdown ? "- " : "  ") + "\(c.region.description): \(c.old?.text ?? "no decision") → \(c.new?.text ?? "no decision")")
        }
        if regions.changedCells > 0 && regions.changes.count >= 10 { print((markdown ? "- " : "  ") + "…") }
    }
}
