import Foundation
import Testing

@Suite("tandem export, as a user runs it")
struct ExportCommandTests {
    func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        return String(digits.enumerated().flatMap { i, d in (i > 0 && (digits.count - i) % 3 == 0) ? [",", d] : [d] })
    }

    func lines(_ jsonl: String) throws -> [[String: Any]] {
        try jsonl.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    /// Each kind in both formats: as many records as the listing commands give, the same columns.
    @Test func everyKindMatchesItsListingInBothFormats() throws {
        let (folder, db) = try DashboardTests.sampleStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let alerts = try CLI.run(["alerts", "--db", db, "--format", "json"])
        let alertCount = try #require(try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [Any]).count
        let krs = try CLI.run(["store", "krs", "--db", db, "--format", "json"])
        let krCount = try #require(try JSONSerialization.jsonObject(with: Data(krs.stdout.utf8)) as? [Any]).count
        let decisions = try CLI.run(["store", "decisions", "--db", db, "--format", "json"])
        let decisionCount = try #require(try JSONSerialization.jsonObject(with: Data(decisions.stdout.utf8)) as? [Any]).count
        let forecasts = try CLI.run(["store", "forecasts", "--db", db, "--format", "json"])
        let forecastCount = try #require(try JSONSerialization.jsonObject(with: Data(forecasts.stdout.utf8)) as? [Any]).count
        #expect(alertCount > 10 && krCount == 2_078 && decisionCount == 42 && forecastCount > 1_000)
        for (what, expected, first) in [("alerts", alertCount, "alert_id"), ("key-results", krCount, "kr_id"), ("decisions", decisionCount, "day"),
                                        ("forecasts", forecastCount, "day")] {
            let csv = try CLI.run(["export", "--db", db, "--what", what])
            #expect(csv.status == 0, "\(csv.stderr)")
            #expect(csv.stdout.hasPrefix(first + ","))
            // Records end with CRLF; text with a line break would be quoted (none here).
            #expect(csv.stdout.components(separatedBy: "\r\n").count - 2 == expected, "\(what)")
            let jsonl = try CLI.run(["export", "--db", db, "--what", what, "--format", "jsonl"])
            #expect(jsonl.status == 0)
            let objects = try lines(jsonl.stdout)
            #expect(objects.count == expected, "\(what)")
            let header = csv.stdout.prefix { $0 != "\r\n" }.split(separator: ",").map(String.init)
            #expect(Set(objects.first?.keys.map { $0 } ?? []) == Set(header))
            #expect(jsonl.stderr.hasPrefix("exported \(grouped(expected)) "), "\(jsonl.stderr)")
        }
        // Filters as `tandem alerts` takes them.
        let critical = try lines(CLI.run(["export", "--db", db, "--what", "alerts", "--severity", "critical", "--format", "jsonl"]).stdout)
        #expect(critical.allSatisfy { $0["severity"] as? String == "critical" })
        let product = try lines(CLI.run(["export", "--db", db, "--what", "key-results", "--unit", "product", "--format", "jsonl"]).stdout)
        #expect(!product.isEmpty && product.count < krCount)
        // One key result of product that the runs forecast: its history, run by run.
        let forecast = try lines(CLI.run(["export", "--db", db, "--what", "forecasts", "--unit", "product", "--format", "jsonl"]).stdout)
        let one = try #require(forecast.first?["kr_id"] as? String)
        let history = try lines(CLI.run(["export", "--db", db, "--what", "forecasts", "--kr", one, "--format", "jsonl"]).stdout)
        #expect(history.count == 3 && history.allSatisfy { $0["kr_id"] as? String == one && ($0["p_success"] as? Double).map { (0...1).contains($0) } == true })
    }

    /// As an account, an export holds what that account may open on the dashboard, no more.
    @Test func asAnAccountOnlyWhatItMaySee() throws {
        let (folder, db) = try DashboardTests.sampleStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        func export(_ what: String, _ extra: [String] = []) throws -> [[String: Any]] {
            let r = try CLI.run(["export", "--db", db, "--what", what, "--format", "jsonl"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return try lines(r.stdout)
        }
        let all = try export("key-results")
        let decisions = try export("decisions")
        let kpiMode = Set(decisions.filter { $0["mode"] as? String == "kpi" }.compactMap { $0["unit_id"] as? String })
        func confidential(_ k: [String: Any]) -> Bool {
            k["kind"] as? String == "kpi" || (k["kind"] as? String == "committed" && kpiMode.contains(k["unit_id"] as? String ?? ""))
        }
        #expect(all.contains(where: confidential))
        #expect(try export("key-results", ["--as", "hr@xinghai.cn"]).count == all.count)
        // Strategy: every OKR, no confidential key result, its alerts or forecasts.
        let strategy = try export("key-results", ["--as", "strategy@xinghai.cn"])
        #expect(strategy.count == all.filter { !confidential($0) }.count)
        let confidentialIDs = Set(all.filter(confidential).compactMap { $0["kr_id"] as? String })
        #expect(try export("alerts", ["--as", "strategy@xinghai.cn"]).allSatisfy { !confidentialIDs.contains($0["kr_id"] as? String ?? "") })
        #expect(try export("forecasts", ["--as", "strategy@xinghai.cn"]).allSatisfy { !confidentialIDs.contains($0["kr_id"] as? String ?? "") })
        // The lead of product: the confidential ones of product's subtree, and no other.
        let units = try #require(try JSONSerialization.jsonObject(with: Data(CLI.run(["store", "units", "--db", db, "--format", "json"]).stdout.utf8)) as? [[String: Any]])
        var below: Set<String> = ["product"], grew = true
        while grew {
            grew = false
            for u in units where (u["parent_id"] as? String).map(below.contains) == true && below.insert(u["unit_id"] as? String ?? "").inserted { grew = true }
        }
        let lead = try export("key-results", ["--as", "lead.product@xinghai.cn"])
        #expect(lead.filter(confidential).allSatisfy { below.contains($0["unit_id"] as? String ?? "") })
        #expect(lead.filter(confidential).count == all.filter { confidential($0) && below.contains($0["unit_id"] as? String ?? "") }.count)
        // An account that does not exist is said so, and nothing is written.
        let nobody = try CLI.run(["export", "--db", db, "--what", "alerts", "--as", "nobody@xinghai.cn"])
        #expect(nobody.status == 1 && nobody.stdout.isEmpty)
        #expect(nobody.stderr.contains("no account 'nobody@xinghai.cn'"))
    }

    @Test func wrongFiltersAndTargetsAreRefusedAndLeaveNothingHalfWritten() throws {
        let (folder, db) = try DashboardTests.sampleStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let wrong = try CLI.run(["export", "--db", db, "--what", "decisions", "--severity", "critical"])
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("--severity does not filter decisions (they take --day, --unit)"), "\(wrong.stderr)")
        let unit = try CLI.run(["export", "--db", db, "--what", "alerts", "--unit", "prodcut"])
        #expect(unit.status == 1 && unit.stderr.contains("did you mean 'product'"), "\(unit.stderr)")
        let kr = try CLI.run(["export", "--db", db, "--what", "forecasts", "--kr", "NOPE"])
        #expect(kr.status == 1 && kr.stderr.contains("no key result 'NOPE'"))
        #expect(try CLI.run(["export", "--db", db, "--what", "alerts", "--format", "jsonl", "--bom"]).status == 64)
        // --out: written whole, replacing what was there; a folder that does not exist leaves nothing.
        let target = folder.appendingPathComponent("导出.csv")
        try Data("old".utf8).write(to: target)
        let written = try CLI.run(["export", "--db", db, "--what", "key-results", "--bom", "--out", target.path])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("exported 2,078 key results to"))
        let bytes = try Data(contentsOf: target)
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(String(decoding: bytes, as: UTF8.self).contains("kr_id,objective_id"))
        // The replaced file keeps its permissions; a link, a device or a folder at the path is refused.
        let privateFile = folder.appendingPathComponent("private.csv")
        try Data("old".utf8).write(to: privateFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: privateFile.path)
        #expect(try CLI.run(["export", "--db", db, "--what", "alerts", "--out", privateFile.path]).status == 0)
        #expect((try FileManager.default.attributesOfItem(atPath: privateFile.path)[.posixPermissions] as? Int) == 0o600)
        let link = folder.appendingPathComponent("link.csv")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: privateFile)
        let linked = try CLI.run(["export", "--db", db, "--what", "alerts", "--out", link.path])
        #expect(linked.status == 1 && linked.stderr.contains("is a symbolic link"), "\(linked.stderr)")
        let device = try CLI.run(["export", "--db", db, "--what", "alerts", "--out", "/dev/null"])
        #expect(device.status == 1 && device.stderr.contains("is not a regular file"), "\(device.stderr)")
        // Standard output that cannot be written is said, not a crash.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "\"$0\" export --db \"$1\" --what key-results > /dev/full", CLI.binary.path, db]
        let errors = Pipe()
        shell.standardError = errors
        try shell.run()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 1 && said.contains("cannot write the export to standard output"), "\(shell.terminationStatus) \(said)")
        let missing = folder.appendingPathComponent("no/such/folder/x.csv")
        let failed = try CLI.run(["export", "--db", db, "--what", "alerts", "--out", missing.path])
        #expect(failed.status == 1 && failed.stderr.contains("nothing was written"), "\(failed.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).allSatisfy { !$0.hasSuffix(".tmp") })
    }
}
