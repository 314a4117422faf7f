import Foundation
import Testing
import TandemCore
@testable import TandemImport

/// The importers of Asana, Lattice and Culture Amp on fixtures written from their public
/// documentation (and, where that is closed, from maintained integrations' code).
@Suite("Asana, Lattice and Culture Amp exports as drafts")
struct FormatTests {
    let asOf = Day(iso: "2026-11-30")!

    func draft(_ format: ImportFormat, _ files: [String], placed: Bool = false) throws -> Checked<ImportDraft?> {
        Importers.draft(format, files: try files.map(Fixture.file), options: ImportOptions(placed: placed, asOf: asOf))
    }

    func line(_ k: ImportDraft.KeyResult) -> String {
        "\(k.id.text) obj=\(k.objective.text) unit=\(k.unit.text) \(k.kind.text) \(k.start.text)→\(k.target.text) \(k.cycleStart.text)…\(k.cycleEnd.text) owner=\(k.owner?.text ?? "-") final=\(k.final?.text ?? "-")"
    }

    @Test func asanaGoalsWithTheirStatusUpdates() throws {
        let result = try draft(.asana, ["asana/goals.json", "asana/status-updates.json"])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let d = try #require(result.value)
        #expect(d.keyResults.map(line) == [
            "asana-1206100000000001 obj=asana-1206100000000001 unit=asana-team-1201000000000500 committed 0.78→0.9 2026-10-01…2026-12-31 owner=李娜 final=-",
            "asana-1206100000000003 obj=asana-1206100000000003 unit=asana-team-1201000000000501 committed 0→12 2026-10-01…2026-12-15 owner=Sam Miller final=-",
            "asana-1206100000000006 obj=asana-1206100000000006 unit=@root committed 100000000→120000000 2026-10-01…2026-12-31 owner=CEO final=121500000",
        ])
        // The current values on the import's day; the latest status update (at risk) gives the confidence.
        #expect(d.checkIns.map { "\($0.keyResult.text) \($0.date.text) \($0.value.text) \($0.confidence?.text ?? "-")" } == [
            "asana-1206100000000001 2026-11-30 0.823 5", "asana-1206100000000003 2026-11-30 5 8", "asana-1206100000000006 2026-11-30 121500000 10",
        ])
        #expect(d.units.map(\.name) == ["Customer Success APAC", "研发中心", "the company"])
        #expect(d.report.skipped.map(\.why).contains("no metric (no number to reach)"))
        #expect(d.report.skipped.contains { $0.what == "1 status update" })
        #expect(d.keyResults[0].target.at?.line == 12)
    }

    @Test func asanaWrongValuesAreLocated() throws {
        let result = try draft(.asana, ["asana/broken.json"])
        #expect(result.value == nil)
        let shown = result.diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.message)" }
        #expect(shown.contains { $0.hasPrefix("2:89 'due_on' must be a date") }, "\(shown)")
        #expect(shown.contains { $0.hasPrefix("4:60 'target_number_value' must be a number") }, "\(shown)")
        let notAsana = Importers.draft(.asana, files: [SourceFile(path: "x.json", text: "{\"data\": [{\"resource_type\": \"project\", \"gid\": \"1\"}]}")],
                                       options: ImportOptions(asOf: asOf))
        #expect(notAsana.diagnostics.first?.message == "expected an Asana goal or status update (resource_type 'goal' or 'status_update'), found 'project'")
    }

    @Test func latticeGoalsKeyResultsAndUpdates() throws {
        let result = try draft(.lattice, ["lattice/goals.json", "lattice/updates.json"])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let d = try #require(result.value)
        #expect(d.keyResults.map(line) == [
            "lattice-goal_01H8XZ3K2P4MNQR5VWYT6ABCD obj=lattice-goal_01H8XZ3K2P4MNQR5VWYT6ABCD unit=@root committed 0→20 2026-10-01…2026-12-31 owner=- final=-",
            "lattice-goal_02J9YA4L3Q5NORR6WXZU7BCDE obj=lattice-goal_01H8XZ3K2P4MNQR5VWYT6ABCD@dept_ENG123 unit=lattice-department-dept_ENG123 committed 0→4 2026-10-01…2026-12-15 owner=- final=-",
        ])
        #expect(d.checkIns.map { "\($0.keyResult.text.suffix(4)) \($0.date.text) \($0.value.text)" } == [
            "ABCD 2026-11-11 12.5", "BCDE 2026-11-12 1", "BCDE 2026-10-21 1", "BCDE 2026-11-04 1",
        ])
        #expect(Set(d.report.skipped.map(\.why)) == ["a done-or-not goal (Binary): no number to reach", "a draft", "its goal is not imported"])
    }

    @Test func cultureAmpGoalsAndTheirKeyResults() throws {
        let result = try draft(.cultureAmp, ["culture-amp/goals.csv"])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let d = try #require(result.value)
        let lines = d.keyResults.map(line)
        #expect(lines.count == 4)
        #expect(lines[0].hasSuffix("-kr1 obj=\(d.keyResults[0].objective.text) unit=department:Customer Success committed 0→100 2026-10-01…2026-12-31 owner=li.na@acme.cn final=-"), "\(lines[0])")
        #expect(d.keyResults[0].title.text == "续约率达到90%" && d.keyResults[1].title.text == "Run 20 QBRs")
        #expect(d.keyResults[2].id.text.hasSuffix("-goal") && d.keyResults[2].title.text == "Ship onboarding revamp")
        #expect(d.keyResults[3].final?.text == "100")
        // Ids are stable: the same export gives the same ids.
        let again = try #require(try draft(.cultureAmp, ["culture-amp/goals.csv"]).value)
        #expect(again.keyResults.map(\.id.text) == d.keyResults.map(\.id.text))
        #expect(d.checkIns.map { "\($0.value.text) \($0.confidence?.text ?? "-")" } == ["45 -", "60 -", "25 2", "100 -"])
        #expect(d.report.skipped.map(\.why) == ["no created_at (the goal's start)"])
    }

    @Test func cultureAmpWrongValuesAreLocated() throws {
        let result = try draft(.cultureAmp, ["culture-amp/broken.csv"])
        #expect(result.value == nil)
        let shown = result.diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.message)" }
        #expect(shown.contains("2:68 'key_result_1_completion' must be a number (a fraction such as 0.45, or 45%), found '45'"), "\(shown)")
        #expect(shown.contains("3:32 'due_at' must be a date (YYYY-MM-DD), found '31/12/2026'"), "\(shown)")
        let noUnit = Importers.draft(.cultureAmp, files: [SourceFile(path: "c.csv", text: "email,name,due_at,created_at\na@b.c,G,2026-12-31,2026-10-01\n")],
                                     options: ImportOptions(asOf: asOf))
        #expect(noUnit.diagnostics.first?.message == "a Culture Amp export without a 'department' column has no unit (a team or department) of its own")
        let placed = Importers.draft(.cultureAmp, files: [SourceFile(path: "c.csv", text: "email,name,due_at,created_at,completion\na@b.c,G,2026-12-31,2026-10-01,0.5\n")],
                                     options: ImportOptions(placed: true, asOf: asOf))
        #expect(placed.value?.keyResults.count == 1)
    }
}

