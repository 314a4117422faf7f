import Foundation
import TandemCore

/// The alert ledger's state machine, as pure functions: from the live alerts and what a run
/// observed, the transitions; from an alert and a note, the acknowledgement. A store only
/// persists what these decide (in one transaction, refusing when it changed since it was read).
///
/// An alert opens when a key result moves into a worse state (some rule fires and no alert is
/// live for it); while the state persists it is updated, not repeated; it escalates when the
/// state gets worse (and is opened again if it had been acknowledged); it improves when the state
/// gets better but some rule still fires; it resolves when no rule fires any more or the key
/// result is no longer open. The same observations twice give no transition the second time.
public enum Ledger {
    /// The transitions of one run.
    ///
    /// - Parameters:
    ///   - live: the store's live alerts (open or acknowledged), at most one per key result.
    ///   - observations: what the run found for every open key result it forecast.
    ///   - day: the run's day.
    /// - Returns: the transitions in the order their events are written: the observations' order,
    ///   then the alerts of key results no longer open, by alert number.
    public static func transitions(live: [Alert], observations: [Observation], day: Day) -> [AlertTransition] {
        var byKeyResult: [String: Alert] = [:]
        for a in live where a.status.isLive { byKeyResult[a.keyResultID] = a }
        var result: [AlertTransition] = []
        var seen = Set<String>()
        for o in observations {
            seen.insert(o.keyResultID)
            if let t = transition(byKeyResult[o.keyResultID], o, day: day) { result.append(t) }
        }
        // Live alerts of key results that are no longer open (closed, or their cycle ended).
        for a in byKeyResult.values.sorted(by: { $0.id < $1.id }) where !seen.contains(a.keyResultID) {
            var after = a
            after.status = .resolved
            after.resolvedDay = day
            after.updatedDay = day
            result.append(AlertTransition(before: a, after: after, event: .resolved, eventSeverity: a.severity,
                                          eventText: "the key result is no longer open"))
        }
        return result
    }

    /// What one observation does to its key result's live alert (nil: none), or nil when nothing changes.
    static func transition(_ existing: Alert?, _ o: Observation, day: Day) -> AlertTransition? {
        let rules = o.rules.joined(separator: "; ")
        guard let severity = o.severity else {
            guard let a = existing else { return nil }
            var after = a
            after.status = .resolved
            after.resolvedDay = day
            after.updatedDay = day
            after.pSuccess = o.pSuccess
            return AlertTransition(before: a, after: after, event: .resolved, eventSeverity: a.severity,
                                   eventText: "recovered: P(success) \(String(format: "%.2f", o.pSuccess)), no alert rule fires")
        }
        let text = "\(rules): \(o.reasons)"
        guard let a = existing else {
            let opened = Alert(id: 0, keyResultID: o.keyResultID, unitID: o.unitID, owner: o.owner, title: o.title,
                               severity: severity, status: .open, rules: rules, reasons: o.reasons, pSuccess: o.pSuccess,
                               openedDay: day, updatedDay: day)
            return AlertTransition(before: nil, after: opened, event: .opened, eventSeverity: severity, eventText: text)
        }
        let kind: LedgerEventKind
        var after = a
        if severity > a.severity {
            kind = .escalated
            after.status = .open
            after.snoozedUntil = nil
        } else if severity < a.severity {
            kind = .improved
        } else if a.rules != rules || a.reasons != o.reasons {
            kind = .updated
        } else {
            return nil
        }
        after.severity = severity
        after.rules = rules
        after.reasons = o.reasons
        after.pSuccess = o.pSuccess
        after.updatedDay = day
        return AlertTransition(before: a, after: after, event: kind, eventSeverity: severity, eventText: text)
    }

    /// How far past the latest run an acknowledgement may be dated.
    public static let acknowledgementMargin = 31

    /// Acknowledges a live alert with a note.
    ///
    /// - Parameters:
    ///   - latestRun: the store's latest run; an acknowledgement more than
    ///     ``acknowledgementMargin`` days after it is refused (a mistyped year would sort after
    ///     every later change).
    ///   - lastEventDay: the day of the alert's latest event; the feed reads in order, so an
    ///     acknowledgement cannot come before what it acknowledges.
    public static func acknowledge(_ a: Alert, note: String, day: Day, latestRun: Day?,
                                   lastEventDay: Day?) throws(LedgerError) -> AlertTransition {
        guard a.status.isLive else { throw LedgerError("alert \(a.id) is already resolved") }
        guard !note.allSatisfy(\.isWhitespace) else { throw LedgerError("the note is empty; say what is being done about it") }
        if let latestRun, latestRun.distance(to: day) > acknowledgementMargin {
            throw LedgerError("an acknowledgement dated \(day) lies more than \(acknowledgementMargin) days after the latest run (\(latestRun))")
        }
        if let last = lastEventDay, day < last {
            throw LedgerError("alert \(a.id) was last \(a.status == .acked ? "changed" : "updated") on \(last); an acknowledgement dated \(day) would come before it")
        }
        var after = a
        after.status = .acked
        after.ackNote = note
        return AlertTransition(before: a, after: after, event: .acked, eventSeverity: a.severity, eventText: note)
    }
}

/// A ledger transition refused, in words.
extension Ledger {
    /// The longest snooze, in days: past a cycle's quarter, an alert is not snoozed but acknowledged.
    public static let longestSnooze = 92

    /// Puts a live alert out of the inbox until `until` (not before the day after `day`); an
    /// escalation wakes it earlier. The note says why.
    public static func snooze(_ a: Alert, until: Day, note: String, day: Day, latestRun: Day?,
                              lastEventDay: Day?) throws(LedgerError) -> AlertTransition {
        guard a.status.isLive else { throw LedgerError("alert \(a.id) is already resolved") }
        guard until > day else { throw LedgerError("a snooze ends after the day it is given (\(day)); found \(until)") }
        guard day.distance(to: until) <= longestSnooze else {
            throw LedgerError("a snooze lasts at most \(longestSnooze) days; \(until) is \(day.distance(to: until)) days after \(day)")
        }
        if let latestRun, latestRun.distance(to: day) > acknowledgementMargin {
            throw LedgerError("a snooze dated \(day) lies more than \(acknowledgementMargin) days after the latest run (\(latestRun))")
        }
        if let last = lastEventDay, day < last {
            throw LedgerError("alert \(a.id) was last changed on \(last); a snooze dated \(day) would come before it")
        }
        let reason = note.trimmingCharacters(in: .whitespacesAndNewlines)
        var after = a
        after.snoozedUntil = until
        return AlertTransition(before: a, after: after, event: .snoozed, eventSeverity: a.severity,
                               eventText: reason.isEmpty ? "snoozed until \(until)" : "snoozed until \(until): \(reason)")
    }
}

public struct LedgerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
