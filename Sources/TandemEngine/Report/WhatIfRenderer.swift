import Foundation
import TandemCore

/// Renders a what-if report as text, Markdown or one self-contained HTML page.
public struct WhatIfRenderer: Sendable {
    public var report: WhatIfReport
    /// Where the baseline came from, for the heading.
    public var source: String
    /// Rows per table (0 = all).
    public var limit: Int

    public init(report: WhatIfReport, source: String, limit: Int = 15) {
        self.report = report
        self.source = source
        self.limit = limit
    }

    static func f2(_ x: Double) -> String { String(format: "%.2f", x) }
    static func f1(_ x: Double) -> String { String(format: "%.1f", x) }
    static func delta(_ x: Double) -> String { String(format: "%+.2f", x) }
    static func short(_ s: String, _ width: Int) -> String {
        guard s.displayWidth > width else { return s }
        var out = ""
        for ch in s {
            if (out + String(ch)).displayWidth > width - 1 { break }
            out.append(ch)
        }
        return out + "…"
    }

    var letters: [String] { report.scenarioNames.indices.map { String(UnicodeScalar(UInt8(65 + $0 % 26))) } }

    /// The side-by-side summary.
    func summary() -> ReportSection {
        let sides = [report.baseline] + report.scenarios.map(\.totals)
        func modes(_ t: WhatIfReport.Totals) -> String { "\(t.modes["kpi"] ?? 0) / \(t.modes["okr"] ?? 0) / \(t.modes["hybrid"] ?? 0)" + ((t.modes["undecided"] ?? 0) > 0 ? " (+\(t.modes["undecided"]!) undecided)" : "") }
        var section = ReportSection(title: "Side by side, as of \(report.asOf)",
                                    lines: zip(letters, report.scenarioNames).map { "\($0): \($1)" },
                                    columns: [.init("")] + ["baseline"] .map { .init($0, numeric: true) } + letters.map { .init($0, numeric: true) })
        section.rows = [
            ["units by mode (KPI / OKR / hybrid)"] + sides.map(modes),
            ["open key results"] + sides.map { $0.openKeyResults.grouped },
            ["expected key results achieved (± sd)"] + sides.map { "\(Self.f1($0.expectedAchieved)) ± \(Self.f1($0.achievedSD))" },
            ["at risk: critical / warning"] + sides.map { "\($0.alerts["critical"] ?? 0) / \($0.alerts["warning"] ?? 0)" },
            ["objectives expected to reach \(Self.f1(report.objectiveScore))"] + sides.map { "\(Self.f1($0.expectedObjectivesReaching)) of \($0.objectives)" },
            ["units whose decision changes"] + ["–"] + report.scenarios.map { "\($0.decisionChanges.count)" },
            ["key results moving ≥ \(Self.f2(report.threshold))"] + ["–"] + report.scenarios.map { "\($0.keyResultMoves.count)" },
            ["alerts that open / close"] + ["–"] + report.scenarios.map { r in "\(r.alertChanges.filter { $0.change == .opens || $0.change == .escalates }.count) / \(r.alertChanges.filter { $0.change == .closes || $0.change == .eases }.count)" },
        ]
        return section
    }

    /// The sections of one scenario.
    func sections(of index: Int) -> [ReportSection] {
        let r = report.scenarios[index]
        var out: [ReportSection] = []
        out.append(ReportSection(title: "Changes", lines: (r.description.map { [$0] } ?? []) + r.changes))
        var decisions = ReportSection(title: "Decisions that change (\(r.decisionChanges.count) of \(report.baseline.units) units)",
                                      columns: [.init("unit"), .init("name"), .init("change"), .init("lean", numeric: true), .init("why (the deciding rule now; evidence gained + / lost −)")],
                                      empty: "no unit's mode or parameters change")
        for d in r.decisionChanges {
            var why = [d.after.rule]
            why += d.evidenceGained.map { "+ \($0)" }
            why += d.evidenceLost.map { "− \($0)" }
            decisions.rows.append([d.unitID, d.unitName, Self.outcomeChange(d.before.outcome?.text, d.after.outcome?.text),
                                   "\(Self.num(d.before.lean)) → \(Self.num(d.after.lean))", why.joined(separator: "; ")])
        }
        decisions.limit(limit)
        out.append(decisions)
        var moves = ReportSection(title: "Key results whose P(success) moves by \(Self.f2(report.threshold)) or more (\(r.keyResultMoves.count))",
                                  columns: [.init("kr"), .init("unit"), .init("title"), .init("before", numeric: true), .init("after", numeric: true), .init("change", numeric: true)],
                                  empty: "no key result moves that much")
        for m in r.keyResultMoves {
            moves.rows.append([m.krID, m.unitID, Self.short(m.title, 28) + (m.forecastDay.map { " (as of \($0))" } ?? ""), Self.f2(m.before), Self.f2(m.after), Self.delta(m.after - m.before)])
        }
        moves.limit(limit)
        out.append(moves)
        var alerts = ReportSection(title: "Alerts that would open or close (\(r.alertChanges.count))",
                                   columns: [.init("change"), .init("kr"), .init("unit"), .init("title"), .init("severity"), .init("why")],
                                   empty: "no alert opens or closes")
        for a in r.alertChanges {
            alerts.rows.append([a.change.rawValue, a.krID, a.unitID, Self.short(a.title, 24), "\(a.before?.rawValue ?? "none") → \(a.after?.rawValue ?? "none")",
                                a.change == .closes ? "no rule fires any more (was: \(a.rules.joined(separator: ", ")))" : "\(a.rules.joined(separator: ", ")): \(a.reasons)"])
        }
        alerts.limit(limit)
        out.append(alerts)
        return out
    }

