import Foundation
import TandemCore

/// A person of the people file: who owns key results (their `name` is the key-result files'
/// `owner`), where their digests go, and whom they report to.
public struct Person: Sendable, Hashable, Codable {
    /// The owner name of the key-result files; the person's key within the organisation.
    public var name: String
    /// Lower-case.
    public var email: String
    /// The person they report to (a `name` of the file), nil at the top.
    public var manager: String?
    /// The units they lead (their subtrees' critical alerts reach them).
    public var units: [String]
    /// The role their digest is built for when no dashboard account says otherwise.
    public var role: Role
    /// An IANA time-zone identifier (`Asia/Shanghai`).
    public var timeZone: String
    public var cadence: Cadence
    /// Incoming-webhook URLs, when their digests go to Slack or Teams as well.
    public var slack: String?
    public var teams: String?

    public init(name: String, email: String, manager: String?, units: [String], role: Role, timeZone: String,
                cadence: Cadence, slack: String? = nil, teams: String? = nil) {
        self.name = name
        self.email = email
        self.manager = manager
        self.units = units
        self.role = role
        self.timeZone = timeZone
        self.cadence = cadence
        self.slack = slack
        self.teams = teams
    }

    enum CodingKeys: String, CodingKey {
        case name = "person", email, manager, units, role, timeZone = "timezone", cadence, slack, teams
    }
}

/// How often a person gets a digest.
public enum Cadence: String, Sendable, Hashable, Codable, CaseIterable {
    case daily, weekly
}

/// Where one notification goes.
public enum NotificationChannel: String, Sendable, Hashable, Codable, CaseIterable {
    case email, slack, teams
}

/// One message of the notification ledger: planned (its whole body fixed) before it is sent,
/// marked sent after the receiver took it. The key (recipient, channel, period) makes a second
/// plan of the same message impossible.
public struct NotificationRecord: Sendable, Hashable {
    public enum Status: String, Sendable {
        case pending, sent
        /// Tried too often; no longer sent (its news go into the next digest).
        case failed
        /// Not sent, and no longer to be: its recipient or their address changed, or its period
        /// passed (its news go into the next digest instead).
        case withdrawn
    }

    public var recipient: String
    public var channel: NotificationChannel
    /// `2026-03-09` (daily) or `2026-W11` (weekly), in the recipient's time zone.
    public var period: String
    /// An email address or a webhook URL.
    public var destination: String
    /// The ledger events it reports: after `firstEvent - 1`, up to `lastEvent`.
    public var firstEvent: Int64
    public var lastEvent: Int64
    public var subject: String
    /// The whole message as it is sent: an RFC 5322 message, or a webhook's JSON.
    public var body: String
    /// The Message-ID (email) or Idempotency-Key (webhooks) it always carries, retries included.
    public var messageID: String
    public var status: Status
    public var attempts: Int
    /// Seconds since 1970.
    public var plannedAt: Int64
    public var sentAt: Int64?
    public var lastError: String?
    /// A sender holds the message until then (seconds since 1970); a crashed sender's claim runs out.
    public var claimedUntil: Int64?

    public init(recipient: String, channel: NotificationChannel, period: String, destination: String, firstEvent: Int64, lastEvent: Int64,
                subject: String, body: String, messageID: String, status: Status = .pending, attempts: Int = 0, plannedAt: Int64,
                sentAt: Int64? = nil, lastError: String? = nil, claimedUntil: Int64? = nil) {
        self.recipient = recipient
        self.channel = channel
        self.period = period
        self.destination = destination
        self.firstEvent = firstEvent
        self.lastEvent = lastEvent
        self.subject = subject
        self.body = body
        self.messageID = messageID
        self.status = status
        self.attempts = attempts
        self.plannedAt = plannedAt
        self.sentAt = sentAt
        self.lastError = lastError
        self.claimedUntil = claimedUntil
    }
}

/// An event of the alert ledger that calls for a notification (opened, escalated), without its texts.
public struct NotifyingEvent: Sendable, Hashable {
    public var id: Int64
    public var alertID: Int64
    public var day: Day
    public var kind: LedgerEventKind
    public var severity: AlertSeverity

