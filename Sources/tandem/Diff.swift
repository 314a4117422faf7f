import ArgumentParser
import Foundation
import TandemCore
import TandemPolicy

struct Diff: ParsableCommand {
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

    struct UnitChange: Encodable {
        var unitID: String
        var name: String
        var old: String
        var new: String
        var oldRule: String
        var newRule: String
        var change: String
        enum CodingKeys: String, CodingKey { case unitID = "unit_id", name, old, new, oldRule = "old_rule", newRule = "new_rule", change }
    }

    struct Report: Encodable {
        var units: [UnitChange]
        var unitsCompared: Int
        var counts: [String: Int]
        var regions: RegionDiff
        enum CodingKeys: String, CodingKey { case units, unitsCompared = "units_compared", counts, regions }
    }

    func run() throws {
        let old = PolicyLoader.load(path: oldPath), new = PolicyLoader.load(path: newPath)
        let load = DatasetLoader.load(org: organisationPath, krs: nil, checkins: nil)
        var diagnostics = old.diagnostics + new.diagnostics + load.diagnostics
        let sources = load.sources + [old.source, new.source].compactMap { $0 }
        var bindings: [OrganisationBinding] = []
        if let o = old.policy, let n = new.policy, let organisation = load.dataset?.organisation {
            for p in [o, n] {
                let (b, d) = OrganisationBinding.bind(organisation, to: p)
                diagnostics += d
                if let b { bindings.append(b) }
            }
        }
        FileHandle.standardError.write(Data(DiagnosticRenderer(sources: sources).render(diagnostics.filter { $0.severity == .error }).utf8))
        guard let oldPolicy = old.policy, let newPolicy = new.policy, bindings.count == 2 else {
            print("cannot diff: \(count(diagnostics.counts.errors, "error")) in the files above")
            throw ExitCode(1)
        }
        let a = CompiledPolicy(oldPolicy), b = CompiledPolicy(newPolicy)
        func rule(_ p: CompiledPolicy, _ d: Decision) -> String {
            switch d.origin {
            case .row(let r): return "row \(r + 1) (\(p.policy.path):\(p.policy.rows[Int(r)].location.line))"
            case .override(let o): return "override #\(o + 1) (\(p.policy.path):\(p.policy.overrides[Int(o)].location.line))"
            case .noMatch: return "no row matches"
            case .conflict(let x, let y): return "rows \(x + 1) and \(y + 1) conflict"
            }
        }
        var changes: [UnitChange] = [], counts: [String: Int] = [:]
        let units = bindings[0].organisation.units
        for u in units.indices {
            let da = a.decide(Array(bindings[0].values(ofUnit: u))), db = b.decide(Array(bindings[1].values(ofUnit: u)))
            let oa = a.outcome(of: da), ob = b.outcome(of: db)
            guard oa != ob else { continue }
            let kind = oa?.mode == ob?.mode ? "\(oa?.mode.rawValue ?? "none"): parameters" : "\(oa?.mode.rawValue ?? "none") → \(ob?.mode.rawValue ?? "none")"
            counts[kind, default: 0] += 1
            changes.append(UnitChange(unitID: units[u].id, name: units[u].name, old: oa?.description ?? "no decision",
                                      new: ob?.description ?? "no decision", oldRule: rule(a, da), newRule: rule(b, db), change: kind))
        }
        let regions = PolicyAnalyser.diff(oldPolicy, newPolicy, budget: analysisBudget)
        let report = Report(units: changes, unitsCompared: units.count, counts: counts, regions: regions)
        switch format {
        case .json:
            print(try JSONOutput.encode(report))
        case .csv:
            CSV.print(["unit_id", "name", "change", "old", "new", "old_rule", "new_rule"],
                      changes.map { [$0.unitID, $0.name, $0.change, $0.old, $0.new, $0.oldRule, $0.newRule] })
        case .markdown:
            print("## Units whose decision changes (\(changes.count) of \(units.count))\n")
            print(Markdown.table(["unit", "name", "change", "old", "new", "old rule", "new rule"],
                                 changes.map { [$0.unitID, $0.name, $0.change, $0.old, $0.new, $0.oldRule, $0.newRule] }))
            print("\n## Where the versions decide differently\n")
            printRegions(regions, markdown: true)
        case .table:
            print("\(changes.count) of \(count(units.count, "unit")) change decision" + (counts.isEmpty ? "" : ": " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " · ")))
            if !changes.isEmpty {
                var table = TextTable(columns: [.init("unit"), .init("name"), .init("change"), .init("old rule"), .init("new rule")])
                for c in changes { table.append([c.unitID, c.name, c.change, c.oldRule, c.newRule]) }
                print(table.render())
                for c in changes { print("  \(c.unitID): \(c.old)\n  \(String(repeating: " ", count: c.unitID.count))→ \(c.new)") }
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
            print((markdown ? "- " : "  ") + "\(c.region.description): \(c.old) → \(c.new)")
        }
        if regions.changedCells > 0 && regions.changes.count >= 10 { print((markdown ? "- " : "  ") + "…") }
    }
}
