import Foundation
import Testing
import TandemCore
@testable import TandemImport

/// The fixtures beside this file.
enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func file(_ path: String) throws -> SourceFile {
        let url = folder.appendingPathComponent(path)
        return SourceFile(path: "Fixtures/" + path, bytes: [UInt8](try Data(contentsOf: url)))
    }
}

@Suite("Numbers and dates as exports write them")
struct ValueTests {
    @Test func numbersInEitherConventionAndPercentages() {
        let us = NumberReading(), eu = NumberReading(decimal: ",", thousands: ".")
        #expect(us.read("1,234.5") == 1234.5)
        #expect(us.read("  -1,234,567.25 ") == -1_234_567.25)
        #expect(us.read("−3") == -3)
        #expect(us.read("45%") == 45)
        #expect(NumberReading(percent: .fraction).read("45%") == 0.45)
        #expect(us.read("1 234.5") == 1234.5)
        #expect(us.read("1\u{202F}234") == 1234)
        #expect(eu.read("1.234,5") == 1234.5)
        #expect(eu.read("2,5") == 2.5)
        #expect(eu.read("12.345.678") == 12_345_678)
        // A separator in the wrong place is a misreading waiting to happen: refused, not guessed.
        #expect(us.read("1,5") == nil)
        #expect(eu.read("1.5") == nil)
        #expect(us.read("1,23,456") == nil)
        #expect(us.read("1.234,5") == nil)
        for bad in ["", "abc", "NaN", "inf", "1e999", "12%%", "%12", "1.2.3", "--", "0x10"] {
            #expect(us.read(bad) == nil, "\(bad)")
        }
    }

    @Test func datesIsoAndPatterns() {
        let plain = DateReading()
        #expect(plain.read("2026-10-20")?.description == "2026-10-20")
        // A date-time is its own calendar day, whatever its offset.
        #expect(plain.read("2026-10-20T23:30:00-08:00")?.description == "2026-10-20")
        #expect(plain.read("2026-10-20T01:00:00.000+1000")?.description == "2026-10-20")
        #expect(plain.read("20.10.2026") == nil)
        #expect(plain.read("2026-02-30") == nil)
        let jira = DateReading(patterns: ["d/MMM/yy h:mm a", "dd.MM.yyyy"])
        #expect(jira.read("25/Feb/26 10:17 PM")?.description == "2026-02-25")
        #expect(jira.read("03.11.2026")?.description == "2026-11-03")
        #expect(jira.read("31.02.2026") == nil)
    }
}

@Suite("A mapping file reads any CSV or JSON export")
struct MappingTests {
    func draft(_ mapping: String, _ export: String, placed: Bool = false) throws -> Checked<ImportDraft?> {
        Importers.draft(.mapping, files: [try Fixture.file(export)], options: ImportOptions(mapping: try Fixture.file(mapping), placed: placed, asOf: Day(iso: "2026-11-30")!))
    }

