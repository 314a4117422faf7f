import Foundation
import TandemCore

/// Asana Goals, as the REST API gives them (`GET /goals/{gid}`, `GET /goals?…&opt_fields=…`, and
/// `GET /status_updates?parent={goal}` for their status updates), one or more JSON files in any order.
///
/// Each goal with a metric is a key result (and its own objective) in the unit of its team:
/// from `metric.initial_number_value` to `metric.target_number_value` over its `time_period`
/// (else `start_on` to `due_on`), owned by `owner.name`. Its `current_number_value` is a check-in
/// dated the import's day (`--as-of`): Asana keeps no history of a metric's values, and a status
/// update carries none. The latest status update on or before that day gives the check-in its
/// confidence: on_track 8, at_risk 5, on_hold 5, off_track 2, achieved and complete 10,
/// partial 5, missed 0. A goal whose status is achieved, partial or missed is closed: its current
/// value is its final value. Percentage metrics are fractions (0.25 for 25%), as Asana keeps them.
///
/// Skipped, and said: goals without a metric (no number to reach), dropped goals, goals without
/// a time period or dates.
enum AsanaImport {
    static let confidenceByStatus: [String: String] = ["on_track": "8", "at_risk": "5", "on_hold": "5", "off_track": "2", "achieved": "10", "complete": "10",
                                               "partial": "5", "missed": "0", "green": "8", "yellow": "5", "red": "2"]

    static func draft(_ files: [SourceFile], asOf: Day, placed: Bool) -> Checked<ImportDraft?> {
        var (goals, updates, diagnostics) = goalsAndUpdates(files, expected: "an Asana goal or status update (resource_type 'goal' or 'status_update')",
                                                            describe: { $0.text("resource_type").map { "'\($0.text)'" } ?? "an object without resource_type" }) { o in
            let type = o.text("resource_type")?.text
            if type == "status_update" || o.node("status_type") != nil { return true }
            return type == "goal" || o.node("metric") != nil || o.node("time_period") != nil ? false : nil
        }
        guard !diagnostics.hasErrors else { return Checked(nil, diagnostics) }
        // The latest status update of each goal on or before the day of the values.
        var latest: [String: (Day, JSONObject)] = [:], unused = 0
        for u in updates {
            guard let goal = u.text("parent.gid")?.text, let (day, _) = u.day("created_at", &diagnostics) else { continue }
            unused += 1
            if day <= asOf, latest[goal].map({ $0.0 <= day }) ?? true { latest[goal] = (day, u) }
        }
        var draft = ImportDraft()
        draft.report.notes.append("current values are dated \(asOf) (the import's day; --as-of says otherwise): Asana keeps no history of a goal's values")
        for g in goals {
            guard let gid = g.text("gid") else {
                diagnostics.append(Diagnostic(ImportDiagnostic.emptyValue(field: "gid"), at: g.location))
                continue
            }
            let name = g.text("name")
            let what = "goal '\(name?.text ?? gid.text)'"
            let status = g.text("status")?.text.lowercased()
            if status == "dropped" {
                draft.report.skip(what, "dropped", at: g.location)
                continue
            }
            guard let metric = g.object("metric") else {
                draft.report.skip(what, "no metric (no number to reach)", at: g.location)
                continue
            }
            let start = metric.number("initial_number_value", &diagnostics), target = metric.number("target_number_value", &diagnostics)
            let current = metric.number("current_number_value", &diagnostics)
            let from = g.day("time_period.start_on", &diagnostics) ?? g.day("start_on", &diagnostics)
            let to = g.day("time_period.end_on", &diagnostics) ?? g.day("due_on", &diagnostics)
            guard let target else {
                draft.report.skip(what, "its metric has no target_number_value", at: metric.location)
                continue
            }
            guard let from, let to else {
                draft.report.skip(what, "no time period, and no start_on and due_on", at: g.location)
                continue
            }
            if let start, start.0 == target.0 {
                draft.report.skip(what, "its target equals its initial value (no progress can be measured)", at: target.1.at)
                continue
            }
            var unit = ImportDraft.Field("")
            if !placed {
                if let team = g.object("team"), let teamName = team.text("name") ?? team.text("gid") {
                    let key = "asana-team-" + (team.text("gid")?.text ?? teamName.text)
                    draft.unit(ImportDraft.Unit(key: key, name: teamName.text, suggestedID: unitID(from: teamName.text), at: teamName.at))
                    unit = ImportDraft.Field(key, at: teamName.at, source: "team.name")
                } else {
                    // A workspace-level goal: the company's own.
                    draft.unit(ImportDraft.Unit(key: ImportDraft.Unit.root, name: "the company", suggestedID: "", at: g.location))
                    unit = ImportDraft.Field(ImportDraft.Unit.root, at: g.location, source: "the goal (no team)")
                }
            }
            if metric.text("unit")?.text == "percentage", !draft.report.notes.contains(where: { $0.hasPrefix("percentage") }) {
                draft.report.notes.append("percentage metrics are kept as Asana keeps them, fractions (0.25 for 25%)")
            }
            let id = ImportDraft.Field("asana-\(gid.text)", at: gid.at, source: "gid")
            let closed = ["achieved", "partial", "missed"].contains(status ?? "")
            draft.keyResults.append(ImportDraft.KeyResult(
                id: id, objective: id, unit: unit, title: name.map { $0.field() } ?? ImportDraft.Field(gid.text), kind: ImportDraft.Field("committed", source: "Asana goals are commitments"),
                start: start.map { $0.1.field(canonicalNumber($0.0)) } ?? ImportDraft.Field("0", source: "no initial_number_value"),
                target: target.1.field(canonicalNumber(target.0)), cycleStart: from.1.field(from.0.description), cycleEnd: to.1.field(to.0.description),
                owner: g.text("owner.name")?.field(), final: closed ? current.map { $0.1.field(canonicalNumber($0.0)) } : nil, at: g.location))
            draft.report.count("goals", as: "key results")
            if let current {
                var confidence: ImportDraft.Field?
                if let (_, u) = latest[gid.text], let type = u.text("status_type"), let c = Self.confidenceByStatus[type.text.lowercased()] {
                    confidence = type.field(c)
                    unused -= 1
                } else if let s = g.text("status"), let c = Self.confidenceByStatus[s.text.lowercased()] {
                    confidence = s.field(c)
                }
                draft.checkIns.append(ImportDraft.CheckIn(keyResult: id, date: ImportDraft.Field(asOf.description, source: "--as-of"),
                                                          value: current.1.field(canonicalNumber(current.0)), confidence: confidence, at: metric.location))
                draft.report.count("current values", as: "check-ins")
            }
        }
        if unused > 0 { draft.report.skip("\(unused) status update\(unused == 1 ? "" : "s")", "an Asana status update carries no value; only each goal's latest gives its confidence to the current value", at: nil) }
        draft.report.notes.append("status to confidence: on_track 8, at_risk 5, on_hold 5, off_track 2, achieved 10, partial 5, missed 0")
        return Checked(diagnostics.hasErrors ? nil : draft, diagnostics)
    }
}
