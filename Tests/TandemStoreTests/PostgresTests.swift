import Foundation
import Testing
import TandemCore
@testable import TandemStore
import TandemTestSupport

@Suite("PostgreSQL addresses (no server needed)")
struct PostgresAddressTests {
    @Test func anAddressIsReadAsLibpqReadsIt() throws {
        let a = try PostgresAddress("postgresql://hr:s%40cret@db.example.com:6543/tandem?sslmode=verify-full&connect_timeout=5", environment: [:])
        #expect(a.host == "db.example.com" && a.port == 6543 && a.user == "hr" && a.database == "tandem")
        #expect(a.password == "s@cret" && a.sslMode == .verifyFull && a.connectTimeout == 5)
        #expect(a.redacted == "postgres://hr@db.example.com:6543/tandem?sslmode=verify-full")
        // The defaults: port 5432, database named as the user, sslmode prefer, password from PGPASSWORD.
        let b = try PostgresAddress("postgres://hr@localhost", environment: ["PGPASSWORD": "from-env"])
        #expect(b.port == 5432 && b.database == "hr" && b.sslMode == .prefer && b.password == "from-env")
        #expect(PostgresAddress.isAddress("POSTGRES://x") && !PostgresAddress.isAddress("/tmp/postgres://x.db"))
    }

    @Test(arguments: [
        ("postgres://", "no host"),
        ("postgres://u@h:99999/d", "not between 1 and 65535"),
        ("postgres://u@h/d?sslmode=sometimes", "sslmode 'sometimes' is not one of"),
        ("postgres://u@h/d?pool=9", "the parameter 'pool' is not one Tandem knows"),
        ("postgres://u@h/d?sslrootcert=/x.pem", "only with sslmode=verify-ca or verify-full"),
        ("postgres://u@h/a/b", "has a '/'"),
    ])
    func aBadAddressSaysWhatIsWrong(_ text: String, _ expected: String) {
        #expect { try PostgresAddress(text, environment: [:]) } throws: { ($0 as? PostgresAddress.AddressError)?.description.contains(expected) == true }
    }

    @Test(arguments: ["postgres://u:/SECRET1@h/d", "postgres://u:99?SECRET2@h/d", "postgres://u:1234#SECRET3@h/d", "postgres://u:a@SECRET4@h/d"])
    func aPasswordWithReservedCharactersIsRefusedWithoutQuotingIt(_ text: String) {
        #expect { try openStore(text, access: .readOnly) } throws: { error in
            let words = "\(error)"
            return words.contains("percent-encode") && !words.contains("SECRET")
        }
    }

    @Test func theAddressMayCarryUserAndPasswordAsParameters() throws {
        let a = try PostgresAddress("postgres://h/d?user=hr&password=p%40ss", environment: [:])
        #expect(a.user == "hr" && a.password == "p@ss" && !a.redacted.contains("p@ss"))
        #expect(!displayLocation("postgres://h/d?password=SECRET5&sslmode=bogus").contains("SECRET5"))
    }

    @Test func aPasswordIsNeverShown() {
        #expect(displayLocation("postgres://hr:hunter2@h:5/d") == "postgres://hr@h:5/d")
        #expect(!displayLocation("postgres://hr:hunter2@h:5/d?sslmode=bogus").contains("hunter2"))
        #expect { try openStore("postgres://hr:hunter2@h:5/d?sslmode=bogus", access: .readOnly) } throws: { error in
            let text = "\(error)"
            return !text.contains("hunter2") && text.contains("sslmode 'bogus'")
        }
    }

    @Test func anUnreachableServerIsSaidInWords() throws {
        // A port on loopback nobody listens on.
        #expect { try openStore("postgres://u:pw-secret@127.0.0.1:9/d?connect_timeout=2", access: .readOnly) } throws: { error in
            guard let e = error as? StoreError else { return false }
            return e.kind == .unavailable && e.message.contains("connection refused") && !"\(e)".contains("pw-secret")
        }
    }
}