    /// "okr → hybrid(kpi: 40%, …)" when the mode changes; "okr: committed 60% → 40%, rollout pilot → full" when only parameters do.
    static func outcomeChange(_ a: String?, _ b: String?) -> String {
        guard let a, let b else { return "\(a ?? "undecided") → \(b ?? "undecided")" }
        func split(_ s: String) -> (String, [(String, String)]) {
            guard let open = s.firstIndex(of: "("), s.hasSuffix(")") else { return (s, []) }
            let inner = s[s.index(after: open)..<s.index(before: s.endIndex)]
            let pairs = inner.components(separatedBy: ", ").map { part -> (String, String) in
                let kv = part.components(separatedBy: ": ")
                return (kv[0], kv.count > 1 ? kv[1...].joined(separator: ": ") : "")
            }
            return (String(s[..<open]), pairs)
        }
        let (ma, pa) = split(a), (mb, pb) = split(b)
        if ma != mb { return "\(ma) → \(b)" }
        let before = Dictionary(pa, uniquingKeysWith: { x, _ in x })
        let after = Dictionary(pb, uniquingKeysWith: { x, _ in x })
        let keys = (pa.map(\.0) + pb.map(\.0).filter { before[$0] == nil })
        let changed = keys.compactMap { k -> String? in
            before[k] == after[k] ? nil : "\(k) \(before[k] ?? "–") → \(after[k] ?? "–")"
        }
        return "\(ma): " + changed.joined(separator: ", ")
    }

