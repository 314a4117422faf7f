import Foundation
import Testing
import TandemCore
@testable import TandemEngine
@testable import TandemStore
import TandemTestSupport

@Suite("Accounts, sessions, tokens, the audit log and snoozes, on both backends")
struct AccountTests {
    func account(_ email: String, _ role: Role = .member, units: [String] = [], person: String? = nil) -> Account {
        Account(email: email, name: "名字 \(email)", role: role, units: units, person: person, passwordHash: "$2b$04$hash-of-\(email)", created: 1_700_000_000)
    }

    func entry(_ action: String, _ target: String) -> AuditEntry { AuditEntry(at: 1_700_000_100, actor: "test", action: action, target: target) }

    @Test(arguments: Backend.allCases) func accountsAreAddedChangedAndRemovedWithTheirAuditLines(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        try store.saveAccount(account("b@x.cn", .lead, units: ["rd"]), replacing: false, audit: entry("account-add", "b@x.cn"))
        try store.saveAccount(account("a@x.cn", person: "王磊"), replacing: false, audit: entry("account-add", "a@x.cn"))
        #expect(try store.accounts().map(\.email) == ["a@x.cn", "b@x.cn"])
        #expect(try store.account(email: "b@x.cn")?.units == ["rd"])
        #expect(try store.account(email: "a@x.cn")?.person == "王磊")
        // The same email twice is refused; changing one that does not exist is not found.
        #expect { try store.saveAccount(account("a@x.cn"), replacing: false, audit: entry("account-add", "a@x.cn")) } throws: {
            ($0 as? StoreError)?.message.contains("exists already") == true
        }
        #expect { try store.saveAccount(account("z@x.cn"), replacing: true, audit: entry("role-change", "z@x.cn")) } throws: {
            ($0 as? StoreError)?.kind == .notFound
        }
        var changed = account("a@x.cn", .hr, person: "王磊")
        changed.name = "王磊 (HR)"
        try store.saveAccount(changed, replacing: true, audit: entry("role-change", "a@x.cn"))
        #expect(try store.account(email: "a@x.cn")?.role == .hr)
        try store.removeAccount(email: "b@x.cn", audit: entry("account-remove", "b@x.cn"))
        #expect(try store.accounts().map(\.email) == ["a@x.cn"])
        #expect { try store.removeAccount(email: "b@x.cn", audit: entry("account-remove", "b@x.cn")) } throws: { ($0 as? StoreError)?.kind == .notFound }
        // Newest first; a refused change wrote no line.
        #expect(try store.auditLog(limit: 10).map(\.action) == ["account-remove", "role-change", "account-add", "account-add"])
        #expect(try store.auditLog(limit: 2).count == 2)
        let oldest = try store.auditLog(limit: 10).last!.id
        #expect(try store.auditLog(limit: 10, before: oldest).isEmpty)
        // Accounts are not content: the digest does not move with them.
        let digest = try store.digest()
        try store.saveAccount(account("c@x.cn"), replacing: false, audit: entry("account-add", "c@x.cn"))
        #expect(try store.digest() == digest)
    }

    @Test(arguments: Backend.allCases) func sessionsExpireAndEndWhenTheRoleOrPasswordChanges(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        try store.saveAccount(account("a@x.cn"), replacing: false, audit: entry("account-add", "a@x.cn"))
        let s = WebSession(id: "digest-1", email: "a@x.cn", csrf: "c1", created: 1000, expires: 2000, address: "127.0.0.1")
        try store.createSession(s, audit: entry("sign-in", "a@x.cn"))
        #expect(try store.session(id: "digest-1", now: 1500)?.0 == s)
        #expect(try store.session(id: "digest-1", now: 1500)?.1.email == "a@x.cn")
        #expect(try store.session(id: "digest-1", now: 2000) == nil)  // expired
        #expect(try store.session(id: "digest-2", now: 1500) == nil)  // unknown
        // A new sign-in sweeps the expired sessions of every account.
        try store.createSession(WebSession(id: "digest-2", email: "a@x.cn", csrf: "c2", created: 3000, expires: 4000), audit: entry("sign-in", "a@x.cn"))
        #expect(try store.session(id: "digest-1", now: 1500) == nil)
        // A new role ends the account's sessions; a new name does not.
        var renamed = account("a@x.cn")
        renamed.name = "新名字"
        try store.saveAccount(renamed, replacing: true, audit: entry("rename", "a@x.cn"))
        #expect(try store.session(id: "digest-2", now: 3500) != nil)
        try store.saveAccount(account("a@x.cn", .hr), replacing: true, audit: entry("role-change", "a@x.cn"))
        #expect(try store.session(id: "digest-2", now: 3500) == nil)
        // Signing out ends one session.
        try store.createSession(WebSession(id: "digest-3", email: "a@x.cn", csrf: "c3", created: 3000, expires: 4000), audit: entry("sign-in", "a@x.cn"))
        try store.endSession(id: "digest-3", audit: entry("sign-out", "a@x.cn"))
        #expect(try store.session(id: "digest-3", now: 3500) == nil)
    }

    /// A cell of a damaged SQLite store whose storage does not fit its column (SQLite keeps any
    /// value in any column) reads as null, as everywhere in the store: a session whose expiry is
    /// text is not valid for ever, an alert whose P(success) is text is damaged, not 0.
    @Test func aCellOfTheWrongStorageIsNullNotConverted() throws {
        let (store, scratch) = try makeStore(.sqlite)
        defer { try? store.close(); scratch.remove() }
        try store.saveAccount(account("a@x.cn"), replacing: false, audit: entry("account-add", "a@x.cn"))
        try store.createSession(WebSession(id: "d-1", email: "a@x.cn", csrf: "c", created: 1000, expires: 2000), audit: entry("sign-in", "a@x.cn"))
        #expect(try store.session(id: "d-1", now: 1500) != nil)
        func damage(_ sql: String) throws { _ = try store.withRows("damage", writing: true) { try $0.run(sql, []) } }
        try damage("UPDATE web_session SET expires_at = 'expired'")
        #expect(try store.session(id: "d-1", now: 1500) == nil)
        let day = Day(iso: "2026-10-07")!
        try record(store, day, [observe("KR-1", .critical, p: 0.1), observe("KR-2", .warning, p: 0.3)])
        #expect(try store.alertPage(AlertPageQuery(day: day)) { _ in true }.alerts.count == 2)
        try damage("UPDATE alert SET p_success = 'abc' WHERE kr_id = 'KR-1'")
        #expect(throws: StoreError.self) { try store.alertPage(AlertPageQuery(day: day)) { _ in true } }
        try damage("UPDATE alert SET p_success = 0.1, title = CAST(X'FFFE41' AS TEXT) WHERE kr_id = 'KR-1'")
        #expect(throws: StoreError.self) { try store.alertPage(AlertPageQuery(day: day)) { _ in true } }
        // A whole number kept as a real is still that number.
        try damage("UPDATE alert SET title = 't', opened_day = CAST(opened_day AS REAL) WHERE kr_id = 'KR-1'")
        #expect(try store.alertPage(AlertPageQuery(day: day)) { _ in true }.alerts.map(\.openedDay) == [day, day])
    }

    @Test(arguments: Backend.allCases) func tokensActAsTheirAccountUntilRevoked(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        try store.saveAccount(account("a@x.cn"), replacing: false, audit: entry("account-add", "a@x.cn"))
        try store.createToken(APIToken(id: "aaaa1111", email: "a@x.cn", label: "ci", created: 1), audit: entry("token-create", "a@x.cn"))
        try store.createToken(APIToken(id: "bbbb2222", email: "a@x.cn", label: "sheet", created: 2), audit: entry("token-create", "a@x.cn"))
        #expect(try store.tokenAccount(id: "aaaa1111")?.email == "a@x.cn")
        #expect(try store.tokens(email: "a@x.cn").map(\.label) == ["sheet", "ci"])
        #expect(try store.revokeTokens(email: "a@x.cn", prefix: "aaaa", at: 5, audit: entry("token-revoke", "a@x.cn")) == 1)
        #expect(try store.tokenAccount(id: "aaaa1111") == nil)
        #expect(try store.tokenAccount(id: "bbbb2222") != nil)
        // A prefix with a LIKE wildcard is refused, not read as "all".
        #expect { try store.revokeTokens(email: "a@x.cn", prefix: "%", at: 6, audit: entry("token-revoke", "a@x.cn")) } throws: {
            ($0 as? StoreError)?.message.contains("hex") == true
        }
        #expect(try store.tokenAccount(id: "bbbb2222") != nil)
        // Removing the account removes its tokens.
        try store.removeAccount(email: "a@x.cn", audit: entry("account-remove", "a@x.cn"))
        #expect(try store.tokenAccount(id: "bbbb2222") == nil)
        #expect(try store.tokens(email: nil).isEmpty)
    }

    @Test(arguments: Backend.allCases) func aSnoozeIsKeptLeavesTheInboxAndAnEscalationWakesIt(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        let day = Day(iso: "2026-10-07")!
        try record(store, day, [observe("KR-1", .warning, p: 0.4), observe("KR-2", .warning, p: 0.3)])
        let id = try store.alerts().first { $0.keyResultID == "KR-1" }!.id
        let basis = try store.acknowledgementBasis(alert: id)
        let t = try Ledger.snooze(basis.alert, until: day.advanced(by: 14), note: "休假中", day: day, latestRun: basis.latestRun, lastEventDay: basis.lastEventDay)
        let snoozed = try store.recordAcknowledgement(t, day: day, generation: basis.generation)
        #expect(snoozed.snoozedUntil == day.advanced(by: 14))
        #expect(try store.events().last?.kind == .snoozed)
        #expect(try store.events().last?.reasons == "snoozed until 2026-10-21: 休假中")
        func page(_ status: AlertPageQuery.Status, on d: Day) throws -> [String] {
            try store.alertPage(AlertPageQuery(status: status, day: d)) { _ in true }.alerts.map(\.keyResultID)
        }
        #expect(try page(.open, on: day) == ["KR-2"])
        #expect(try page(.snoozed, on: day) == ["KR-1"])
        // The day it ends, it is back.
        #expect(try page(.open, on: day.advanced(by: 14)).sorted() == ["KR-1", "KR-2"])
        // A snooze ends after its day and lasts at most 92 days.
        #expect(throws: LedgerError.self) { try Ledger.snooze(basis.alert, until: day, note: "", day: day, latestRun: day, lastEventDay: day) }
        #expect(throws: LedgerError.self) { try Ledger.snooze(basis.alert, until: day.advanced(by: 93), note: "", day: day, latestRun: day, lastEventDay: day) }
        // An escalation wakes it.
        try record(store, day.advanced(by: 7), [observe("KR-1", .critical, p: 0.1), observe("KR-2", .warning, p: 0.3)])
        #expect(try store.alert(id: id)?.snoozedUntil == nil)
        #expect(try page(.open, on: day.advanced(by: 7)).first == "KR-1")
        // The column is content: copied and digested alike on both backends.
        #expect(try store.content().rows["alert"]?.contains { $0.last == .null } == true)
    }

    /// An import's, an acknowledgement's and a snooze's audit lines are written in their own
    /// transactions: when the line cannot be written, the change does not land either.
    @Test(arguments: Backend.allCases) func anAuditLineLandsWithItsChangeOrNeither(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        let day = Day(iso: "2026-10-07")!
        try record(store, day, [observe("KR-1", .warning, p: 0.4), observe("KR-2", .warning, p: 0.3)])
        let cycle = Cycle(start: Day(iso: "2026-10-01")!, end: Day(iso: "2026-12-31")!)
        func dataset(_ id: String) -> Dataset {
            let k = KeyResult(id: id, objectiveID: "O-1", unitID: "rd", title: "新 \(id)", kind: .committed, startValue: 0, targetValue: 5, cycle: cycle)
            return Dataset(organisation: nil, keyResults: KeyResultTable(keyResults: [k], index: [id: 0], locations: [SourceLocation(file: "t", line: 2, column: 1)]),
                           checkIns: CheckInLog(checkIns: [], ranges: [0..<0]))
        }
        let summary = try store.importDataset(dataset("KR-4"), files: ["krs.csv"]) { s in
            AuditEntry(at: 1_700_000_200, actor: "cli", action: "import", target: "krs.csv", detail: "key results +\(s.keyResultsAdded)")
        }
        #expect(summary.keyResultsAdded == 1)
        #expect(try store.auditLog(limit: 1).first.map { [$0.action, $0.detail] } == ["import", "key results +1"])
        let ids = try store.alerts().map(\.id)
        let basis = try store.acknowledgementBasis(alert: ids[0])
        let ack = try Ledger.acknowledge(basis.alert, note: "在处理", day: day, latestRun: basis.latestRun, lastEventDay: basis.lastEventDay)
        _ = try store.recordAcknowledgement(ack, day: day, generation: basis.generation, audit: entry("ack", "alert \(ids[0])"))
        #expect(try store.auditLog(limit: 1).first?.target == "alert \(ids[0])")

        // From here on the database refuses every audit line (a full disk would, or a quota).
        try store.withRows("test", writing: true) { rows in
            switch backend {
            case .sqlite:
                _ = try rows.run("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is full'); END", [])
            case .postgres:
                _ = try rows.run("CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is full'; END $$", [])
                _ = try rows.run("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()", [])
            }
        }
        let (counts, events, log) = (try store.counts(), try store.events().count, try store.auditLog(limit: 100))
        #expect(throws: StoreError.self) {
            try store.importDataset(dataset("KR-5"), files: ["more.csv"]) { _ in self.entry("import", "more.csv") }
        }
        let second = try store.acknowledgementBasis(alert: ids[1])
        let again = try Ledger.acknowledge(second.alert, note: "x", day: day, latestRun: second.latestRun, lastEventDay: second.lastEventDay)
        #expect(throws: StoreError.self) {
            try store.recordAcknowledgement(again, day: day, generation: second.generation, audit: self.entry("ack", "alert \(ids[1])"))
        }
        let snooze = try Ledger.snooze(second.alert, until: day.advanced(by: 7), note: "", day: day, latestRun: second.latestRun, lastEventDay: second.lastEventDay)
        #expect(throws: StoreError.self) {
            try store.recordAcknowledgement(snooze, day: day, generation: second.generation, audit: self.entry("snooze", "alert \(ids[1])"))
        }
        // Nothing landed: no key result, no event, the alert as it was, the log as it was.
        #expect(try store.counts() == counts)
        #expect(try store.events().count == events)
        #expect(try store.alert(id: ids[1]) == second.alert)
        #expect(try store.auditLog(limit: 100) == log)
        // The same changes without a line land (the refusal was the audit log's alone).
        #expect(try store.importDataset(dataset("KR-5"), files: ["more.csv"]).keyResultsAdded == 1)
    }

    /// Bookkeeping writers at once (rounds of `tandem notify`, sign-ups, in several processes
    /// and on a server's several connections): a check and the write it decides are never split
    /// by another writer's. One plans the message, one adds the account; the rest are told, and
    /// no one meets a bare unique-key violation.
    @Test(arguments: Backend.allCases) func bookkeepingWritersAtOnceNeverSplitACheckFromItsWrite(_ backend: Backend) throws {
        let scratch = try backend.scratch()
        defer { scratch.remove() }
        let stores = try (0..<4).map { _ in try scratch.open() }
        defer { for s in stores { try? s.close() } }
        for round in 0..<5 {
            let message = NotificationRecord(recipient: "张伟", channel: .email, period: "2026-10-\(15 + round)", destination: "zw@x.cn", firstEvent: 1,
                                             lastEvent: 2, subject: "摘要", body: "…", messageID: "<m\(round)@tandem>", plannedAt: 1_700_000_000)
            let planned = Failures(), failed = Failures(), added = Failures()
            DispatchQueue.concurrentPerform(iterations: 16) { i in
                let store = stores[i % stores.count]
                do {
                    if try store.planNotification(message, reminders: []) { planned.add("\(i)") }
                } catch { failed.add("plan: \(error)") }
                do {
                    try store.saveAccount(account("new\(round)@x.cn"), replacing: false, audit: entry("account-add", "new\(round)@x.cn"))
                    added.add("\(i)")
                } catch let e as StoreError where e.message.contains("exists already") {
                } catch { failed.add("add: \(error)") }
            }
            #expect(planned.list.count == 1 && added.list.count == 1, "round \(round)")
            #expect(failed.list.isEmpty, "\(failed.list)")
        }
        #expect(try stores[0].notifications(pendingOnly: false).count == 5)
        #expect(try stores[0].auditLog(limit: 100).filter { $0.action == "account-add" }.count == 5)
    }

    /// Several statuses read along their own indexes and merged: every alert once, in order,
    /// whatever the page size, with more alerts per status than one batch holds.
    @Test(arguments: Backend.allCases) func pagesOverSeveralStatusesMergeInOrder(_ backend: Backend) throws {
        let scratch = try backend.scratch()
        defer { scratch.remove() }
        let store = try scratch.open()
        defer { try? store.close() }
        let cycle = Cycle(start: Day(iso: "2026-10-01")!, end: Day(iso: "2026-12-31")!)
        var table = KeyResultTable(keyResults: [], index: [:], locations: [])
        for k in 0..<330 {
            table.index["K\(k)"] = table.keyResults.count
            table.keyResults.append(KeyResult(id: "K\(k)", objectiveID: "O", unitID: "rd", title: "t", kind: .committed, startValue: 0, targetValue: 1, cycle: cycle))
            table.locations.append(SourceLocation(file: "t", line: 0, column: 0))
        }
        _ = try store.importDataset(Dataset(organisation: Organisation(units: [OrgUnit(id: "rd", name: "研发")]), keyResults: table,
                                            checkIns: CheckInLog(checkIns: [], ranges: Array(repeating: 0..<0, count: 330))), files: ["t"])
        var random = SystemRandomNumberGenerator()
        let severities: [AlertSeverity] = [.info, .warning, .critical]
        let day = Day(iso: "2026-10-07")!
        // Two runs, so that opening days differ; then about half acknowledged.
        try record(store, day, (0..<200).map { observe("K\($0)", severities[$0 % 3], p: Double(Int.random(in: 0...20, using: &random)) / 20) })
        try record(store, day.advanced(by: 7), (0..<330).map { observe("K\($0)", severities[($0 / 2) % 3], p: Double(Int.random(in: 0...20, using: &random)) / 20) })
        for a in try store.alerts() where a.id % 2 == 0 { try acknowledge(store, a.id, "在处理", day.advanced(by: 7)) }
        let all = try store.alerts(AlertFilter())
        #expect(all.count == 330)
        // Every order, with and without a choice of severities (in the severity order each one
        // asked for is a query of its own, merged), in small pages and one large one.
        let choices: [Set<AlertSeverity>] = [[], [.critical], [.warning, .info], [.critical, .info], [.critical, .warning, .info]]
        for sort in AlertPageQuery.Sort.allCases {
            for chosen in choices {
                let expected = all.filter { chosen.isEmpty || chosen.contains($0.severity) }.sorted {
                    let x = AlertPageCursor.key($0, sort: sort), y = AlertPageCursor.key($1, sort: sort)
                    return x.lexicographicallyPrecedes(y)
                }.map(\.id)
                #expect(!expected.isEmpty)
                for limit in [7, 200] {
                    var got: [Int64] = [], after: AlertPageCursor?
                    repeat {
                        let query = AlertPageQuery(severities: chosen, status: .live, sort: sort, day: day.advanced(by: 7), limit: limit, after: after)
                        let page = try store.alertPage(query) { _ in true }
                        got += page.alerts.map(\.id)
                        after = page.next
                    } while after != nil
                    #expect(got == expected, "\(sort) by \(limit), severities \(chosen.map(\.rawValue).sorted())")
                }
            }
        }
    }

    @Test(arguments: Backend.allCases) func alertPagesFilterSortAndPageWithoutLosingOne(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        let day = Day(iso: "2026-10-07")!
        try record(store, day, [observe("KR-1", .warning, p: 0.4), observe("KR-2", .critical, p: 0.1), observe("KR-3", .warning, p: 0.2)])
        func all(_ sort: AlertPageQuery.Sort, limit: Int, admit: (Alert) -> Bool = { _ in true }) throws -> [String] {
            var out: [String] = [], after: AlertPageCursor?
            repeat {
                let page = try store.alertPage(AlertPageQuery(sort: sort, day: day, limit: limit, after: after), admit: admit)
                out += page.alerts.map(\.keyResultID)
                after = page.next.flatMap { AlertPageCursor(token: $0.token) }
            } while after != nil
            return out
        }
        #expect(try all(.severity, limit: 1) == ["KR-2", "KR-3", "KR-1"])
        #expect(try all(.pSuccess, limit: 2) == ["KR-2", "KR-3", "KR-1"])
        #expect(try all(.age, limit: 1) == ["KR-1", "KR-2", "KR-3"])
        #expect(try all(.severity, limit: 1) { $0.keyResultID != "KR-3" } == ["KR-2", "KR-1"])
        #expect(try store.alertPage(AlertPageQuery(severities: [.critical], day: day)) { _ in true }.alerts.map(\.keyResultID) == ["KR-2"])
        #expect(try store.alertPage(AlertPageQuery(owner: "nobody", day: day)) { _ in true }.alerts.isEmpty)
        #expect(try store.alertPage(AlertPageQuery(kind: .kpi, day: day)) { _ in true }.alerts.isEmpty)
        #expect(try store.alertPage(AlertPageQuery(unit: "rd", kind: .committed, day: day)) { _ in true }.alerts.count == 3)
        #expect(AlertPageCursor(token: "nonsense") == nil)
        #expect(AlertPageCursor(token: "\(Double.nan.bitPattern)-0-1") == nil)
    }
}
