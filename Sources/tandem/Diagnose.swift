import ArgumentParser
import Foundation
import TandemCore
import TandemPolicy

struct Diagnose: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide KPI, OKR or hybrid for every unit of an organisation, with reasons.",
        discussion: """
        Each unit's attributes (its own, else inherited from the nearest ancestor that sets them, else the policy's default) are checked against the policy's schema; a bad value is reported where it is written in the organisation file. Then every unit is decided: one row per unit with its mode, parameters, lean score (positive leans toward OKR), margin to the nearest boundary, and the reasons that weigh most.

        --explain UNIT prints the whole story of one unit instead: each evidence contribution, the row or override that decided, why each other mode was not chosen, and where each attribute value came from (as text, or with --format json).

        --format csv writes RFC 4180 CSV (a text that a spreadsheet would take for a formula starts with '); markdown writes a table with | and line breaks escaped.

        --policy defaults to the Models/selection.policy shipped with Tandem, found beside the installed binary or the checkout it was built in; the summary names the file used.

        Exit status: 0 when every unit got a decision, 1 on errors in the files or when a unit matches no row or two rows of a unique table.
        """
    )

    @Option(name: .customLong("org"), help: ArgumentHelp("Organisation file, YAML or JSON.", valueName: "file"))
    var organisationPath: String

    @Option(name: .customLong("policy"), help: ArgumentHelp("Policy file.", valueName: "file"))
    var policyPath: String = Shipped.policy

    @Option(help: "Output format: table, json, csv or markdown.")
    var format: Format = .table

    @Option(help: ArgumentHelp("Explain the decision for one unit (its id).", valueName: "unit"))
    var explain: String?

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv, markdown }

    func run() throws {
        let policyPath = Shipped.resolve(self.policyPath, default: Shipped.policy)
        let policyResult = PolicyLoader.load(path: policyPath)
        let load = DatasetLoader.load(org: organisationPath, krs: nil, checkins: nil)
        var diagnostics = policyResult.diagnostics + load.diagnostics
        let sources = load.sources + (policyResult.source.map { [$0] } ?? [])
        var binding: OrganisationBinding?
        if let policy = policyResult.policy, let organisation = load.dataset?.organisation {
            let (bound, found) = OrganisationBinding.bind(organisation, to: policy)
            binding = bound
            diagnostics += found
        }
        let renderer = DiagnosticRenderer(sources: sources)
        FileHandle.standardError.write(Data(renderer.render(DiagnosticLimiter.limit(diagnostics, perID: 5).compactMap {
            if case .diagnostic(let d) = $0 { return d } else { return nil }
        }).utf8))
        guard let policy = policyResult.policy, let binding else {
            print("cannot diagnose: \(count(diagnostics.counts.errors, "error")) in the files above")
            throw ExitCode(1)
        }
        let compiled = CompiledPolicy(policy)
        let units = binding.organisation.units

        if let explain {
            guard let index = binding.organisation.index[explain] else {
                let guess = Suggestion.closest(to: explain, among: units.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""
                throw ValidationError("unknown unit '\(explain)'\(guess)")
            }
            guard format == .table || format == .json else {
                throw ValidationError("--explain tells one decision's story as text (the default) or --format json; csv and markdown are for the list of every unit")
            }
            let explanation = compiled.explain(unit: index, in: binding)
            if format == .json { print(try JSONOutput.encode(explanation)) } else { print(explanation.render(), terminator: "") }
            return
        }

        let explanations = units.indices.map { compiled.explain(unit: $0, in: binding) }
        switch format {
        case .json:
            print(try JSONOutput.encode(DiagnosisReport(policy: policy.name, version: policy.version, units: explanations)))
        case .csv:
            CSV.print(["unit_id", "name", "mode", "outcome", "lean", "margin", "margin_to", "decided_by", "reasons"], explanations.map { e in
                [e.unitID, e.unitName, e.mode ?? "", e.outcome ?? "", PolicyNumber.format(e.lean),
                 e.margin.map { PolicyNumber.format($0.distance) } ?? "", e.margin?.toMode ?? "", e.decidedBy,
                 e.topReasons.joined(separator: "; ")]
            })
        case .markdown:
            print(Markdown.table(["unit", "name", "mode", "parameters", "lean", "margin", "reasons"], right: [4], explanations.enumerated().map { i, e in
                [e.unitID, e.unitName, e.mode ?? "—", parameters(compiled, binding, i), PolicyNumber.signed(e.lean),
                 marginText(e), e.topReasons.joined(separator: "; ")]
            }))
        case .table:
            var table = TextTable(columns: [.init("unit"), .init("name"), .init("mode"), .init("parameters"),
                                            .init("lean", alignRight: true), .init("margin"), .init("top reason")])
            for (i, e) in explanations.enumerated() {
                let depth = binding.organisation.depths[i] - 1
                let name = String(repeating: "  ", count: depth) + e.unitName
                table.append([e.unitID, name, e.mode ?? "NONE", parameters(compiled, binding, i), PolicyNumber.signed(e.lean),
                              marginText(e), truncated(e.topReasons.first ?? "—", 44)])
            }
            print(table.render())
            var counts: [String: Int] = [:]
            for e in explanations { counts[e.mode ?? "none", default: 0] += 1 }
            let summary = ["okr", "hybrid", "kpi", "none"].compactMap { m in counts[m].map { "\(m) \($0)" } }.joined(separator: " · ")
            print("\n\(count(units.count, "unit")): \(summary)   (policy \(policy.name)\(policy.version.map { " \($0)" } ?? "") from \(policyPath); --explain UNIT for the whole story)")
        }
        let undecided = explanations.filter { $0.mode == nil }
        for e in undecided {
            let what = e.decidedBy == "conflict"
                ? "rows \(e.conflicting.map { "\($0.number) (\($0.location))" }.joined(separator: " and ")) both match"
                : "no row of the decision table matches (lean \(PolicyNumber.signed(e.lean)))"
            FileHandle.standardError.write(Data("error: unit '\(e.unitID)' gets no decision: \(what)\n".utf8))
        }
        if !undecided.isEmpty { throw ExitCode(1) }
    }

    func parameters(_ compiled: CompiledPolicy, _ binding: OrganisationBinding, _ i: Int) -> String {
        let d = compiled.decide(Array(binding.values(ofUnit: i)))
        return compiled.outcome(of: d)?.compact ?? ""
    }

    func marginText(_ e: Explanation) -> String {
        if e.decidedBy == "override" { return "override" }
        guard let m = e.margin else { return "—" }
        return "\(PolicyNumber.format(m.distance)) → \(m.toMode)"
    }
}

struct DiagnosisReport: Encodable {
    var policy: String
    var version: String?
    var units: [Explanation]
}

enum PolicyNumber {
    static func format(_ x: Double) -> String {
        let r = (x * 1000).rounded() / 1000
        return r == r.rounded() && abs(r) < 1e15 ? String(Int64(r)) : String(r)
    }

    static func signed(_ x: Double) -> String { (x > 0 ? "+" : "") + format(x) }
}
