import Foundation
import Testing

@Suite("tandem check, diagnose and test, as a user runs them")
struct PolicyCommandTests {
    let org = ["--org", "datasets/xinghai/org.yaml"]

    @Test func checkIsCleanOnTheDefaultPolicy() throws {
        let result = try CLI.run(["check", "Models/selection.policy"])
        #expect(result.status == 0)
        #expect(!result.stderr.contains("warning") && !result.stderr.contains("error"))
        #expect(result.stdout.contains("14 evidence rules, 2 overrides, 6 rows (unique), 7 alert rules, 12 expectations"))
        #expect(result.stdout.hasSuffix("valid: 0 errors, 0 warnings\n"))
    }

    @Test func checkFailsOnABrokenPolicyWithLocatedErrors() throws {
        let path = "Tests/TandemPolicyTests/Fixtures/Broken/58-many-errors.policy"
        let result = try CLI.run(["check", path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("\(path):10:3: error: unknown name 'stag'; it is not an attribute [P0310]\n"))
        #expect(result.stdout == "invalid: 4 errors, 0 warnings\n")
        let json = try CLI.run(["check", path, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["errors"] as? Int == 4)
        #expect((object["diagnostics"] as? [[String: Any]])?.map { $0["id"] as? String } == ["P0310", "P0404", "P0409", "P0407"])
    }

    @Test func testRunsTheExpectations() throws {
        let result = try CLI.run(["test", "Models/selection.policy"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("✓ 成长期公司的研发团队 → okr("))
        #expect(result.stdout.hasSuffix("12 passed, 0 failed\n"))
        #expect(result.stdout.contains("coverage: the expectations exercise 22 of 22 rules"))
    }

    @Test func testFailsOnAMismatchAndExplains() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = dir.appendingPathComponent("p.policy")
        try """
        policy "p" version "1"
        attribute u: level low < high
        evidence {
          u == high => okr +1 "不确定"
        }
        decide unique {
          when lean >= 1 => okr
          otherwise => kpi
        }
        expect "高不确定性" { u: high } => kpi
        """.write(to: policy, atomically: true, encoding: .utf8)
        let result = try CLI.run(["test", policy.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("✗ 高不确定性"))
        #expect(result.stdout.contains("expected kpi"))
        #expect(result.stdout.contains("got      okr("))
        #expect(result.stdout.contains("okr +1  u == high  不确定"))
        #expect(result.stdout.hasSuffix("0 passed, 1 failed\n"))
    }

    @Test func diagnoseDecidesEveryUnitWithAlignedChineseNames() throws {
        let result = try CLI.run(["diagnose"] + org)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("unit "))
        let rows = lines.dropFirst().prefix(42)
        #expect(rows.count == 42)
        // The mode column starts at the same display column on every row.
        let header = lines[0]
        let modeColumn = header.prefix(upTo: header.range(of: "mode")!.lowerBound).displayWidthForTest
        for row in rows {
            let mode = row.range(of: #"\b(okr|kpi|hybrid)\b"#, options: .regularExpression)!
            #expect(row.prefix(upTo: mode.lowerBound).displayWidthForTest == modeColumn, "\(row)")
        }
        #expect(result.stdout.contains("42 units: okr 17 · hybrid 15 · kpi 10"))
    }

    @Test func diagnoseFormats() throws {
        let json = try CLI.run(["diagnose", "--format", "json"] + org)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let units = try #require(object["units"] as? [[String: Any]])
        #expect(units.count == 42)
        #expect(units.allSatisfy { $0["mode"] is String && $0["lean"] is Double })
        let csv = try CLI.run(["diagnose", "--format", "csv"] + org)
        #expect(csv.stdout.hasPrefix("unit_id,name,mode,outcome,lean,margin,margin_to,decided_by,reasons\r\nxh,星海科技,hybrid,"))
        let markdown = try CLI.run(["diagnose", "--format", "markdown"] + org)
        #expect(markdown.stdout.hasPrefix("| unit | name | mode | parameters | lean | margin | reasons |\n|---|"))
    }

    @Test func explainTellsTheWholeStory() throws {
        let result = try CLI.run(["diagnose", "--explain", "production.line2"] + org)
        #expect(result.status == 0)
        #expect(result.stdout.contains("decision  kpi(cycle: quarterly, pay: full, rollout: full)"))
        #expect(result.stdout.contains("why not okr:"))
        #expect(result.stdout.contains("why not hybrid:"))
        #expect(result.stdout.contains("inherited from 生产部 (production)"))
        let unknown = try CLI.run(["diagnose", "--explain", "production.line3"] + org)
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown unit 'production.line3'; did you mean 'production.line1'?"))
    }

    @Test func diagnoseReportsBadOrganisationValuesInTheOrganisationFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let orgFile = dir.appendingPathComponent("org.yaml")
        try "units:\n  - id: xh\n    name: 星海科技\n    attributes: { uncertainty: extreme }\n".write(to: orgFile, atomically: true, encoding: .utf8)
        let result = try CLI.run(["diagnose", "--org", orgFile.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(orgFile.path):4:32: error: 'extreme' is not a level of 'uncertainty' (low < medium < high) [P0801]"))
    }
}

extension StringProtocol {
    /// Display width (East Asian wide characters count two), for alignment checks.
    var displayWidthForTest: Int {
        unicodeScalars.reduce(0) { w, s in
            let v = s.value
            return w + ((0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                        || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) ? 2 : 1)
        }
    }
}

@Suite("tandem diff and the analysis in tandem check")
struct DiffCommandTests {
    @Test func diffListsTheUnitsThatMoveAndTheRegions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A changed copy: OKR needs a lean of 4 instead of 3.
        var text = try String(contentsOf: CLI.packageRoot.appendingPathComponent("Models/selection.policy"), encoding: .utf8)
        for (a, b) in [("lean >= 3 and current_mode != kpi", "lean >= 4 and current_mode != kpi"),
                       ("lean >= 3 and current_mode == kpi", "lean >= 4 and current_mode == kpi"),
                       ("layer == back and lean > -3 and lean < 3", "layer == back and lean > -3 and lean < 4"),
                       ("layer in {company, front} and lean > -3 and lean < 3", "layer in {company, front} and lean > -3 and lean < 4")] {
            text = text.replacingOccurrences(of: a, with: b)
        }
        let changed = dir.appendingPathComponent("new.policy")
        try text.write(to: changed, atomically: true, encoding: .utf8)
        let result = try CLI.run(["diff", "Models/selection.policy", changed.path, "--org", "datasets/xinghai/org.yaml"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("2 of 42 units change decision: okr → hybrid 2"))
        #expect(result.stdout.contains("marketing.brand  品牌组  okr → hybrid  row 2 (Models/selection.policy:"))
        #expect(result.stdout.contains("are decided differently"))
        let json = try CLI.run(["diff", "Models/selection.policy", changed.path, "--org", "datasets/xinghai/org.yaml", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["units"] as? [Any])?.count == 2)
        #expect((object["regions"] as? [String: Any])?["changed_cells"] != nil || (object["regions"] as? [String: Any])?["changedCells"] != nil)
        // The same policy twice: nothing changes anywhere.
        let same = try CLI.run(["diff", "Models/selection.policy", "Models/selection.policy", "--org", "datasets/xinghai/org.yaml"])
        #expect(same.stdout.hasPrefix("0 of 42 units change decision"))
        #expect(same.stdout.contains(": 0 of "))
    }

    @Test func checkReportsAGapWithAnExample() throws {
        let path = "Tests/TandemPolicyTests/Fixtures/Analysis/gap.policy"
        let result = try CLI.run(["check", path])
        #expect(result.status == 0)   // findings are warnings: the policy still runs
        #expect(result.stderr.contains("\(path):13:3: warning: the decision table leaves some units without a decision; add rows or an 'otherwise' [P1001]"))
        #expect(result.stderr.contains("for example uncertainty: medium"))
    }

    @Test func explainShowsCounterfactuals() throws {
        let result = try CLI.run(["diagnose", "--org", "datasets/xinghai/org.yaml", "--explain", "rd.cloud"])
        #expect(result.stdout.contains("what would change it (changeable attributes only)"))
        #expect(result.stdout.contains("would be hybrid if stage were mature (now growth)"))
    }
}