@Suite("Jira sprints as key results")
struct JiraTests {
    let asOf = Day(iso: "2026-11-30")!

    func draft(_ files: [String]) throws -> Checked<ImportDraft?> {
        Importers.draft(.jira, files: try files.map(Fixture.file), options: ImportOptions(asOf: asOf))
    }

    func checkIns(_ d: ImportDraft, _ kr: String) -> [String] {
        d.checkIns.filter { $0.keyResult.text == kr }.map { "\($0.date.text) done \($0.value.text)\($0.target.map { " scope \($0.text)" } ?? "")" }
    }

    /// From the REST API: committed at the start, scope added after it and re-estimated, work done by the day.
    @Test func restSprintsWithTheirChangelog() throws {
        let result = try draft(["jira/sprints.json", "jira/issues.json"])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let d = try #require(result.value)
        #expect(d.keyResults.map { "\($0.id.text) \($0.objective.text) \($0.unit.text) \($0.title.text) \($0.start.text)→\($0.target.text) \($0.cycleStart.text)…\($0.cycleEnd.text) final=\($0.final?.text ?? "-")" } == [
            "jira-sprint-41 jira-board-7 jira-project-PAY PAY Sprint 41: Alipay GA 0→5 2024-10-28…2024-11-11 final=0",
            "jira-sprint-42 jira-board-7 jira-project-PAY PAY Sprint 42: 退款流程上线 0→5 2024-11-11…2024-11-25 final=-",
        ])
        // PAY-143 joins sprint 42 the day after it starts (5 points), is re-estimated to 8 the next day; PAY-142 is done.
        #expect(checkIns(d, "jira-sprint-42") == ["2024-11-12 done 5 scope 10", "2024-11-13 done 5 scope 13"])
        #expect(checkIns(d, "jira-sprint-41") == ["2024-11-11 done 0"])
        #expect(d.units.map(\.name) == ["支付平台"])
        #expect(d.report.skipped.map(\.what) == ["sprint 'PAY Sprint 43'"])
        #expect(d.report.notes.contains("sprints in story points (an issue without an estimate counts 0)"))
    }

    /// From the CSV: no history, so an issue is in its sprints from its creation.
    @Test func csvIssuesWithTheSprintList() throws {
        let result = try draft(["jira/issues.csv", "jira/sprints.json"])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let d = try #require(result.value)
        #expect(d.keyResults.map { "\($0.id.text) \($0.target.text) final=\($0.final?.text ?? "-")" } == ["jira-sprint-41 5 final=0", "jira-sprint-42 13 final=-"])
        #expect(checkIns(d, "jira-sprint-42") == ["2024-11-12 done 5"])
        // Without the sprint list, the CSV alone is refused with what to add.
        let alone = try draft(["jira/issues.csv"])
        #expect(alone.value == nil)
        #expect(alone.diagnostics.first?.message.contains("the board's sprint list beside the CSV") == true)
    }

    @Test func wrongValuesAreLocated() throws {
        let result = try draft(["jira/broken.csv", "jira/sprints.json"])
        #expect(result.value == nil)
        let shown = result.diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.message)" }
        #expect(shown.contains { $0.hasPrefix("2:31 'Resolved' must be a date") }, "\(shown)")
        #expect(shown.contains { $0.hasPrefix("3:13 'Created' must be a date") }, "\(shown)")
        #expect(shown.contains { $0.hasPrefix("3:45 'Story Points' must be a number") }, "\(shown)")
    }
}

