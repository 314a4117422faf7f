import Foundation
import TandemCore
import TandemStore

/// What `tandem notify` is asked to do.
public struct NotifyRequest: Sendable {
    /// The run day whose ledger the digests report up to (nil: the latest run).
    public var asOf: Day?
    /// The moment of the round: each recipient's period is read from it in their time zone.
    public var at: Date
    /// Days without a check-in before an owner is reminded (their manager at twice as many).
    public var silentDays: Int
    /// Plan and show, write and send nothing.
    public var dryRun: Bool
    public var smtp: SMTPSettings?
    /// The sender's name on emails.
    public var fromName: String
    public var links: DigestRender.Links
    /// How long a sender holds a message it is sending; a sender killed midway loses it after that.
    public var claimSeconds: Int
    /// A message that failed this many times is no longer tried (it stays in the ledger, failed).
    public var maxAttempts: Int

    public init(asOf: Day? = nil, at: Date = Date(), silentDays: Int = 14, dryRun: Bool = false, smtp: SMTPSettings? = nil,
                fromName: String = "Tandem", links: DigestRender.Links = .init(dashboard: nil), claimSeconds: Int = 300, maxAttempts: Int = 10) {
        self.asOf = asOf
        self.at = at
        self.silentDays = silentDays
        self.dryRun = dryRun
        self.smtp = smtp
        self.fromName = fromName
        self.links = links
        self.claimSeconds = claimSeconds
        self.maxAttempts = maxAttempts
    }
}

/// What a notify round did, message by message.
public struct NotifyOutcome: Sendable {
    public enum Result: String, Sendable {
        /// Sent now.
        case sent
        /// Dry run: would be planned and sent.
        case wouldSend = "would send"
        /// Dry run: planned by an earlier round and not sent yet; this round would send it again.
        case wouldRetry = "would retry"
        /// The receiver did not take it; the next round tries again.
        case failed
        /// Failed too often; no longer tried.
        case gaveUp = "gave up"
        /// Another round holds it right now (or one that died; it is free again after its claim).
        case held
        /// Sent by an earlier round (the same period).
        case alreadySent = "already sent"
    }

    public struct Line: Sendable {
        public var person: String
        public var email: String
        public var channel: NotificationChannel
        public var period: String
        public var headline: String
        public var result: Result
        public var error: String?
        /// The planned message (its body as sent).
        public var message: NotificationRecord?
        /// The digest behind it, when this round planned it.
        public var digest: Digest?
    }

    public var asOf: Day
    public var lines: [Line] = []
    /// People with nothing new this period.
    /// Messages of earlier periods never sent, or to people or addresses no longer in the
    /// people file, withdrawn this round (their news are in the new digests).
    public var withdrawn = 0
    public var quiet: [String] = []
    /// People without a channel: no mail server given and no webhook of theirs.
    public var unreachable: [String] = []
    /// Set when the store could not be read or written (the round stops there).
    public var error: ServiceError?
}