@Suite("PostgreSQL store")
struct PostgresStoreTests {
    @Test func tlsIsUsedWhenAskedForAndCertificatesAreChecked() throws {
        try Backend.postgres.require()
        let base = Backend.postgresURL!
        // The cluster `make test` starts has TLS on, with a self-signed certificate beside it (ca.crt).
        let required = base + "?sslmode=require"
        let store = try openStore(required, access: .create)
        try store.close()
        if let folder = ProcessInfo.processInfo.environment["TANDEM_TEST_POSTGRES_DIR"] {
            let ca = folder + "/ca.crt"
            let verified = try openStore(base + "?sslmode=verify-full&sslrootcert=\(ca)", access: .create)
            try verified.close()
            // verify-ca checks the signature only: a host name the certificate does not name passes.
            // (verify-full checks it, but NIOSSL also accepts a certificate that names the IP
            // address connected to, whatever name was given: a known difference from libpq.)
            let named = base.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            try openStore(named + "?sslmode=verify-ca&sslrootcert=\(ca)", access: .create).close()
            // The system's roots do not sign a self-signed certificate: refused, in words.
            #expect { try openStore(base + "?sslmode=verify-full", access: .create) } throws: { error in
                guard let e = error as? StoreError else { return false }
                return e.kind == .unavailable && e.message.contains("TLS")
            }
        }
    }

    @Test func aWrongPasswordIsRefusedWithoutShowingIt() throws {
        try Backend.postgres.require()
        guard let url = ProcessInfo.processInfo.environment["TANDEM_TEST_POSTGRES_PASSWORD_URL"] else {
            try Test.cancel("the cluster has no role with a password (TANDEM_TEST_POSTGRES_PASSWORD_URL)")
        }
        // The URL carries the user and no password; the password comes from the environment.
        let store = try openStore(url, access: .create, environment: ["PGPASSWORD": "tandem-pw-2026"])
        try store.close()
        #expect { try openStore(url, access: .create, environment: ["PGPASSWORD": "wrong-guess-xyz"]) } throws: { error in
            let text = "\(error)"
            return text.contains("refused the login") && !text.contains("wrong-guess-xyz")
        }
    }

    @Test func anEmptyDatabaseIsNoStoreButAnImportMakesOne() throws {
        let scratch = try Backend.postgres.scratch()
        defer { scratch.remove() }
        #expect { try scratch.open(.readOnly) } throws: { ($0 as? StoreError)?.message.contains("no store here") == true }
        let store = try scratch.open(.create)
        try store.close()
        let again = try scratch.open(.readOnly)
        #expect(try again.counts().units == 0)
        try again.close()
    }

    @Test func aDatabaseOfOtherTablesIsRefused() throws {
        let scratch = try Backend.postgres.scratch()
        defer { scratch.remove() }
        try PostgresAdmin.execute(scratch.location, "CREATE TABLE payroll (id int)")
        #expect { try scratch.open(.create) } throws: { ($0 as? StoreError)?.message.contains("not a Tandem store") == true }
    }

    @Test func aConnectionTheServerClosedWhileIdleIsOpenedAgain() throws {
        let scratch = try Backend.postgres.scratch()
        defer { scratch.remove() }
        let store = try makeStoreAt(scratch)
        defer { try? store.close() }
        // The server ends sessions idle for more than 300 ms (as a pooler or a restart would).
        try PostgresAdmin.execute(scratch.location, "ALTER ROLE tandem IN DATABASE \(scratch.location.split(separator: "/").last!) SET idle_session_timeout = '300ms'")
        let late = try scratch.open(.readWrite)
        defer { try? late.close() }
        _ = try late.counts()
        usleep(900_000)
        // The run computed meanwhile: its write opens the connection again and lands.
        #expect(try record(late, Day(iso: "2026-10-07")!, [observe("KR-1", .warning, p: 0.4)]).events.count == 1)
        usleep(900_000)
        #expect(try late.alerts().count == 1)
    }

    /// A server's requests read and write side by side on a pool of connections: one long
    /// transaction does not hold up another; at most ``PostgresStore/connections`` are opened,
    /// and one more caller waits for one to come back.
    @Test func transactionsAtOnceRunOnSeveralConnectionsUpToTheLimit() throws {
        let scratch = try Backend.postgres.scratch()
        defer { scratch.remove() }
        let store = try makeStoreAt(scratch)
        defer { try? store.close() }
        let limit = PostgresStore.connections
        // `limit` transactions held open at once, each until the gate opens.
        let gate = DispatchSemaphore(value: 0), inside = DispatchSemaphore(value: 0), done = DispatchGroup()
        let failures = Failures()
        for _ in 0..<limit {
            DispatchQueue.global().async(group: done) {
                do {
                    try store.withRows("hold", writing: false) { rows in
                        _ = try rows.fetch("SELECT 1", [], [.integer])
                        inside.signal()
                        gate.wait()
                    }
                } catch { failures.add("\(error)") }
            }
        }
        // All of them are inside their transactions together: none waited for another.
        let deadline = DispatchTime.now() + 120
        for _ in 0..<limit { #expect(inside.wait(timeout: deadline) == .success) }
        let admin = try PostgresSession.connect(try PostgresAddress(scratch.location))
        defer { admin.close() }
        let connections = try admin.scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", as: Int.self)
        #expect(connections == limit)
        // One more waits for a connection to come back, and then runs.
        let extra = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            do { _ = try store.counts() } catch { failures.add("the extra caller: \(error)") }
            extra.signal()
        }
        #expect(extra.wait(timeout: .now() + 1) == .timedOut)
        for _ in 0..<limit { gate.signal() }
        #expect(extra.wait(timeout: .now() + 120) == .success)
        #expect(done.wait(timeout: .now() + 120) == .success)
        #expect(failures.list.isEmpty, "\(failures.list)")
        // Closed, the store's connections end and its calls fail in words.
        try store.close()
        #expect { try store.counts() } throws: { ($0 as? StoreError)?.message.contains("closed") == true }
    }

    @Test func aSessionTheServerEndsMidStatementFailsInWordsAtOnce() throws {
        let scratch = try Backend.postgres.scratch()
        defer { scratch.remove() }
        let session = try PostgresSession.connect(try PostgresAddress(scratch.location))
        defer { session.close() }
        let pid = try #require(try session.scalar("SELECT pg_backend_pid()", as: Int32.self))
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) {
            try? PostgresAdmin.execute(scratch.location, "SELECT pg_terminate_backend(\(pid))")
        }
        let start = Date()
        #expect {
            try session.transaction("BEGIN") { s in try s.execute("SELECT pg_sleep(30)") }
        } throws: { error in
            let e = PostgresStore.failure(error, location: "x", operation: "read")
            return e.message.contains("connection to the server was lost") || e.message.contains("terminating connection")
        }
        // Within seconds, not the statement deadline (150 s) nor the sleep (30 s).
        #expect(Date().timeIntervalSince(start) < 25)
        // The session opens a new connection for its next transaction.
        #expect(try session.transaction("BEGIN") { s in try s.scalar("SELECT 1", as: Int.self) } == 1)
    }

    @Test func zeroIsKeptWithoutItsSignAsOnSQLite() throws {
        let (store, scratch) = try makeStore(.postgres)
        defer { try? store.close(); scratch.remove() }
        let day = Day(iso: "2026-10-07")!
        let basis = try store.runBasis(day: day)
        try store.recordRun(RunWrite(day: day, policy: "p", model: "m", decisions: [StoredDecision(day: day, unitID: "rd", mode: .okr, outcome: nil, lean: -0.0)],
                                     forecasts: [StoredForecast(day: day, keyResultID: "KR-1", pSuccess: 0.5, progress: -0.0, elapsed: -0.0)],
                                     transitions: [], policyVersion: nil), generation: basis.generation)
        #expect(try store.forecasts(keyResult: "KR-1", day: nil).first?.progress.sign == .plus)
        #expect(try store.decisions(day: nil).first?.lean.sign == .plus)
    }

    @Test func aDatabaseNotInUTF8IsRefused() throws {
        try Backend.postgres.require()
        let base = Backend.postgresURL!
        let name = "t_latin1_" + UUID().uuidString.prefix(8).lowercased()
        try PostgresAdmin.execute(base, "CREATE DATABASE \(name) ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
        defer { try? PostgresAdmin.execute(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        #expect { try openStore(PostgresAdmin.replacingDatabase(base, with: name), access: .create) } throws: {
            ($0 as? StoreError)?.message.contains("encoding is LATIN1; Tandem needs UTF8") == true
        }
    }

    @Test func aStoreOfANewerTandemIsRefused() throws {
        let scratch = try Backend.postgres.scratch()
        defer { scratch.remove() }
        try scratch.open(.create).close()
        try PostgresAdmin.execute(scratch.location, "INSERT INTO tandem_migrations (identifier) VALUES ('v99: from the future')")
        for access in [StoreAccess.readOnly, .readWrite, .create] {
            #expect { try scratch.open(access) } throws: { ($0 as? StoreError)?.message.contains("newer Tandem (schema step 'v99: from the future')") == true }
        }
    }

    @Test func anOlderStoreIsBroughtUpToDateOnOpening() throws {
        let scratch = try Backend.postgres.scratch()
        defer { scratch.remove() }
        let store = try makeStoreAt(scratch)
        try record(store, Day(iso: "2026-10-07")!, [observe("KR-1", .warning, p: 0.4)])
        let digest = try store.digest()
        try store.close()
        // As a Tandem of schema v6 left it: without v7's indexes, v8's and v9's tables and column, or their records.
        for sql in ["DROP INDEX alert_inbox", "DROP INDEX alert_unit", "DROP INDEX unit_parent", "DROP INDEX key_result_order",
                    "DROP TABLE account, web_session, api_token, audit_log, scenario, person, notification, reminder",
                    "ALTER TABLE alert DROP COLUMN snoozed_until",
                    "DROP INDEX IF EXISTS alert_inbox_p", "DROP INDEX IF EXISTS alert_inbox_age", "DROP INDEX IF EXISTS alert_owner",
                    "DELETE FROM tandem_migrations WHERE identifier LIKE 'v7:%' OR identifier LIKE 'v8:%' OR identifier LIKE 'v9:%'"] {
            try PostgresAdmin.execute(scratch.location, sql)
        }
        // A reading command opens it: the step is applied first, the content untouched.
        let reopened = try scratch.open(.readOnly)
        defer { try? reopened.close() }
        #expect(try reopened.digest() == digest)
        #expect(try reopened.inbox(InboxQuery()).alerts.count == 1)
        try PostgresAdmin.execute(scratch.location, "DO $$ BEGIN IF to_regclass('alert_inbox') IS NULL THEN RAISE EXCEPTION 'no index'; END IF; END $$")
    }

    @Test func manyProcessesCreatingTheSchemaAtOnceAllSucceed() throws {
        let scratch = try Backend.postgres.scratch()
        defer { scratch.remove() }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            do { try scratch.open(.create).close() } catch { failures.add("\(error)") }
        }
        #expect(failures.list.isEmpty, "\(failures.list)")
        let store = try scratch.open(.readOnly)
        #expect(try store.counts().units == 0)
        try store.close()
    }

    @Test(arguments: Backend.allCases) func anotherOrganisationSeesNothing(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        try record(store, Day(iso: "2026-10-07")!, [observe("KR-1", .warning, p: 0.4)])
        let other = try scratch.open(.create, organisation: "client-b")
        defer { try? other.close() }
        _ = try other.importDataset(Dataset(organisation: Organisation(units: [OrgUnit(id: "hq", name: "总部")]),
                                            keyResults: KeyResultTable(keyResults: [], index: [:], locations: []),
                                            checkIns: CheckInLog(checkIns: [], ranges: [])), files: ["b"])
        #expect(try other.counts() == StoreCounts(units: 1, keyResults: 0, checkIns: 0, imports: 1, runs: 0, alerts: 0))
        #expect(try other.alerts().isEmpty && other.events().isEmpty && other.unitIDs() == ["hq"])
        #expect(try other.loadDataset().keyResults.keyResults.isEmpty)
        let id = try #require(try store.alerts().first?.id)
        #expect { try other.acknowledgementBasis(alert: id) } throws: { ($0 as? StoreError)?.kind == .notFound }
        #expect(try !other.eventExists(try store.events()[0].id))
        // Without --org-key, a store of two organisations is refused, naming them.
        #expect { try scratch.open(.readOnly) } throws: { ($0 as? StoreError)?.message.contains("several organisations") == true }
    }
}

