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
            out.append(Diagnostic(PolicyDiagnostic.tableHasGaps,
                                  at: tableLocation, notes: notes))
        }
        for o in report.overlaps {
            var notes = o.rows.dropFirst().map { Diagnostic.Note("row \($0) also matches them here", at: row($0)) }
            notes.append(.init("for example \(example(o.region))"))
            out.append(Diagnostic(PolicyDiagnostic.overlappingRows(o.rows, region: o.region.description),
                                  at: row(o.rows[0]), notes: notes))
        }
        for n in report.deadRows {
            out.append(Diagnostic(PolicyDiagnostic.deadRow(n),
                                  at: row(n)))
        }
        for s in report.shadowedRows {
            out.append(Diagnostic(PolicyDiagnostic.shadowedRow(s.row, by: s.by, firstHit: policy.hitPolicy == .first), at: row(s.row),
                                  notes: [.init("row \(s.by) is here", at: row(s.by))]))
        }
        for n in report.deadEvidence {
            out.append(Diagnostic(PolicyDiagnostic.deadEvidence, at: policy.evidence[n - 1].location))
        }
        for n in report.deadOverrides {
            out.append(Diagnostic(PolicyDiagnostic.deadOverride, at: policy.overrides[n - 1].location))
        }
        let (attributes, derived, values) = unused()
        for i in attributes {
            out.append(Diagnostic(PolicyDiagnostic.unusedAttribute(policy.attributes[i].name), at: policy.attributes[i].location,
                                  length: policy.attributes[i].name.displayWidth))
        }
        for i in derived {
            out.append(Diagnostic(PolicyDiagnostic.unusedDerivedValue(policy.derived[i].name), at: policy.derived[i].location,
                                  length: policy.derived[i].name.displayWidth))
        }
        for i in Set(values.map(\.attribute)).sorted() {
            let names = values.filter { $0.attribute == i }.map(\.value)
            out.append(Diagnostic(PolicyDiagnostic.unmentionedValues(names, attribute: policy.attributes[i].name),
                                  at: policy.attributes[i].location, length: policy.attributes[i].name.displayWidth))
        }
        let top = policy.rows.first?.location ?? SourceLocation(file: policy.path, line: 1, column: 1)
        if let why = report.notAnalysed {
            out.append(Diagnostic(PolicyDiagnostic.notAnalysed,
                                  at: top, notes: [.init(why), .init("compare that attribute with fewer distinct numbers, or use ranges of levels")]))
        }
        if report.stoppedEarly {
            out.append(Diagnostic(PolicyDiagnostic.analysisStoppedEarly(budget: report.budget, boxes: report.boxes,
                                                                        cellsExamined: report.cellsExamined, spaceCells: report.spaceCells),
                                  at: top, notes: [.init("the rows' conditions cut the space into more pieces than the budget allows; give `tandem check --analysis-budget N` a larger N to go further, or --no-analysis to skip it")]))
        }
        if report.approximate {
            out.append(Diagnostic(PolicyDiagnostic.approximateAnalysis,
                                  at: SourceLocation(file: policy.path, line: 1, column: 1)))
        }
        return out
    }

    func example(_ r: Region) -> String {
        policy.attributes.map { "\($0.name): \(r.example[$0.name] ?? "?")" }.joined(separator: ", ")
    }
}
