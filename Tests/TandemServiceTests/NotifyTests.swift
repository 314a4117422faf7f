import Foundation
import Testing
import TandemCore
@testable import TandemEngine
@testable import TandemService
import TandemStore
import TandemTestSupport

/// A small organisation with a key result of every kind where the rights care, and its people:
///
///     co 星海 ─ sales 销售部 ─ sales.east 华东大区
///            └ rd 研发中心 ─ rd.app 应用组 (managed by KPI)
final class NotifyWorld: Sendable {
    let scratch: Scratch
    let store: any Store

    /// id → (unit, kind, owner).
    static let keyResults = SmallOrganisation.keyResults

    static let peopleFile = """
        person,email,manager,units,timezone,cadence,role
        陈总,chen@x.cn,,co,Asia/Shanghai,weekly,
        王芳,wang@x.cn,陈总,sales,Asia/Shanghai,weekly,
        张伟,zhang@x.cn,王芳,,Asia/Shanghai,weekly,
        赵强,zhao@x.cn,陈总,rd,Europe/Berlin,daily,
        李娜,li@x.cn,赵强,,America/Los_Angeles,weekly,
        周敏,hr@x.cn,陈总,,Asia/Shanghai,weekly,hr

        """

    init(_ backend: Backend, people: String = NotifyWorld.peopleFile) throws {
        scratch = try backend.scratch()
        store = try scratch.open(.create)
        _ = try store.importDataset(SmallOrganisation.dataset(Self.keyResults), files: ["world"])
        try importPeople(people)
    }

    /// Imports a people file with this text (replacing the store's people).
    func importPeople(_ text: String) throws {
        let name = "people-\(UUID().uuidString).csv"
        let file = scratch.folder.map { $0.appendingPathComponent(name) } ?? FileManager.default.temporaryDirectory.appendingPathComponent(name)
        defer { if scratch.folder == nil { try? FileManager.default.removeItem(at: file) } }
        try text.write(to: file, atomically: true, encoding: .utf8)
        _ = try PeopleService.importFile(file.path, store: store, actor: "test")
    }

    /// Records a run of `day` in which each key result has the given severity (none: no alert).
    func run(_ day: String, _ severities: [String: AlertSeverity]) throws {
        let day = Day(iso: day)!
        let observations = Self.keyResults.compactMap { k -> Observation? in
            guard let s = severities[k.id] else { return nil }
            return Observation(keyResultID: k.id, unitID: k.unit, owner: k.owner, title: "目标 \(k.id)", pSuccess: s == .critical ? 0.1 : 0.4,
                               progress: 0.1, elapsed: 0.3, severity: s, rules: ["可能落空"], reasons: "P(success) low <b>")
        }
        let decisions = ["co", "sales", "sales.east", "rd", "rd.app"].map {
            StoredDecision(day: day, unitID: $0, mode: $0 == "rd.app" ? .kpi : .okr, outcome: nil, lean: 0)
        }
        let basis = try store.runBasis(day: day)
        let write = RunWrite(day: day, policy: "p", model: "m", decisions: decisions,
                             forecasts: observations.map { StoredForecast(day: day, keyResultID: $0.keyResultID, pSuccess: $0.pSuccess, progress: 0.1, elapsed: 0.3) },
                             transitions: Ledger.transitions(live: basis.liveAlerts, observations: observations, day: day), policyVersion: nil)
        _ = try store.recordRun(write, generation: basis.generation)
    }

    func close() {
        try? store.close()
        scratch.remove()
    }

    static let firstWeek: [String: AlertSeverity] = ["E-OKR": .warning, "E-KPI": .critical, "S-KPI": .critical, "A-OKR": .info,
                                                    "A-COM": .warning, "R-KPI": .critical]
}

