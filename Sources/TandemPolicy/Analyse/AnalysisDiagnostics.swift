import TandemCore

extension PolicyAnalyser {
    /// Names, slots and values the policy declares but never uses.
    public func unused() -> (attributes: [Int], derived: [Int], values: [(attribute: Int, value: String)]) {
        var used = Set<Int>(), mentioned = [Set<Double>](repeating: [], count: policy.attributes.count)
        func walk(_ e: CheckedExpression) {
            switch e {
            case .slot(let s): used.insert(s)
            case .compare(_, .slot(let s), .constant(let c)), .compare(_, .constant(let c), .slot(let s)):
                used.insert(s)
                if s < policy.attributes.count { mentioned[s].insert(c) }
            case .member(.slot(let s), let set):
                used.insert(s)
                if s < policy.attributes.count { mentioned[s].formUnion(set) }
            default: break
            }
            switch e {
            case .not(let x), .negate(let x), .member(let x, _): walk(x)
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b): walk(a); walk(b)
            default: break
            }
        }
        for d in policy.derived { walk(d.expression) }
        for e in policy.evidence { walk(e.condition.expression) }
        for r in policy.rows { if let c = r.condition { walk(c.expression) } }
        for o in policy.overrides { walk(o.condition.expression) }
        for a in policy.alerts { walk(a.condition.expression) }
        let attributes = policy.attributes.indices.filter { !used.contains($0) }
        let derived = policy.derived.indices.filter { !used.contains(policy.attributes.count + $0) }
        var values: [(Int, String)] = []
        for (i, a) in policy.attributes.enumerated() where used.contains(i) {
            // An ordered level is mentioned when any comparison bounds it; only enumerations are
            // checked value by value.
            if case .enumeration(let names) = a.kind, !mentioned[i].isEmpty {
                for (k, name) in names.enumerated() where !mentioned[i].contains(Double(k)) { values.append((i, name)) }
            }
        }
        return (attributes, derived, values)
    }

    /// The findings as diagnostics located in the policy file.
    public func diagnostics(_ report: AnalysisReport) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func row(_ n: Int) -> SourceLocation { policy.rows[n - 1].location }
        let tableLocation = policy.rows.first?.location
        if !report.gaps.isEmpty {
            var notes = report.gaps.map { Diagnostic.Note("no row decides units with \($0.description); for example \(example($0))") }
            if report.gaps.count >= 5 { notes.append(.init("… and more: \(PolicyFormat.number(report.gapCells)) cells of the attribute space in all")) }
            out.append(Diagnostic(.warning, "P1001", "the decision table leaves some units without a decision; add rows or an 'otherwise'",
                                  at: tableLocation, notes: notes))
        }
        for o in report.overlaps {
            var notes = o.rows.dropFirst().map { Diagnostic.Note("row \($0) also matches them here", at: row($0)) }
            notes.append(.init("for example \(example(o.region))"))
            out.append(Diagnostic(.warning, "P1002", "rows \(o.rows.map(String.init).joined(separator: " and ")) of this unique table both match units with \(o.region.description)",
                                  at: row(o.rows[0]), notes: notes))
        }
        for n in report.deadRows {
            out.append(Diagnostic(.warning, "P1003", "row \(n) can never decide: its condition holds for no unit the overrides leave to the table",
                                  at: row(n)))
        }
        for s in report.shadowedRows {
            let why = policy.hitPolicy == .first ? "row \(s.by) above matches every unit it matches" : "a row of higher priority matches every unit it matches"
            out.append(Diagnostic(.warning, "P1004", "row \(s.row) never decides: \(why)", at: row(s.row),
                                  notes: [.init("row \(s.by) is here", at: row(s.by))]))
        }
        for n in report.deadEvidence {
            out.append(Diagnostic(.warning, "P1005", "evidence rule can never fire: its condition holds for no unit", at: policy.evidence[n - 1].location))
        }
        for n in report.deadOverrides {
            out.append(Diagnostic(.warning, "P1006", "override can never apply: its condition holds for no unit", at: policy.overrides[n - 1].location))
        }
        let (attributes, derived, values) = unused()
        for i in attributes {
            out.append(Diagnostic(.warning, "P0901", "attribute '\(policy.attributes[i].name)' is declared but never used", at: policy.attributes[i].location,
                                  length: policy.attributes[i].name.displayWidth))
        }
        for i in derived {
            out.append(Diagnostic(.warning, "P0902", "derived value '\(policy.derived[i].name)' is defined but never used", at: policy.derived[i].location,
                                  length: policy.derived[i].name.displayWidth))
        }
        for i in Set(values.map(\.attribute)).sorted() {
            let names = values.filter { $0.attribute == i }.map { "'\($0.value)'" }
            out.append(Diagnostic(.note, "P0903", "\(names.count == 1 ? "value" : "values") \(names.joined(separator: ", ")) of '\(policy.attributes[i].name)' \(names.count == 1 ? "is" : "are") never mentioned by a rule; units with \(names.count == 1 ? "it" : "them") are decided by the other attributes",
                                  at: policy.attributes[i].location, length: policy.attributes[i].name.displayWidth))
        }
        let top = policy.rows.first?.location ?? SourceLocation(file: policy.path, line: 1, column: 1)
        if let why = report.notAnalysed {
            out.append(Diagnostic(.warning, "P1007", "the decision logic was not analysed: gaps, overlaps, dead and shadowed rows are unknown",
                                  at: top, notes: [.init(why), .init("compare that attribute with fewer distinct numbers, or use ranges of levels")]))
        }
        if report.stoppedEarly {
            let share = report.spaceCells > 0 ? report.cellsExamined / report.spaceCells * 100 : 0
            out.append(Diagnostic(.warning, "P1008", "the analysis stopped at its budget (\(report.budget.grouped) rule evaluations, \(report.boxes.grouped) boxes), having examined \(String(format: "%.1f", share))% of the attribute space: what it lists was found there; rows it does not list as dead or shadowed may still be",
                                  at: top, notes: [.init("the rows' conditions cut the space into more pieces than the budget allows; give `tandem check --analysis-budget N` a larger N to go further, or --no-analysis to skip it")]))
        }
        if report.approximate {
            out.append(Diagnostic(.note, "P1009", "some conditions do arithmetic on numbers: the analysis decided those cells from one representative unit each",
                                  at: SourceLocation(file: policy.path, line: 1, column: 1)))
        }
        return out
    }

    func example(_ r: Region) -> String {
        policy.attributes.map { "\($0.name): \(r.example[$0.name] ?? "?")" }.joined(separator: ", ")
    }
}