    public init(id: Int64, alertID: Int64, day: Day, kind: LedgerEventKind, severity: AlertSeverity) {
        self.id = id
        self.alertID = alertID
        self.day = day
        self.kind = kind
        self.severity = severity
    }
}

/// A check-in reminder a message carries: the key result, and the last check-in (or the cycle's
/// start) its silence counts from. One reminder per silence, recipient and channel.
public struct ReminderMark: Sendable, Hashable {
    public var keyResultID: String
    public var silentSince: Day
    public var recipient: String
    public var channel: NotificationChannel

    public init(keyResultID: String, silentSince: Day, recipient: String, channel: NotificationChannel) {
        self.keyResultID = keyResultID
        self.silentSince = silentSince
        self.recipient = recipient
        self.channel = channel
    }
}

/// The tables of schema step v9, for both backends.
enum PeopleSchema {
    static let v9: [String] = [
        """
        CREATE TABLE person (org TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL, manager TEXT, units TEXT NOT NULL, role TEXT NOT NULL,
          timezone TEXT NOT NULL, cadence TEXT NOT NULL, slack TEXT, teams TEXT, ordinal BIGINT NOT NULL, PRIMARY KEY (org, name))
        """,
        "CREATE UNIQUE INDEX person_email ON person (org, email)",
        """
        CREATE TABLE notification (org TEXT NOT NULL, recipient TEXT NOT NULL, channel TEXT NOT NULL, period TEXT NOT NULL,
          destination TEXT NOT NULL, first_event BIGINT NOT NULL, last_event BIGINT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
          message_id TEXT NOT NULL, status TEXT NOT NULL, attempts BIGINT NOT NULL, planned_at BIGINT NOT NULL, sent_at BIGINT,
          last_error TEXT, claimed_until BIGINT, PRIMARY KEY (org, recipient, channel, period))
        """,
        "CREATE INDEX notification_status ON notification (org, status)",
        """
        CREATE TABLE reminder (org TEXT NOT NULL, kr_id TEXT NOT NULL, silent_since BIGINT NOT NULL, recipient TEXT NOT NULL,
          channel TEXT NOT NULL, period TEXT NOT NULL, PRIMARY KEY (org, kr_id, silent_since, recipient, channel))
        """,
    ]
}

/// The people file and the notification ledger of the store's organisation, on either backend.
extension Store {
    private static var personColumns: String { "name, email, manager, units, role, timezone, cadence, slack, teams" }
    private static var personKinds: [StoreContent.Table.Kind] { [.text, .text, .text, .text, .text, .text, .text, .text, .text] }

    private func damaged(_ what: String) -> StoreError {
        StoreError(location: location, operation: "read people from", message: "the store is damaged: \(what)")
    }

    private func person(_ r: [ContentValue]) throws -> Person {
        guard case .text(let name) = r[0], case .text(let email) = r[1], case .text(let units) = r[3], case .text(let roleText) = r[4],
              case .text(let zone) = r[5], case .text(let cadenceText) = r[6] else { throw damaged("a person row is incomplete") }
        guard let role = Role(rawValue: roleText), let cadence = Cadence(rawValue: cadenceText) else {
            throw damaged("the person \(name) has the role '\(roleText)' and the cadence '\(cadenceText)'")
        }
        return Person(name: name, email: email, manager: r[2].textValue, units: units.split(separator: "\n").map(String.init), role: role,
                      timeZone: zone, cadence: cadence, slack: r[7].textValue, teams: r[8].textValue)
    }

    /// The people of the people file, in the file's order.
    public func people() throws(StoreError) -> [Person] {
        try withRows("read people from", writing: false) { rows in
            try rows.fetch("SELECT \(Self.personColumns) FROM person WHERE org = ? ORDER BY ordinal", [.text(organisation)], Self.personKinds)
                .map(person)
        }
    }

