import Foundation
import TandemCore

/// Lattice goals, as its REST API gives them (`GET /v1/goals`, and `GET /v1/goal/{id}/updates`
/// or `/v1/goalUpdates` for their updates), one or more JSON files in any order.
///
/// Each goal with amounts is a key result: from `startingAmount` to `endingAmount` between
/// `startDate` and `dueDate`. A goal whose `okrType` is `key_result` belongs to its
/// `parentGoal`'s objective; any other goal is its own objective. Its unit is its `department`
/// (by id: Lattice's goals name departments by reference only; rename the new units in the
/// store), a company goal (`goalType` Company, no department) goes to the store's root. The
/// owner is the first of `owners` when the export holds them inline (the API gives a link).
/// Every goal update with a `currentAmount` is a check-in on the day of its `createdAt` (Unix
/// seconds, UTC); the goal's own `currentAmount` one on the day of its `updatedAt`. An `Ended`
/// goal's current amount is its final value. Lattice says nothing of committed or aspirational:
/// every key result is committed.
///
/// Skipped, and said: `Binary` goals and goals without an ending amount (no number to reach),
/// drafts, archived goals, goals without dates.
enum LatticeImport {
    static func draft(_ files: [SourceFile], placed: Bool) -> Checked<ImportDraft?> {
        var (goals, updates, diagnostics) = goalsAndUpdates(files, expected: "a Lattice goal or goal update (object 'goal' or 'goalUpdate')",
                                                            describe: { $0.text("object").map { "'\($0.text)'" } ?? "an object without 'object'" }) { o in
            let object = o.text("object")?.text
            if object == "goalUpdate" || (o.node("goal") != nil && o.node("endingAmount") == nil) { return true }
            return object == "goal" || o.node("endingAmount") != nil ? false : nil
        }
        guard !diagnostics.hasErrors else { return Checked(nil, diagnostics) }
        var draft = ImportDraft()
        var imported = Set<String>()
        for g in goals {
            guard let gid = g.text("id") else {
                diagnostics.append(Diagnostic(ImportDiagnostic.emptyValue(field: "id"), at: g.location))
                continue
            }
            let name = g.text("name")
            let what = "goal '\(name?.text ?? gid.text)'"
            let state = g.text("state")?.text
            if state == "Draft" || state == "Archived" {
                draft.report.skip(what, state == "Draft" ? "a draft" : "archived", at: g.location)
                continue
            }
            if g.text("amountType")?.text.lowercased() == "binary" {
                draft.report.skip(what, "a done-or-not goal (Binary): no number to reach", at: g.location)
                continue
            }
            let start = g.number("startingAmount", &diagnostics), end = g.number("endingAmount", &diagnostics)
            let current = g.number("currentAmount", &diagnostics)
            let from = g.day("startDate", &diagnostics), to = g.day("dueDate", &diagnostics)
            let updated = g.unixDay("updatedAt", &diagnostics)
            guard let end else {
                draft.report.skip(what, "no endingAmount (no number to reach)", at: g.location)
                continue
            }
            guard let from, let to else {
                draft.report.skip(what, "no startDate and dueDate", at: g.location)
                continue
            }
            var unit = ImportDraft.Field("")
            if !placed {
                if let department = g.object("department"), let id = department.text("id") {
                    let shown = department.text("name") ?? id
                    draft.unit(ImportDraft.Unit(key: "lattice-department-\(id.text)", name: shown.text, suggestedID: unitID(from: shown.text), at: shown.at))
                    unit = ImportDraft.Field("lattice-department-\(id.text)", at: id.at, source: "department")
                } else if g.text("goalType")?.text == "Company" {
                    draft.unit(ImportDraft.Unit(key: ImportDraft.Unit.root, name: "the company", suggestedID: "", at: g.location))
                    unit = ImportDraft.Field(ImportDraft.Unit.root, at: g.text("goalType")?.at ?? g.location, source: "goalType")
                } else {
                    diagnostics.append(Diagnostic(ImportDiagnostic.noUnit(what: what), at: g.location,
                                                  notes: [Diagnostic.Note("give --unit UNIT for the goals of this export")]))
                    continue
                }
            }
            let id = ImportDraft.Field("lattice-\(gid.text)", at: gid.at, source: "id")
            let isKeyResult = g.text("okrType")?.text == "key_result"
            let objective = isKeyResult ? g.text("parentGoal.id").map { $0.field("lattice-\($0.text)") } ?? id : id
            let owner = g.list("owners").first?.text("name") ?? g.list("owners.data").first?.text("name")
            draft.keyResults.append(ImportDraft.KeyResult(
                id: id, objective: objective, unit: unit, title: name.map { $0.field() } ?? ImportDraft.Field(gid.text),
                kind: ImportDraft.Field("committed", source: "Lattice goals (Lattice says nothing of committed or aspirational)"),
                start: start.map { $0.1.field(canonicalNumber($0.0)) } ?? ImportDraft.Field("0", source: "no startingAmount"),
                target: end.1.field(canonicalNumber(end.0)), cycleStart: from.1.field(from.0.description), cycleEnd: to.1.field(to.0.description),
                owner: owner?.field(), final: state == "Ended" ? current.map { $0.1.field(canonicalNumber($0.0)) } : nil, at: g.location))
            imported.insert(gid.text)
            draft.report.count("goals", as: "key results")
            if let current, let updated {
                draft.checkIns.append(ImportDraft.CheckIn(keyResult: id, date: updated.1.field(updated.0.description), value: current.1.field(canonicalNumber(current.0)),
                                                          at: g.location))
                draft.report.count("current amounts", as: "check-ins")
            }
        }
        // Tandem keeps an objective in one unit: a key result aligned to a goal of another unit
        // (a department's key result under a company objective) gets its unit's own objective.
        var unitOf: [String: String] = [:]
        for k in draft.keyResults { unitOf[k.id.text] = k.unit.text }
        var split = 0
        for i in draft.keyResults.indices {
            let k = draft.keyResults[i]
            if k.objective.text != k.id.text, let parentUnit = unitOf[k.objective.text], parentUnit != k.unit.text {
                draft.keyResults[i].objective.text = "\(k.objective.text)@\(k.unit.text.replacingOccurrences(of: "lattice-department-", with: ""))"
                split += 1
            }
        }
        if split > 0 {
            draft.report.notes.append("\(split) key result\(split == 1 ? "" : "s") aligned to a goal of another unit got an objective of \(split == 1 ? "its" : "their") own unit (id 'parent@department'): Tandem keeps an objective in one unit")
        }
        var dayOf: [String: Set<Day>] = [:]
        for c in draft.checkIns { if let d = Day(iso: c.date.text) { dayOf[c.keyResult.text, default: []].insert(d) } }
        for u in updates {
            guard let goal = u.text("goal.id") else {
                diagnostics.append(Diagnostic(ImportDiagnostic.emptyValue(field: "goal.id"), at: u.location))
                continue
            }
            guard imported.contains(goal.text) else {
                draft.report.skip("an update of goal '\(goal.text)'", "its goal is not imported", at: u.location)
                continue
            }
            guard let amount = u.number("currentAmount", &diagnostics), let day = u.unixDay("createdAt", &diagnostics) else {
                if u.text("currentAmount") == nil {
                    draft.report.skip("an update of goal '\(goal.text)'", "no currentAmount", at: u.location)
                }
                continue
            }
            let kr = "lattice-\(goal.text)"
            // Two on one day: the goal's own current amount stands for that day.
            guard dayOf[kr, default: []].insert(day.0).inserted else {
                draft.report.skip("an update of goal '\(goal.text)' on \(day.0)", "another value of that day is imported", at: u.location)
                continue
            }
            draft.checkIns.append(ImportDraft.CheckIn(keyResult: goal.field(kr), date: day.1.field(day.0.description), value: amount.1.field(canonicalNumber(amount.0)),
                                                      at: u.location))
            draft.report.count("goal updates", as: "check-ins")
        }
        return Checked(diagnostics.hasErrors ? nil : draft, diagnostics)
    }
}
