import Foundation
import TandemCore
import TandemStore

/// One alert as a digest reports it: the alert as it stands, and what happened to it since the
/// recipient's last digest.
public struct DigestItem: Sendable, Hashable {
    public var alert: Alert
    /// `opened` when it opened since the last digest, else `escalated`.
    public var kind: LedgerEventKind
    /// The severity its latest notifying event gave it.
    public var severity: AlertSeverity
    public var unitName: String
    public var day: Day
}

/// A key result that has not been checked in for a while.
public struct DigestReminder: Sendable, Hashable {
    public var keyResult: KeyResultCard
    /// The last check-in, or the cycle's start when there has been none.
    public var silentSince: Day
    public var days: Int
    public var owner: String
}

/// The company at a glance, for HR.
public struct CompanySummary: Sendable, Hashable {
    /// Live alerts by severity, critical first.
    public var live: [(AlertSeverity, Int)]
    public var opened: Int
    public var escalated: Int
    /// The most pressing of what changed: critical first, then the lowest P(success).
    public var top: [DigestItem]

    public static func == (a: CompanySummary, b: CompanySummary) -> Bool {
        a.live.map { "\($0.0)\($0.1)" } == b.live.map { "\($0.0)\($0.1)" } && a.opened == b.opened && a.escalated == b.escalated && a.top == b.top
    }

    public func hash(into h: inout Hasher) {
        h.combine(opened)
        h.combine(escalated)
        h.combine(top)
    }
}

/// What one recipient is told in one period.
public struct Digest: Sendable, Hashable {
    public var person: Person
    /// The role it is built for (their dashboard account's, else the people file's).
    public var role: Role
    public var period: String
    public var asOf: Day
    /// New and escalated alerts of their own key results.
    public var own: [DigestItem]
    /// Critical alerts of the units they lead and below (their own left out).
    public var led: [DigestItem]
    /// For HR and admins.
    public var company: CompanySummary?
    /// Their own key results gone silent.
    public var reminders: [DigestReminder]
    /// Key results of the people who report to them, silent twice as long.
    public var teamReminders: [DigestReminder]
    /// The ledger events it covers: after `afterEvent`, up to `lastEvent`.
    public var afterEvent: Int64
    public var lastEvent: Int64

    public var isEmpty: Bool {
        own.isEmpty && led.isEmpty && (company?.top.isEmpty ?? true) && reminders.isEmpty && teamReminders.isEmpty
    }

    /// "2 new alerts, 1 escalated, 1 check-in reminder".
    public var headline: String {
        var parts: [String] = []
        let items = own + led + (company?.top ?? [])
        let opened = company.map { $0.opened } ?? items.filter { $0.kind == .opened }.count
        let escalated = company.map { $0.escalated } ?? items.filter { $0.kind == .escalated }.count
        if opened > 0 { parts.append("\(opened) new alert\(opened == 1 ? "" : "s")") }
        if escalated > 0 { parts.append("\(escalated) escalated") }
        let r = reminders.count + teamReminders.count
        if r > 0 { parts.append("\(r) check-in reminder\(r == 1 ? "" : "s")") }
        return parts.isEmpty ? "nothing new" : parts.joined(separator: ", ")
    }
}

/// Who gets a digest, with what their role lets them see.
public struct Recipient: Sendable {
    public var person: Person
    /// Their dashboard account, when one is theirs (same person name or email).
    public var account: Account?
    public var viewer: Viewer

    public var role: Role { viewer.role }

    /// The people file and the dashboard's accounts, joined: an account of the same person (its
    /// `--person`) or the same email decides the role and the units led; a person without an
    /// account is a member, or a lead of the file's units, or the file's role.
    public static func all(people: [Person], accounts: [Account], catalogue: Catalogue) -> [Recipient] {
        let byPerson = Dictionary(accounts.compactMap { a in a.person.map { ($0, a) } }, uniquingKeysWith: { a, _ in a })
        let byEmail = Dictionary(accounts.map { ($0.email, $0) }, uniquingKeysWith: { a, _ in a })
        return people.map { p in
            let account = byPerson[p.name] ?? byEmail[p.email]
            var acting = account ?? Account(email: p.email, name: p.name, role: p.role, units: p.role == .lead ? p.units : [], person: p.name,
                                            passwordHash: "", created: 0)
            // The people file says whose key results are theirs when the account does not.
            if acting.person == nil { acting.person = p.name }
            return Recipient(person: p, account: account, viewer: Viewer(account: acting, catalogue: catalogue))
        }
    }
}

