import Foundation
import Testing

@Suite("tandem whatif and sensitivity, as a consultant runs them")
struct WhatIfCommandTests {
    let files = ["--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv"]
    let scenarios = ["--scenario", "datasets/xinghai/scenarios.yaml"]

    @Test func theSampleScenariosPrintTheirDifferencesSideBySide() throws {
        let result = try CLI.run(["whatif"] + files + scenarios)
        #expect(result.status == 0, "\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("Side by side, as of 2026-11-18"))
        for name in ["A: 平台稳定后研发不确定性下降", "B: 公司进入成熟期", "C: 算法研究组改用 OKR 并调整关键结果"] { #expect(out.contains(name)) }
        #expect(out.contains("rd.platform  平台架构组  okr → hybrid("))
        #expect(out.contains("KR-26Q4-00027  rd.algo"))
        #expect(out.contains("closes  KR-26Q4-00027"))
        #expect(out.contains("Objectives: P(score ≥ 0.7)"))
        let json = try CLI.run(["whatif", "--format", "json"] + files + scenarios)
        let output = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let source = try #require(output["baseline"] as? [String: Any])
        #expect((source["policy"] as? [String: Any])?["file"] as? String == "Models/selection.policy")
        #expect((source["model"] as? [String: Any])?["file"] as? String == "Models/kr-forecast.json")
        let object = try #require(output["report"] as? [String: Any])
        #expect(object["scenario_names"] as? [String] == ["平台稳定后研发不确定性下降", "公司进入成熟期", "算法研究组改用 OKR 并调整关键结果"])
        let units = try #require(object["units"] as? [[String: Any]])
        #expect(units.allSatisfy { ($0["expected_achieved"] as? [Double])?.count == 4 })
    }

    @Test func aBrokenScenarioIsLocatedAndNothingRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.yaml").path
        try "scenarios:\n  - name: 前台变后台\n    changes:\n      - units: {unit: rd}\n        set: {layer: back}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLI.run(["whatif", "--scenario", path] + files)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("bad.yaml:5:22: error: 'layer' is fixed in the policy and a scenario may not change it [S0205]"))
        #expect(result.stderr.contains("note: 'layer' is declared 'fixed' here"))
    }

    /// Writes the HTML report into a fresh folder; returns it, the folder, and the baseline's
    /// expected number achieved as the page prints it.
    func htmlReport() throws -> (report: URL, dir: URL, expected: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let report = dir.appendingPathComponent("report.html")
        let result = try CLI.run(["whatif", "--format", "html", "--output", report.path] + files + scenarios)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try CLI.run(["whatif", "--format", "json"] + files + scenarios)
        let output = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let baseline = try #require((output["report"] as? [String: Any])?["baseline"] as? [String: Any])
        return (report, dir, String(format: "%.1f", try #require(baseline["expected_achieved"] as? Double)))
    }

    @Test func theHTMLReportIsSelfContained() throws {
        let (report, dir, _) = try htmlReport()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg") && html.contains("平台稳定后研发不确定性下降"))
        // Self-contained: no script, no external resource.
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("src=\"http") && !html.contains("url(http"))
    }

    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: chromium != nil, "Chromium is not installed (make test installs Debian's chromium where it can)"))
    func theHTMLReportRendersInChromium() throws {
        let chromium = try #require(Self.chromium)
        let (report, dir, expected) = try htmlReport()
        defer { try? FileManager.default.removeItem(at: dir) }
        func chrome(_ arguments: [String]) throws -> (Int32, Data) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: chromium)
            process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, data)
        }
        // The DOM after rendering holds the key numbers.
        let (status, dom) = try chrome(["--dump-dom", report.absoluteString])
        #expect(status == 0)
        let text = String(decoding: dom, as: UTF8.self)
        #expect(text.contains("data-expected-achieved=\"\(expected)\""))
        #expect(text.contains("KR-26Q4-00027"))
        // The screenshot is not blank: many distinct colours (text, bars, charts).
        let png = dir.appendingPathComponent("shot.png")
        _ = try chrome(["--screenshot=\(png.path)", "--window-size=1200,1600", report.absoluteString])
        let image = try Data(contentsOf: png)
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(image.count > 30_000, "a blank 1200×1600 page compresses to a few kilobytes; got \(image.count) bytes")
    }

    @Test func sensitivityTablesForAUnitAndAKeyResult() throws {
        let unit = try CLI.run(["sensitivity", "--unit", "rd.algo"] + files)
        #expect(unit.status == 0, "\(unit.stderr)")
        #expect(unit.stdout.contains("Sensitivity of rd.algo 算法研究组"))
        #expect(unit.stdout.contains("uncertainty (业务不确定性)"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let svg = dir.appendingPathComponent("kr.svg").path
        let kr = try CLI.run(["sensitivity", "--kr", "KR-26Q4-00023", "--as-of", "2026-11-18", "--svg", svg] + files)
        #expect(kr.status == 0, "\(kr.stderr)")
        #expect(kr.stdout.contains("pace ×0.5"))
        #expect(kr.stdout.contains("+28 days"))
        let chart = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(chart.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(chart.components(separatedBy: "<polyline").count - 1 == 6)
        let missing = try CLI.run(["sensitivity", "--kr", "KR-26Q4-0002"] + files)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("did you mean"))
    }
}