/// What an adversarial review of the importers found, each kept from coming back.
@Suite("Importers: the review's findings")
struct ImportReviewTests {
    let asOf = Day(iso: "2026-11-30")!

    @Test func aRecordTheTokenizerCannotReadIsAnErrorNotDroppedInSilence() throws {
        let export = SourceFile(path: "q.csv", text: "id,unit,target,cs,ce\nQ-10,rd,10,2026-10-01,2026-12-31\nQ-11,\"rd \"x\" y\",10,2026-10-01,2026-12-31\n")
        let mapping = SourceFile(path: "m.yaml", text: "columns: { kr_id: id, unit: unit, target_value: target, cycle_start: cs, cycle_end: ce }\n")
        let result = Importers.draft(.mapping, files: [export], options: ImportOptions(mapping: mapping, asOf: asOf))
        #expect(result.value == nil)
        #expect(result.diagnostics.contains { $0.id == "C0107" && $0.location?.line == 3 }, "\(result.diagnostics)")
    }

    /// Two of the export's teams with one name get two units, and keep them on a re-import.
    @Test func unitsOfOneNameStayApartAcrossImports() throws {
        var draft = ImportDraft()
        for (key, kr) in [("asana-team-9001", "K1"), ("asana-team-9002", "K2")] {
            draft.unit(ImportDraft.Unit(key: key, name: "Ops", suggestedID: "Ops", at: nil))
            draft.keyResults.append(ImportDraft.KeyResult(id: .init(kr), objective: .init(kr), unit: .init(key), title: .init("t"), kind: .init("committed"),
                                                          start: .init("0"), target: .init("1"), cycleStart: .init("2026-10-01"), cycleEnd: .init("2026-12-31"), at: nil))
        }
        let root = Organisation(units: [OrgUnit(id: "co", name: "Co")])
        let first = try #require(Lowering.lower(draft, known: root, placement: Placement(), label: "x", export: "x").value)
        #expect(first.newUnits.count == 2 && Set(first.newUnits.map(\.id)).count == 2)
        let again = try #require(Lowering.lower(draft, known: first.organisation, placement: Placement(), label: "x", export: "x").value)
        #expect(again.newUnits.isEmpty)
        #expect(again.keyResults.bytes == first.keyResults.bytes)
    }

