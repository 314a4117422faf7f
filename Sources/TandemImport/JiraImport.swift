import Foundation
import TandemCore

/// Jira sprints as key results: from Jira Software's REST API (the board's sprints,
/// `GET /rest/agile/1.0/board/{id}/sprint`, and the sprints' issues with their changelog,
/// `POST /rest/api/3/search/jql` with `expand: changelog`), or from the issue CSV export ("Export
/// CSV (all fields)") with the board's sprint list beside it (the CSV names sprints but gives
/// no dates).
///
/// Each sprint that has started is a key result of its board's objective (`jira-board-N`), in
/// the unit of its issues' project (found in the store by key or name, else added): from 0 to
/// what was committed at its start (`activatedDate`, else `startDate`), between the days of its
/// start and end. It is measured in story points when its issues carry them (the `Story Points`
/// or `Story point estimate` field), else in issues. Its check-ins are what was done by each day
/// an issue was done (`resolutiondate`, else the day its status category became done), with
/// the target re-scoped on each day scope was added (an issue put into the sprint after its start,
/// or created in it) or removed (taken out before its end), or an estimate changed. A closed
/// sprint's done work at its completion is its final value. Times are read in UTC; a CSV's times,
/// which carry no zone, as if they were.
///
/// Skipped, and said: future sprints, sprints without issues or without dates.
enum JiraImport {
    struct Sprint {
        var id: String
        var name: String
        var board: String
        var goal: String?
        var start: Date
        var end: Date
        var completed: Date?
        var at: SourceLocation
    }

    /// One issue as the sprint sees it: its points over time, its membership over time, when it was done.
    struct Issue {
        var key: String
        var project: String
        var projectName: String?
        var created: Date
        var done: Date?
        /// Points: (from, value) in time order; the first from `.distantPast`. Nil points: the issue counts 1 (issues measure).
        var points: [(Date, Double?)]
        /// Sprint ids it belongs to over time: (from, ids), the first from `.distantPast`.
        var sprints: [(Date, Set<String>)]
        var at: SourceLocation

        func member(of sprint: String, at t: Date) -> Bool {
            guard t >= created else { return false }
            return (sprints.last { $0.0 <= t }?.1 ?? []).contains(sprint)
        }

        func pointsValue(at t: Date) -> Double? { points.last { $0.0 <= t }?.1 ?? nil }
    }

    static let pointFields = ["Story Points", "Story point estimate"]
    static let pointIDs = ["customfield_10016", "customfield_10026", "customfield_10028", "customfield_10002", "customfield_10004"]

    /// Instants as Jira writes them: ISO 8601 with `Z`, `+10:00` or `+0800`, with or without
    /// milliseconds; the CSV's `25/Feb/26 10:17 PM` (no zone: read as UTC).
    static let instantFormats: [DateFormatter] = ["yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX", "yyyy-MM-dd'T'HH:mm:ss.SSSZ", "yyyy-MM-dd'T'HH:mm:ssXXXXX",
                                                  "yyyy-MM-dd'T'HH:mm:ssZ", "d/MMM/yy h:mm a", "d/MMM/yy", "M/d/yyyy H:mm", "yyyy-MM-dd HH:mm:ss.SSS",
                                                  "yyyy-MM-dd HH:mm", "yyyy-MM-dd"].map { pattern in
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.calendar = Calendar(identifier: .gregorian)
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = pattern
        f.twoDigitStartDate = Date(timeIntervalSince1970: 946_684_800)
        return f
    }

