import Foundation
import Testing
import TandemCore
@testable import TandemEngine
@testable import TandemStore
import TandemTestSupport

/// A store holding one unit and three key results, new for the test, on `backend`.
func makeStore(_ backend: Backend) throws -> (any Store, Scratch) {
    let scratch = try backend.scratch()
    let store = try scratch.open()
    let cycle = Cycle(start: Day(iso: "2026-10-01")!, end: Day(iso: "2026-12-31")!)
    let krs = (1...3).map { KeyResult(id: "KR-\($0)", objectiveID: "O-1", unitID: "rd", title: "目标 \($0)", kind: .committed,
                                      startValue: 0, targetValue: 10, cycle: cycle, owner: "王磊") }
    var table = KeyResultTable(keyResults: [], index: [:], locations: [])
    for kr in krs {
        table.index[kr.id] = table.keyResults.count
        table.keyResults.append(kr)
        table.locations.append(SourceLocation(file: "t", line: 0, column: 0))
    }
    let dataset = Dataset(organisation: Organisation(units: [OrgUnit(id: "rd", name: "研发中心")]), keyResults: table,
                          checkIns: CheckInLog(checkIns: [], ranges: [0..<0, 0..<0, 0..<0]))
    _ = try store.importDataset(dataset, files: ["test"])
    return (store, scratch)
}

func observe(_ kr: String, _ severity: AlertSeverity?, p: Double, reasons: String = "") -> Observation {
    Observation(keyResultID: kr, unitID: "rd", owner: "王磊", title: "t", pSuccess: p, progress: 0.1, elapsed: 0.3, severity: severity,
                rules: severity == nil ? [] : ["rule"], reasons: reasons.isEmpty ? "P(success) \(p)" : reasons)
}

/// Records a run as the service does: the ledger's transitions decided on what the store holds,
/// persisted with the generation check.
@discardableResult
func record(_ store: any Store, _ day: Day, _ observations: [Observation]) throws -> RunRecord {
    let basis = try store.runBasis(day: day)
    let write = RunWrite(day: day, policy: "p", model: "m", decisions: [],
                         forecasts: observations.map { StoredForecast(day: day, keyResultID: $0.keyResultID, pSuccess: $0.pSuccess, progress: $0.progress, elapsed: $0.elapsed) },
                         transitions: Ledger.transitions(live: basis.liveAlerts, observations: observations, day: day), policyVersion: nil)
    return try store.recordRun(write, generation: basis.generation)
}

/// Acknowledges as the service does.
@discardableResult
func acknowledge(_ store: any Store, _ id: Int64, _ note: String, _ day: Day) throws -> Alert {
    let basis = try store.acknowledgementBasis(alert: id)
    let t = try Ledger.acknowledge(basis.alert, note: note, day: day, latestRun: basis.latestRun, lastEventDay: basis.lastEventDay)
    return try store.recordAcknowledgement(t, day: day, generation: basis.generation)
}

@Suite("Alert ledger, on both backends")
struct LedgerTests {
    let week = (1...6).map { Day(iso: "2026-10-01")!.advanced(by: 7 * $0) }

    func run(_ store: any Store, _ day: Day, _ observations: [Observation]) throws -> [String] {
        try record(store, day, observations).events.map { "\($0.keyResultID) \($0.kind.rawValue) \($0.severity.rawValue)" }
    }

