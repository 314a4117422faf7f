import Foundation
import TandemCore
import TandemEngine
import TandemStore

/// A digest as each channel carries it: an email (plain text and HTML, no remote image, no
/// script), a Slack message (Block Kit), a Teams message (an Adaptive Card, as Teams' Workflows
/// webhooks take it).
public enum DigestRender {
    /// Where the dashboard is, for links (nil: no links).
    public struct Links: Sendable {
        public var dashboard: URL?
        public init(dashboard: URL?) { self.dashboard = dashboard }

        func keyResult(_ id: String) -> String? {
            guard let base = dashboard else { return nil }
            let encoded = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id
            return base.absoluteString.trimmingSuffix("/") + "/kr/" + encoded
        }

        var inbox: String? { dashboard.map { $0.absoluteString.trimmingSuffix("/") + "/inbox" } }
    }

    /// The lines a section shows at most.
    public static let sectionLimit = 25

    public static func subject(_ d: Digest) -> String {
        "Tandem \(d.period): \(d.headline)"
    }

    /// The headline a subject was made from.
    public static func headline(ofSubject subject: String) -> String {
        guard let colon = subject.range(of: ": ") else { return subject }
        return String(subject[colon.upperBound...])
    }

    static func percent(_ p: Double) -> String {
        guard p.isFinite else { return "–" }
        return "\(Int((min(max(p, 0), 1) * 100).rounded()))%"
    }

    static func label(_ i: DigestItem) -> String {
        (i.kind == .opened ? "new" : "escalated") + " · " + i.alert.severity.rawValue
    }

    struct Section {
        var title: String
        var lines: [(text: String, detail: String, link: String?)]
    }

    /// The digest's sections, the same in every channel.
    static func sections(_ d: Digest, links: Links) -> [Section] {
        func item(_ i: DigestItem) -> (String, String, String?) {
            ("[\(label(i))] \(i.alert.keyResultID) \(i.alert.title) · \(i.unitName) · P(success) \(percent(i.alert.pSuccess))"
             + (i.alert.owner.map { $0 == d.person.name ? "" : " · owner \($0)" } ?? ""),
             i.alert.reasons, links.keyResult(i.alert.keyResultID))
        }
        func reminder(_ r: DigestReminder, whose: Bool) -> (String, String, String?) {
            ("\(r.keyResult.id) \(r.keyResult.title)\(whose ? " · \(r.owner)" : "") · no check-in for \(r.days) days",
             r.silentSince == r.keyResult.cycleStart ? "no check-in since the cycle began on \(r.silentSince)" : "last check-in \(r.silentSince)",
             links.keyResult(r.keyResult.id))
        }
        // A section shows its first `sectionLimit` lines (the most pressing first) and says how many more
        // the inbox holds: a digest is read, not searched.
        func capped<T>(_ items: [T], _ line: (T) -> (String, String, String?)) -> [(text: String, detail: String, link: String?)] {
            var lines = items.prefix(sectionLimit).map(line).map { (text: $0.0, detail: $0.1, link: $0.2) }
            if items.count > sectionLimit {
                lines.append((text: "… and \(items.count - sectionLimit) more", detail: "", link: links.inbox))
            }
            return lines
        }
        var out: [Section] = []
        if !d.own.isEmpty { out.append(Section(title: "Your key results", lines: capped(d.own, item))) }
        if !d.led.isEmpty { out.append(Section(title: "Critical in the units you lead", lines: capped(d.led, item))) }
        if let c = d.company {
            let live = c.live.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
            out.append(Section(title: "The company", lines: [("Live alerts: \(live). Since the last digest: \(c.opened) opened, \(c.escalated) escalated.", "", links.inbox)]))
            if !c.top.isEmpty { out.append(Section(title: "Top items", lines: capped(c.top, item))) }
        }
        if !d.reminders.isEmpty { out.append(Section(title: "Check-ins due", lines: capped(d.reminders) { reminder($0, whose: false) })) }
        if !d.teamReminders.isEmpty {
            out.append(Section(title: "Check-ins overdue in your team", lines: capped(d.teamReminders) { reminder($0, whose: true) }))
        }
        return out
    }

    static func greeting(_ d: Digest) -> String {
        "Hello \(d.person.name), here is what changed up to the run of \(d.asOf): \(d.headline)."
    }