    @Test func aGermanSpreadsheetWithSemicolonsDecimalCommasAndABOM() throws {
        let result = try draft("mapping/goals.yaml", "mapping/goals.csv")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let d = try #require(result.value)
        #expect(d.keyResults.map(\.id.text) == ["G-1", "G-2", "G-3"])
        let g1 = d.keyResults[0]
        #expect(g1.start.text == "1000" && g1.target.text == "2500.5" && g1.kind.text == "committed")
        #expect(g1.cycleStart.text == "2026-10-01" && g1.cycleEnd.text == "2026-12-31")
        #expect(g1.target.at == SourceLocation(file: "Fixtures/mapping/goals.csv", line: 2, column: 57), "\(String(describing: g1.target.at))")
        #expect(g1.target.source == "Zielwert")
        #expect(d.keyResults[1].kind.text == "aspirational" && d.keyResults[2].kind.text == "kpi")
        #expect(d.keyResults[2].start.text == "8" && d.keyResults[2].target.text == "5")
        // Two records of G-1 are two check-ins; confidence 70% scaled to 7.
        #expect(d.checkIns.map { "\($0.keyResult.text) \($0.date.text) \($0.value.text) \($0.confidence?.text ?? "-")" }
                == ["G-1 2026-10-15 1250 7", "G-1 2026-10-29 1480.25 6", "G-2 2026-10-20 74 8"])
        #expect(d.units.map(\.name) == ["Vertrieb", "研发中心", "Qualität"])
        #expect(d.report.skipped.count == 1)
        #expect(d.report.skipped.first?.why == "no target_value")
        #expect(d.report.skipped.first?.at?.line == 6)
    }

    @Test func nestedJSONByKeyPaths() throws {
        let result = try draft("mapping/goals-json.yaml", "mapping/goals.json")
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let d = try #require(result.value)
        #expect(d.keyResults.map(\.id.text) == ["J-1", "J-2"])
        #expect(d.keyResults[0].owner?.text == "王芳" && d.keyResults[1].owner == nil)
        #expect(d.checkIns.map { "\($0.date.text) \($0.value.text)" } == ["2026-10-20 45", "2026-10-21 7.5"])
        #expect(d.keyResults[0].target.at?.line == 5)
    }

    /// Every wrong value is named at its line and column, with what was expected; nothing is drafted.
    @Test func wrongValuesAreLocated() throws {
        let result = try draft("mapping/goals.yaml", "mapping/broken.csv")
        #expect(result.value == nil)
        let shown = result.diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.id) \($0.message)" }
        #expect(shown.contains("2:37 I0101 'Zielwert' must be a number (a decimal comma, '.' between thousands), found '1.5'"), "\(shown)")
        #expect(shown.contains("2:74 I0101 'Aktuell' must be a number (a decimal comma, '.' between thousands), found 'zwölf'"), "\(shown)")
        #expect(shown.contains { $0.hasPrefix("3:26 I0105 'Typ' has 'Sonder OKR'") }, "\(shown)")
        #expect(shown.contains("3:53 I0102 'Ende' must be a date (YYYY-MM-DD, dd.MM.yyyy), found '2026/12/31'"), "\(shown)")
    }

    @Test func aMappingThatDoesNotFitTheExportIsLocatedInBoth() throws {
        let mapping = SourceFile(path: "m.yaml", text: "columns:\n  kr_id: Ziel-Id\n  unit: Team\n  target_value: Zielwert\n  cycle_start: Beginn\n  cycle_end: Ende\n  colour: x\nseparator: \";\"\n")
        let result = Importers.draft(.mapping, files: [try Fixture.file("mapping/goals.csv")], options: ImportOptions(mapping: mapping, asOf: Day(iso: "2026-11-30")!))
        let shown = result.diagnostics.map { "\($0.location?.file ?? ""):\($0.location?.line ?? 0) \($0.message)" }
        #expect(shown.contains("m.yaml:7 'a' has a key 'colour' it does not allow") || shown.contains { $0.hasPrefix("m.yaml:7") }, "\(shown)")
        let empty = SourceFile(path: "e.yaml", text: "columns: { kr_id: id }\n")
        let lacking = Importers.draft(.mapping, files: [try Fixture.file("mapping/goals.csv")], options: ImportOptions(mapping: empty, asOf: Day(iso: "2026-11-30")!))
        #expect(lacking.diagnostics.map(\.message).contains("the mapping must say where target_value comes from"))
        let wrongColumn = SourceFile(path: "w.yaml", text: "separator: \";\"\ncolumns:\n  kr_id: Ziel-Id\n  unit: Team\n  target_value: Zielwert\n  cycle_start: Beginn\n  cycle_end: Ende\n")
        let missing = Importers.draft(.mapping, files: [try Fixture.file("mapping/goals.csv")], options: ImportOptions(mapping: wrongColumn, asOf: Day(iso: "2026-11-30")!))
        // Header names match without case: 'Ziel-Id' is the export's 'Ziel-ID' (its values are
        // then read with the default number and date settings, which this export does not use).
        #expect(!missing.diagnostics.contains { $0.id == "I0003" }, "\(missing.diagnostics)")
        #expect(missing.diagnostics.contains { $0.message == "'Zielwert' must be a number (a decimal point, ',' between thousands), found '2.500,5'" })
        let typo = SourceFile(path: "t.yaml", text: "separator: \";\"\ncolumns:\n  kr_id: Ziel-Nr\n  unit: Team\n  target_value: Zielwert\n  cycle_start: Beginn\n  cycle_end: Ende\n")
        let t = Importers.draft(.mapping, files: [try Fixture.file("mapping/goals.csv")], options: ImportOptions(mapping: typo, asOf: Day(iso: "2026-11-30")!))
        let d = try #require(t.diagnostics.first)
        #expect(d.message == "the mapping reads kr_id from column 'Ziel-Nr', which the file does not have")
        #expect(d.location?.file == "Fixtures/mapping/goals.csv" && d.location?.line == 1)
        #expect(d.notes.contains { $0.location?.file == "t.yaml" && $0.location?.line == 3 })
        #expect(d.notes.contains { $0.message == "did you mean 'Ziel-ID'?" })
    }
}