    static func instant(_ text: String) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces)
        for f in instantFormats { if let d = f.date(from: t) { return d } }
        return nil
    }

    static func day(_ date: Date) -> Day { Day(ordinal: Int32((date.timeIntervalSince1970 / 86_400).rounded(.down))) }

    static func draft(_ files: [SourceFile], placed: Bool) -> Checked<ImportDraft?> {
        var diagnostics: [Diagnostic] = []
        var sprints: [String: Sprint] = [:], order: [String] = []
        var issues: [Issue] = []
        var skippedSprints: [(String, String, SourceLocation)] = []
        var csvSprintNames: [Int: [String]] = [:]  // CSV issues: sprint names (ids once the sprint list is read)
        var draft0 = MappingReport()
        func bad(_ field: Located, _ expected: String) {
            diagnostics.append(Diagnostic(ImportDiagnostic.notADate(field: field.name, found: field.text, formats: expected), at: field.at))
        }
        for file in files {
            if file.path.lowercased().hasSuffix(".csv") {
                let read = CSVTable.read(file)
                diagnostics += read.diagnostics
                guard let table = read.value else { continue }
                let records = CSVRecords(table)
                for needed in ["Issue key", "Created"] where !records.has(needed) {
                    diagnostics.append(Diagnostic(ImportDiagnostic.missingColumn(needed, format: "Jira issue CSV"), at: table.location(table.header.first?.offset ?? 0)))
                }
                if !records.has("Sprint") && !records.has("Custom field (Sprint)") {
                    diagnostics.append(Diagnostic(ImportDiagnostic.missingColumn("Sprint", format: "Jira issue CSV"), at: table.location(table.header.first?.offset ?? 0)))
                }
                guard !diagnostics.hasErrors else { continue }
                let pointColumns = ["Custom field (Story Points)", "Custom field (Story point estimate)", "Story Points", "Story point estimate"].filter(records.has)
                for i in 0..<records.count {
                    guard let key = records.value(i, "Issue key") else { continue }
                    // Every value read (and every wrong one said) before the record is taken or left.
                    let createdText = records.value(i, "Created"), created = createdText.flatMap { instant($0.text) }
                    if let c = createdText, created == nil { bad(c, "25/Feb/26 10:17 PM, or ISO 8601") }
                    var points: Double?
                    for c in pointColumns {
                        if let v = records.value(i, c) {
                            guard let x = NumberReading().read(v.text) else {
                                diagnostics.append(Diagnostic(ImportDiagnostic.notANumber(field: v.name, found: v.text, reading: "story points such as 5.0"), at: v.at))
                                break
                            }
                            points = x
                            break
                        }
                    }
                    var done: Date?
                    if let r = records.value(i, "Resolved") {
                        done = instant(r.text)
                        if done == nil { bad(r, "25/Feb/26 10:17 PM, or ISO 8601") }
                    }
                    guard let created else {
                        if createdText == nil { draft0.skip("issue \(key.text)", "no Created", at: records.location(i)) }
                        continue
                    }
                    if let category = records.value(i, "Status Category"), category.text.lowercased() != "done" { done = nil }
                    csvSprintNames[issues.count] = records.values(i, "Sprint").map(\.text) + records.values(i, "Custom field (Sprint)").map(\.text)
                    issues.append(Issue(key: key.text, project: records.value(i, "Project key")?.text ?? String(key.text.prefix { $0 != "-" }),
                                        projectName: records.value(i, "Project name")?.text, created: created, done: done,
                                        points: [(.distantPast, points)], sprints: [(.distantPast, [])], at: records.location(i)))
                }
                continue
            }
            let read = jsonObjects(file)
            diagnostics += read.diagnostics
            guard let objects = read.value else { continue }
            // A sprint list's envelope is {values: […]}; a search's {issues: […]}.
            var list = objects
            if objects.count == 1 {
                if !objects[0].list("values").isEmpty { list = objects[0].list("values") } else if objects[0].node("issues") != nil { list = objects[0].list("issues") }
            }
            for o in list {
                if o.node("fields") != nil, let key = o.text("key") {
                    guard let issue = jsonIssue(o, key: key, &diagnostics) else { continue }
                    issues.append(issue)
                } else if let id = o.text("id"), let state = o.text("state"), let name = o.text("name") {
                    if state.text == "future" {
                        skippedSprints.append((name.text, "not started", o.location))
                        continue
                    }
                    guard let startText = o.text("activatedDate") ?? o.text("startDate"), let endText = o.text("endDate") else {
                        skippedSprints.append((name.text, "no start or end date", o.location))
                        continue
                    }
                    guard let s = instant(startText.text) else { bad(startText, "ISO 8601"); continue }
                    guard let e = instant(endText.text) else { bad(endText, "ISO 8601"); continue }
                    guard e > s else {
                        skippedSprints.append((name.text, "it ends (\(endText.text)) before it starts (\(startText.text))", endText.at))
                        continue
                    }
                    let completed = o.text("completeDate").flatMap { instant($0.text) }
                    if sprints[id.text] == nil { order.append(id.text) }
                    sprints[id.text] = Sprint(id: id.text, name: name.text, board: o.text("originBoardId")?.text ?? "board", goal: o.text("goal")?.text,
                                              start: s, end: e, completed: completed, at: o.location)
                } else {
                    diagnostics.append(Diagnostic(ImportDiagnostic.unexpectedShape(expected: "a Jira sprint (id, state, name) or issue (key, fields)", found: "neither"),
                                                  at: o.location))
                }
            }
        }
        guard !diagnostics.hasErrors else { return Checked(nil, diagnostics) }
        // CSV issues name their sprints: their ids from the sprint list (no history: members since created).
        if !csvSprintNames.isEmpty {
            var idByName: [String: String] = [:]
            for s in sprints.values { idByName[s.name] = s.id }
            var unknown = Set<String>()
            for (i, names) in csvSprintNames {
                var ids = Set<String>()
                for n in names { if let id = idByName[n] { ids.insert(id) } else { unknown.insert(n) } }
                issues[i].sprints = [(.distantPast, ids)]
            }
            if sprints.isEmpty {
                diagnostics.append(Diagnostic(ImportDiagnostic.unexpectedShape(expected: "the board's sprint list beside the CSV (GET /rest/agile/1.0/board/{id}/sprint, as JSON): the CSV names sprints but gives no dates",
                                                                               found: "no sprint list"), at: SourceLocation(file: files[0].path, line: 0, column: 0)))
                return Checked(nil, diagnostics)
            }
            for n in unknown.sorted() where !skippedSprints.contains(where: { $0.0 == n }) { skippedSprints.append((n, "not in the sprint list given", SourceLocation(file: files[0].path, line: 0, column: 0))) }
        }

        var draft = ImportDraft()
        draft.report.skipped = draft0.skipped
        for (name, why, at) in skippedSprints { draft.report.skip("sprint '\(name)'", why, at: at) }
        for id in order {
            guard let s = sprints[id] else { continue }
            let members = issues.filter { i in i.sprints.contains { $0.1.contains(id) } }
            guard !members.isEmpty else {
                draft.report.skip("sprint '\(s.name)'", "no issue of it in the export", at: s.at)
                continue
            }
            let byPoints = members.contains { $0.points.contains { $0.1 != nil } }
            func weight(_ i: Issue, _ t: Date) -> Double { byPoints ? (i.pointsValue(at: t) ?? 0) : 1 }
            let close = s.completed ?? s.end
            // Scope: what was in the sprint, by the day; done: what of it was done.
            func scope(at t: Date) -> Double { members.filter { $0.member(of: id, at: t) }.reduce(0) { $0 + weight($1, t) } }
            // Done by t: the issues done by then while in the sprint, at their estimate then.
            func done(by t: Date) -> Double {
                members.reduce(0) { sum, i in
                    guard let d = i.done, d <= t, i.member(of: id, at: d) else { return sum }
                    return sum + weight(i, d)
                }
            }
            let committed = scope(at: s.start)
            let startDay = day(s.start), endDay = max(day(s.end), startDay.advanced(by: 1))
            guard committed > 0 else {
                draft.report.skip("sprint '\(s.name)'", "nothing was in it when it started", at: s.at)
                continue
            }
            // Every moment something changed inside the sprint: a done issue, scope in or out, an estimate.
            var moments = Set<Date>()
            for i in members {
                if let d = i.done, d > s.start, d <= close { moments.insert(d) }
                for (t, _) in i.sprints where t > s.start && t <= close { moments.insert(t) }
                for (t, _) in i.points where t > s.start && t <= close { moments.insert(t) }
                if i.created > s.start, i.created <= close { moments.insert(i.created) }
            }
            let project = Dictionary(grouping: members, by: \.project).max { $0.value.count < $1.value.count }?.value.first
            var unit = ImportDraft.Field("")
            if !placed, let project {
                draft.unit(ImportDraft.Unit(key: "jira-project-\(project.project)", name: project.projectName ?? project.project, suggestedID: unitID(from: project.project), at: project.at))
                unit = ImportDraft.Field("jira-project-\(project.project)", at: project.at, source: "the issues' project")
            }
            let krID = ImportDraft.Field("jira-sprint-\(s.id)", at: s.at, source: "sprint id")
            let finalValue = s.completed.map { done(by: $0) }
            draft.keyResults.append(ImportDraft.KeyResult(
                id: krID, objective: ImportDraft.Field("jira-board-\(s.board)", at: s.at, source: "originBoardId"), unit: unit,
                title: ImportDraft.Field(s.goal.map { "\(s.name): \($0)" } ?? s.name, at: s.at, source: "name"), kind: ImportDraft.Field("committed", source: "a sprint's commitment"),
                start: ImportDraft.Field("0", source: "nothing done at the start"), target: ImportDraft.Field(canonicalNumber(committed), at: s.at, source: "committed at the start"),
                cycleStart: ImportDraft.Field(startDay.description, at: s.at, source: "startDate"), cycleEnd: ImportDraft.Field(endDay.description, at: s.at, source: "endDate"),
                final: finalValue.map { ImportDraft.Field(canonicalNumber($0), at: s.at, source: "done at completeDate") }, at: s.at))
            draft.report.count("sprints", as: "key results")
            if !draft.report.notes.contains(where: { $0.hasPrefix(byPoints ? "sprints in story points" : "sprints in issues") }) {
                draft.report.notes.append(byPoints ? "sprints in story points (an issue without an estimate counts 0)" : "sprints in issues (no story points in the export)")
            }
            // One check-in a day that something changed, with the value and the scope at its end.
            var byDay: [Day: Date] = [:]
            for m in moments { let d = day(m); byDay[d] = max(byDay[d] ?? m, m) }
            var lastScope = committed
            for (d, t) in byDay.sorted(by: { $0.key < $1.key }) where d >= startDay && d <= endDay {
                let now = scope(at: t)
                let rescoped = now != lastScope
                lastScope = now
                draft.checkIns.append(ImportDraft.CheckIn(keyResult: krID, date: ImportDraft.Field(d.description, source: "the day work was done or scope changed"),
                                                          value: ImportDraft.Field(canonicalNumber(done(by: t)), source: byPoints ? "story points done" : "issues done"),
                                                          target: rescoped ? ImportDraft.Field(canonicalNumber(now), source: "scope after a change") : nil, at: s.at))
                draft.report.count("days with done work or scope change", as: "check-ins")
            }
        }
        return Checked(diagnostics.hasErrors ? nil : draft, diagnostics)
    }

    /// An issue of the REST API: its sprints and points over time from the changelog.
    static func jsonIssue(_ o: JSONObject, key: Located, _ diagnostics: inout [Diagnostic]) -> Issue? {
        guard let createdText = o.text("fields.created") else {
            diagnostics.append(Diagnostic(ImportDiagnostic.emptyValue(field: "fields.created"), at: o.location))
            return nil
        }
        guard let created = instant(createdText.text) else {
            diagnostics.append(Diagnostic(ImportDiagnostic.notADate(field: "fields.created", found: createdText.text, formats: "ISO 8601"), at: createdText.at))
            return nil
        }
        // Histories in time order.
        var histories: [(Date, [JSONObject])] = []
        for h in o.list("changelog.histories") {
            guard let t = h.text("created").flatMap({ instant($0.text) }) else { continue }
            histories.append((t, h.list("items")))
        }
        histories.sort { $0.0 < $1.0 }
        func ids(_ text: String?) -> Set<String> {
            Set((text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        // Sprints: replayed from the changelog; before its first change, what that change started from.
        var sprints: [(Date, Set<String>)] = []
        var pointsField: String?
        var points: [(Date, Double?)] = []
        for (t, items) in histories {
            for item in items {
                let field = item.text("field")?.text ?? ""
                if field == "Sprint" {
                    if sprints.isEmpty { sprints.append((.distantPast, ids(item.text("from")?.text))) }
                    sprints.append((t, ids(item.text("to")?.text)))
                } else if pointFields.contains(field) {
                    pointsField = item.text("fieldId")?.text ?? pointsField
                    if points.isEmpty { points.append((.distantPast, item.text("fromString").flatMap { Double($0.text) })) }
                    points.append((t, item.text("toString").flatMap { Double($0.text) }))
                }
            }
        }
        let current = o.list("fields.customfield_10020").compactMap { $0.text("id")?.text } + o.list("fields.closedSprints").compactMap { $0.text("id")?.text }
            + (o.text("fields.sprint.id").map { [$0.text] } ?? [])
        if sprints.isEmpty { sprints = [(.distantPast, Set(current))] }
        if points.isEmpty {
            let fieldID = pointsField ?? pointIDs.first { o.text("fields.\($0)") != nil }
            points = [(.distantPast, fieldID.flatMap { o.text("fields.\($0)") }.flatMap { Double($0.text) })]
        }
        var done = o.text("fields.resolutiondate").flatMap { instant($0.text) }
        if done == nil, o.text("fields.status.statusCategory.key")?.text == "done" {
            done = o.text("fields.statuscategorychangedate").flatMap { instant($0.text) }
                ?? histories.last { $0.1.contains { $0.text("field")?.text == "status" } }?.0
        }
        let project = o.text("fields.project.key")?.text ?? String(key.text.prefix { $0 != "-" })
        return Issue(key: key.text, project: project, projectName: o.text("fields.project.name")?.text, created: created, done: done,
                     points: points, sprints: sprints, at: o.location)
    }
}