    /// Replaces the people with those of a checked file, in one transaction, with its audit line.
    /// Returns how many were added, changed and removed.
    public func replacePeople(_ people: [Person], audit entry: AuditEntry) throws(StoreError) -> (added: Int, changed: Int, removed: Int) {
        try withRows("import people into", writing: true) { rows in
            let before = try rows.fetch("SELECT \(Self.personColumns) FROM person WHERE org = ? ORDER BY ordinal", [.text(organisation)],
                                        Self.personKinds).map(person)
            let old = Dictionary(before.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let new = Set(people.map(\.name))
            _ = try rows.run("DELETE FROM person WHERE org = ?", [.text(organisation)])
            for (n, p) in people.enumerated() {
                _ = try rows.run("INSERT INTO person (org, \(Self.personColumns), ordinal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                    .text(organisation), .text(p.name), .text(p.email), p.manager.map(ContentValue.text) ?? .null,
                    .text(p.units.joined(separator: "\n")), .text(p.role.rawValue), .text(p.timeZone), .text(p.cadence.rawValue),
                    p.slack.map(ContentValue.text) ?? .null, p.teams.map(ContentValue.text) ?? .null, .integer(Int64(n)),
                ])
            }
            try rows.appendAudit(entry, organisation: organisation)
            let added = people.filter { old[$0.name] == nil }.count
            let changed = people.filter { p in old[p.name].map { $0 != p } ?? false }.count
            return (added, changed, before.filter { !new.contains($0.name) }.count)
        }
    }

    /// The day of each key result's latest check-in on or before `day`.
    public func lastCheckInDays(onOrBefore day: Day) throws(StoreError) -> [String: Day] {
        try withRows("read check-ins from", writing: false) { rows in
            var last: [String: Day] = [:]
            for r in try rows.fetch("SELECT kr_id, MAX(day) FROM checkin WHERE org = ? AND day <= ? GROUP BY kr_id",
                                    [.text(organisation), .integer(Int64(day.ordinal))], [.text, .integer]) {
                if case .text(let id) = r[0], case .integer(let d) = r[1], let d32 = Int32(exactly: d) { last[id] = Day(ordinal: d32) }
            }
            return last
        }
    }

    /// The notifying events (opened, escalated) after an event id, up to a run day, oldest
    /// first: what a digest reports, without the texts (a digest shows the alert as it is now).
    public func notifyingEvents(after: Int64, through day: Day) throws(StoreError) -> [NotifyingEvent] {
        try withRows("read the alert ledger of", writing: false) { rows in
            try rows.fetch("""
                SELECT id, alert_id, day, kind, severity FROM alert_event
                WHERE org = ? AND id > ? AND day <= ? AND kind IN ('opened', 'escalated') ORDER BY id
                """, [.text(organisation), .integer(after), .integer(Int64(day.ordinal))], [.integer, .integer, .integer, .text, .text]).compactMap { r in
                guard case .integer(let id) = r[0], case .integer(let alert) = r[1], case .integer(let d) = r[2], let d32 = Int32(exactly: d),
                      case .text(let k) = r[3], let kind = LedgerEventKind(rawValue: k), case .text(let sv) = r[4],
                      let severity = AlertSeverity(rawValue: sv) else { return nil }
                return NotifyingEvent(id: id, alertID: alert, day: Day(ordinal: d32), kind: kind, severity: severity)
            }
        }
    }

    // MARK: The notification ledger

    private static var notificationColumns: String {
        "recipient, channel, period, destination, first_event, last_event, subject, body, message_id, status, attempts, planned_at, sent_at, last_error, claimed_until"
    }
    private static var notificationKinds: [StoreContent.Table.Kind] {
        [.text, .text, .text, .text, .integer, .integer, .text, .text, .text, .text, .integer, .integer, .integer, .text, .integer]
    }

    private func notification(_ r: [ContentValue]) throws -> NotificationRecord {
        guard case .text(let recipient) = r[0], case .text(let channelText) = r[1], case .text(let period) = r[2],
              case .text(let destination) = r[3], case .integer(let first) = r[4], case .integer(let last) = r[5],
              case .text(let subject) = r[6], case .text(let body) = r[7], case .text(let messageID) = r[8], case .text(let statusText) = r[9],
              case .integer(let attempts) = r[10], case .integer(let planned) = r[11],
              let channel = NotificationChannel(rawValue: channelText), let status = NotificationRecord.Status(rawValue: statusText) else {
            throw damaged("a notification row is incomplete")
        }
        return NotificationRecord(recipient: recipient, channel: channel, period: period, destination: destination, firstEvent: first,
                                  lastEvent: last, subject: subject, body: body, messageID: messageID, status: status, attempts: Int(attempts),
                                  plannedAt: planned, sentAt: r[12].integerValue, lastError: r[13].textValue, claimedUntil: r[14].integerValue)
    }

