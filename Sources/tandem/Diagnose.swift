import ArgumentParser
import Foundation
import TandemCore
import TandemPolicy
import TandemService

struct Diagnose: AsyncParsableCommand {
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

    func run() async throws {
        let policyPath = Shipped.resolve(self.policyPath, default: Shipped.policy)
        if explain != nil, format != .table && format != .json {
            throw ValidationError("--explain tells one decision's story as text (the default) or --format json; csv and markdown are for the list of every unit")
        }
        let diagnosis = try await call(perID: 5) { () async throws(ServiceError) in
            try await service.diagnose(organisation: organisationPath, policyPath: policyPath, unit: explain)
        }
        let renderer = DiagnosticRenderer(sources: diagnosis.sources)
        FileHandle.standardError.write(Data(renderer.render(DiagnosticLimiter.limit(diagnosis.warnings, perID: 5).compactMap {
            if case .diagnostic(let d) = $0 { return d } else { return nil }
        }).utf8))
        let policy = diagnosis.policy.policy, compiled = diagnosis.policy.compiled, binding = diagnosis.binding
        let explanations = diagnosis.explanations
        if explain != nil, let explanation = explanations.first {
            if format == .json {
                print(try JSONOutput.encode(ExplanationReport(policy: PolicyReference(diagnosis.policy), explanation: explanation)))
            } else {
                print(explanation.render(), terminator: "")
            }
            return
        }
        let units = binding.organisation.units
        switch format {
        case .json:
            print(try JSONOutput.encode(DiagnosisReport(policy: PolicyReference(diagnosis.policy), units: explanations)))
        case .csv:
            CSV.print(["unit_id", "name", "mode", "outcome", "lean", "margin", "margin_to", "decided_by", "reasons"], explanations.map { e in
                [e.unitID, e.unitName, e.mode?.rawValue ?? "", e.outcome?.text ?? "", PolicyNumber.format(e.lean),
                 e.margin.map { PolicyNumber.format($0.distance) } ?? "", e.margin?.toMode.rawValue ?? "", e.decidedBy.rawValue,
                 e.topReasons.joined(separator: "; ")]
            })
        case .markdown:
            print(Markdown.table(["unit", "name", "mode", "parameters", "lean", "margin", "reasons"], right: [4], explanations.enumerated().map { i, e in
                [e.unitID, e.unitName, e.mode?.rawValue ?? "—", parameters(compiled, binding, i), PolicyNumber.signed(e.lean),
                 marginText(e), e.topReasons.joined(separator: "; ")]
            }))
        case .table:
            var table = TextTable(columns: [.init("unit"), .init("name"), .init("mode"), .init("parameters"),
                                            .init("lean", alignRight: true), .init("margin"), .init("top reason")])
            for (i, e) in explanations.enumerated() {
                let depth = binding.organisation.depths[i] - 1
                let name = String(repeating: "  ", count: depth) + e.unitName
                table.append([e.unitID, name, e.mode?.rawValue ?? "NONE", parameters(compiled, binding, i), PolicyNumber.signed(e.lean),
                              marginText(e), truncated(e.topReasons.first ?? "—", 44)])
            }
            print(table.render())
            var counts: [String: Int] = [:]
            for e in explanations { counts[e.mode?.rawValue ?? "none", default: 0] += 1 }
            let summary = ["okr", "hybrid", "kpi", "none"].compactMap { m in counts[m].map { "\(m) \($0)" } }.joined(separator: " · ")
            print("\n\(count(units.count, "unit")): \(summary)   (policy \(policy.name)\(policy.version.map { " \($0)" } ?? "") from \(policyPath); --explain UNIT for the whole story)")
        }
        for e in diagnosis.undecided {
            let what = e.decidedBy == .conflict
                ? "rows \(e.conflicting.map { "\($0.number) (\($0.location))" }.joined(separator: " and ")) both match"
                : "no row of the decision table matches (lean \(PolicyNumber.signed(e.lean)))"
            printError("error: unit '\(e.unitID)' gets no decision: \(what)")
        }
        if !diagnosis.undecided.isEmpty { throw ExitCode(1) }
    }

    func parameters(_ compiled: CompiledPolicy, _ binding: OrganisationBinding, _ i: Int) -> String {
        let d = compiled.decide(Array(binding.values(ofUnit: i)))
        return compiled.outcome(of: d)?.compact ?? ""
    }

    func marginText(_ e: Explanation) -> String {
        if e.decidedBy == .override { return "override" }
        guard let m = e.margin else { return "—" }
        return "\(PolicyNumber.format(m.distance)) → \(m.toMode.rawValue)"
    }
}

/// `diagnose --format json`: the policy used and every unit's explanation.
struct DiagnosisReport: Encodable {
    var policy: PolicyReference
    var units: [Explanation]
}

/// `diagnose --explain UNIT --format json`: the policy used and the unit's explanation.
struct ExplanationReport: Encodable {
    var policy: PolicyReference
    var explanation: Explanation
}

/// Which policy a report used: its name, version and file.
struct PolicyReference: Encodable {
    var name: String
    var version: String?
    var file: String

    init(_ p: LoadedPolicy) {
        self.init(name: p.policy.name, version: p.policy.version, file: p.path)
    }

    init(name: String, version: String?, file: String) {
        self.name = name
        self.version = version
        self.file = file
    }
}

enum PolicyNumber {
    static func format(_ x: Double) -> String {
        let r = (x * 1000).rounded() / 1000
        return r == r.rounded() && abs(r) < 1e15 ? String(Int64(r)) : String(r)
    }

    static func signed(_ x: Double) -> String { (x > 0 ? "+" : "") + format(x) }
}