/// Digests by email, Slack and Teams: each person's news since their last digest, once a day or
/// a week in their time zone, never the same message twice.
///
/// A round plans, then sends. Planning writes each message whole into the notification ledger
/// (key: recipient, channel, period) before anything is sent, so a round killed at any point
/// leaves either no message or one fixed message that the next round sends, the same bytes with
/// the same Message-ID or Idempotency-Key. A message is marked sent only after the receiver took
/// it (250 after DATA; a 2xx answer); if the round dies between those two moments, the next
/// round sends it again with that same id, by which a mail system or a webhook receiver drops
/// the repeat. Rounds running at once do not send one message twice: a sender claims a message
/// first, for `claimSeconds`.
public enum NotifyService {
    public static func run(store: any Store, request: NotifyRequest, transport: any DigestTransport) async -> NotifyOutcome {
        var outcome = NotifyOutcome(asOf: request.asOf ?? Day(ordinal: 0))
        let planned: [(NotificationRecord, [ReminderMark], Digest)]
        let earlier: [NotificationRecord], retrying: [NotificationRecord]
        if !request.dryRun {
            do {
                outcome.withdrawn = try await Offload.run { () throws(ServiceError) in try self.withdrawStale(store: store, request: request) }
            } catch {
                outcome.error = error
                return outcome
            }
        }
        do {
            let plan = try await Offload.run { () throws(ServiceError) in try self.plan(store: store, request: request) }
            outcome.asOf = plan.asOf
            outcome.quiet = plan.quiet
            outcome.unreachable = plan.unreachable
            planned = plan.messages
            earlier = plan.earlier
            retrying = plan.retrying
        } catch {
            outcome.error = error
            return outcome
        }
        func line(_ m: NotificationRecord, _ d: Digest?, _ result: NotifyOutcome.Result, _ error: String? = nil) -> NotifyOutcome.Line {
            // A webhook's URL is a credential: never shown.
            NotifyOutcome.Line(person: m.recipient, email: d?.person.email ?? (m.channel == .email ? m.destination : ""), channel: m.channel,
                               period: m.period, headline: d?.headline ?? DigestRender.headline(ofSubject: m.subject), result: result, error: error,
                               message: m, digest: d)
        }
        if request.dryRun {
            outcome.lines = planned.map { line($0.0, $0.2, .wouldSend) } + retrying.map { line($0, nil, .wouldRetry, $0.lastError) }
                + earlier.map { line($0, nil, $0.status == .sent ? .alreadySent : .gaveUp, $0.lastError) }
            return outcome
        }
        // Record the plans; one another round recorded first is theirs to send.
        var digests: [String: Digest] = [:]
        for (message, reminders, digest) in planned {
            do {
                if try await Offload.run({ () throws(ServiceError) in try storeCall { () throws(StoreError) in try store.planNotification(message, reminders: reminders) } }) {
                    digests[key(message)] = digest
                }
            } catch {
                outcome.error = error
                return outcome
            }
        }
        // Send every pending message: this round's, and those an earlier round could not send.
        let pending: [NotificationRecord]
        do {
            pending = try await Offload.run { () throws(ServiceError) in try storeCall { () throws(StoreError) in try store.notifications(pendingOnly: true) } }
        } catch {
            outcome.error = error
            return outcome
        }
        var down: [NotificationChannel: String] = [:]
        for m in pending {
            if let why = down[m.channel] {
                outcome.lines.append(line(m, digests[key(m)], .failed, "not tried: \(why)"))
                continue
            }
            let now = Int64(Date().timeIntervalSince1970)
            let claimed: Bool
            do {
                claimed = try await Offload.run { () throws(ServiceError) in
                    try storeCall { () throws(StoreError) in
                        try store.claimNotification(recipient: m.recipient, channel: m.channel, period: m.period, now: now,
                                                    until: now + Int64(max(1, request.claimSeconds)))
                    }
                }
            } catch {
                outcome.error = error
                return outcome
            }
            if !claimed {
                outcome.lines.append(line(m, digests[key(m)], .held))
                continue
            }
            let failure = await transport.send(m)
            // A channel that is down (the mail server unreachable, refusing TLS or the sign-in)
            // is no fault of the message: not counted, and the channel's other messages wait.
            let channelDown = failure?.channelDown == true
            if channelDown, let failure { down[m.channel] = failure.words }
            let giveUp = failure != nil && !channelDown && m.attempts + 1 >= request.maxAttempts
            do {
                try await Offload.run { () throws(ServiceError) in
                    try storeCall { () throws(StoreError) in
                        try store.finishNotification(recipient: m.recipient, channel: m.channel, period: m.period,
                                                     sentAt: failure == nil ? Int64(Date().timeIntervalSince1970) : nil, error: failure?.words,
                                                     giveUp: giveUp, uncounted: channelDown)
                    }
                }
            } catch {
                if case .store(var e) = error, failure == nil {
                    e.message += "; the message to \(m.recipient) (\(m.channel.rawValue), \(m.period)) was sent but could not be marked so: the next round sends it again with the same \(m.channel == .email ? "Message-ID" : "Idempotency-Key")"
                    outcome.error = .store(e)
                } else {
                    outcome.error = error
                }
                outcome.lines.append(line(m, digests[key(m)], failure == nil ? .sent : .failed, failure?.words))
                return outcome
            }
            outcome.lines.append(line(m, digests[key(m)], failure == nil ? .sent : (giveUp ? .gaveUp : .failed), failure?.words))
        }
        // Messages of this period sent by an earlier round.
        for m in earlier { outcome.lines.append(line(m, nil, m.status == .sent ? .alreadySent : .gaveUp, m.lastError)) }
        return outcome
    }

