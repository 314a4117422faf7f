import Foundation
import Testing

@Suite("tandem train, evaluate, backtest and forecast, as a user runs them")
struct ForecastCommandTests {
    let data = ["--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv", "--org", "datasets/xinghai/org.yaml"]

    @Test func trainThenEvaluatePrintsMetricsBesideTheBaselines() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.json").path
        let train = try CLI.run(["train", "--out", model] + data)
        #expect(train.status == 0)
        #expect(train.stdout.contains("trained on 1,664 closed key results"))
        #expect(train.stdout.contains("ridge chosen by time-aware cross-validation"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model))) as? [String: Any])
        #expect(object["schema_version"] as? Int == 2)
        #expect((object["features"] as? [String])?.isEmpty == false)
        #expect(object["covariance"] is [[Double]])

        let evaluate = try CLI.run(["evaluate", "--model", model, "--at", "0.5"] + data)
        #expect(evaluate.status == 0)
        #expect(evaluate.stdout.contains("as of 50% of the cycle: 1,664 key results"))
        for row in ["model", "linear pace (25%)", "confidence alone", "trajectory alone"] { #expect(evaluate.stdout.contains(row)) }
        let json = try CLI.run(["evaluate", "--model", model, "--format", "json"] + data)
        let output = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((output["model"] as? [String: Any])?["file"] as? String == model)
        let report = try #require(output["evaluation"] as? [String: Any])
        let horizons = try #require(report["horizons"] as? [[String: Any]])
        #expect(horizons.map { $0["at"] as? Double } == [0.3, 0.5, 0.8])
        let first = horizons[0]
        #expect(first["n"] as? Int == 1664)
        #expect((first["model"] as? [String: Double])?.keys.sorted() == ["auc", "brier", "ece", "log_loss"])
        #expect((first["baselines"] as? [String: Any])?.keys.sorted() == ["confidence", "linear_pace", "trajectory"])
        #expect(first["lead_time"] is [String: Any])
        #expect((first["lead_time"] as? [String: Any])?["model_share_of_cycle"] is Double)
    }