/// Receives messages as a mail system or webhook receiver would: it keeps every attempt, and
/// drops a repeat of a Message-ID / Idempotency-Key it already took.
actor Receiver: DigestTransport {
    private(set) var attempts: [NotificationRecord] = []
    private(set) var taken: [String: NotificationRecord] = [:]
    /// Fails the next `failures` sends.
    var failures = 0
    var delay: Double = 0

    func failNext(_ n: Int) { failures = n }
    func slow(_ seconds: Double) { delay = seconds }

    /// Fails as a mail server that is down: the channel's failure.
    var down = false
    func setDown(_ d: Bool) { down = d }

    func send(_ message: NotificationRecord) async -> DeliveryFailure? {
        attempts.append(message)
        if delay > 0 { try? await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
        if down { return DeliveryFailure("connection refused (test)", channelDown: true) }
        if failures > 0 {
            failures -= 1
            return DeliveryFailure("refused (test)")
        }
        if taken[message.messageID] == nil { taken[message.messageID] = message }
        return nil
    }

    func messages(to person: String) -> [NotificationRecord] { taken.values.filter { $0.recipient == person }.sorted { $0.period < $1.period } }
}

func moment(_ text: String) -> Date {
    let f = ISO8601DateFormatter()
    return f.date(from: text)!
}

@Suite("tandem notify: digests by role, once per period, exactly once through failures")
struct NotifyTests {
    let smtp = try! SMTPSettings.parse("smtp://127.0.0.1:2525", from: "tandem@x.cn", password: nil, requireTLS: false, caFile: nil)

    func request(_ at: String, asOf: String? = nil, silentDays: Int = 30, dryRun: Bool = false) -> NotifyRequest {
        NotifyRequest(asOf: asOf.flatMap { Day(iso: $0) }, at: moment(at), silentDays: silentDays, dryRun: dryRun, smtp: smtp, claimSeconds: 60)
    }

    /// A world after its first week's run, whose first round failed to send all six digests
    /// (pending, to be retried within their periods), with the receiver that refused them.
    func failedFirstRound(_ backend: Backend) async throws -> (NotifyWorld, Receiver) {
        let world = try NotifyWorld(backend)
        do {
            try world.run("2026-10-14", NotifyWorld.firstWeek)
        } catch {
            world.close()
            throw error
        }
        let receiver = Receiver()
        await receiver.failNext(6)
        _ = await NotifyService.run(store: world.store, request: request("2026-10-15T02:00:00Z"), transport: receiver)
        return (world, receiver)
    }

    func text(_ m: NotificationRecord) -> String {
        // The email's parts are base64: decode them for the content checks.
        m.body.components(separatedBy: "\r\n\r\n").dropFirst().map { part in
            let lines = part.split(separator: "\r\n").prefix { !$0.hasPrefix("--") }.joined()
            return Data(base64Encoded: lines).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }.joined(separator: "\n")
    }

    @Test(arguments: Backend.allCases)
    func eachRoleGetsWhatItMaySeeAndNothingElse(_ backend: Backend) async throws {
        let world = try NotifyWorld(backend)
        defer { world.close() }
        try world.run("2026-10-14", NotifyWorld.firstWeek)
        let receiver = Receiver()
        let outcome = await NotifyService.run(store: world.store, request: request("2026-10-15T02:00:00Z"), transport: receiver)
        #expect(outcome.error == nil)
        func body(_ person: String) async throws -> String { text(try #require(await receiver.messages(to: person).first)) }

        // A member: their own key results, the confidential one included; nobody else's KPI.
        let zhang = try await body("张伟")
        #expect(zhang.contains("E-OKR") && zhang.contains("E-KPI"))
        for other in ["S-KPI", "R-KPI", "A-COM", "A-OKR"] { #expect(!zhang.contains(other), "张伟's digest holds \(other)") }
        let li = try await body("李娜")
        #expect(li.contains("A-OKR") && li.contains("A-COM"))
        for other in ["E-KPI", "S-KPI", "R-KPI", "E-OKR"] { #expect(!li.contains(other), "李娜's digest holds \(other)") }
        // A lead: their own, and the critical alerts of their subtree (not the warnings).
        let wang = try await body("王芳")
        #expect(wang.contains("S-KPI") && wang.contains("E-KPI"))
        #expect(wang.contains("Critical in the units you lead"))
        for other in ["E-OKR", "R-KPI", "A-COM", "A-OKR"] { #expect(!wang.contains(other), "王芳's digest holds \(other)") }
        let zhao = try await body("赵强")
        #expect(zhao.contains("R-KPI"))
        #expect(!zhao.contains("Critical in the units you lead"), "no critical alert below rd but 赵强's own")
        // HR: the company, with the top items.
        let hr = try await body("周敏")
        #expect(hr.contains("Live alerts: 3 critical, 2 warning, 1 info"))
        for k in NotifyWorld.keyResults { #expect(hr.contains(k.id)) }
        // The top lead of everything: critical ones of the whole tree.
        let chen = try await body("陈总")
        #expect(chen.contains("E-KPI") && chen.contains("S-KPI") && chen.contains("R-KPI") && !chen.contains("E-OKR"))
        // HTML escapes the reasons, and carries no remote image or script.
        let mail = try #require(await receiver.messages(to: "张伟").first).body
        #expect(mail.contains("Content-Type: multipart/alternative"))
        #expect(mail.contains("Content-Type: text/plain; charset=utf-8") && mail.contains("Content-Type: text/html; charset=utf-8"))
        #expect(text(try #require(await receiver.messages(to: "张伟").first)).contains("P(success) low &lt;b&gt;"))
        for m in await receiver.taken.values {
            let html = text(m).lowercased()
            #expect(!html.contains("<img") && !html.contains("<script") && !html.contains("src=\"http") && !html.contains("<link"))
        }
    }

    @Test(arguments: Backend.allCases)
    func aDashboardAccountDecidesTheRole(_ backend: Backend) async throws {
        let world = try NotifyWorld(backend)
        defer { world.close() }
        try world.run("2026-10-14", NotifyWorld.firstWeek)
        // The people file calls 周敏 HR; her dashboard account says member: the digest is a member's.
        _ = try AccountService.addAccount(store: world.store, email: "hr@x.cn", name: "周敏", role: .member, person: "周敏",
                                          password: "correct horse battery", cost: 4, actor: "test")
        let receiver = Receiver()
        let outcome = await NotifyService.run(store: world.store, request: request("2026-10-15T02:00:00Z"), transport: receiver)
        #expect(outcome.error == nil)
        #expect(await receiver.messages(to: "周敏").isEmpty)
        #expect(outcome.quiet.contains("周敏"))
    }

    @Test(arguments: Backend.allCases)
    func onceAPeriodNothingWhenNothingChangedAndEscalationsFollow(_ backend: Backend) async throws {
        let world = try NotifyWorld(backend)
        defer { world.close() }
        try world.run("2026-10-14", NotifyWorld.firstWeek)
        let receiver = Receiver()
        let first = await NotifyService.run(store: world.store, request: request("2026-10-15T02:00:00Z"), transport: receiver)
        #expect(first.lines.filter { $0.result == .sent }.count == 6)
        // Again in the same period: nothing new is planned or sent.
        let again = await NotifyService.run(store: world.store, request: request("2026-10-15T05:00:00Z"), transport: receiver)
        #expect(again.lines.allSatisfy { $0.result == .alreadySent })
        #expect(await receiver.attempts.count == 6)
        // A week later without a run: nothing changed, nothing sent.
        let quiet = await NotifyService.run(store: world.store, request: request("2026-10-22T02:00:00Z"), transport: receiver)
        #expect(quiet.lines.isEmpty)
        #expect(quiet.quiet.count == 6)
        // E-OKR escalates to critical: its owner hears of it, and so does the lead above.
        var second = NotifyWorld.firstWeek
        second["E-OKR"] = .critical
        try world.run("2026-10-21", second)
        let next = await NotifyService.run(store: world.store, request: request("2026-10-22T02:00:00Z"), transport: receiver)
        let told = Set(next.lines.filter { $0.result == .sent }.map(\.person))
        #expect(told == ["张伟", "王芳", "陈总", "周敏"])
        let zhang = text(try #require(await receiver.messages(to: "张伟").last))
        #expect(zhang.contains("[escalated · critical] E-OKR"))
        #expect(!zhang.contains("E-KPI"), "E-KPI did not change: it is not reported again")
    }

    @Test func periodsFollowEachTimeZoneFromEightInTheMorning() {
        let shanghai = TimeZone(identifier: "Asia/Shanghai")!, la = TimeZone(identifier: "America/Los_Angeles")!
        // 2026-10-15 01:00 UTC is 09:00 in Shanghai (the 15th's digest) and 18:00 on the 14th in Los Angeles.
        #expect(DigestPeriod.of(moment("2026-10-15T01:00:00Z"), cadence: .daily, timeZone: shanghai) == "2026-10-15")
        #expect(DigestPeriod.of(moment("2026-10-15T01:00:00Z"), cadence: .daily, timeZone: la) == "2026-10-14")
        // Before 08:00 local it is still the day before's period.
        #expect(DigestPeriod.of(moment("2026-10-14T23:30:00Z"), cadence: .daily, timeZone: shanghai) == "2026-10-14")
        // ISO weeks across a year's end: Monday 2026-12-28 08:00 in Shanghai begins 2026-W53; 2027-01-04 begins 2027-W01.
        #expect(DigestPeriod.of(moment("2026-12-28T00:00:00Z"), cadence: .weekly, timeZone: shanghai) == "2026-W53")
        #expect(DigestPeriod.of(moment("2027-01-03T23:59:00Z"), cadence: .weekly, timeZone: shanghai) == "2026-W53")
        #expect(DigestPeriod.of(moment("2027-01-04T00:00:00Z"), cadence: .weekly, timeZone: shanghai) == "2027-W01")
        // The days Berlin's clocks change: 08:00 by the local clock, not eight hours after midnight.
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        #expect(DigestPeriod.of(moment("2026-03-29T06:30:00Z"), cadence: .daily, timeZone: berlin) == "2026-03-29")  // 08:30 CEST
        #expect(DigestPeriod.of(moment("2026-03-29T05:30:00Z"), cadence: .daily, timeZone: berlin) == "2026-03-28")  // 07:30 CEST
        #expect(DigestPeriod.of(moment("2026-10-25T06:30:00Z"), cadence: .daily, timeZone: berlin) == "2026-10-24")  // 07:30 CET
        #expect(DigestPeriod.of(moment("2026-10-25T07:00:00Z"), cadence: .daily, timeZone: berlin) == "2026-10-25")  // 08:00 CET
    }

    @Test(arguments: Backend.allCases)
    func checkInRemindersOnceAndToTheManagerLater(_ backend: Backend) async throws {
        let world = try NotifyWorld(backend)
        defer { world.close() }
        try world.run("2026-10-14", [:])
        let receiver = Receiver()
        // No check-in since the cycle began on 10-01: 13 days at the run of 10-14.
        _ = await NotifyService.run(store: world.store, request: request("2026-10-15T02:00:00Z", silentDays: 10), transport: receiver)
        let zhang = text(try #require(await receiver.messages(to: "张伟").first))
        #expect(zhang.contains("Check-ins due") && zhang.contains("E-OKR") && zhang.contains("no check-in for 13 days"))
        #expect(await receiver.messages(to: "王芳").first.map { text($0).contains("Check-ins overdue in your team") } != true)
        // A week later: 张伟 is not reminded again of the same silence; at 20 days his manager hears of it.
        try world.run("2026-10-21", [:])
        _ = await NotifyService.run(store: world.store, request: request("2026-10-22T02:00:00Z", silentDays: 10), transport: receiver)
        #expect(await receiver.messages(to: "张伟").count == 1)
        let wang = text(try #require(await receiver.messages(to: "王芳").last))
        #expect(wang.contains("Check-ins overdue in your team") && wang.contains("E-KPI · 张伟 · no check-in for 20 days"))
        // 李娜's manager 赵强 leads rd, above rd.app: he sees her confidential A-COM; 王芳 does not.
        let zhao = await receiver.messages(to: "赵强").map(text).joined()
        #expect(zhao.contains("A-COM · 李娜"))
        #expect(!wang.contains("A-COM"))
    }

    @Test(arguments: Backend.allCases)
    func aFailedSendIsRetriedWithTheSameMessage(_ backend: Backend) async throws {
        let world = try NotifyWorld(backend)
        defer { world.close() }
        try world.run("2026-10-14", NotifyWorld.firstWeek)
        let receiver = Receiver()
        await receiver.failNext(4)
        let first = await NotifyService.run(store: world.store, request: request("2026-10-15T02:00:00Z"), transport: receiver)
        #expect(first.lines.filter { $0.result == .failed }.count == 4)
        #expect(first.lines.filter { $0.result == .sent }.count == 2)
        let failedBodies = Dictionary(await receiver.attempts.prefix(4).map { ($0.messageID, $0.body) }, uniquingKeysWith: { a, _ in a })
        // The next round (a day later, new run or not) sends those four: the same bytes.
        let second = await NotifyService.run(store: world.store, request: request("2026-10-16T02:00:00Z"), transport: receiver)
        #expect(second.lines.filter { $0.result == .sent }.count == 4)
        #expect(await receiver.taken.count == 6)
        for (id, body) in failedBodies { #expect(await receiver.taken[id]?.body == body) }
        #expect(try world.store.notifications().allSatisfy { $0.status == .sent })
    }

    @Test(arguments: Backend.allCases)
    func aRoundKilledAfterSendingResendsTheSameIDAndNothingElse(_ backend: Backend) async throws {
        let world = try NotifyWorld(backend)
        defer { world.close() }
        try world.run("2026-10-14", NotifyWorld.firstWeek)
        let receiver = Receiver()
        // A dry run plans nothing in the store.
        let dry = await NotifyService.run(store: world.store, request: request("2026-10-15T02:00:00Z", dryRun: true), transport: receiver)
        #expect(dry.lines.count == 6 && dry.lines.allSatisfy { $0.result == .wouldSend })
        #expect(try world.store.notifications().isEmpty)
        #expect(await receiver.attempts.isEmpty)
        // A round that planned, claimed and sent 张伟's message, then died before marking it sent.
        var plan = await NotifyService.run(store: world.store, request: request("2026-10-15T02:00:00Z", dryRun: true), transport: receiver).lines
        plan = plan.filter { $0.person == "张伟" }
        let message = try #require(plan.first?.message)
        #expect(try world.store.planNotification(message, reminders: []))
        let now = Int64(Date().timeIntervalSince1970)
        #expect(try world.store.claimNotification(recipient: "张伟", channel: .email, period: message.period, now: now - 120, until: now - 60))
        #expect(await receiver.send(message) == nil)
        // (The round died here: its claim runs out.)
        // The next round sends it again, with the same Message-ID, which the receiver drops; every other digest once.
        let next = await NotifyService.run(store: world.store, request: request("2026-10-15T03:00:00Z"), transport: receiver)
        #expect(next.error == nil)
        let attempts = await receiver.attempts
        #expect(attempts.filter { $0.recipient == "张伟" }.count == 2)
        #expect(Set(attempts.filter { $0.recipient == "张伟" }.map(\.messageID)).count == 1)
        #expect(Set(attempts.filter { $0.recipient == "张伟" }.map(\.body)).count == 1)
        #expect(await receiver.taken.count == 6)
        #expect(attempts.count == 7)
    }

    @Test(arguments: Backend.allCases)
    func roundsAtOnceSendEachMessageOnce(_ backend: Backend) async throws {
        let world = try NotifyWorld(backend)
        defer { world.close() }
        try world.run("2026-10-14", NotifyWorld.firstWeek)
        let receiver = Receiver()
        await receiver.slow(0.05)
        async let a = NotifyService.run(store: world.store, request: request("2026-10-15T02:00:00Z"), transport: receiver)
        async let b = NotifyService.run(store: world.store, request: request("2026-10-15T02:00:00Z"), transport: receiver)
        let (ra, rb) = await (a, b)
        #expect(ra.error == nil && rb.error == nil, "\(String(describing: ra.error)) \(String(describing: rb.error))")
        #expect(await receiver.attempts.count == 6, "each message sent by one round only")
        #expect(ra.lines.filter { $0.result == .sent }.count + rb.lines.filter { $0.result == .sent }.count == 6)
    }

    @Test(arguments: Backend.allCases)
    func aMessageFailingTooOftenIsGivenUp(_ backend: Backend) async throws {
        let world = try NotifyWorld(backend)
        defer { world.close() }
        try world.run("2026-10-14", ["E-KPI": .critical])
        let receiver = Receiver()
        await receiver.failNext(1_000)
        var r = request("2026-10-15T02:00:00Z")
        r.maxAttempts = 2
        _ = await NotifyService.run(store: world.store, request: r, transport: receiver)
        let second = await NotifyService.run(store: world.store, request: r, transport: receiver)
        #expect(second.lines.contains { $0.result == .gaveUp })
        let before = await receiver.attempts.count
        let third = await NotifyService.run(store: world.store, request: r, transport: receiver)
        #expect(await receiver.attempts.count == before, "a given-up message is not tried again")
        #expect(third.lines.allSatisfy { $0.result == .gaveUp })
        #expect(try world.store.notifications().allSatisfy { $0.status == .failed && $0.lastError == "refused (test)" })
    }

    @Test(arguments: Backend.allCases)
    func aGivenUpMessageSNewsComeWithTheNextDigest(_ backend: Backend) async throws {
        let world = try NotifyWorld(backend)
        defer { world.close() }
        try world.run("2026-10-14", ["E-KPI": .critical])
        let receiver = Receiver()
        await receiver.failNext(2)
        var r = request("2026-10-15T02:00:00Z", silentDays: 10)
        r.maxAttempts = 1
        // 张伟's message fails once and is given up (with its reminders), 王芳's too.
        let first = await NotifyService.run(store: world.store, request: r, transport: receiver)
        #expect(first.lines.filter { $0.result == .gaveUp }.count == 2)
        // The next week: his digest reports E-KPI (opened the week before) and reminds him again.
        try world.run("2026-10-21", ["E-KPI": .critical])
        await receiver.failNext(0)
        _ = await NotifyService.run(store: world.store, request: request("2026-10-22T02:00:00Z", silentDays: 10), transport: receiver)
        let zhang = await receiver.messages(to: "张伟").map(text).joined()
        #expect(zhang.contains("[new · critical] E-KPI"), "\(zhang)")
        #expect(zhang.contains("Check-ins due") && zhang.contains("E-OKR"))
    }

    @Test(arguments: Backend.allCases)
    func aChannelDownIsNotTheMessagesFault(_ backend: Backend) async throws {
        let world = try NotifyWorld(backend)
        defer { world.close() }
        try world.run("2026-10-14", NotifyWorld.firstWeek)
        let receiver = Receiver()
        await receiver.setDown(true)
        var r = request("2026-10-15T02:00:00Z")
        r.maxAttempts = 1
        // Down: one try, the rest wait untried, nothing counted or given up.
        for _ in 1...3 {
            let round = await NotifyService.run(store: world.store, request: r, transport: receiver)
            #expect(round.lines.count == 6 && round.lines.allSatisfy { $0.result == .failed })
            #expect(round.lines.filter { $0.error?.hasPrefix("not tried: ") == true }.count == 5)
        }
        #expect(await receiver.attempts.count == 3)
        #expect(try world.store.notifications().allSatisfy { $0.status == .pending && $0.attempts == 0 })
        await receiver.setDown(false)
        let up = await NotifyService.run(store: world.store, request: r, transport: receiver)
        #expect(up.lines.filter { $0.result == .sent }.count == 6)
    }

    @Test(arguments: Backend.allCases)
    func unsentMessagesOfAPastPeriodOrAGonePersonAreWithdrawn(_ backend: Backend) async throws {
        let (world, receiver) = try await failedFirstRound(backend)
        defer { world.close() }
        // 李娜 leaves the people file.
        try world.importPeople(NotifyWorld.peopleFile.split(separator: "\n").filter { !$0.hasPrefix("李娜") }.joined(separator: "\n"))
        // A week later with a new run: last week's unsent digests are withdrawn, and the new ones carry their news.
        var second = NotifyWorld.firstWeek
        second["E-OKR"] = .critical
        try world.run("2026-10-21", second)
        let next = await NotifyService.run(store: world.store, request: request("2026-10-22T02:00:00Z"), transport: receiver)
        #expect(next.withdrawn == 6)
        #expect(await receiver.taken.values.allSatisfy { $0.period != "2026-W42" && $0.period != "2026-10-14" })
        #expect(await receiver.messages(to: "李娜").isEmpty)
        let zhang = text(try #require(await receiver.messages(to: "张伟").first))
        #expect(zhang.contains("[new · critical] E-OKR") && zhang.contains("[new · critical] E-KPI"))
        #expect(try world.store.notifications().filter { $0.status == .withdrawn }.count == 6)
    }

    @Test(arguments: Backend.allCases)
    func aNewAddressInThePeriodGetsItsOwnMessage(_ backend: Backend) async throws {
        let (world, receiver) = try await failedFirstRound(backend)
        defer { world.close() }
        // A dry run now: the six would go again.
        let dry = await NotifyService.run(store: world.store, request: request("2026-10-15T03:00:00Z", dryRun: true), transport: receiver)
        #expect(dry.lines.filter { $0.result == .wouldRetry }.count == 6)
        // 张伟's address changes within the period: his old message is withdrawn, a new one goes to the new address.
        try world.importPeople(NotifyWorld.peopleFile.replacingOccurrences(of: "zhang@x.cn", with: "zhang.wei@x.cn"))
        let again = await NotifyService.run(store: world.store, request: request("2026-10-15T04:00:00Z"), transport: receiver)
        #expect(again.withdrawn == 1)
        #expect(again.lines.filter { $0.result == .sent }.count == 6)
        let zhang = await receiver.messages(to: "张伟")
        #expect(zhang.count == 1 && zhang.first?.destination == "zhang.wei@x.cn")
        let old = await receiver.attempts.first { $0.recipient == "张伟" }
        #expect(old?.destination == "zhang@x.cn" && old?.messageID != zhang.first?.messageID)
        #expect(text(try #require(zhang.first)).contains("E-KPI"))
    }

    @Test func aMailServerDownIsToldFromARefusedMessage() {
        #expect(SMTPClient.isChannelDown(code: 7, response: 0))        // cannot connect
        #expect(SMTPClient.isChannelDown(code: 67, response: 535))     // sign-in refused
        #expect(SMTPClient.isChannelDown(code: 8, response: 421))      // busy, closing
        #expect(SMTPClient.isChannelDown(code: 56, response: 0))       // closed before a word
        #expect(SMTPClient.isChannelDown(code: 28, response: 0))       // no answer at all
        #expect(!SMTPClient.isChannelDown(code: 28, response: 250))    // one recipient hangs: the message's
        #expect(!SMTPClient.isChannelDown(code: 55, response: 550))    // a recipient refused
    }

    @Test func slackAndTeamsPayloadsAreTheirOwnFormats() throws {
        let person = Person(name: "张伟", email: "zhang@x.cn", manager: nil, units: [], role: .member, timeZone: "UTC", cadence: .weekly)
        let digest = Digest(person: person, role: .member, period: "2026-W42", asOf: Day(iso: "2026-10-14")!, own: [], led: [], company: nil,
                            reminders: [], teamReminders: [], afterEvent: 0, lastEvent: 0)
        let slack = try #require(try JSONSerialization.jsonObject(with: DigestRender.slack(digest, links: .init(dashboard: nil))) as? [String: Any])
        #expect(slack["text"] as? String == "Tandem 2026-W42: nothing new")
        let blocks = try #require(slack["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "header" && blocks.last?["type"] as? String == "context")
        let teams = try #require(try JSONSerialization.jsonObject(with: DigestRender.teams(digest, links: .init(dashboard: nil))) as? [String: Any])
        #expect(teams["type"] as? String == "message")
        let attachment = try #require((teams["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard" && card["version"] as? String == "1.4")
    }

    @Test func headersAreEncodedAndTheMessageIsWellFormed() {
        let subject = "Tandem 2026-W42: 星海科技 的 3 条新告警，请尽快处理这些关键结果的风险"
        let encoded = MailMessage.encodedHeader(subject)
        for word in encoded.components(separatedBy: "\r\n ") {
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?=") && word.count <= 75)
        }
        let decoded = encoded.components(separatedBy: "\r\n ").map { w -> String in
            let b64 = w.dropFirst(10).dropLast(2)
            return String(decoding: Data(base64Encoded: String(b64))!, as: UTF8.self)
        }.joined()
        #expect(decoded == subject)
        // A line break in a name cannot add a header.
        let message = MailMessage.build(from: "t@x.cn", fromName: "Tandem", to: "a@x.cn", toName: "Eve\r\nBcc: all@x.cn", subject: "s\r\nX: y",
                                        text: "t", html: "h", messageID: "<m@x.cn>", date: Date(timeIntervalSince1970: 0))
        let head = message.components(separatedBy: "\r\n\r\n")[0]
        #expect(!head.contains("\r\nBcc:") && !head.contains("\r\nX: y"))
        #expect(message.split(separator: "\r\n", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 998 })
        // Quotes and backslashes in a name stay inside its quoted string.
        #expect(MailMessage.mailbox("Plain \"Quoted\" \\ Name", "q@x.cn") == "\"Plain \\\"Quoted\\\" \\\\ Name\" <q@x.cn>")
    }

    @Test func smtpSettingsRefuseWhatWouldLeakOrCannotWork() {
        #expect(throws: ServiceError.self) { try SMTPSettings.parse("smtp://u:pw@mail.x.cn", from: "t@x.cn", password: nil, requireTLS: true, caFile: nil) }
        #expect(throws: ServiceError.self) { try SMTPSettings.parse("smtp://mail.x.cn", from: "t@x.cn", password: nil, requireTLS: false, caFile: nil) }
        #expect(throws: ServiceError.self) { try SMTPSettings.parse("http://mail.x.cn", from: "t@x.cn", password: nil, requireTLS: true, caFile: nil) }
        #expect(throws: ServiceError.self) { try SMTPSettings.parse("smtp://mail.x.cn", from: "not an address", password: nil, requireTLS: true, caFile: nil) }
        let s = try? SMTPSettings.parse("smtp://tandem%40x.cn@mail.x.cn", from: "T@X.cn", password: "p", requireTLS: true, caFile: nil)
        #expect(s?.url == "smtp://mail.x.cn:587" && s?.username == "tandem@x.cn" && s?.from == "t@x.cn")
    }
}

@Suite("the people file: checked whole, located errors, all or nothing")
struct PeopleFileTests {
    func read(_ text: String, units: Set<String>? = ["co", "sales"], owners: Set<String>? = nil) -> Checked<[Person]?> {
        PeopleFile.read(SourceFile(path: "people.csv", text: text), units: units, owners: owners)
    }

    func rendered(_ c: Checked<[Person]?>) -> [String] { c.diagnostics.map { "\($0.location.map(\.description) ?? ""): \($0.id) \($0.message)" } }

    @Test func aGoodFileWithItsQuirks() throws {
        let c = read("\u{FEFF}Person , EMAIL,manager,units,timezone,cadence,slack,\n王芳,Wang@X.cn,,co;sales,Asia/Shanghai,Daily,https://hooks.slack.com/services/T/B/x,\n张伟,zhang@x.cn,王芳,,,,,\n\n")
        let people = try #require(c.value, "\(rendered(c))")
        #expect(people.count == 2)
        #expect(people[0] == Person(name: "王芳", email: "wang@x.cn", manager: nil, units: ["co", "sales"], role: .lead, timeZone: "Asia/Shanghai",
                                    cadence: .daily, slack: "https://hooks.slack.com/services/T/B/x"))
        #expect(people[1].role == .member && people[1].timeZone == "UTC" && people[1].cadence == .weekly && people[1].manager == "王芳")
    }

    @Test func everyMistakeIsLocated() {
        let c = read("""
            person,email,manager,units,timezone,cadence,role,teams
            王芳,wang@x.cn,,sales,Asia/Shanghia,hourly,boss,http://example.com/hook
            张伟,zhang@@x.cn,李四,nowhere,,,,
            王芳,wang@x.cn,,,,,,
            赵强,zhao@x.cn,钱七,,,,lead,
            钱七,qian@x.cn,赵强,,,,,

            """)
        #expect(c.value == nil)
        let lines = rendered(c)
        #expect(lines.contains("people.csv:2:21: N0108 'timezone' must be an IANA time zone like Asia/Shanghai or Europe/Berlin, found 'Asia/Shanghia'"), "\(lines)")
        #expect(lines.contains("people.csv:2:35: N0109 'cadence' must be daily or weekly, found 'hourly'"))
        #expect(lines.contains("people.csv:2:42: N0110 'role' must be member, lead, hr, strategy or admin, found 'boss'"))
        #expect(lines.contains { $0.hasPrefix("people.csv:2:47: N0111 'teams' must be an https:// webhook URL") })
        #expect(lines.contains("people.csv:3:4: N0102 'email' must be one address like name@example.com, in ASCII (a domain in punycode), found 'zhang@@x.cn'"))
        #expect(lines.contains("people.csv:3:19: N0107 no unit 'nowhere' in the store"))
        #expect(lines.contains("people.csv:4:1: N0103 '王芳' is in the file twice"))
        #expect(lines.contains { $0.hasPrefix("people.csv:5:") && $0.contains("N0112") })
        #expect(lines.contains { $0.contains("N0106 managers go round in a circle: ") })
    }

    @Test func loopbackIsAnAddressNotASpelling() {
        #expect(PeopleFile.webhookURL("http://127.0.0.1:8080/hook") != nil)
        #expect(PeopleFile.webhookURL("http://[::1]:8080/hook") != nil)
        #expect(PeopleFile.webhookURL("http://localhost/hook") != nil)
        #expect(PeopleFile.webhookURL("http://127.attacker.example/hook") == nil)
        #expect(PeopleFile.webhookURL("http://[1::1]/hook") == nil)
        #expect(PeopleFile.webhookURL("https://hooks.slack.com/services/T/B/x") != nil)
        #expect(PeopleFile.webhookURL("ftp://127.0.0.1/x") == nil)
    }

    @Test func namesAddressesAndZonesAtTheirEdges() {
        let long = String(repeating: "名", count: 201)
        let c = read("person,email,manager,timezone,role,units\n\(long),a@x.cn,,UTC,,\n用户,用户@例子.中国,,UTC,,\n甲,b@x.cn,,Asia/Kolkata,,\n乙,c@x.cn,,Etc/UTC,lead,;;\n")
        let lines = rendered(c)
        #expect(lines.contains { $0.hasPrefix("people.csv:2:1: N0114 'person' must be at most 200 characters") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("people.csv:3:4: N0102") })
        #expect(!lines.contains { $0.contains("N0108") }, "Asia/Kolkata and Etc/UTC are time zones")
        #expect(lines.contains { $0.hasPrefix("people.csv:5:") && $0.contains("N0112") })
        // A chain of 20,000 managers, and a circle of 20,000, are each read in one pass.
        var chain = "person,email,manager\n", circle = "person,email,manager\n"
        for n in 0..<20_000 {
            chain += "p\(n),p\(n)@x.cn,\(n == 0 ? "" : "p\(n - 1)")\n"
            circle += "p\(n),p\(n)@x.cn,p\((n + 19_999) % 20_000)\n"
        }
        #expect(read(chain, units: nil).value?.count == 20_000)
        #expect(read(circle, units: nil).diagnostics.filter { $0.id == "N0106" }.count == 20_000)
        // Empty labels, a name of combining marks, one webhook for two people.
        let d = read("person,email,manager,slack\nq,q@b..cn,,\n\("e" + String(repeating: "\u{301}", count: 300)),e@x.cn,,\n"
                     + "a,a@x.cn,,https://hooks.slack.com/services/T/B/x\nb,b@x.cn,,https://hooks.slack.com/services/T/B/x\n")
        let dl = rendered(d)
        #expect(dl.contains { $0.hasPrefix("people.csv:2:3: N0102") }, "\(dl)")
        #expect(dl.contains { $0.hasPrefix("people.csv:3:1: N0114") })
        #expect(dl.contains { $0.hasPrefix("people.csv:5:11: N0202 the slack webhook of a and b is the same") }, "\(dl)")
    }

    @Test func unknownManagerAndColumns() {
        let c = read("person,email,manager,timzone\n王芳,wang@x.cn,李四,UTC\n")
        #expect(rendered(c) == ["people.csv:1:22: N0002 'timzone' is not a column of the people file"])
        let d = read("person,email\n王芳,wang@x.cn\n")
        #expect(rendered(d) == ["people.csv:1:1: N0001 a people file must have a column 'manager'"])
        let e = read("person,email,manager\n王芳,wang@x.cn,李四\n")
        #expect(rendered(e) == ["people.csv:2:14: N0105 the manager '李四' is not a person of the file"])
        let f = read("person,email,manager\n\"王\r\n芳\",wang@x.cn,\n")
        #expect(rendered(f).first?.contains("N0113") == true)
    }

    @Test func aBrokenFileChangesNothing() throws {
        let world = try NotifyWorld(.sqlite)
        defer { world.close() }
        let before = try world.store.people()
        let bad = world.scratch.folder!.appendingPathComponent("bad.csv")
        try "person,email,manager\n新人,new@x.cn,\n坏人,not-an-address,\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect(throws: ServiceError.self) { try PeopleService.importFile(bad.path, store: world.store, actor: "test") }
        #expect(try world.store.people() == before)
        #expect(before.count == 6)
    }
}
