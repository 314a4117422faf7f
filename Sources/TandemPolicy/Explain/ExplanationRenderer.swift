import TandemCore

extension Outcome {
    /// A short form for tables: `quarterly · committed 40% · pay separate`.
    public var compact: String {
        func pct(_ x: Double) -> String { PolicyFormat.number((x * 100 * 1e6).rounded() / 1e6) + "%" }
        var parts: [String] = []
        switch mode {
        case .kpi:
            parts.append(kpiCycle?.rawValue ?? "quarterly")
        case .okr:
            parts.append(okrCycle?.rawValue ?? "quarterly")
            if let c = committedShare { parts.append("committed \(pct(c))") }
        case .hybrid:
            if let k = kpiWeight, let o = okrWeight { parts.append("KPI \(pct(k)) + OKR \(pct(o))") }
            let kc = kpiCycle?.rawValue ?? "quarterly", oc = okrCycle?.rawValue ?? "quarterly"
            parts.append(kc == oc ? kc : "\(kc)/\(oc)")
        }
        if let pay { parts.append("pay \(pay)") }
        if rollout != .full { parts.append(rollout.rawValue) }
        return parts.joined(separator: " · ")
    }
}

extension Explanation {
    /// The explanation as text for a terminal.
    public func render() -> String {
        var out: [String] = []
        func num(_ x: Double) -> String { PolicyFormat.number((x * 1000).rounded() / 1000) }
        out.append("\(unitName) (\(unitID))")
        switch decidedBy {
        case .override:
            out.append("decision  \(outcome?.text ?? "")")
            if let o = override {
                out.append("by        override #\(o.number) at \(o.location): \(o.reason ?? "")\(overrideSource.map { " [\($0)]" } ?? "")")
                out.append("          when \(o.condition)")
            }
            if let t = tableWouldChoose {
                out.append("          (without it, table row \(t.number) at \(t.location) would give \(t.outcomeText))")
            }
        case .row:
            out.append("decision  \(outcome?.text ?? "")")
            if let r = row {
                out.append("by        row \(r.number) at \(r.location): when \(r.condition)")
                if let reason = r.reason { out.append("          \(reason)") }
            }
        case .conflict:
            out.append("decision  none: rows \(conflicting.map { "\($0.number) (\($0.location))" }.joined(separator: " and ")) both match in a unique table")
        case .noMatch:
            out.append("decision  none: no row of the decision table matches, and it has no 'otherwise'")
        }
        out.append("lean      \(signed(lean)) = okr \(num(leanTowardOKR)) − kpi \(num(leanTowardKPI))   (positive leans toward OKR)")
        if let m = margin {
            out.append("margin    \(num(m.distance)) away from \(m.toMode.rawValue) (the boundary is at lean \(signed(m.atLean)))")
        } else if decidedBy == .override {
            out.append("margin    none: the override decides whatever the lean score")
        } else if decidedBy == .row {
            out.append("margin    no lean score changes the mode")
        }
        out.append("")
        out.append("evidence")
        if evidence.isEmpty {
            out.append("  (no evidence applies)")
        } else {
            var table = TextTable(columns: [.init("  weight", alignRight: true), .init("condition"), .init("reason")])
            for e in evidence.sorted(by: { abs($0.weight) > abs($1.weight) }) {
                table.append(["  " + (e.weight > 0 ? "okr +" : "kpi +") + num(abs(e.weight)), e.condition,
                              e.reason + (e.source.map { " [\($0)]" } ?? "")])
            }
            out += table.render().split(separator: "\n").dropFirst().map(String.init)
        }
        for other in otherModes {
            out.append("")
            out.append("why not \(other.mode.rawValue): \(other.summary)")
            for miss in other.misses {
                let label = miss.kind == .override ? "override #\(miss.rule.number)" : "row \(miss.rule.number)"
                if let note = miss.note {
                    out.append("  \(label) (\(miss.rule.location)): \(note)")
                } else {
                    out.append("  \(label) (\(miss.rule.location)): \(miss.failed.joined(separator: "; "))")
                }
            }
        }
        if !counterfactuals.isEmpty {
            out.append("")
            out.append("what would change it (changeable attributes only)")
            for c in counterfactuals { out.append("  \(c.text)") }
        }
        out.append("")
        out.append("attributes")
        var table = TextTable(columns: [.init("  name"), .init("value"), .init("from")])
        for a in attributes {
            let from: String
            switch a.origin {
            case .inherited: from = "inherited from \(a.fromUnitName ?? "") (\(a.fromUnitID ?? ""))"
            case .default: from = "policy default"
            case .own: from = "set on this unit"
            }
            table.append(["  " + a.name, a.value, from])
        }
        out += table.render().split(separator: "\n").dropFirst().map(String.init)
        return out.joined(separator: "\n") + "\n"
    }
}