    /// The notification ledger, oldest plan first; only the pending messages when `pendingOnly`.
    public func notifications(pendingOnly: Bool = false) throws(StoreError) -> [NotificationRecord] {
        try withRows("read notifications from", writing: false) { rows in
            try rows.fetch("SELECT \(Self.notificationColumns) FROM notification WHERE org = ?\(pendingOnly ? " AND status = 'pending'" : "") ORDER BY planned_at, recipient, channel",
                           [.text(organisation)], Self.notificationKinds).map(notification)
        }
    }

    /// The messages of these periods, without their bodies: what a round needs to know of what
    /// earlier rounds planned (the ledger keeps every message ever sent; a round reads a day's or
    /// a week's).
    public func notifications(periods: Set<String>) throws(StoreError) -> [NotificationRecord] {
        guard !periods.isEmpty else { return [] }
        return try withRows("read notifications from", writing: false) { rows in
            let marks = Array(repeating: "?", count: periods.count).joined(separator: ", ")
            let columns = Self.notificationColumns.replacingOccurrences(of: " body,", with: " '' AS body,")
            return try rows.fetch("SELECT \(columns) FROM notification WHERE org = ? AND period IN (\(marks))",
                                  [.text(organisation)] + periods.sorted().map(ContentValue.text), Self.notificationKinds).map(notification)
        }
    }

    /// For each recipient and channel (`recipient U+1F channel`), the last ledger event its
    /// messages reported (the next digest begins after it). Messages given up or withdrawn report
    /// nothing (their events go into the next digest), nor do those of `excluding` (keys
    /// `recipient U+1F channel U+1F period`: a dry run's view of the messages a round would withdraw).
    public func notificationWatermarks(excluding: Set<String> = []) throws(StoreError) -> [String: Int64] {
        try withRows("read notifications from", writing: false) { rows in
            var marks: [String: Int64] = [:]
            for r in try rows.fetch("SELECT recipient, channel, period, last_event FROM notification WHERE org = ? AND status IN ('pending', 'sent')",
                                    [.text(organisation)], [.text, .text, .text, .integer]) {
                guard case .text(let who) = r[0], case .text(let channel) = r[1], case .text(let period) = r[2], case .integer(let last) = r[3],
                      !excluding.contains(who + "\u{1F}" + channel + "\u{1F}" + period) else { continue }
                marks[who + "\u{1F}" + channel] = max(marks[who + "\u{1F}" + channel] ?? 0, last)
            }
            return marks
        }
    }

    /// The reminders already planned.
    public func reminderMarks() throws(StoreError) -> Set<ReminderMark> {
        try withRows("read notifications from", writing: false) { rows in
            Set(try rows.fetch("SELECT kr_id, silent_since, recipient, channel FROM reminder WHERE org = ?", [.text(organisation)],
                               [.text, .integer, .text, .text]).compactMap { r in
                guard case .text(let kr) = r[0], case .integer(let d) = r[1], let d32 = Int32(exactly: d), case .text(let who) = r[2],
                      case .text(let c) = r[3], let channel = NotificationChannel(rawValue: c) else { return nil }
                return ReminderMark(keyResultID: kr, silentSince: Day(ordinal: d32), recipient: who, channel: channel)
            })
        }
    }