    @Test func spacesInsideANumberSeparateThousandsOnly() {
        #expect(NumberReading().read("1 5") == nil)
        #expect(NumberReading().read("12 34") == nil)
        #expect(NumberReading().read("1 234.5") == 1234.5)
        #expect(NumberReading(decimal: ",", thousands: ".").read("1 234,5") == 1234.5)
        #expect(NumberReading().read("45 %") == 45)
    }

    @Test func aSprintEndingBeforeItStartsIsSkippedWithItsReason() throws {
        var sprints = String(decoding: try Fixture.file("jira/sprints.json").bytes, as: UTF8.self)
        sprints = sprints.replacingOccurrences(of: "\"endDate\":\"2024-11-11T01:00:00.000Z\"", with: "\"endDate\":\"2024-10-20T01:00:00.000Z\"")
        let result = Importers.draft(.jira, files: [SourceFile(path: "s.json", text: sprints), try Fixture.file("jira/issues.json")], options: ImportOptions(asOf: asOf))
        let d = try #require(result.value)
        #expect(!d.keyResults.contains { $0.id.text == "jira-sprint-41" })
        #expect(d.report.skipped.contains { $0.what == "sprint 'PAY Sprint 41'" && $0.why.hasPrefix("it ends (2024-10-20T01:00:00.000Z) before it starts") })
    }

    @Test func aNULCharacterIsLocatedBeforeAnythingIsWritten() throws {
        let export = SourceFile(path: "n.csv", text: "id,unit,title,target,cs,ce\nE-1,rd,a\u{0}b,10,2026-10-01,2026-12-31\n")
        let mapping = SourceFile(path: "m.yaml", text: "columns: { kr_id: id, unit: unit, title: title, target_value: target, cycle_start: cs, cycle_end: ce }\n")
        let draft = try #require(Importers.draft(.mapping, files: [export], options: ImportOptions(mapping: mapping, asOf: asOf)).value)
        let lowered = Lowering.lower(draft, known: nil, placement: Placement(), label: "n.csv", export: "n.csv")
        #expect(lowered.value == nil)
        #expect(lowered.diagnostics.first?.message == "'title' must not hold a NUL character (no store keeps one)")
        #expect(lowered.diagnostics.first?.location == SourceLocation(file: "n.csv", line: 2, column: 8))
    }

    /// JSON's escaped surrogate pairs (Python's and PHP's default for an emoji) read as the character.
    @Test func escapedEmojiInJSONReadAsTheirCharacter() throws {
        let goals = SourceFile(path: "g.json", text: #"{"data":[{"id":"g1","object":"goal","name":"Grow \ud83d\ude80 ARR \u589e\u957f","state":"Active","goalType":"Company","amountType":"Digit","startingAmount":0,"endingAmount":4,"startDate":"2026-10-01","dueDate":"2026-12-31"}]}"#)
        let result = Importers.draft(.lattice, files: [goals], options: ImportOptions(asOf: asOf))
        #expect(result.value?.keyResults.first?.title.text == "Grow 🚀 ARR 增长", "\(result.diagnostics)")
    }
}