    @Test func backtestRunsRollingFolds() throws {
        let result = try CLI.run(["backtest", "--at", "0.5"] + data)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("rolling origins in calendar time: 3 folds"))
        #expect(result.stdout.contains("from 2026-01-01: trained on"))
    }

    @Test func trainCanSkipItsBacktestAndSaysSo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.json").path
        let quick = try CLI.run(["train", "--no-backtest", "--out", model] + data)
        #expect(quick.status == 0)
        #expect(quick.stdout.contains("backtest: not run (--no-backtest)"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model))) as? [String: Any])
        #expect((object["metrics"] as? [String: Any])?.keys.contains { $0.hasPrefix("backtest") } == false)
        let full = try CLI.run(["train", "--out", model] + data)
        #expect(full.stdout.contains("backtest: 3 folds"))
        // A path that cannot be written is refused before any work.
        let nowhere = try CLI.run(["train", "--out", "/nonexistent/folder/m.json"] + data)
        #expect(nowhere.status != 0 && nowhere.stderr.contains("the folder /nonexistent/folder does not exist"))
        let empty = try CLI.run(["train", "--out", ""] + data)
        #expect(empty.status != 0 && empty.stderr.contains("--out needs a file name"))
        let overFile = try CLI.run(["train", "--out", model + "/m.json"] + data)
        #expect(overFile.status != 0 && overFile.stderr.contains("is a file, not a folder"))
        let help = try CLI.run(["train", "--help"])
        #expect(help.stdout.contains("--no-backtest"))
        #expect(help.stdout.contains("backtests"))
    }

    @Test func backtestAlertsScoresEveryRuleAndSeverity() throws {
        let result = try CLI.run(["backtest", "--alerts", "--at", "0.5"] + data)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("replayed week by week"))
        for row in ["any critical rule", "any warning rule", "承诺型目标风险高", "precision", "by mid-cycle"] {
            #expect(result.stdout.contains(row), "\(row)")
        }
        let json = try CLI.run(["backtest", "--alerts", "--format", "json"] + data)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let alerts = try #require(object["alerts"] as? [String: Any])
        let severities = try #require(alerts["severities"] as? [[String: Any]])
        #expect(severities.map { $0["name"] as? String } == ["critical", "warning", "info"])
        let stray = try CLI.run(["backtest", "--policy", "other.policy"] + data)
        #expect(stray.status != 0 && stray.stderr.contains("--policy is read only with --alerts"))
        let noOrg = try CLI.run(["backtest", "--alerts", "--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv"])
        #expect(noOrg.status != 0)
        #expect(noOrg.stderr.contains("--alerts needs --org"))
    }

    @Test func aValueOf1e19IsForecastNotACrash() throws {
        // Reported: `forecast` trapped converting a progress of 1e17 % to Int.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let krs = dir.appendingPathComponent("krs.csv").path, checkins = dir.appendingPathComponent("checkins.csv").path
        // Each in a unit of its own, so that none is another's peer: all else equal but the last value.
        try "kr_id,objective_id,unit_id,title,kind,start_value,target_value,cycle_start,cycle_end\nK1,O1,a,big,committed,0,100,2026-10-01,2026-12-31\nK2,O2,b,down,committed,0,100,2026-10-01,2026-12-31\nK3,O3,c,slight,committed,0,100,2026-10-01,2026-12-31\n"
            .write(toFile: krs, atomically: true, encoding: .utf8)
        try "kr_id,date,value\nK1,2026-10-10,5\nK1,2026-11-10,1e19\nK2,2026-10-10,5\nK2,2026-11-10,-1e19\nK3,2026-10-10,5\nK3,2026-11-10,-5\n".write(toFile: checkins, atomically: true, encoding: .utf8)
        let table = try CLI.run(["forecast", "--krs", krs, "--checkins", checkins, "--as-of", "2026-11-18"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("> 10000000%/53%"))
        #expect(table.stdout.contains("< -10000000%/53%"))
        let json = try CLI.run(["forecast", "--format", "json", "--krs", krs, "--checkins", checkins, "--as-of", "2026-11-18"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let list = try #require(object["key_results"] as? [[String: Any]])
        let p = list.compactMap { $0["p_success"] as? Double }
        #expect(p.count == 3 && p.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        func of(_ id: String) -> [String: Any]? { list.first { $0["kr_id"] as? String == id } }
        #expect(of("K2")?["status"] as? String != "green")
        // Lower still is never likelier.
        #expect((of("K2")?["p_success"] as? Double ?? 1) <= (of("K3")?["p_success"] as? Double ?? 0))
        #expect((of("K3")?["p_success"] as? Double ?? 1) <= (of("K1")?["p_success"] as? Double ?? 0))
    }

    @Test func aHistoryWithoutConfidenceSaysTheBaselineDoesNotApply() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The sample's check-ins without their confidence column.
        let text = try String(contentsOfFile: "datasets/xinghai/checkins.csv", encoding: .utf8)
        let stripped = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if f.count >= 4 { f[3] = f[0] == "kr_id" ? "confidence" : "" }
            return f.joined(separator: ",")
        }.joined(separator: "\n")
        let checkins = dir.appendingPathComponent("checkins.csv").path
        try stripped.write(toFile: checkins, atomically: true, encoding: .utf8)
        let result = try CLI.run(["evaluate", "--model", "Models/kr-forecast.json", "--at", "0.5", "--krs", "datasets/xinghai/krs.csv",
                                  "--checkins", checkins, "--org", "datasets/xinghai/org.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("confidence alone     n/a"))
        #expect(!result.stdout.contains("confidence alone   0.500"))
    }

    @Test func forecastListsOpenKeyResultsWithReasons() throws {
        let result = try CLI.run(["forecast", "--model", "Models/kr-forecast.json", "--as-of", "2026-11-18"] + data)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines[0].hasPrefix("status  P(success)"))
        #expect(result.stdout.contains("414 open key results as of 2026-11-18"))
        #expect(result.stdout.contains("recalibrated on this organisation's 1,664 closed key results"))
        #expect(lines[1].hasPrefix("red"))
        let json = try CLI.run(["forecast", "--format", "json", "--as-of", "2026-11-18", "--unit", "rd"] + data)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let list = try #require(object["key_results"] as? [[String: Any]])
        #expect(!list.isEmpty)
        #expect(list.allSatisfy { ($0["unit_id"] as? String)?.hasPrefix("rd") == true })
        #expect(list.allSatisfy { ($0["reasons"] as? [String])?.isEmpty == false })
        let p = list.compactMap { $0["p_success"] as? Double }
        #expect(p == p.sorted())
    }

    @Test func aBrokenModelFileIsExplained() throws {
        let result = try CLI.run(["forecast", "--model", "Models/selection.policy"] + data)
        #expect(result.status == 1)
        #expect(result.stderr.contains("Models/selection.policy:1: error: model file is not a Tandem forecast model: it is not valid JSON (Invalid value around character 0)"))
    }
}
