import Foundation
import Testing
@testable import TandemCore

/// The corpus of broken inputs under `Fixtures/Broken`: each folder holds the files of one case
/// and `expected.txt`, the full rendered diagnostics. Re-record on purpose only, with
/// `TANDEM_RECORD_SNAPSHOTS=1 swift test`.
@Suite("Broken files get located diagnostics")
struct BrokenFileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/Broken")

    static let cases: [String] = {
        (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.sorted() ?? []
    }()

    @Test func corpusIsComplete() {
        #expect(Self.cases.count >= 25)
    }

    @Test(arguments: cases)
    func rendersExpectedDiagnostics(_ name: String) throws {
        let folder = Self.root.appendingPathComponent(name)
        func path(_ file: String) -> String? {
            let p = folder.appendingPathComponent(file).path
            return FileManager.default.fileExists(atPath: p) ? p : nil
        }
        var krs = path("krs.csv")
        if name == "missing-file" { krs = folder.appendingPathComponent("krs.csv").path }
        let load = DatasetLoader.load(org: path("org.yaml") ?? path("org.json"), krs: krs, checkins: path("checkins.csv"))
        let rendered = DiagnosticRenderer(sources: load.sources).render(load.diagnostics)
            .replacingOccurrences(of: folder.path + "/", with: "")
        let (errors, warnings) = load.diagnostics.counts
        let actual = rendered + "-- \(errors) error(s), \(warnings) warning(s)\n"
        let expectedURL = folder.appendingPathComponent("expected.txt")
        if ProcessInfo.processInfo.environment["TANDEM_RECORD_SNAPSHOTS"] == "1" {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(actual == expected)
        // Every broken case but the warning-only one fails, and a failed load yields no data.
        if name == "checkin-outside-cycle" {
            #expect(errors == 0 && warnings > 0)
            #expect(load.dataset != nil)
        } else {
            #expect(errors > 0)
            #expect(load.dataset == nil)
        }
    }
}

@Suite("Quirks that real exports have are accepted silently")
struct QuirkTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Valid")

    @Test func bomCRLFQuotedFieldsAndNonLatinNames() throws {
        let folder = Self.root.appendingPathComponent("quirks")
        let load = DatasetLoader.load(org: folder.appendingPathComponent("org.yaml").path,
                                      krs: folder.appendingPathComponent("krs.csv").path,
                                      checkins: folder.appendingPathComponent("checkins.csv").path)
        #expect(load.diagnostics.isEmpty, "\(DiagnosticRenderer(sources: load.sources).render(load.diagnostics))")
        let dataset = try #require(load.dataset)
        let org = try #require(dataset.organisation)
        #expect(org.units.map(\.id) == ["xh", "rd", "rd.algo", "ops"])
        #expect(org["xh"]?.name == "星海科技")
        #expect(org["rd.algo"]?.name == "算法研究组 (Algorithms)")
        #expect(org["ops"]?.name == "Операции")
        let krs = dataset.keyResults.keyResults
        #expect(krs.map(\.title) == ["完成 A/B 测试, 覆盖 3 个页面", "将 \"召回率\" 提升到 90%", "多行标题:\r\n第二行"])
        #expect(krs[1].owner == "李娜")
        #expect(krs[2].owner == "Иван")
        #expect(krs[2].direction == .decrease)
        #expect(krs[2].finalValue == 5.2)
        #expect(krs[0].finalValue == 3)
        #expect(krs[1].finalValue == nil)
        // Check-ins are grouped by key result and sorted by date; the spaced value is read.
        let log = dataset.checkIns
        #expect(log.checkIns(ofKeyResult: 0).map(\.value) == [1, 2])
        #expect(log.checkIns(ofKeyResult: 0).map(\.confidence) == [7, nil])
        #expect(log.checkIns(ofKeyResult: 1).map(\.value) == [81.5])
        #expect(log.checkIns(ofKeyResult: 2).map(\.date.description) == ["2026-01-10", "2026-02-01"])
        // A re-scoped target is kept and used for success.
        #expect(dataset.currentTarget(ofKeyResult: 2) == 6)
        // 8.5 → 5.2 is progress 1.32 against the re-scoped target 6, but 0.94 against the original 5.
        #expect(dataset.isSuccess(keyResult: 2) == true)
        #expect(krs[2].isSuccess() == false)
    }

    @Test func classicMacLineEndsEndRecords() throws {
        // Excel for Mac of old writes CR alone; a quoted field keeps its line break.
        let source = SourceFile(path: "mac.csv", text: "id,value\r\"a\r\nb\",1\r\rc,2\r")
        let table = try #require(CSVTable.read(source).value)
        #expect(table.header.map(\.text) == ["id", "value"])
        #expect(table.records.map { $0.map(\.text) } == [["a\r\nb", "1"], ["c", "2"]])
        #expect(table.location(table.recordOffsets[1]).line == 5)
        let krs = SourceFile(path: "krs.csv", text: "kr_id,objective_id,unit_id,title,kind,start_value,target_value,cycle_start,cycle_end,owner\r"
                             + "K1,O1,xh,收入,committed,0,10,2026-01-01,2026-03-31,王芳\rK2,O1,xh,成本,kpi,5,2,2026-01-01,2026-03-31,王芳\r")
        let table2 = try #require(CSVTable.read(krs).value)
        #expect(table2.records.count == 2 && table2.records[1][9].text == "王芳")
        // Two exports joined: the second one's byte order mark is not part of a value.
        let joined = try #require(CSVTable.read(SourceFile(path: "j.csv", text: "\u{FEFF}id,v\na,1\n\u{FEFF}b,2\n")).value)
        #expect(joined.records.map { $0[0].trimmed } == ["a", "b"])
    }

    @Test func jsonOrganisation() throws {
        let load = DatasetLoader.load(org: Self.root.appendingPathComponent("org.json").path, krs: nil, checkins: nil)
        #expect(load.diagnostics.isEmpty)
        let org = try #require(load.dataset?.organisation)
        #expect(org.name == "星海科技")
        let headcount = try #require(org.attribute("headcount", of: "rd.algo"))
        #expect(headcount.value.kind == .number && headcount.value.number == 620)
        #expect(headcount.isInherited && headcount.sourceUnitID == "xh")
        #expect(org.attribute("remote", of: "rd.algo")?.value.boolean == false)
        #expect(org.attribute("uncertainty", of: "rd.algo")?.isInherited == false)
    }
}
