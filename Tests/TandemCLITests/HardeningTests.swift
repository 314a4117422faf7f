import Foundation
import Testing

/// The reproductions of the hardening issue (Fixtures/Hardening, a small hospital written by
/// hand), each run as the reporter ran it.
@Suite("Hardening: bad input gets a clear error, nothing crashes, hangs or races")
struct HardeningTests {
    static let fixtures = "Tests/TandemCLITests/Fixtures/Hardening/"
    func f(_ name: String) -> String { Self.fixtures + name }
    var hospital: [String] { ["--org", f("org.yaml"), "--krs", f("krs.csv"), "--checkins", f("checkins.csv")] }

    /// A store holding the hospital, in a fresh folder.
    func hospitalStore() throws -> (db: String, dir: URL) {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("h.db").path
        let imported = try CLI.run(["import", "--db", db] + hospital)
        #expect(imported.status == 0, "\(imported.stderr)")
        return (db, dir)
    }

    /// `tandem whatif` on a store with a scenario file of this text, written into `dir`.
    func whatif(_ db: String, _ dir: URL, _ name: String, _ text: String) throws -> CLI.Output {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try CLI.run(["whatif", "--db", db, "--policy", f("hospital.policy"), "--scenario", path])
    }

    func run(_ db: String, _ day: String, _ extra: [String] = []) throws -> CLI.Output {
        try CLI.run(["run", "--db", db, "--as-of", day, "--policy", f("hospital.policy")] + extra)
    }

    // MARK: Crashes

