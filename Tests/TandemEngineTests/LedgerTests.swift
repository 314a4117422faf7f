import Testing
import TandemCore
@testable import TandemEngine

/// The ledger's state machine, with no store: alerts in, observations in, transitions out.
@Suite("Ledger transitions")
struct LedgerTransitionTests {
    static let week = (0...5).map { Day(iso: "2026-10-08")!.advanced(by: 7 * $0) }

    static func observe(_ kr: String, _ severity: AlertSeverity?, p: Double, reasons: String? = nil, rules: [String]? = nil) -> Observation {
        Observation(keyResultID: kr, unitID: "rd", owner: "王磊", title: "目标", pSuccess: p, progress: 0.1, elapsed: 0.3, severity: severity,
                    rules: rules ?? (severity == nil ? [] : ["rule"]), reasons: reasons ?? "P(success) \(p)")
    }

    /// Applies transitions as a store would (numbering opened alerts), for the next step.
    static func apply(_ transitions: [AlertTransition], to live: [Alert], nextID: inout Int64) -> [Alert] {
        var byID = Dictionary(uniqueKeysWithValues: live.map { ($0.id, $0) })
        for t in transitions {
            var a = t.after
            if t.before == nil { nextID += 1; a.id = nextID }
            byID[a.id] = a
        }
        return byID.values.filter { $0.status.isLive }.sorted { $0.id < $1.id }
    }

    func kinds(_ t: [AlertTransition]) -> [String] { t.map { "\($0.after.keyResultID) \($0.event.rawValue) \($0.eventSeverity.rawValue)" } }

    @Test func opensUpdatesEscalatesImprovesAndResolves() {
        var live: [Alert] = [], id: Int64 = 0
        func step(_ day: Int, _ o: [Observation]) -> [String] {
            let t = Ledger.transitions(live: live, observations: o, day: Self.week[day])
            live = Self.apply(t, to: live, nextID: &id)
            return kinds(t)
        }
        #expect(step(0, [Self.observe("KR-1", nil, p: 0.8), Self.observe("KR-2", .warning, p: 0.45)]) == ["KR-2 opened warning"])
        // The same state again: nothing; new numbers in the reasons: an update of the same alert.
        #expect(step(1, [Self.observe("KR-1", nil, p: 0.8), Self.observe("KR-2", .warning, p: 0.45)]) == [])
        #expect(step(2, [Self.observe("KR-1", nil, p: 0.8), Self.observe("KR-2", .warning, p: 0.41)]) == ["KR-2 updated warning"])
        #expect(live.count == 1 && live[0].id == 1)
        #expect(step(3, [Self.observe("KR-1", .info, p: 0.6), Self.observe("KR-2", .critical, p: 0.2)]) == ["KR-1 opened info", "KR-2 escalated critical"])
        #expect(step(4, [Self.observe("KR-1", .info, p: 0.6), Self.observe("KR-2", .warning, p: 0.3)]) == ["KR-2 improved warning"])
        // Recovery resolves; a key result no longer observed (closed) resolves too, after the observed ones.
        #expect(step(5, [Self.observe("KR-2", nil, p: 0.9)]) == ["KR-2 resolved warning", "KR-1 resolved info"])
        #expect(live.isEmpty)
    }

    @Test func resolvedAlertsKeepTheirHistoryAndAnOpenedOneStartsClean() {
        let opened = Ledger.transitions(live: [], observations: [Self.observe("KR-1", .critical, p: 0.1, reasons: "落后")], day: Self.week[0])
        #expect(opened.count == 1)
        let a = opened[0].after
        #expect(opened[0].before == nil && a.id == 0 && a.status == .open && a.openedDay == Self.week[0] && a.reasons == "落后")
        #expect(opened[0].eventText == "rule: 落后")
        var live = a
        live.id = 7
        let resolved = Ledger.transitions(live: [live], observations: [Self.observe("KR-1", nil, p: 0.93)], day: Self.week[1])
        #expect(resolved[0].after.status == .resolved && resolved[0].after.resolvedDay == Self.week[1] && resolved[0].after.openedDay == Self.week[0])
        #expect(resolved[0].eventText == "recovered: P(success) 0.93, no alert rule fires")
        #expect(resolved[0].before == live)
    }

    @Test func anAcknowledgedAlertStaysQuietUntilItGetsWorse() throws {
        var alert = Ledger.transitions(live: [], observations: [Self.observe("KR-1", .warning, p: 0.4)], day: Self.week[0])[0].after
        alert.id = 1
        let ack = try Ledger.acknowledge(alert, note: "负责人已调整计划", day: Self.week[0], latestRun: Self.week[0], lastEventDay: Self.week[0])
        #expect(ack.event == .acked && ack.after.status == .acked && ack.after.ackNote == "负责人已调整计划" && ack.eventText == "负责人已调整计划")
        let acked = ack.after
        #expect(Ledger.transitions(live: [acked], observations: [Self.observe("KR-1", .warning, p: 0.4)], day: Self.week[1]).isEmpty)
        let worse = Ledger.transitions(live: [acked], observations: [Self.observe("KR-1", .critical, p: 0.1)], day: Self.week[2])
        #expect(worse.map(\.event) == [.escalated] && worse[0].after.status == .open)
        let better = Ledger.transitions(live: [acked], observations: [Self.observe("KR-1", .info, p: 0.6)], day: Self.week[2])
        #expect(better.map(\.event) == [.improved] && better[0].after.status == .acked)
    }

    @Test func acknowledgementsAreRefusedWithReasons() {
        var alert = Ledger.transitions(live: [], observations: [Self.observe("KR-1", .warning, p: 0.4)], day: Self.week[2])[0].after
        alert.id = 3
        func refusal(_ a: Alert, note: String = "在跟进", day: Day, latest: Day? = Self.week[2], last: Day? = Self.week[2]) -> String? {
            do {
                _ = try Ledger.acknowledge(a, note: note, day: day, latestRun: latest, lastEventDay: last)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(refusal(alert, note: "  \n", day: Self.week[2])?.contains("the note is empty") == true)
        #expect(refusal(alert, day: Self.week[1])?.contains("would come before it") == true)
        #expect(refusal(alert, day: Self.week[2].advanced(by: 32))?.contains("more than 31 days after the latest run") == true)
        #expect(refusal(alert, day: Self.week[2].advanced(by: 31)) == nil)
        var resolved = alert
        resolved.status = .resolved
        #expect(refusal(resolved, day: Self.week[3])?.contains("already resolved") == true)
    }

    @Test func theOrderOfTransitionsIsDeterministic() {
        // Live alerts of closed key results resolve in alert-number order, whatever order they come in.
        let live = (1...20).map { i in
            Alert(id: Int64(i), keyResultID: "KR-\(i)", unitID: "rd", owner: nil, title: "t", severity: .warning, status: .open,
                  rules: "rule", reasons: "r", pSuccess: 0.3, openedDay: Self.week[0], updatedDay: Self.week[0])
        }
        let t = Ledger.transitions(live: live.shuffled(), observations: [], day: Self.week[1])
        #expect(t.map(\.after.id) == Array(1...20))
        #expect(t.allSatisfy { $0.event == .resolved && $0.eventText == "the key result is no longer open" })
    }
}