    /// Records a planned message with its reminders, in one transaction. False (nothing
    /// written) when the message of that recipient, channel and period is planned already (by
    /// an earlier run, or by another process just now).
    public func planNotification(_ n: NotificationRecord, reminders: [ReminderMark]) throws(StoreError) -> Bool {
        try withRows("plan a notification in", writing: true) { rows in
            let key: [ContentValue] = [.text(organisation), .text(n.recipient), .text(n.channel.rawValue), .text(n.period)]
            // A withdrawn message of the period (an old address) makes way for this one.
            _ = try rows.run("DELETE FROM notification WHERE org = ? AND recipient = ? AND channel = ? AND period = ? AND status = 'withdrawn'", key)
            let existing = try rows.fetch("SELECT status FROM notification WHERE org = ? AND recipient = ? AND channel = ? AND period = ?", key, [.text])
            if !existing.isEmpty { return false }
            _ = try rows.run("INSERT INTO notification (org, \(Self.notificationColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                .text(organisation), .text(n.recipient), .text(n.channel.rawValue), .text(n.period), .text(n.destination), .integer(n.firstEvent),
                .integer(n.lastEvent), .text(n.subject), .text(n.body), .text(n.messageID), .text(NotificationRecord.Status.pending.rawValue),
                .integer(0), .integer(n.plannedAt), .null, .null, .null,
            ])
            for m in reminders {
                _ = try rows.run("INSERT INTO reminder (org, kr_id, silent_since, recipient, channel, period) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                                 [.text(organisation), .text(m.keyResultID), .integer(Int64(m.silentSince.ordinal)), .text(m.recipient),
                                  .text(m.channel.rawValue), .text(n.period)])
            }
            return true
        }
    }

    /// Withdraws pending messages nobody is sending now (their news go into the next digest,
    /// their reminders are given again): how many it withdrew.
    public func withdrawNotifications(_ keys: [(recipient: String, channel: NotificationChannel, period: String)], now: Int64) throws(StoreError) -> Int {
        try withRows("withdraw notifications in", writing: true) { rows in
            var n = 0
            for k in keys {
                let key: [ContentValue] = [.text(organisation), .text(k.recipient), .text(k.channel.rawValue), .text(k.period)]
                let changed = try rows.run("""
                    UPDATE notification SET status = 'withdrawn', claimed_until = NULL
                    WHERE org = ? AND recipient = ? AND channel = ? AND period = ? AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?)
                    """, key + [.integer(now)])
                if changed == 1 {
                    _ = try rows.run("DELETE FROM reminder WHERE org = ? AND recipient = ? AND channel = ? AND period = ?", key)
                    n += 1
                }
            }
            return n
        }
    }

    /// Takes a pending message to send it, until `until` (seconds since 1970): false when it is
    /// sent already or another sender holds it.
    public func claimNotification(recipient: String, channel: NotificationChannel, period: String, now: Int64, until: Int64) throws(StoreError) -> Bool {
        try withRows("claim a notification in", writing: true) { rows in
            try rows.run("""
                UPDATE notification SET claimed_until = ?, attempts = attempts + 1
                WHERE org = ? AND recipient = ? AND channel = ? AND period = ? AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?)
                """, [.integer(until), .text(organisation), .text(recipient), .text(channel.rawValue), .text(period), .integer(now)]) == 1
        }
    }

    /// Records how a claimed message's sending ended: sent, or failed with the reason (the
    /// claim is let go, and the next run sends it again, unless `giveUp`). `uncounted`: the
    /// failure was the channel's, not the message's (the mail server down or refusing the
    /// sign-in), so the try does not count towards giving up.
    public func finishNotification(recipient: String, channel: NotificationChannel, period: String, sentAt: Int64?, error: String?,
                                   giveUp: Bool = false, uncounted: Bool = false) throws(StoreError) {
        try withRows("record a notification in", writing: true) { rows in
            let key: [ContentValue] = [.text(organisation), .text(recipient), .text(channel.rawValue), .text(period)]
            if uncounted {
                _ = try rows.run("UPDATE notification SET attempts = attempts - 1 WHERE org = ? AND recipient = ? AND channel = ? AND period = ? AND attempts > 0", key)
            }
            if giveUp && sentAt == nil {
                // Its reminders are given again with the next digest.
                _ = try rows.run("DELETE FROM reminder WHERE org = ? AND recipient = ? AND channel = ? AND period = ?", key)
            }
            if let sentAt {
                _ = try rows.run("""
                    UPDATE notification SET status = 'sent', sent_at = ?, claimed_until = NULL, last_error = NULL
                    WHERE org = ? AND recipient = ? AND channel = ? AND period = ?
                    """, [.integer(sentAt), .text(organisation), .text(recipient), .text(channel.rawValue), .text(period)])
            } else {
                _ = try rows.run("""
                    UPDATE notification SET claimed_until = NULL, last_error = ?, status = ?
                    WHERE org = ? AND recipient = ? AND channel = ? AND period = ? AND status = 'pending'
                    """, [error.map(ContentValue.text) ?? .null, .text(giveUp ? "failed" : "pending"), .text(organisation), .text(recipient), .text(channel.rawValue), .text(period)])
            }
        }
    }
}