    @Test func aCheckInOf1e19IsForecastWithoutACrash() throws {
        let out = try CLI.run(["forecast", "--krs", f("min_krs.csv"), "--checkins", f("min_ci_1e19.csv"), "--as-of", "2026-11-18", "--format", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let list = try #require(object["key_results"] as? [[String: Any]])
        let p = try #require(list.first?["p_success"] as? Double)
        #expect(p.isFinite && p >= 0 && p <= 1)
    }

    @Test func aHugeScenarioShiftIsRefusedWhereItIsWritten() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try CLI.run(["whatif", "--db", db, "--policy", f("hospital.policy"), "--scenario", f("crash_whatif_shift.yaml")])
        #expect(out.status == 1)
        #expect(out.stderr.contains("crash_whatif_shift.yaml:5:30: error: 'uncertainty' must lie between -10^15 and 10^15, found 1e308 [S0115]"), "\(out.stderr)")
    }

    @Test func aLevelShiftFarPastTheEndIsKeptAtTheEnd() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try whatif(db, dir, "s.yaml", "scenarios:\n  - name: x\n    changes:\n      - units: {unit: clin.onc}\n        shift: {uncertainty: -999999999999999}\n")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("already at the end of the range, kept there"), "\(out.stdout)")
    }

    @Test func aModelWithHugeCoefficientsIsRefusedInWords() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The reporter's file is of the first schema: refused by its version.
        let old = try CLI.run(["evaluate", "--model", f("m_huge.json"), "--krs", f("krs.csv"), "--checkins", f("checkins.csv"), "--at", "0.5"])
        #expect(old.status == 1)
        #expect(old.stderr.contains("schema version 1"))
        // The shipped model with one coefficient of 1e308.
        let data = try Data(contentsOf: CLI.packageRoot.appendingPathComponent("Models/kr-forecast.json"))
        var model = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var coefficients = try #require(model["coefficients"] as? [Double])
        coefficients[3] = 1e308
        model["coefficients"] = coefficients
        let path = dir.appendingPathComponent("m.json").path
        let text = try JSONSerialization.data(withJSONObject: model, options: [.prettyPrinted, .sortedKeys])
        try text.write(to: URL(fileURLWithPath: path))
        // Located: the line of the fourth number of "coefficients" (one number a line).
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let key = try #require(lines.firstIndex { $0.contains("\"coefficients\"") })
        let out = try CLI.run(["evaluate", "--model", path, "--krs", f("krs.csv"), "--checkins", f("checkins.csv"), "--at", "0.5"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("m.json:\(key + 1 + 4): error: model file is not a Tandem forecast model: at 'coefficients[3]': coefficient 3 is 1e+308; coefficients must lie within ±1000"), "\(out.stderr)")
        // An unknown kind, and a covariance of the wrong shape.
        for (change, words) in [("kind", "at 'kind': 'kind' is 'tandem.kr-forecast.forest'"),
                                ("covariance", "at 'covariance': 'covariance' must be a 36 × 36 matrix")] {
            var bad = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            if change == "kind" { bad["kind"] = "tandem.kr-forecast.forest" } else { bad["covariance"] = [[1.0, 0.0], [0.0, 1.0]] }
            try JSONSerialization.data(withJSONObject: bad, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
            let refused = try CLI.run(["forecast", "--model", path, "--krs", f("krs.csv"), "--checkins", f("checkins.csv")])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains(words), "\(refused.stderr)")
        }
    }

    @Test(arguments: ["1e19", "inf", "nan", "-0.5", "61"])
    func aWebhookRetryDelayOutOfRangeIsRefusedBeforeTheRun(_ delay: String) throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try digest(db)
        let out = try run(db, "2026-11-18", ["--webhook", "http://127.0.0.1:9/", "--webhook-retry-delay=\(delay)"])
        #expect(out.status == 64, "\(out.stderr)")
        #expect(out.stderr.contains("--webhook-retry-delay takes seconds from 0 to 60"), "\(out.stderr)")
        #expect(try digest(db) == before)
    }

    @Test func aWebhookThatIsNoURLIsRefused() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try run(db, "2026-11-18", ["--webhook", "not a url"])
        #expect(out.status == 64)
        #expect(out.stderr.contains("--webhook takes an http:// or https:// URL"))
    }

    @Test func generatingAnAbsurdOrganisationIsRefusedAtOnce() throws {
        let out = try CLI.run(["generate", "--units", "99999999999", "--out", "/tmp/never"])
        #expect(out.status == 64)
        #expect(out.stderr.contains("--units"))
    }

    // MARK: Hangs

    @Test func checkAnswersInBoundedTimeAndSaysWhereItStopped() throws {
        // 20 rows of 3 comparisons over 10 number attributes: the full analysis is out of reach.
        let out = try CLI.run(["check", "--analysis-budget", "105000", f("pb_10_20.policy")])
        #expect(out.status == 0)
        // 21 rows: 21 rule evaluations a box, 5,000 boxes.
        #expect(out.stderr.contains("warning: the analysis stopped at its budget (105,000 rule evaluations, 5,000 boxes), having examined"), "\(out.stderr)")
        #expect(out.stderr.contains("[P1008]"))
        // What it lists is real: an overlap of this unique table with a witness.
        #expect(out.stderr.contains("[P1002]"))
        // It can be switched off.
        let off = try CLI.run(["check", "--no-analysis", f("pb_10_20.policy")])
        #expect(off.status == 0)
        #expect(!off.stderr.contains("P1008") && !off.stderr.contains("P1002"))
        #expect(off.stdout.contains("valid: 0 errors"))
        // The region diff too.
        let diff = try CLI.run(["diff", f("pb_10_10.policy"), f("pb_10_20.policy"), "--org", f("pb_org.yaml"), "--analysis-budget", "100000"])
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("the region diff stopped at its budget (100,0"), "\(diff.stdout)")
    }

    @Test func anAttributeWithTooManyCellsIsSaidNotAnalysed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = "policy \"many\" version \"1\"\nattribute x: number 0..1000, default 0\ndecide first {\n"
        for k in 1...40 { text += "  when x == \(k * 10) => okr\n" }
        text += "}\n"
        let path = dir.appendingPathComponent("many.policy").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let out = try CLI.run(["check", path])
        #expect(out.stderr.contains("warning: the decision logic was not analysed"), "\(out.stderr)")
        #expect(out.stderr.contains("attribute 'x' is compared with so many different constants that it falls into 81 cells"))
        let copy = dir.appendingPathComponent("many2.policy").path
        try text.replacingOccurrences(of: "x == 400", with: "x == 401").write(toFile: copy, atomically: true, encoding: .utf8)
        let org = dir.appendingPathComponent("org.yaml").path
        try "units:\n  - id: a\n    name: A\n    attributes: {x: 10}\n".write(toFile: org, atomically: true, encoding: .utf8)
        let diff = try CLI.run(["diff", path, copy, "--org", org])
        #expect(diff.stdout.contains("no region diff: attribute 'x'"), "\(diff.stdout)")
    }

    // MARK: Races and data integrity

    @Test func concurrentRunsOnOneStoreMatchASequentialOrder() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        for day in ["2026-10-07", "2026-10-14"] { #expect(try run(db, day).status == 0) }
        // The two orders a person could have meant: both runs, or the later alone (the earlier
        // one then refused, since runs go forward in time).
        func copy(_ name: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try FileManager.default.copyItem(atPath: db, toPath: path)
            return path
        }
        let both = try copy("both.db"), later = try copy("later.db")
        #expect(try run(both, "2026-10-21").status == 0)
        #expect(try run(both, "2026-10-28").status == 0)
        #expect(try run(later, "2026-10-28").status == 0)
        let sequential = [try digest(both), try digest(later)]
        for trial in 0..<12 {
            let store = try copy("race\(trial).db")
            let a = try launch(["run", "--db", store, "--as-of", "2026-10-21", "--policy", f("hospital.policy"), "--quiet"])
            let b = try launch(["run", "--db", store, "--as-of", "2026-10-28", "--policy", f("hospital.policy"), "--quiet"])
            a.waitUntilExit()
            b.waitUntilExit()
            #expect(b.terminationStatus == 0)
            let result = try digest(store)
            #expect(sequential.contains(result), "trial \(trial): the ledger matches no sequential order")
            if a.terminationStatus == 0 { #expect(result == sequential[0], "trial \(trial)") }
        }
    }

    @Test func aRunDatedFarAheadIsRefusedAndAForcedOneCanBeUndone() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(db, "2026-11-11").status == 0)
        #expect(try run(db, "2026-11-18").status == 0)
        let before = try digest(db)
        let typo = try run(db, "2062-11-25")
        #expect(typo.status == 1)
        #expect(typo.stderr.contains("--as-of 2062-11-25 lies"), "\(typo.stderr)")
        #expect(typo.stderr.contains("add --force"))
        #expect(try digest(db) == before)
        let forced = try run(db, "2062-11-25", ["--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("resolved"))
        // Locked: the next real week is refused …
        #expect(try run(db, "2026-11-25").status == 1)
        // … until the mistaken run is taken back.
        let wrongDay = try CLI.run(["runs", "undo", "--db", db, "--as-of", "2026-11-18"])
        #expect(wrongDay.status == 1)
        #expect(wrongDay.stderr.contains("the latest run is of 2062-11-25"))
        let undo = try CLI.run(["runs", "undo", "--db", db])
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(undo.stdout.contains("undid the run of 2062-11-25"), "\(undo.stdout)")
        #expect(try digest(db) == before, "the store is exactly as before the mistaken run")
        #expect(try run(db, "2026-11-25").status == 0)
        let list = try CLI.run(["runs", "list", "--db", db])
        #expect(list.stdout.contains("2026-11-25") && !list.stdout.contains("2062"), "\(list.stdout)")
    }

    @Test func undoingEveryRunLeavesTheImportedStore() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let imported = try digest(db)
        var digests = [imported]
        for day in ["2026-10-07", "2026-10-14", "2026-10-21", "2026-10-28", "2026-11-04", "2026-11-11", "2026-11-18"] {
            #expect(try run(db, day).status == 0)
            digests.append(try digest(db))
        }
        // The same day again (a rerun) then undone: back to the state before that day.
        #expect(try run(db, "2026-11-18").status == 0)
        for expected in digests.dropLast().reversed() {
            #expect(try CLI.run(["runs", "undo", "--db", db]).status == 0)
            #expect(try digest(db) == expected)
        }
        let none = try CLI.run(["runs", "undo", "--db", db])
        #expect(none.status == 1)
        #expect(none.stderr.contains("the store has no run"))
    }

    @Test func anUndoKeepsAnAcknowledgementByRefusing() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(db, "2026-11-18").status == 0)
        let alerts = try CLI.run(["alerts", "--db", db, "--format", "json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [[String: Any]])
        let id = try #require(list.first?["id"] as? Int)
        #expect(try CLI.run(["ack", "--db", db, String(id), "--note", "called the owner"]).status == 0)
        let undo = try CLI.run(["runs", "undo", "--db", db])
        #expect(undo.status == 1)
        #expect(undo.stderr.contains("alert #\(id) was acknowledged after the run of 2026-11-18"), "\(undo.stderr)")
    }

    @Test func readingCommandsNeverCreateAStore() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("tpyo.db").path
        for command in [["alerts"], ["store"], ["feed"], ["runs", "list"], ["ack", "1", "--note", "x"], ["runs", "undo"]] {
            let out = try CLI.run(command + ["--db", missing])
            #expect(out.status == 1, "\(command)")
            #expect(out.stderr.contains("no store here; `tandem import --db \(missing) …` creates one"), "\(command): \(out.stderr)")
            #expect(!FileManager.default.fileExists(atPath: missing), "\(command) created the store")
        }
        let runOut = try run(missing, "2026-11-18")
        #expect(runOut.status == 1)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func readingCommandsOpenTheStoreReadOnly() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(db, "2026-11-18").status == 0)
        // Closed cleanly: no journal beside it. A reader must leave the folder and file as they are.
        let listing = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: db))
        for command in [["alerts"], ["store"], ["feed"], ["runs", "list"]] {
            #expect(try CLI.run(command + ["--db", db]).status == 0, "\(command)")
        }
        // SQLite's own -wal and -shm files may appear beside it (any reader of a WAL database
        // makes them); nothing else does, and the store's bytes are the same.
        let after = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        #expect(after.sorted() == listing)
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == bytes)
    }

    @Test(.enabled(if: getuid() != 0, "root writes to read-only files, so only an unprivileged user can try a read-only store"))
    func aStoreOnAReadOnlyFolderCanBeRead() throws {
        let (db, dir) = try hospitalStore()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
            try? FileManager.default.removeItem(at: dir)
        }
        #expect(try run(db, "2026-11-18").status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: db)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
        let alerts = try CLI.run(["alerts", "--db", db])
        #expect(alerts.status == 0, "\(alerts.stderr)")
        let write = try run(db, "2026-11-25")
        #expect(write.status == 1)
        #expect(write.stderr.contains("read-only"))
    }

    @Test func storePathsThatCannotBeAStoreAreExplained() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dangling = dir.appendingPathComponent("link.db").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: dir.appendingPathComponent("gone.db").path)
        let text = dir.appendingPathComponent("notes.txt").path
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        let cases: [(String, String)] = [
            (dir.path, "this is a folder; --db takes the path of the store's file"),
            (dangling, "this is a symbolic link to '\(dir.path)/gone.db', which does not exist"),
            (dir.appendingPathComponent("no/such/t.db").path, "the folder '\(dir.path)/no/such' does not exist"),
            (text, "this file is not a Tandem store (not an SQLite database)"),
        ]
        for (path, words) in cases {
            for command in [["import", "--db", path] + hospital, ["alerts", "--db", path]] {
                let out = try CLI.run(command)
                #expect(out.status == 1)
                #expect(out.stderr.contains(words), "\(command[0]) \(path): \(out.stderr)")
                #expect(!out.stderr.contains("SQLite error"))
            }
        }
    }

    @Test func anUnforecastableKeyResultIsRefusedOnImport() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("num.db").path
        let out = try CLI.run(["import", "--db", db, "--org", f("org.yaml"), "--krs", f("krs_num.csv"), "--checkins", f("ci_num.csv")])
        #expect(out.status == 1)
        #expect(out.stderr.contains("[C0125]"))
        #expect(out.stderr.contains("krs_num.csv:"))
    }

    // MARK: Wrong or silent results

    @Test func unitFiltersTakeTheWholeSubtree() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(db, "2026-11-18").status == 0)
        func ids(_ extra: [String]) throws -> Set<Int> {
            let out = try CLI.run(["alerts", "--db", db, "--format", "json"] + extra)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
            return Set(list.compactMap { $0["id"] as? Int })
        }
        let all = try ids([])
        #expect(!all.isEmpty)
        #expect(try ids(["--unit", "h"]) == all, "the root's subtree is every unit")
        let clin = try ids(["--unit", "clin"]), er = try ids(["--unit", "clin.er"]), onc = try ids(["--unit", "clin.onc"])
        #expect(!er.isEmpty && er.isSubset(of: clin) && onc.isSubset(of: clin))
        #expect(try ids(["--unit", "ops"]).isDisjoint(with: clin))
        // forecast --unit with --org: the subtree too.
        let forecast = try CLI.run(["forecast", "--as-of", "2026-11-18", "--unit", "h", "--format", "json"] + hospital)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(forecast.stdout.utf8)) as? [String: Any])
        let everything = try CLI.run(["forecast", "--as-of", "2026-11-18", "--format", "json"] + hospital)
        let whole = try #require(try JSONSerialization.jsonObject(with: Data(everything.stdout.utf8)) as? [String: Any])
        #expect((object["key_results"] as? [Any])?.count == (whole["key_results"] as? [Any])?.count)
    }

    @Test func anUnknownUnitIsAnErrorWithASuggestion() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let alerts = try CLI.run(["alerts", "--db", db, "--unit", "clin.onk"])
        #expect(alerts.status == 1)
        #expect(alerts.stderr.contains("no unit 'clin.onk' in the store; did you mean 'clin.onc'?"), "\(alerts.stderr)")
        let explain = try CLI.run(["diagnose", "--org", f("org.yaml"), "--policy", f("hospital.policy"), "--explain", "clin.onk"])
        #expect(explain.status != 0)
        #expect(explain.stderr.contains("unknown unit 'clin.onk'; did you mean 'clin.onc'?"), "\(explain.stderr)")
        let forecast = try CLI.run(["forecast", "--unit", "nope"] + hospital)
        #expect(forecast.status == 1)
        #expect(forecast.stderr.contains("no unit 'nope'"))
    }

    /// Titles, owners and unit names with `|`, line breaks, quotes and formulas.
    func hostileFiles(_ dir: URL) throws -> [String] {
        let org = dir.appendingPathComponent("org.yaml").path
        try "units:\n  - id: u\n    name: \"=HYPERLINK(\\\"http://x\\\")|pipe\"\n    attributes: {uncertainty: high}\n"
            .write(toFile: org, atomically: true, encoding: .utf8)
        let krs = dir.appendingPathComponent("krs.csv").path
        try "kr_id,objective_id,unit_id,title,kind,start_value,target_value,cycle_start,cycle_end,owner\nK1,O1,u,\"=1+1 | two\nlines, \"\"quoted\"\"\",committed,0,100,2026-10-01,2026-12-31,@admin\nK2,O1,u,-negative,committed,0,100,2026-10-01,2026-12-31,+plus\n"
            .write(toFile: krs, atomically: true, encoding: .utf8)
        let checkins = dir.appendingPathComponent("ci.csv").path
        try "kr_id,date,value\nK1,2026-10-15,5\nK2,2026-10-15,50\n".write(toFile: checkins, atomically: true, encoding: .utf8)
        return ["--org", org, "--krs", krs, "--checkins", checkins]
    }

    @Test func csvIsRFC4180AndCannotRunAsAFormula() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try hostileFiles(dir)
        let out = try CLI.run(["forecast", "--as-of", "2026-11-18", "--format", "csv"] + files)
        #expect(out.status == 0, "\(out.stderr)")
        let records = parseCSV(out.stdout)
        #expect(records.first == ["kr_id", "unit_id", "owner", "title", "status", "p_success", "expected_score", "progress", "expected_progress", "reasons"])
        #expect(records.count == 3)
        let k1 = try #require(records.first { $0.first == "K1" })
        #expect(k1[3] == "'=1+1 | two\nlines, \"quoted\"")
        #expect(k1[2] == "'@admin")
        let k2 = try #require(records.first { $0.first == "K2" })
        #expect(k2[3] == "'-negative" && k2[2] == "'+plus")
        #expect(Double(k2[5]) != nil, "numbers stay numbers")
        #expect(out.stdout.hasSuffix("\r\n"))
        // diagnose, alerts and diff write CSV too.
        let diagnose = try CLI.run(["diagnose", "--format", "csv", "--org", files[1], "--policy", f("hospital.policy")])
        let rows = parseCSV(diagnose.stdout)
        #expect(rows.first?.first == "unit_id")
        #expect(rows.dropFirst().first?[1] == "'=HYPERLINK(\"http://x\")|pipe")
        let diff = try CLI.run(["diff", f("hospital.policy"), f("hospital.policy"), "--org", f("org.yaml"), "--format", "csv"])
        #expect(parseCSV(diff.stdout) == [["unit_id", "name", "change", "old", "new", "old_rule", "new_rule"]])
        let (db, storeDir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: storeDir) }
        #expect(try run(db, "2026-11-18").status == 0)
        let alerts = try CLI.run(["alerts", "--db", db, "--format", "csv"])
        let alertRows = parseCSV(alerts.stdout)
        #expect(alertRows.first?.prefix(3) == ["alert", "severity", "status"])
        #expect(alertRows.count > 1 && alertRows.dropFirst().allSatisfy { $0.count == alertRows[0].count })
    }

    @Test func markdownTablesSurviveEveryCharacter() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try hostileFiles(dir)
        let out = try CLI.run(["forecast", "--as-of", "2026-11-18", "--format", "markdown"] + files)
        #expect(out.status == 0, "\(out.stderr)")
        let table = out.stdout.split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(table.count == 4)  // header, alignment, two rows
        // Every row has as many cells as the header: no `|` or line break escaped the cell.
        func cells(_ line: Substring) -> Int { line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count }
        #expect(table.allSatisfy { cells($0) == cells(table[0]) })
        #expect(out.stdout.contains("=1+1 \\| two<br>lines, \"quoted\""))
        let diagnose = try CLI.run(["diagnose", "--format", "markdown", "--org", files[1], "--policy", f("hospital.policy")])
        #expect(diagnose.stdout.contains("=HYPERLINK(\"http://x\")\\|pipe"))
    }

    @Test func explainOffersOnlyTheFormatsItWrites() throws {
        let out = try CLI.run(["diagnose", "--org", f("org.yaml"), "--policy", f("hospital.policy"), "--explain", "lab", "--format", "csv"])
        #expect(out.status == 64)
        #expect(out.stderr.contains("--explain tells one decision's story as text"))
    }

    @Test func policyNumbersAreRangeChecked() throws {
        let out = try CLI.run(["diagnose", "--org", f("org.yaml"), "--policy", f("p_bigw.policy"), "--format", "json"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("p_bigw.policy:13:31: error: number too large: a policy's numbers lie between -10^15 and 10^15, found 400 digits [P0105]"), "\(out.stderr)")
        // One problem, reported once: not also as a weight of 0.
        #expect(!out.stderr.contains("P0320"))
        #expect(!out.stderr.contains("EncodingError"))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let heavy = dir.appendingPathComponent("heavy.policy").path
        try String(contentsOfFile: CLI.packageRoot.appendingPathComponent(f("hospital.policy")).path, encoding: .utf8)
            .replacingOccurrences(of: "researchy => okr +2", with: "researchy => okr +5000")
            .write(toFile: heavy, atomically: true, encoding: .utf8)
        let check = try CLI.run(["check", heavy])
        #expect(check.status == 1)
        #expect(check.stderr.contains("an evidence weight is at most 1000, found 5000 [P0213]"), "\(check.stderr)")
        // A range ending in a huge number is one problem, not also a default out of that range.
        let range = dir.appendingPathComponent("range.policy").path
        try "policy \"r\"\nattribute x: number 0..1e308, default 60\ndecide first { otherwise => kpi }\n".write(toFile: range, atomically: true, encoding: .utf8)
        let ranged = try CLI.run(["check", range])
        #expect(ranged.status == 1)
        #expect(ranged.stderr.components(separatedBy: ": error: ").count == 2, "\(ranged.stderr)")
        #expect(ranged.stderr.contains("found 1e308 [P0105]"))
    }

    @Test func acknowledgementsKeepTheFeedInOrder() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(db, "2026-11-18").status == 0)
        let alerts = try CLI.run(["alerts", "--db", db, "--format", "json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [[String: Any]])
        let id = String(try #require(list.first?["id"] as? Int))
        let early = try CLI.run(["ack", "--db", db, id, "--note", "on it", "--as-of", "2026-10-01"])
        #expect(early.status == 1)
        #expect(early.stderr.contains("an acknowledgement dated 2026-10-01 would come before it"), "\(early.stderr)")
        let empty = try CLI.run(["ack", "--db", db, id, "--note", "  "])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("the note is empty"))
        let badDate = try CLI.run(["ack", "--db", db, id, "--note", "on it", "--as-of", "2026-13-01"])
        #expect(badDate.status == 64)
        #expect(badDate.stderr.contains("The value '2026-13-01' is invalid for '--as-of <date>': expected a date YYYY-MM-DD"), "\(badDate.stderr)")
        // With the command's own usage, not the root's.
        #expect(badDate.stderr.contains("Usage: tandem ack"))
        let ok = try CLI.run(["ack", "--db", db, id, "--note", "on it"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("acknowledged on 2026-11-18"))
    }

    // MARK: Found by the adversarial review

    @Test func aDeadlineShiftBeyondACenturyIsRefusedNotACrash() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        for shift in ["+99999999999", "-9223372036854775808", "+2147483648"] {
            let out = try whatif(db, dir, "d.yaml", "scenarios:\n  - name: d\n    changes:\n      - kr: ER-4\n        deadline: \(shift)\n")
            #expect(out.status == 1)
            #expect(out.stderr.contains("d.yaml:5:19: error: 'deadline' may move by at most 36,500 days (a century) either way, found \(shift) [S0110]"), "\(out.stderr)")
        }
    }

    @Test func aBadValueIsReportedEvenWhenALaterChangeOverwritesIt() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try whatif(db, dir, "s.yaml", "scenarios:\n  - name: s\n    changes:\n      - units: all\n        set: {research_share: -5}\n      - units: all\n        set: {research_share: 50}\n")
        #expect(out.status == 1)
        #expect(out.stderr.contains("s.yaml:5:31: error: 'research_share' must be at least 0, found -5 [P0801]"), "\(out.stderr)")
        #expect(out.stderr.components(separatedBy: ": error: ").count == 2)
    }

    @Test func theLeanIsExactForDecimalWeights() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = dir.appendingPathComponent("fp.policy").path
        try """
        policy "decimals" version "1"
        attribute x: number 0..100, default 60
        evidence {
          x > 50 => okr +0.3 "a"
          x > 50 => kpi +0.1 "b"
          x > 50 => kpi +0.2 "c"
        }
        decide first {
          when lean > 0 => okr
          when lean < 0 => kpi
          otherwise => hybrid(kpi: 50%, okr: 50%)
        }
        expect "balanced" { x: 60 } => hybrid

        """.write(toFile: policy, atomically: true, encoding: .utf8)
        let out = try CLI.run(["test", policy])
        #expect(out.status == 0, "0.3 − 0.1 − 0.2 is 0, not −2.8e-17: \(out.stdout)\(out.stderr)")
        // The lean is 0 for every unit: both leaning rows are dead, and the analysis says so of both.
        let check = try CLI.run(["check", policy])
        #expect(check.stderr.contains("row 1 can never decide") && check.stderr.contains("row 2 can never decide"), "\(check.stderr)")
    }

    @Test func forecastsAreTheSameNumbersInEveryProcess() throws {
        let sample = ["--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv"]
        let first = try CLI.run(["forecast", "--as-of", "2026-11-18", "--format", "json"] + sample)
        #expect(first.status == 0)
        for _ in 0..<2 {
            let again = try CLI.run(["forecast", "--as-of", "2026-11-18", "--format", "json"] + sample)
            #expect(again.stdout == first.stdout, "a forecast must not depend on dictionary order")
        }
    }

    @Test func csvQuotesACarriageReturnLineFeed() throws {
        #expect(parseCSV(try csvOf(title: "a\r\n=1+1")).dropFirst().first?[3] == "a\r\n=1+1")
    }

    /// The forecast CSV of a one-key-result file whose title is `title`.
    func csvOf(title: String) throws -> String {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let krs = dir.appendingPathComponent("krs.csv").path
        let quoted = "\"" + title.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        try "kr_id,objective_id,unit_id,title,kind,start_value,target_value,cycle_start,cycle_end\nK1,O1,u,\(quoted),committed,0,100,2026-10-01,2026-12-31\n"
            .write(toFile: krs, atomically: true, encoding: .utf8)
        let checkins = dir.appendingPathComponent("ci.csv").path
        try "kr_id,date,value\nK1,2026-10-15,5\n".write(toFile: checkins, atomically: true, encoding: .utf8)
        let out = try CLI.run(["forecast", "--as-of", "2026-11-18", "--format", "csv", "--krs", krs, "--checkins", checkins])
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout
    }

    @Test func writingCommandsRefuseAnEmptyFileAndLeaveItAlone() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("e.db").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        for command in [["run", "--as-of", "2026-10-21"], ["ack", "1", "--note", "x"], ["runs", "undo"], ["alerts"]] {
            let out = try CLI.run(command + ["--db", empty])
            #expect(out.status == 1, "\(command)")
            #expect(out.stderr.contains("no store here"), "\(command): \(out.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty, "\(command) wrote to the file")
        }
    }

    @Test func anAcknowledgementFarAheadIsRefused() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(db, "2026-11-18").status == 0)
        let alerts = try CLI.run(["alerts", "--db", db, "--format", "json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [[String: Any]])
        let id = String(try #require(list.first?["id"] as? Int))
        let far = try CLI.run(["ack", "--db", db, id, "--note", "later", "--as-of", "9999-12-31"])
        #expect(far.status == 1)
        #expect(far.stderr.contains("lies more than 31 days after the latest run"), "\(far.stderr)")
        // An acknowledgement dated ahead (within the month) made before a run does not block
        // undoing that run: what counts is the order things happened in.
        #expect(try CLI.run(["ack", "--db", db, id, "--note", "ahead", "--as-of", "2026-12-01"]).status == 0)
        #expect(try run(db, "2026-11-25").status == 0)
        let undo = try CLI.run(["runs", "undo", "--db", db])
        #expect(undo.status == 0, "\(undo.stderr)")
    }

    @Test func aModelThatIsNotJSONIsLocated() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.json").path
        try "{\"schema_version\": 2,\n \"kind\": x}".write(toFile: path, atomically: true, encoding: .utf8)
        let out = try CLI.run(["forecast", "--model", path, "--krs", f("krs.csv"), "--checkins", f("checkins.csv")])
        #expect(out.status == 1)
        #expect(out.stderr.contains("t.json:2: error: model file is not a Tandem forecast model: it is not valid JSON (Invalid value around character"), "\(out.stderr)")
    }

    // MARK: Errors a person understands

    @Test func scenarioProblemsAreReportedOnceWhereTheyAre() throws {
        let (db, dir) = try hospitalStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = [
            ("scenarios:\n  - name: bad pace\n    changes:\n      - kr: ER-3\n        pace: -1\n",
             "pace.yaml:5:15: error: 'pace' must be a multiplier above 0 and at most 20, found -1 [S0112]"),
            ("scenarios:\n  - name: out of range\n    changes:\n      - units: all\n        set: {research_share: 500}\n",
             "range.yaml:5:31: error: 'research_share' must be at most 100, found 500 [P0801]"),
            ("scenarios:\n  - name: bad shift\n    changes:\n      - units: all\n        shift: {uncertainty: lots}\n",
             "shift.yaml:5:30: error: 'uncertainty' must be a number, found 'lots' [S0101]"),
        ]
        for (text, expected) in cases {
            let out = try whatif(db, dir, String(expected.prefix { $0 != ":" }), text)
            #expect(out.status == 1)
            #expect(out.stderr.contains(expected), "\(out.stderr)")
            #expect(out.stderr.components(separatedBy: ": error: ").count == 2, "one problem, one error: \(out.stderr)")
        }
    }

    @Test func theShippedPolicyAndModelAreFoundFromAnyFolder() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let org = CLI.packageRoot.appendingPathComponent("datasets/xinghai/org.yaml").path
        let out = try CLI.run(["diagnose", "--org", org], in: dir)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("from \(CLI.packageRoot.appendingPathComponent("Models/selection.policy").standardized.path)")
                || out.stdout.contains("Models/selection.policy;"), "\(out.stdout)")
        let krs = CLI.packageRoot.appendingPathComponent(f("krs.csv")).path
        let checkins = CLI.packageRoot.appendingPathComponent(f("checkins.csv")).path
        let forecast = try CLI.run(["forecast", "--krs", krs, "--checkins", checkins, "--as-of", "2026-11-18"], in: dir)
        #expect(forecast.status == 0, "\(forecast.stderr)")
        #expect(forecast.stdout.contains("kr-forecast.json"))
    }
}

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF records).
func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = [], record: [String] = [], field = ""
    var quoted = false, i = text.startIndex
    while i < text.endIndex {
        let c = text[i]
        if quoted {
            if c == "\"" {
                let next = text.index(after: i)
                if next < text.endIndex && text[next] == "\"" { field.append("\""); i = next } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            record.append(field); field = ""
        } else if c == "\r\n" || c == "\n" {
            record.append(field); field = ""
            records.append(record); record = []
        } else {
            field.append(c)
        }
        i = text.index(after: i)
    }
    if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
    return records
}