    public static func text(_ d: Digest, links: Links) -> String {
        var out = greeting(d) + "\n"
        for s in sections(d, links: links) {
            out += "\n\(s.title)\n" + String(repeating: "-", count: max(3, s.title.count)) + "\n"
            for l in s.lines {
                out += "- \(l.text)\n"
                if !l.detail.isEmpty { out += "  \(l.detail)\n" }
                if let link = l.link { out += "  \(link)\n" }
            }
        }
        out += "\nYou get this \(d.person.cadence.rawValue) digest because you are in Tandem's people file. Only what your role lets you see is in it.\n"
        return out
    }

    static func escapeHTML(_ s: String) -> String { HTML.escape(s) }

    /// HTML with inline styles only: no remote image, stylesheet or script.
    public static func html(_ d: Digest, links: Links) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escapeHTML(subject(d)))</title></head>
            <body style="font-family:-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei',sans-serif;color:#1f2328;max-width:42em">
            <p>\(escapeHTML(greeting(d)))</p>

            """
        for s in sections(d, links: links) {
            out += "<h2 style=\"font-size:1.1em;border-bottom:1px solid #d0d7de\">\(escapeHTML(s.title))</h2>\n<ul>\n"
            for l in s.lines {
                let text = l.link.map { "<a href=\"\(escapeHTML($0))\">\(escapeHTML(l.text))</a>" } ?? escapeHTML(l.text)
                out += "<li>\(text)" + (l.detail.isEmpty ? "" : "<br><span style=\"color:#57606a\">\(escapeHTML(l.detail))</span>") + "</li>\n"
            }
            out += "</ul>\n"
        }
        out += "<p style=\"color:#57606a;font-size:0.9em\">You get this \(d.person.cadence.rawValue) digest because you are in Tandem's people file. Only what your role lets you see is in it.</p>\n</body></html>\n"
        return out
    }

    /// Slack's mrkdwn needs &, < and > escaped.
    static func escapeSlack(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A Slack incoming-webhook message: `text` for notifications and old clients, `blocks` for
    /// the message (a section's text stays under Slack's 3,000 characters).
    public static func slack(_ d: Digest, links: Links) throws -> Data {
        var blocks: [[String: Any]] = [["type": "header", "text": ["type": "plain_text", "text": String(subject(d).prefix(150))]],
                                       ["type": "section", "text": ["type": "mrkdwn", "text": escapeSlack(greeting(d))]]]
        for s in sections(d, links: links) {
            var chunk = "*\(escapeSlack(s.title))*"
            for l in s.lines {
                let head = l.link.map { "<\($0)|\(escapeSlack(l.text))>" } ?? escapeSlack(l.text)
                let line = "\n• " + head + (l.detail.isEmpty ? "" : "\n    _\(escapeSlack(String(l.detail.prefix(400))))_")
                if chunk.count + line.count > 2_900 {
                    blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": chunk]])
                    chunk = ""
                }
                chunk += line
            }
            if !chunk.isEmpty { blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": chunk]]) }
        }
        blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": "Tandem · \(d.person.cadence.rawValue) digest · \(escapeSlack(d.period))"]]])
        // Slack takes at most 50 blocks.
        if blocks.count > 50 { blocks = Array(blocks.prefix(49)) + [blocks[blocks.count - 1]] }
        return try JSONSerialization.data(withJSONObject: ["text": subject(d), "blocks": blocks], options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// A Teams message with one Adaptive Card (1.4), the body Teams' Workflows ("post to a
    /// channel when a webhook request is received") takes.
    public static func teams(_ d: Digest, links: Links) throws -> Data {
        var body: [[String: Any]] = [["type": "TextBlock", "text": subject(d), "weight": "Bolder", "size": "Medium", "wrap": true],
                                     ["type": "TextBlock", "text": greeting(d), "wrap": true]]
        for s in sections(d, links: links) {
            body.append(["type": "TextBlock", "text": s.title, "weight": "Bolder", "separator": true, "wrap": true])
            for l in s.lines {
                let text = l.link.map { "[\(markdownText(l.text))](\($0))" } ?? markdownText(l.text)
                body.append(["type": "TextBlock", "text": "- " + text, "wrap": true])
                if !l.detail.isEmpty { body.append(["type": "TextBlock", "text": markdownText(l.detail), "isSubtle": true, "wrap": true, "spacing": "None"]) }
            }
        }
        let card: [String: Any] = ["$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
                                   "body": body, "msteams": ["width": "Full"]]
        let message: [String: Any] = ["type": "message",
                                      "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": NSNull(), "content": card]]]
        return try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// Text an Adaptive Card's markdown shows as written.
    static func markdownText(_ s: String) -> String {
        var out = ""
        for c in s { if "\\*_[]()#`>".contains(c) { out.append("\\") }; out.append(c) }
        return out
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}