    static func num(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x) }

    /// Objectives whose P(score ≥ 0.7) moves in some scenario, side by side.
    func objectives() -> ReportSection {
        let moved = report.objectives.filter { o in o.pReaching.dropFirst().contains { abs($0 - o.pReaching[0]) >= report.threshold - 1e-12 } }
        var s = ReportSection(title: "Objectives: P(score ≥ \(Self.f1(report.objectiveScore))), those that move by \(Self.f2(report.threshold)) or more (\(moved.count) of \(report.objectives.count))",
                              lines: ["an objective's score is the share of its key results achieved; exact from their P(success)" + (report.correlation > 0 ? ", latent correlation \(Self.f2(report.correlation)) within an objective" : ", taken as independent")],
                              columns: [.init("objective"), .init("unit"), .init("krs", numeric: true), .init("baseline", numeric: true)] + letters.map { .init($0, numeric: true) },
                              empty: "no objective moves that much")
        for o in moved.sorted(by: { a, b in (a.pReaching.dropFirst().map { abs($0 - a.pReaching[0]) }.max() ?? 0) > (b.pReaching.dropFirst().map { abs($0 - b.pReaching[0]) }.max() ?? 0) }) {
            s.rows.append([o.objectiveID, o.unitID, "\(o.keyResults)", Self.f2(o.pReaching[0])] + o.pReaching.dropFirst().map { "\(Self.f2($0)) (\(Self.delta($0 - o.pReaching[0])))" })
        }
        s.limit(limit)
        return s
    }

    /// Units with open key results: expected number achieved and its 80% range, side by side.
    func units() -> ReportSection {
        func moved(_ u: WhatIfReport.UnitRow) -> Double { u.expectedAchieved.dropFirst().map { abs($0 - u.expectedAchieved[0]) }.max() ?? 0 }
        let rows = report.units.sorted { moved($0) > moved($1) }
        var s = ReportSection(title: "Units: key results expected to be achieved, with the 80% range (most moved first)",
                              columns: [.init("unit"), .init("name"), .init("open", numeric: true), .init("baseline", numeric: true)] + letters.map { .init($0, numeric: true) })
        for u in rows {
            func cell(_ i: Int) -> String { "\(Self.f1(u.expectedAchieved[i])) [\(u.range80[i][0])–\(u.range80[i][1])]" }
            s.rows.append([u.unitID, u.name, "\(u.openKeyResults)", cell(0)] + (1..<u.expectedAchieved.count).map(cell))
        }
        s.limit(limit)
        return s
    }

    public func text() -> String {
        var out = ["What-if against \(source)", "", summary().text()]
        for (i, name) in report.scenarioNames.enumerated() {
            out += ["", "══ \(letters[i]): \(name) ══"]
            for s in sections(of: i) { out += [s.text(), ""] }
            out.removeLast()
        }
        out += ["", objectives().text(), "", units().text()]
        return out.joined(separator: "\n")
    }

    public func markdown() -> String {
        var out = ["# What-if as of \(report.asOf)", "", "Against \(source).", "", summary().markdown(level: 2)]
        for (i, name) in report.scenarioNames.enumerated() {
            out.append("## \(letters[i]): \(name)\n")
            for s in sections(of: i) { out.append(s.markdown(level: 3)) }
        }
        out += [objectives().markdown(level: 2), units().markdown(level: 2)]
        return out.joined(separator: "\n")
    }

    public func html() -> String {
        let sides = ["baseline"] + zip(letters, report.scenarioNames).map { "\($0): \($1)" }
        let totals = [report.baseline] + report.scenarios.map(\.totals)
        var body = "<div class=\"cards\">"
        for (name, t) in zip(sides, totals) {
            body += "<div class=\"card\"><div class=\"k\">\(HTML.escape(name))</div><div class=\"v\" data-expected-achieved=\"\(Self.f1(t.expectedAchieved))\">\(Self.f1(t.expectedAchieved)) <small>of \(t.openKeyResults) key results</small></div>"
            body += "<div class=\"k\">at risk: \(t.alerts["critical"] ?? 0) critical, \(t.alerts["warning"] ?? 0) warning · KPI \(t.modes["kpi"] ?? 0) / OKR \(t.modes["okr"] ?? 0) / hybrid \(t.modes["hybrid"] ?? 0)</div></div>"
        }
        body += "</div>\n"
        let overview = SVGChart.bars(title: "Expected key results achieved and key results at risk",
                                     labels: ["expected achieved", "at risk (critical + warning)", "objectives reaching \(Self.f1(report.objectiveScore))"],
                                     series: zip(sides, totals).map { ($0, [$1.expectedAchieved, Double(($1.alerts["critical"] ?? 0) + ($1.alerts["warning"] ?? 0)), $1.expectedObjectivesReaching]) })
        body += summary().html(level: 2, chart: overview)
        for (i, name) in report.scenarioNames.enumerated() {
            body += "<h2>\(letters[i]): \(HTML.escape(name))</h2>\n"
            let r = report.scenarios[i]
            for (j, s) in sections(of: i).enumerated() {
                var chart: String?
                if j == 2, !r.keyResultMoves.isEmpty {
                    chart = SVGChart.dumbbell(title: "P(success): baseline → scenario (largest moves)",
                                              items: r.keyResultMoves.prefix(15).map { ("\($0.krID) \($0.title)", $0.before, $0.after) })
                }
                body += s.html(level: 3, chart: chart)
            }
            if let top = report.units.max(by: { abs($0.expectedAchieved[i + 1] - $0.expectedAchieved[0]) < abs($1.expectedAchieved[i + 1] - $1.expectedAchieved[0]) }),
               abs(top.expectedAchieved[i + 1] - top.expectedAchieved[0]) > 1e-6 {
                body += "<figure>" + SVGChart.distribution(title: "\(top.unitID) \(top.name): how many of its \(top.openKeyResults) open key results are achieved",
                                                          series: [("baseline", top.distribution[0]), ("\(letters[i])", top.distribution[i + 1])]) + "</figure>\n"
            }
        }
        let unitSection = units()
        let shown = Array(report.units.sorted { a, b in
            (a.expectedAchieved.dropFirst().map { abs($0 - a.expectedAchieved[0]) }.max() ?? 0) > (b.expectedAchieved.dropFirst().map { abs($0 - b.expectedAchieved[0]) }.max() ?? 0)
        }.prefix(12))
        let unitChart = SVGChart.bars(title: "Expected key results achieved, the units that move most",
                                      labels: shown.map { "\($0.unitID) \($0.name)" },
                                      series: sides.indices.map { i in (i == 0 ? "baseline" : letters[i - 1], shown.map { $0.expectedAchieved[i] }) })
        body += "<h2>Objectives and units</h2>\n" + objectives().html(level: 3) + unitSection.html(level: 3, chart: unitChart)
        return HTML.page(title: "What-if as of \(report.asOf)", subtitle: "Against \(source). \(report.scenarioNames.count) scenario\(report.scenarioNames.count == 1 ? "" : "s").", body: body)
    }
}