@Suite("A store copied between backends")
struct CopyTests {
    @Test(arguments: [(Backend.postgres, Backend.sqlite), (.sqlite, .postgres)])
    func aStoreWithoutAlertsNumbersItsFirstAlertOneOnBothSides(_ from: Backend, _ to: Backend) throws {
        let (source, scratch) = try makeStore(from)
        defer { try? source.close(); scratch.remove() }
        let target = try to.scratch()
        defer { target.remove() }
        let copy = try target.open(.create)
        defer { try? copy.close() }
        try copy.insertContent(try source.content())
        let day = Day(iso: "2026-10-07")!
        let a = try record(source, day, [observe("KR-1", .warning, p: 0.4)]).events, b = try record(copy, day, [observe("KR-1", .warning, p: 0.4)]).events
        #expect(a.map(\.alertID) == [1] && b.map(\.alertID) == [1] && a == b)
        #expect(try source.digest() == copy.digest())
    }

    @Test(arguments: [(Backend.sqlite, Backend.postgres), (.postgres, .sqlite), (.sqlite, .sqlite)])
    func everythingArrivesWithTheSameDigest(_ from: Backend, _ to: Backend) throws {
        let (source, scratch) = try makeStore(from)
        defer { try? source.close(); scratch.remove() }
        let week = (0..<4).map { Day(iso: "2026-10-07")!.advanced(by: 7 * $0) }
        try record(source, week[0], [observe("KR-1", .warning, p: 0.4), observe("KR-2", .critical, p: 0.1)])
        try acknowledge(source, try #require(try source.alerts().first?.id), "已知", week[0])
        try record(source, week[1], [observe("KR-1", .critical, p: 0.2)])
        try record(source, week[2], [observe("KR-3", .info, p: 0.6)])
        _ = try source.undoLatestRun()
        try source.recordDelivery(event: 1, url: "http://127.0.0.1:9/hook", delivered: true)
        let target = try to.scratch()
        defer { target.remove() }
        let copy = try target.open(.create)
        defer { try? copy.close() }
        let content = try source.content()
        try copy.insertContent(content)
        #expect(try copy.digest() == source.digest())
        #expect(try copy.events() == source.events())
        #expect(try copy.alerts() == source.alerts())
        #expect(try copy.runs() == source.runs())
        // The numbering goes on after the undone run's numbers: none is given twice.
        #expect(content.alertCounter >= (try source.alerts().map(\.id).max() ?? 0))
        try record(copy, week[2], [observe("KR-3", .info, p: 0.6)])
        let newest = try #require(try copy.events().last?.id)
        #expect(newest > content.eventCounter)
        // A second copy into the same organisation is refused; nothing changes.
        let digest = try copy.digest()
        #expect { try copy.insertContent(content) } throws: { ($0 as? StoreError)?.message.contains("already holds") == true }
        #expect(try copy.digest() == digest)
    }
}

/// A store with the one unit and three key results of ``makeStore(_:)``, at a scratch location.
func makeStoreAt(_ scratch: Scratch) throws -> any Store {
    let store = try scratch.open()
    let cycle = Cycle(start: Day(iso: "2026-10-01")!, end: Day(iso: "2026-12-31")!)
    var table = KeyResultTable(keyResults: [], index: [:], locations: [])
    for k in 1...3 {
        table.index["KR-\(k)"] = table.keyResults.count
        table.keyResults.append(KeyResult(id: "KR-\(k)", objectiveID: "O-1", unitID: "rd", title: "目标 \(k)", kind: .committed,
                                          startValue: 0, targetValue: 10, cycle: cycle, owner: "王磊"))
        table.locations.append(SourceLocation(file: "t", line: 0, column: 0))
    }
    _ = try store.importDataset(Dataset(organisation: Organisation(units: [OrgUnit(id: "rd", name: "研发中心")]), keyResults: table,
                                        checkIns: CheckInLog(checkIns: [], ranges: [0..<0, 0..<0, 0..<0])), files: ["test"])
    return store
}

@Suite("Texts a store cannot keep")
struct TextTests {
    @Test(arguments: Backend.allCases) func aNULCharacterIsRefusedAndNothingImported(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        let before = try store.digest()
        #expect { try store.importDataset(Dataset(organisation: Organisation(units: [OrgUnit(id: "rd", name: "研发\u{0}中心")]),
                                                  keyResults: KeyResultTable(keyResults: [], index: [:], locations: []),
                                                  checkIns: CheckInLog(checkIns: [], ranges: [])), files: ["nul"]) } throws: { error in
            (error as? StoreError)?.message.contains("NUL character") == true
        }
        #expect(try store.digest() == before)
    }
}