@Suite("Lowering: a draft checked as Tandem's own files, errors taken back to the export")
struct LoweringTests {
    @Test func canonicalErrorsComeBackToTheExportsField() throws {
        let drafted = Importers.draft(.mapping, files: [try Fixture.file("mapping/same-target.csv")],
                                      options: ImportOptions(mapping: try Fixture.file("mapping/goals.yaml"), asOf: Day(iso: "2026-11-30")!))
        let draft = try #require(drafted.value)
        let lowered = try #require(Lowering.lower(draft, known: nil, placement: Placement(), label: "same-target.csv", export: "same-target.csv").value)
        let load = DatasetLoader.load(organisation: lowered.organisation, krs: lowered.keyResults, checkins: lowered.checkIns)
        #expect(load.dataset == nil)
        let remapped = lowered.remap(load.diagnostics)
        let d = try #require(remapped.first { $0.id == "C0121" }, "\(remapped)")
        // Start 5 and target 5,0: the target's own field in the export.
        #expect(d.location == SourceLocation(file: "Fixtures/mapping/same-target.csv", line: 2, column: 37), "\(String(describing: d.location))")
        #expect(d.notes.contains { $0.message == "in Tandem's terms: key result 'G-1', target_value, read from 'Zielwert'" }, "\(d.notes)")
    }

    @Test func unitsAreFoundByIdOrNameElseAddedBelowTheRoot() throws {
        var draft = ImportDraft()
        for (key, name) in [("rd", "研发"), ("Sales", "Sales"), ("Vertrieb", "Vertrieb")] {
            draft.unit(ImportDraft.Unit(key: key, name: name, suggestedID: key, at: nil))
            draft.keyResults.append(ImportDraft.KeyResult(id: .init("K-\(key)"), objective: .init("O"), unit: .init(key), title: .init("t"), kind: .init("committed"),
                                                          start: .init("0"), target: .init("1"), cycleStart: .init("2026-10-01"), cycleEnd: .init("2026-12-31"), at: nil))
        }
        let known = Organisation(units: [OrgUnit(id: "co", name: "星海"), OrgUnit(id: "rd", name: "研发", parentID: "co"), OrgUnit(id: "sales", name: "Sales", parentID: "co")])
        let lowered = try #require(Lowering.lower(draft, known: known, placement: Placement(), label: "x", export: "x").value)
        #expect(lowered.matchedUnits.map(\.id) == ["rd", "sales"])
        #expect(lowered.newUnits.map { "\($0.id) < \($0.parentID ?? "-")" } == ["Vertrieb < co"])
        let placed = try #require(Lowering.lower(draft, known: known, placement: Placement(unit: "rd"), label: "x", export: "x").value)
        #expect(placed.newUnits.isEmpty)
        #expect(String(decoding: placed.keyResults.bytes, as: UTF8.self).components(separatedBy: "\n").dropFirst().filter { !$0.isEmpty }.allSatisfy { $0.contains(",rd,") })
        let unknown = Lowering.lower(draft, known: known, placement: Placement(parent: "rdd"), label: "x", export: "x")
        #expect(unknown.value == nil)
        #expect(unknown.diagnostics.first?.message == "no unit 'rdd' in the store")
        #expect(unknown.diagnostics.first?.notes.first?.message == "did you mean 'rd'?")
    }
}