    /// Withdraws the pending messages nobody is sending that should no longer go: of an earlier
    /// period than their recipient's current one (a digest a day late would say less than the
    /// new one, which now reports their news too), or to someone no longer in the people file,
    /// or to an address that is no longer theirs.
    static func withdrawStale(store: any Store, request: NotifyRequest) throws(ServiceError) -> Int {
        let stale = try staleMessages(store: store, request: request)
        if stale.isEmpty { return 0 }
        return try storeCall { () throws(StoreError) in
            try store.withdrawNotifications(stale.map { ($0.recipient, $0.channel, $0.period) }, now: Int64(Date().timeIntervalSince1970))
        }
    }

    /// The pending messages a round withdraws (see ``withdrawStale(store:request:)``).
    static func staleMessages(store: any Store, request: NotifyRequest) throws(ServiceError) -> [NotificationRecord] {
        let (people, pending) = try storeCall { () throws(StoreError) in (try store.people(), try store.notifications(pendingOnly: true)) }
        let byName = Dictionary(people.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let now = Int64(Date().timeIntervalSince1970)
        return pending.filter { m in
            // One being sent right now is left to its sender.
            if let claim = m.claimedUntil, claim > now { return false }
            guard let p = byName[m.recipient] else { return true }
            let address: String? = switch m.channel {
            case .email: p.email
            case .slack: p.slack
            case .teams: p.teams
            }
            if address != m.destination { return true }
            return m.period != DigestPeriod.of(request.at, cadence: p.cadence, timeZone: TimeZone(identifier: p.timeZone) ?? DigestPeriod.utc)
        }
    }

    static func key(_ m: NotificationRecord) -> String { [m.recipient, m.channel.rawValue, m.period].joined(separator: "\u{1F}") }

    /// What a round would send, before anything is written.
    public struct Plan: Sendable {
        public var asOf: Day
        /// Each message with the reminders it carries and the digest behind it.
        public var messages: [(NotificationRecord, [ReminderMark], Digest)]
        public var quiet: [String]
        public var unreachable: [String]
        /// This period's messages an earlier round finished (sent, or given up).
        public var earlier: [NotificationRecord]
        /// This period's messages an earlier round planned and could not send yet (sent again this round).
        public var retrying: [NotificationRecord] = []
    }

    /// Reads the store once and builds every message due: one per person, channel and period
    /// that has something new and is not in the ledger yet. Writes nothing.
    public static func plan(store: any Store, request: NotifyRequest) throws(ServiceError) -> Plan {
        let catalogue = try Catalogue.load(store: store)
        // A dry run sees the store as the round would after withdrawing what it withdraws.
        let withdrawing = request.dryRun ? Set(try staleMessages(store: store, request: request).map(key)) : []
        let (people, accounts, marks, reminded, latest) = try storeCall { () throws(StoreError) in
            (try store.people(), try store.accounts(), try store.notificationWatermarks(excluding: withdrawing), try store.reminderMarks(),
             try store.latestRun())
        }
        if people.isEmpty {
            throw .refused("the store has no people to notify", note: "import a people file first: tandem people import --db \(store.location) people.csv",
                           location: store.location)
        }
        guard let asOf = request.asOf ?? latest else {
            throw .refused("the store has no run yet, so no alert to report", note: "tandem run --db \(store.location) records one", location: store.location)
        }
        if let latest, asOf > latest {
            throw .invalidRequest("--as-of \(asOf) is after the latest run (\(latest)): there is no ledger for that day yet")
        }
        func channels(_ p: Person) -> [(NotificationChannel, String)] {
            var out: [(NotificationChannel, String)] = []
            // A dry run shows the email digests even without a mail server.
            if request.smtp != nil || request.dryRun { out.append((.email, p.email)) }
            if let url = p.slack { out.append((.slack, url)) }
            if let url = p.teams { out.append((.teams, url)) }
            return out
        }
        // The events no digest has reported to everyone yet: after the lowest watermark.
        let oldest = people.flatMap { p in channels(p).map { marks[p.name + "\u{1F}" + $0.0.rawValue] ?? 0 } }.min() ?? 0
        // Events before alerts: a run recorded in between adds alerts, never takes an event's away.
        let events = try storeCall { () throws(StoreError) in try store.notifyingEvents(after: oldest, through: asOf) }
        // Only live alerts are reported (and counted for HR).
        let alerts = try storeCall { () throws(StoreError) in
            try store.alerts(AlertFilter(status: .open)) + store.alerts(AlertFilter(status: .acked))
        }
        let periods = Set(people.map { p in
            DigestPeriod.of(request.at, cadence: p.cadence, timeZone: TimeZone(identifier: p.timeZone) ?? DigestPeriod.utc)
        })
        let existing = try storeCall { () throws(StoreError) in try store.notifications(periods: periods) }
        let lastCheckIn = try storeCall { () throws(StoreError) in try store.lastCheckInDays(onOrBefore: asOf) }
        let builder = DigestBuilder(catalogue: catalogue, alerts: alerts, events: events, lastCheckIn: lastCheckIn, people: people,
                                    asOf: asOf, silentDays: request.silentDays)
        let ledger = Dictionary(existing.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        var plan = Plan(asOf: asOf, messages: [], quiet: [], unreachable: [], earlier: [])
        for r in Recipient.all(people: people, accounts: accounts, catalogue: catalogue) {
            let channels = channels(r.person)
            if channels.isEmpty {
                plan.unreachable.append(r.person.name)
                continue
            }
            let zone = TimeZone(identifier: r.person.timeZone) ?? DigestPeriod.utc
            let period = DigestPeriod.of(request.at, cadence: r.person.cadence, timeZone: zone)
            var anything = false
            for (channel, destination) in channels {
                let from = request.smtp?.from ?? "tandem@tandem.invalid"
                let probe = NotificationRecord(recipient: r.person.name, channel: channel, period: period, destination: destination, firstEvent: 0,
                                               lastEvent: 0, subject: "", body: "", messageID: "", plannedAt: 0)
                if let done = ledger[key(probe)], done.status != .withdrawn, !withdrawing.contains(key(done)) {
                    if done.status == .pending { plan.retrying.append(done) } else { plan.earlier.append(done) }
                    anything = true
                    continue
                }
                let after = marks[r.person.name + "\u{1F}" + channel.rawValue] ?? 0
                let digest = builder.digest(for: r, period: period, after: after) { reminder in
                    reminded.contains(ReminderMark(keyResultID: reminder.keyResult.id, silentSince: reminder.silentSince,
                                                   recipient: r.person.name, channel: channel))
                }
                if digest.isEmpty { continue }
                anything = true
                let id = MailMessage.messageID(organisation: store.organisation, recipient: r.person.name, channel: channel, period: period, from: from,
                                               destination: destination, events: (after + 1)...max(after + 1, digest.lastEvent))
                let subject = DigestRender.subject(digest)
                let body: String
                do {
                    switch channel {
                    case .email:
                        body = MailMessage.build(from: from, fromName: request.fromName, to: r.person.email, toName: r.person.name, subject: subject,
                                                 text: DigestRender.text(digest, links: request.links), html: DigestRender.html(digest, links: request.links),
                                                 messageID: id, date: request.at)
                    case .slack: body = String(decoding: try DigestRender.slack(digest, links: request.links), as: UTF8.self)
                    case .teams: body = String(decoding: try DigestRender.teams(digest, links: request.links), as: UTF8.self)
                    }
                } catch {
                    throw .refused("the digest of \(r.person.name) cannot be put into JSON: \(error)", location: store.location)
                }
                let message = NotificationRecord(recipient: r.person.name, channel: channel, period: period, destination: destination,
                                                 firstEvent: after + 1, lastEvent: digest.lastEvent, subject: subject, body: body, messageID: id,
                                                 plannedAt: Int64(request.at.timeIntervalSince1970))
                // The reminders the message shows (a section shows at most `sectionLimit`): the rest are given later.
                let reminders = (digest.reminders.prefix(DigestRender.sectionLimit) + digest.teamReminders.prefix(DigestRender.sectionLimit)).map {
                    ReminderMark(keyResultID: $0.keyResult.id, silentSince: $0.silentSince, recipient: r.person.name, channel: channel)
                }
                plan.messages.append((message, reminders, digest))
            }
            if !anything { plan.quiet.append(r.person.name) }
        }
        return plan
    }
}