/// Builds digests: pure functions of what the store holds, read once per notify run.
public struct DigestBuilder: Sendable {
    public let catalogue: Catalogue
    /// Live alerts and the alerts the events name, by id.
    public let alerts: [Int64: Alert]
    /// Notifying events (opened, escalated) up to the run day, oldest first.
    public let events: [NotifyingEvent]
    public let lastCheckIn: [String: Day]
    public let people: [Person]
    public let asOf: Day
    /// Days without a check-in before an owner is reminded (their manager at twice as many).
    public let silentDays: Int
    public let topItems: Int

    /// The events by their alert's owner and by its unit, and the key results by owner: a
    /// recipient's digest reads their own, not everyone's.
    let eventsByOwner: [String: [NotifyingEvent]]
    let eventsByUnit: [String: [NotifyingEvent]]
    let keyResultsByOwner: [String: [KeyResultCard]]
    let reportsByManager: [String: [Person]]

    public init(catalogue: Catalogue, alerts: [Alert], events: [NotifyingEvent], lastCheckIn: [String: Day], people: [Person], asOf: Day,
                silentDays: Int, topItems: Int = 10) {
        self.catalogue = catalogue
        let byID = Dictionary(alerts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.alerts = byID
        let notifying = events.filter { $0.kind.notifies && $0.day <= asOf }.sorted { $0.id < $1.id }
        self.events = notifying
        var byOwner: [String: [NotifyingEvent]] = [:], byUnit: [String: [NotifyingEvent]] = [:]
        for e in notifying {
            guard let a = byID[e.alertID] else { continue }
            if let owner = a.owner { byOwner[owner, default: []].append(e) }
            byUnit[a.unitID, default: []].append(e)
        }
        eventsByOwner = byOwner
        eventsByUnit = byUnit
        keyResultsByOwner = Dictionary(grouping: catalogue.keyResults.filter { $0.owner != nil }, by: { $0.owner ?? "" })
        reportsByManager = Dictionary(grouping: people.filter { $0.manager != nil }, by: { $0.manager ?? "" })
        self.lastCheckIn = lastCheckIn
        self.people = people
        self.asOf = asOf
        self.silentDays = max(1, silentDays)
        self.topItems = topItems
    }

    /// The last event a digest as of `asOf` can report.
    public var lastEvent: Int64 { events.last?.id ?? 0 }

    /// The alerts with a notifying event after `after`, as items: one per alert (its latest
    /// event), live ones only, those the viewer may see, by severity then P(success).
    func items(after: Int64, viewer: Viewer, from source: [NotifyingEvent]? = nil, where keep: (Alert) -> Bool) -> [DigestItem] {
        var latest: [Int64: DigestItem] = [:]
        for e in source ?? events where e.id > after {
            guard let alert = alerts[e.alertID], alert.status.isLive, keep(alert), viewer.sees(alert, in: catalogue) else { continue }
            // Snoozed by a person until a later day, and not escalated since: left out.
            if alert.isSnoozed(on: asOf) && e.kind != .escalated { continue }
            let opened = e.kind == .opened || latest[e.alertID]?.kind == .opened
            latest[e.alertID] = DigestItem(alert: alert, kind: opened ? .opened : .escalated, severity: e.severity,
                                           unitName: catalogue.unitByID[alert.unitID]?.name ?? alert.unitID, day: e.day)
        }
        // Sorted by small keys, the items moved once (an HR digest can hold every live alert).
        let list = Array(latest.values)
        let keys = list.map { ($0.alert.severity.rank, -$0.alert.pSuccess, -$0.alert.id) }
        return list.indices.sorted { keys[$0] > keys[$1] }.map { list[$0] }
    }

    /// Key results of `owner` open on the run day and silent for at least `days`.
    func silent(owner: String, days: Int, viewer: Viewer) -> [DigestReminder] {
        (keyResultsByOwner[owner] ?? []).compactMap { k in
            guard k.owner == owner, k.finalValue == nil, k.cycleStart <= asOf, asOf <= k.cycleEnd,
                  viewer.seesDetails(of: k, in: catalogue) else { return nil }
            let since = max(lastCheckIn[k.id] ?? k.cycleStart, k.cycleStart)
            let silence = since.distance(to: asOf)
            return silence >= days ? DigestReminder(keyResult: k, silentSince: since, days: silence, owner: owner) : nil
        }
    }

    /// The digest of one recipient: what changed after `after` (their last digest's last event),
    /// and the reminders not given before (`reminded` says which were).
    public func digest(for r: Recipient, period: String, after: Int64, reminded: (DigestReminder) -> Bool) -> Digest {
        let name = r.person.name
        let own = items(after: after, viewer: r.viewer, from: eventsByOwner[name] ?? []) { $0.owner == name }
        var led: [DigestItem] = []
        if r.role == .lead {
            // The led units' events, in event order.
            let source = r.viewer.led.flatMap { eventsByUnit[$0] ?? [] }.sorted { $0.id < $1.id }
            led = items(after: after, viewer: r.viewer, from: source) { $0.owner != name && r.viewer.led.contains($0.unitID) }
                .filter { $0.severity == .critical || $0.alert.severity == .critical }
        }
        var company: CompanySummary?
        if r.role == .hr || r.role == .admin {
            let changed = items(after: after, viewer: r.viewer) { _ in true }
            var live: [AlertSeverity: Int] = [:]
            for a in alerts.values where a.status.isLive { live[a.severity, default: 0] += 1 }
            company = CompanySummary(live: AlertSeverity.allCases.reversed().map { ($0, live[$0] ?? 0) },
                                     opened: changed.filter { $0.kind == .opened }.count,
                                     escalated: changed.filter { $0.kind == .escalated }.count,
                                     top: Array(changed.prefix(topItems)))
        }
        let reminders = silent(owner: name, days: silentDays, viewer: r.viewer).filter { !reminded($0) }
        var team: [DigestReminder] = []
        for report in reportsByManager[name] ?? [] where report.name != name {
            team += silent(owner: report.name, days: 2 * silentDays, viewer: r.viewer).filter { !reminded($0) }
        }
        return Digest(person: r.person, role: r.role, period: period, asOf: asOf, own: own, led: led, company: company,
                      reminders: reminders, teamReminders: team, afterEvent: after, lastEvent: max(after, lastEvent))
    }
}

/// The period a recipient's digest belongs to: their local day (daily) or ISO week (weekly),
/// each beginning at 08:00 in their time zone.
public enum DigestPeriod {
    /// The hour of the local day at which a period begins.
    public static let sendHour = 8
    /// A zone the people file's check makes sure is never needed (every zone there is known).
    static let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current

    public static func of(_ at: Date, cadence: Cadence, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        // The local day, the day before until 08:00 by the local clock (on the days clocks
        // change too: hours are read, not counted).
        var day = calendar.startOfDay(for: at)
        if calendar.component(.hour, from: at) < sendHour, let before = calendar.date(byAdding: .day, value: -1, to: day) { day = before }
        // Noon of that day: clear of any change of the clocks.
        let noon = calendar.date(byAdding: .hour, value: 12, to: day) ?? day
        switch cadence {
        case .daily:
            let c = calendar.dateComponents([.year, .month, .day], from: noon)
            return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        case .weekly:
            let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: noon)
            return String(format: "%04d-W%02d", c.yearForWeekOfYear ?? 0, c.weekOfYear ?? 0)
        }
    }
}