    @Test(arguments: Backend.allCases) func opensUpdatesEscalatesAndResolves(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        #expect(try run(store, week[0], [observe("KR-1", nil, p: 0.8), observe("KR-2", .warning, p: 0.45)]) == ["KR-2 opened warning"])
        // The same state again: nothing; the same state with new numbers: an update, no new alert.
        #expect(try run(store, week[1], [observe("KR-1", nil, p: 0.8), observe("KR-2", .warning, p: 0.45)]) == [])
        #expect(try run(store, week[2], [observe("KR-1", nil, p: 0.8), observe("KR-2", .warning, p: 0.41)]) == ["KR-2 updated warning"])
        // Worse: escalated, same alert. KR-1 falls into trouble: a new alert.
        #expect(try run(store, week[3], [observe("KR-1", .info, p: 0.6), observe("KR-2", .critical, p: 0.2)])
                == ["KR-1 opened info", "KR-2 escalated critical"])
        let alerts = try store.alerts()
        #expect(alerts.count == 2)
        #expect(alerts.map(\.severity).sorted() == [.info, .critical])
        // Recovery resolves; a key result that is no longer open resolves too.
        #expect(try run(store, week[4], [observe("KR-2", nil, p: 0.9)]) == ["KR-2 resolved critical", "KR-1 resolved info"])
        #expect(try store.alerts(AlertFilter(status: .resolved)).count == 2)
        #expect(try store.alerts(AlertFilter(status: .open)).isEmpty)
    }

    @Test(arguments: Backend.allCases) func sameDayTwiceCreatesNothingNewAndTimeGoesForward(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        let observations = [observe("KR-1", .critical, p: 0.1), observe("KR-3", .warning, p: 0.4)]
        #expect(try run(store, week[1], observations).count == 2)
        #expect(try run(store, week[1], observations).isEmpty)
        #expect(try store.events().count == 2)
        #expect(throws: StoreError.self) { try record(store, week[0], []) }
    }

    @Test(arguments: Backend.allCases) func acknowledgedAlertsStayQuietUntilTheyGetWorse(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        _ = try run(store, week[0], [observe("KR-1", .warning, p: 0.4)])
        let id = try #require(try store.alerts().first?.id)
        let acked = try acknowledge(store, id, "负责人已调整计划", week[0])
        #expect(acked.status == .acked && acked.ackNote == "负责人已调整计划")
        #expect(try run(store, week[1], [observe("KR-1", .warning, p: 0.4)]) == [])
        #expect(try store.alerts().first?.status == .acked)
        #expect(try run(store, week[2], [observe("KR-1", .critical, p: 0.1)]) == ["KR-1 escalated critical"])
        #expect(try store.alerts().first?.status == .open)
        _ = try run(store, week[3], [observe("KR-1", nil, p: 0.9)])
        #expect(throws: LedgerError.self) { try acknowledge(store, id, "late", week[3]) }
        #expect(throws: StoreError.self) { try acknowledge(store, 999, "none", week[3]) }
    }

    @Test(arguments: Backend.allCases) func deliveriesAreRecordedOncePerEventAndURL(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        _ = try run(store, week[0], [observe("KR-1", .warning, p: 0.4), observe("KR-2", .critical, p: 0.2)])
        let url = "http://127.0.0.1:9/hook"
        let pending = try store.pendingDeliveries(url: url)
        #expect(pending.count == 2)
        try store.recordDelivery(event: pending[0].id, url: url, delivered: false)
        #expect(try store.pendingDeliveries(url: url).count == 2)
        try store.recordDelivery(event: pending[0].id, url: url, delivered: true)
        #expect(try store.pendingDeliveries(url: url).map(\.id) == [pending[1].id])
        #expect(try store.pendingDeliveries(url: "http://other").count == 2)
    }

    @Test(arguments: Backend.allCases) func aWebhookIsNotSentAlertsThatHaveResolved(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        try record(store, week[0], [observe("KR-1", .warning, p: 0.4), observe("KR-2", .critical, p: 0.2)])
        try record(store, week[1], [observe("KR-1", nil, p: 0.9), observe("KR-2", .critical, p: 0.2)])
        // A URL first used now gets what is still live, not the history.
        #expect(try store.pendingDeliveries(url: "http://new").map(\.keyResultID) == ["KR-2"])
    }

    @Test(arguments: Backend.allCases) func aWriteComputedFromAnOlderStateIsRefusedAndWritesNothing(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        let basis = try store.runBasis(day: week[0])
        // Another writer in between (a run of the same day).
        try record(store, week[0], [observe("KR-1", .warning, p: 0.4)])
        let digest = try store.digest()
        let stale = RunWrite(day: week[0], policy: "p", model: "m", decisions: [], forecasts: [],
                             transitions: Ledger.transitions(live: basis.liveAlerts, observations: [observe("KR-1", .warning, p: 0.4)], day: week[0]),
                             policyVersion: nil)
        #expect { try store.recordRun(stale, generation: basis.generation) } throws: { ($0 as? StoreError)?.changedSinceRead == true }
        #expect(try store.digest() == digest)
        #expect(try store.alerts().count == 1)
    }

    @Test(arguments: Backend.allCases) func aWriteToAnotherOrganisationDoesNotMakeARunComputeAgain(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        let basis = try store.runBasis(day: week[0])
        // Another organisation in the same file imports meanwhile.
        let other = try scratch.open(.readWrite, organisation: "another")
        defer { try? other.close() }
        _ = try other.importDataset(Dataset(organisation: Organisation(units: [OrgUnit(id: "rd", name: "另一家")]),
                                            keyResults: KeyResultTable(keyResults: [], index: [:], locations: []),
                                            checkIns: CheckInLog(checkIns: [], ranges: [])), files: ["other"])
        let write = RunWrite(day: week[0], policy: "p", model: "m", decisions: [], forecasts: [],
                             transitions: Ledger.transitions(live: basis.liveAlerts, observations: [observe("KR-1", .warning, p: 0.4)], day: week[0]),
                             policyVersion: nil)
        #expect(try store.recordRun(write, generation: basis.generation).events.count == 1)
        // A write to the same organisation does.
        let again = try store.runBasis(day: week[1])
        try record(store, week[1], [])
        #expect { try store.recordRun(RunWrite(day: week[1], policy: "p", model: "m", decisions: [], forecasts: [], transitions: [], policyVersion: nil),
                                      generation: again.generation) } throws: { ($0 as? StoreError)?.changedSinceRead == true }
    }

    @Test(arguments: Backend.allCases) func aDamagedValueIsRefusedNotGuessed(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        try record(store, week[0], [observe("KR-1", .warning, p: 0.4)])
        switch backend {
        case .sqlite: try (store as! SQLiteStore).pool.write { db in try db.execute(sql: "UPDATE alert SET severity = 'dire'") }
        case .postgres: try PostgresAdmin.execute(scratch.location, "UPDATE alert SET severity = 'dire'")
        }
        #expect { try store.alerts() } throws: { error in
            guard let e = error as? StoreError else { return false }
            return e.kind == .failed && e.message.contains("the severity 'dire'")
        }
    }

    @Test(arguments: Backend.allCases) func decisionsAndForecastsCanBeReadBack(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        for (i, day) in week.prefix(3).enumerated() {
            let basis = try store.runBasis(day: day)
            let write = RunWrite(day: day, policy: "p", model: "m",
                                 decisions: [StoredDecision(day: day, unitID: "rd", mode: i == 2 ? .hybrid : .okr, outcome: "okr(cycle: quarterly)", lean: 0.5)],
                                 forecasts: ["KR-2", "KR-1"].map { StoredForecast(day: day, keyResultID: $0, pSuccess: 0.5 - Double(i) / 10, progress: 0.1, elapsed: 0.2) },
                                 transitions: [], policyVersion: nil)
            try store.recordRun(write, generation: basis.generation)
        }
        #expect(try store.decisions(day: nil).map(\.mode) == [.hybrid])
        #expect(try store.decisions(day: week[0]).map(\.mode) == [.okr])
        #expect(try store.forecasts(keyResult: "KR-1", day: nil).map(\.pSuccess) == [0.5, 0.4, 0.3])
        // One run's forecasts in the key results' order, not the order they were written in.
        #expect(try store.forecasts(keyResult: nil, day: week[1]).map(\.keyResultID) == ["KR-1", "KR-2"])
        #expect(try store.counts().runs == 3)
    }

    @Test(arguments: Backend.allCases) func datasetRoundTripsThroughTheStore(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        let back = try store.loadDataset()
        #expect(back.keyResults.keyResults.map(\.id) == ["KR-1", "KR-2", "KR-3"])
        #expect(back.organisation?.units.first?.name == "研发中心")
        #expect(back.keyResults.keyResults[0].cycle.end == Day(iso: "2026-12-31"))
    }

    @Test(arguments: Backend.allCases) func theInboxPagesThroughOpenAlertsMostSevereFirst(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        // Three key results give few alerts: add units and key results for a deeper inbox.
        let cycle = Cycle(start: Day(iso: "2026-10-01")!, end: Day(iso: "2026-12-31")!)
        let units = [OrgUnit(id: "rd", name: "研发中心"), OrgUnit(id: "rd.algo", name: "算法部", parentID: "rd"), OrgUnit(id: "sales", name: "销售部")]
        var table = KeyResultTable(keyResults: [], index: [:], locations: [])
        for k in 1...40 {
            let kr = KeyResult(id: "KR-\(k)", objectiveID: "O-1", unitID: units[k % 3].id, title: "目标 \(k)", kind: .committed,
                               startValue: 0, targetValue: 10, cycle: cycle, owner: "王磊")
            table.index[kr.id] = table.keyResults.count
            table.keyResults.append(kr)
            table.locations.append(SourceLocation(file: "t", line: 0, column: 0))
        }
        _ = try store.importDataset(Dataset(organisation: Organisation(units: units), keyResults: table,
                                            checkIns: CheckInLog(checkIns: [], ranges: Array(repeating: 0..<0, count: 40))), files: ["more"])
        let severities: [AlertSeverity?] = [.critical, .warning, .info, nil]
        let observations = (1...40).map { k in
            Observation(keyResultID: "KR-\(k)", unitID: units[k % 3].id, owner: "王磊", title: "t", pSuccess: Double((k * 7) % 10) / 10, progress: 0.1,
                        elapsed: 0.3, severity: severities[k % 4], rules: ["rule"], reasons: "r")
        }
        try record(store, week[0], observations)
        func all(_ unit: String?, pageSize: Int) throws -> [Int64] {
            var ids: [Int64] = [], cursor: InboxCursor? = nil
            repeat {
                let page = try store.inbox(InboxQuery(unit: unit, limit: pageSize, after: cursor.flatMap { InboxCursor(token: $0.token) }))
                #expect(page.alerts.count <= pageSize)
                ids += page.alerts.map(\.id)
                cursor = page.next
            } while cursor != nil
            return ids
        }
        for unit in [nil, "rd", "rd.algo", "sales"] {
            let below: Set<String> = unit == nil ? ["rd", "rd.algo", "sales"] : unit == "rd" ? ["rd", "rd.algo"] : [unit!]
            let expected = try store.alerts(AlertFilter(status: .open)).filter { below.contains($0.unitID) }
                .sorted { (InboxCursor(after: $0).severityRank, $0.pSuccess, $0.id) < (InboxCursor(after: $1).severityRank, $1.pSuccess, $1.id) }
                .map(\.id)
            #expect(!expected.isEmpty)
            for size in [1, 4, 50] { #expect(try all(unit, pageSize: size) == expected, "\(unit ?? "all") by \(size)") }
        }
        #expect(InboxCursor(token: "9~1~1") == nil && InboxCursor(token: "x") == nil)
    }
}
