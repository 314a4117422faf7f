import Benchmark
import Foundation
import GRDB
import TandemCore
import TandemService
import TandemStore

/// The same workloads on PostgreSQL as on SQLite, in the same run: the weekly run over the
/// 10,000-unit organisation, importing its export, and the alert inbox on a ledger of a million
/// events. PostgreSQL needs a server: `make bench` starts a throwaway cluster and passes its URL
/// in TANDEM_BENCH_POSTGRES; without it these benchmarks say so and are not registered.
enum BackendWorkload {
    static let server = ProcessInfo.processInfo.environment["TANDEM_BENCH_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

    static func database(_ name: String) -> String { PostgresAdmin.replacingDatabase(server!, with: name) }

    /// A database holding the 10,000-unit organisation, imported once per cluster (from the same
    /// files as the SQLite store, by the release `tandem`, in a child process).
    static let weeklyBase: String = {
        let url = database("bench_weekly_base")
        if (try? openStore(url, access: .readOnly).close()) != nil { return url }
        try? PostgresAdmin.execute(server!, "CREATE DATABASE bench_weekly_base")
        _ = RunWorkload.prepare()
        let files = RunWorkload.data.appendingPathComponent("files").path
        let p = Process()
        p.executableURL = RunWorkload.root.appendingPathComponent(".build/release/tandem")
        p.arguments = ["import", "--db", url, "--org", files + "/org.yaml", "--krs", files + "/krs.csv", "--checkins", files + "/checkins.csv"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try! p.run()
        p.waitUntilExit()
        precondition(p.terminationStatus == 0, "importing the benchmark organisation into PostgreSQL failed")
        return url
    }()

    /// A fresh copy of a database (PostgreSQL copies its files: seconds, not an import).
    static func fresh(_ name: String, from template: String) throws -> String {
        try PostgresAdmin.execute(server!, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        try PostgresAdmin.execute(server!, "CREATE DATABASE \(name) TEMPLATE \(template)")
        return database(name)
    }

    /// Fills a store's ledger with about a million events: one alert per key result (a third
    /// resolved, severities and chances spread by a hash of the number), five events each.
    static func fillLedger(_ location: String, postgres: Bool) throws {
        let alerts = """
            INSERT INTO alert (org, kr_id, unit_id, owner, title, severity, status, rules, reasons, p_success, opened_day, updated_day)
            SELECT org, id, unit_id, owner, title,
              CASE (ordinal * 7) % 3 WHEN 0 THEN 'critical' WHEN 1 THEN 'warning' ELSE 'info' END,
              CASE WHEN (ordinal * 11) % 3 = 0 THEN 'resolved' ELSE 'open' END,
              'behind', 'P(success) low', ((ordinal * 7919) % 1000) / 1000.0, cycle_start, cycle_start
            FROM key_result
            """
        let events = """
            INSERT INTO alert_event (org, alert_id, day, kind, severity, reasons)
            SELECT a.org, a.id, a.opened_day + 7 * g.n, CASE g.n WHEN 0 THEN 'opened' ELSE 'updated' END, a.severity, 'P(success) low'
            FROM alert a CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) g
            """
        if postgres {
            try PostgresAdmin.execute(location, alerts)
            try PostgresAdmin.execute(location, events)
            try PostgresAdmin.execute(location, "ANALYZE")
        } else {
            // Brought to the current schema first, then filled directly.
            try SQLiteStore(path: location, access: .readWrite).close()
            let queue = try DatabaseQueue(path: location)
            try queue.write { db in
                try db.execute(sql: alerts)
                try db.execute(sql: events)
                try db.execute(sql: "ANALYZE")
            }
            try queue.close()
        }
    }

    /// The SQLite store with the million-event ledger, made once and cached.
    static let inboxSQLite: String = {
        let path = RunWorkload.data.appendingPathComponent("inbox.db").path
        if FileManager.default.fileExists(atPath: path) { return path }
        try! FileManager.default.copyItem(atPath: RunWorkload.prepare(), toPath: path + ".tmp")
        try! fillLedger(path + ".tmp", postgres: false)
        try! FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        return path
    }()

    static let inboxPostgres: String = {
        _ = weeklyBase
        let url = try! fresh("bench_inbox", from: "bench_weekly_base")
        try! fillLedger(url, postgres: true)
        return url
    }()

    /// A copy of the inbox store with its people: every owner of a key result (weekly, in
    /// Shanghai), the first owner of each unit one or two levels below the root as its lead
    /// (daily), and HR. Made once and cached.
    static let notifySQLite: String = {
        let path = RunWorkload.data.appendingPathComponent("notify.db").path
        if FileManager.default.fileExists(atPath: path) { return path }
        try! FileManager.default.copyItem(atPath: inboxSQLite, toPath: path + ".tmp")
        let store = try! SQLiteStore(path: path + ".tmp", access: .readWrite)
        let cards = try! store.keyResultCards(), units = try! store.unitCards()
        let parent = Dictionary(units.map { ($0.id, $0.parentID) }, uniquingKeysWith: { a, _ in a })
        func depth(_ id: String) -> Int { var d = 0, at = parent[id] ?? nil; while let p = at { d += 1; at = parent[p] ?? nil }; return d }
        var firstOwner: [String: String] = [:]
        for k in cards { if let o = k.owner, firstOwner[k.unitID] == nil { firstOwner[k.unitID] = o } }
        var leads: [String: [String]] = [:]
        for u in units where (1...2).contains(depth(u.id)) { if let o = firstOwner[u.id] { leads[o, default: []].append(u.id) } }
        let owners = Set(cards.compactMap(\.owner)).sorted()
        var people = owners.enumerated().map { n, o in
            Person(name: o, email: "p\(n)@bench.example.com", manager: nil, units: leads[o] ?? [], role: leads[o] == nil ? .member : .lead,
                   timeZone: "Asia/Shanghai", cadence: leads[o] == nil ? .weekly : .daily)
        }
        people.append(Person(name: "人力资源", email: "hr@bench.example.com", manager: nil, units: [], role: .hr, timeZone: "UTC", cadence: .weekly))
        _ = try! store.replacePeople(people, audit: AuditEntry(at: 0, actor: "bench", action: "people-import", target: "bench"))
        try! store.close()
        try! FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        return path
    }()

    /// The largest unit one level below the root (a division: its subtree) of the organisation.
    static func division(_ store: any Store) throws -> String {
        let units = try store.loadDataset().organisation!.units
        let root = units.first { $0.parentID == nil }!.id
        var children: [String: [String]] = [:]
        for u in units { if let p = u.parentID { children[p, default: []].append(u.id) } }
        func size(_ id: String) -> Int { 1 + (children[id] ?? []).reduce(0) { $0 + size($1) } }
        return (children[root] ?? []).max { size($0) < size($1) }!
    }

    /// The stores with the million-event ledger, opened once (outside every measurement), and
    /// the division whose inbox is asked for.
    static let inboxStores: [String: (store: any Store, division: String)] = {
        var stores: [String: (store: any Store, division: String)] = [:]
        let sqlite = try! SQLiteStore(path: inboxSQLite, access: .readOnly)
        stores["SQLite"] = (sqlite, try! division(sqlite))
        if server != nil {
            let postgres = try! openStore(inboxPostgres, access: .readOnly)
            stores["PostgreSQL"] = (postgres, try! division(postgres))
        }
        for (_, s) in stores { precondition(try! s.store.counts().alerts > 150_000) }
        return stores
    }()
}

func storeBackendBenchmarks() {
    let policy = RunWorkload.root.appendingPathComponent("Models/selection.policy").path
    let model = RunWorkload.root.appendingPathComponent("Models/kr-forecast.json").path
    let request = WeeklyRunRequest(day: RunWorkload.day, policyPath: policy, modelPath: model, recalibrate: false, force: true)
    let files = RunWorkload.data.appendingPathComponent("files").path
    let importRequest = ImportRequest(organisation: files + "/org.yaml", keyResults: files + "/krs.csv", checkIns: files + "/checkins.csv")

    // Importing the 10,000-unit export (10,000 units, ~200,000 key results, ~1.3 million
    // check-ins) into a new store, as `tandem import` does: files checked, then written.
    Benchmark("import the 10k-unit export: SQLite") { benchmark in
        _ = RunWorkload.prepare()
        let path = RunWorkload.data.appendingPathComponent("import-bench.db").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        benchmark.startMeasurement()
        let outcome = try StoreService.importFiles(importRequest, into: path)
        benchmark.stopMeasurement()
        precondition(outcome.counts.units == 10_000)
    }

    guard BackendWorkload.server != nil else {
        FileHandle.standardError.write(Data("TANDEM_BENCH_POSTGRES is not set: the PostgreSQL benchmarks are not run (make bench starts a cluster)\n".utf8))
        return
    }

    Benchmark("weekly run: 10k units, ~100k open KRs, ~1.3M check-ins: PostgreSQL") { benchmark in
        _ = BackendWorkload.weeklyBase
        let url = try BackendWorkload.fresh("bench_weekly_run", from: "bench_weekly_base")
        benchmark.startMeasurement()
        let store = try openStore(url, access: .readWrite)
        let outcome = try WeeklyRunService.run(request, store: store)
        try store.close()
        benchmark.stopMeasurement()
        precondition((outcome.run?.observations.count ?? 0) >= 90_000)
    }

    Benchmark("import the 10k-unit export: PostgreSQL") { benchmark in
        _ = RunWorkload.prepare()
        try PostgresAdmin.execute(BackendWorkload.server!, "DROP DATABASE IF EXISTS bench_import WITH (FORCE)")
        try PostgresAdmin.execute(BackendWorkload.server!, "CREATE DATABASE bench_import")
        let url = BackendWorkload.database("bench_import")
        benchmark.startMeasurement()
        let outcome = try StoreService.importFiles(importRequest, into: url)
        benchmark.stopMeasurement()
        precondition(outcome.counts.units == 10_000)
    }

}

/// The alert inbox: the first page (50) of the open alerts of a division's subtree, and of the
/// whole organisation, most severe first, on a ledger of a million events; then the fifth page of
/// the whole organisation (keyset: as cheap as the first).
func notifyBenchmarks() {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, warmupIterations: 1,
                                                maxDuration: .seconds(60), maxIterations: 5)
    // The ledger was filled directly (no run recorded): the round reports up to the workload's day.
    let request = NotifyRequest(asOf: RunWorkload.day, at: Date(timeIntervalSince1970: 1_796_000_000), dryRun: true)
    // Every digest of a round, as `tandem notify --dry-run` plans it: read the people, accounts,
    // live alerts, notifying events and the catalogue; build each person's digest by their
    // rights; render each email (text and HTML).
    Benchmark("notify: plan every digest of the 10k-unit organisation's ledger (dry run): SQLite", configuration: configuration) { benchmark in
        let store = try SQLiteStore(path: BackendWorkload.notifySQLite, access: .readOnly)
        benchmark.startMeasurement()
        let plan = try NotifyService.plan(store: store, request: request)
        benchmark.stopMeasurement()
        precondition(plan.messages.count > 500, "too few digests: \(plan.messages.count)")
        blackHole(plan.messages.count)
        try store.close()
    }
    // The reference in the same run: the reads alone that the plan makes, no digest built.
    Benchmark("reference: notify's reads alone (catalogue, live alerts, notifying events, last check-ins): SQLite", configuration: configuration) { benchmark in
        let store = try SQLiteStore(path: BackendWorkload.notifySQLite, access: .readOnly)
        benchmark.startMeasurement()
        let catalogue = try Catalogue.load(store: store)
        let day = RunWorkload.day
        let alerts = try store.alerts(AlertFilter(status: .open)) + store.alerts(AlertFilter(status: .acked))
        let events = try store.notifyingEvents(after: 0, through: day)
        let last = try store.lastCheckInDays(onOrBefore: day)
        benchmark.stopMeasurement()
        blackHole(catalogue.units.count + alerts.count + events.count + last.count)
        try store.close()
    }
}

func inboxBenchmarks() {
    let configuration = Benchmark.Configuration(metrics: [.wallClock], timeUnits: .microseconds, warmupIterations: 5,
                                                maxDuration: .seconds(5), maxIterations: 500)
    for backend in ["SQLite", "PostgreSQL"] where backend == "SQLite" || BackendWorkload.server != nil {
        Benchmark("alert inbox, 1M-event ledger, first page of a division: \(backend)", configuration: configuration) { benchmark in
            let (store, division) = BackendWorkload.inboxStores[backend]!
            benchmark.startMeasurement()
            blackHole(try store.inbox(InboxQuery(unit: division, limit: 50)).alerts.count)
            benchmark.stopMeasurement()
        }
        Benchmark("alert inbox, 1M-event ledger, first page of the organisation: \(backend)", configuration: configuration) { benchmark in
            let (store, _) = BackendWorkload.inboxStores[backend]!
            benchmark.startMeasurement()
            blackHole(try store.inbox(InboxQuery(limit: 50)).alerts.count)
            benchmark.stopMeasurement()
        }
        Benchmark("alert inbox, 1M-event ledger, fifth page of the organisation: \(backend)", configuration: configuration) { benchmark in
            let (store, _) = BackendWorkload.inboxStores[backend]!
            var cursor: InboxCursor?
            for _ in 1...4 { cursor = try store.inbox(InboxQuery(limit: 50, after: cursor)).next }
            benchmark.startMeasurement()
            blackHole(try store.inbox(InboxQuery(limit: 50, after: cursor)).alerts.count)
            benchmark.stopMeasurement()
        }
    }
}
