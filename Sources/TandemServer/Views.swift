import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import TandemCore
import TandemService
import TandemStore

/// Renders the dashboard's pages from the templates compiled into the binary.
enum Views {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in Templates.all {
            // The templates are this file's constants: a parse error is a programming error, found by every test.
            guard let template = try? MustacheTemplate(string: text) else { preconditionFailure("template \(name) does not parse") }
            library.register(template, named: name)
        }
        return library
    }()

    /// A page: its body rendered from `template`, inside the layout.
    static func page(_ template: String, title: String, _ values: [String: Any], viewer: Viewer?, session: WebSession?, nav: String? = nil) -> String {
        // An empty text counts as true in a Mustache section: optional texts are left out instead.
        let body = library.render(values.filter { !(($0.value as? String)?.isEmpty ?? false) }, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        if let viewer {
            layout["viewer"] = ["name": viewer.account.name, "role": viewer.role.rawValue, "csrf": session?.csrf ?? "",
                                "whatif": viewer.mayUseWhatIf, "admin": viewer.role == .admin] as [String: Any]
        }
        if let nav { layout["nav"] = [nav: true] }
        return library.render(layout, withTemplate: "layout") ?? ""
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func errorPage(status: HTTPResponse.Status, message: String, details: [String], viewer: Viewer?) -> String {
        let heading: String
        switch status.code {
        case 404: heading = "Not found"
        case 401, 403: heading = "Not allowed"
        case 400, 409, 413, 422: heading = "That did not work"
        case 503: heading = "Busy"
        default: heading = "Something went wrong"
        }
        return page("error", title: heading, ["heading": heading, "message": message, "details": details, "hasDetails": !details.isEmpty],
                    viewer: viewer, session: nil)
    }

    /// Text for HTML (content or a quoted attribute): `&`, `<`, `>`, `"` and `'` escaped.
    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// One row of the inbox's table. The rows of a page are the page's bulk: built here, every
    /// value escaped by ``escape(_:)``, then placed raw in the inbox template (Mustache's per-value
    /// look-ups made a page of 50 rows cost 8 ms; this costs a fraction of one).
    static func alertRow(_ a: Alert, unitName: String, mayAct: Bool, csrf: String, back: String, today: Day) -> String {
        let id = String(a.id), severity = a.severity.rawValue
        var row = "<tr id=\"alert-\(id)\" class=\"sev-\(severity)\">\n  <td class=\"num\">\(id)</td>\n  <td><span class=\"badge \(severity)\">\(severity)</span></td>\n"
        row += "  <td><a href=\"/kr/\(percentEncoded(a.keyResultID))\">\(escape(a.title))</a><div class=\"reasons\">\(escape(a.reasons))</div></td>\n"
        row += "  <td><a href=\"/units/\(percentEncoded(a.unitID))\">\(escape(unitName))</a></td>\n  <td>\(escape(a.owner ?? ""))</td>\n"
        row += "  <td class=\"num\">\(probability(a.pSuccess))</td>\n  <td>\(a.openedDay)</td>\n  <td class=\"status\">\(a.status.rawValue)"
        if let note = a.ackNote { row += "<div class=\"note\">“\(escape(note))”</div>" }
        if let until = a.snoozedUntil, until > today { row += "<div class=\"note\">snoozed until \(until)</div>" }
        row += "</td>\n  <td class=\"act\">"
        if mayAct {
            let hidden = "<input type=\"hidden\" name=\"csrf\" value=\"\(escape(csrf))\"><input type=\"hidden\" name=\"back\" value=\"\(escape(back))\">"
            row += """

                <form method="post" action="/alerts/\(id)/ack" class="ack">\(hidden)
                  <input name="note" placeholder="What is being done" required maxlength="2000" aria-label="Acknowledgement note for alert \(id)">
                  <button type="submit">Acknowledge</button>
                </form>
                <form method="post" action="/alerts/\(id)/snooze" class="snooze">\(hidden)
                  <input type="date" name="until" value="\(today.advanced(by: 7))" required aria-label="Snooze alert \(id) until">
                  <input name="note" placeholder="Why (optional)" maxlength="2000" aria-label="Snooze note for alert \(id)">
                  <button type="submit">Snooze</button>
                </form>
              """
        }
        return row + "</td>\n</tr>\n"
    }

    /// A path segment or query value, percent-encoded (ids may hold any Unicode).
    static func percentEncoded(_ text: String) -> String {
        // Most ids need nothing: ASCII letters, digits, '-', '.', '_', '~'.
        if text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F || $0 == 0x7E }) {
            return text
        }
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static let unreserved: CharacterSet = {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()

    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "—" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.4g", x)
    }

    static func probability(_ p: Double) -> String { p.isFinite ? String(format: "%.2f", p) : "—" }

    /// P(success) at each run as an SVG line chart, the alert thresholds drawn across it. Only
    /// numbers and fixed words go into it.
    static func chart(_ points: [ForecastPoint], thresholds: [(label: String, value: Double, style: String)]) -> String {
        let width = 720.0, height = 240.0, left = 44.0, right = 12.0, top = 12.0, bottom = 30.0
        let w = width - left - right, h = height - top - bottom
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"P(success) at each weekly run\">"
        func y(_ p: Double) -> Double { top + (1 - min(max(p, 0), 1)) * h }
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + h)\"/>"
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top + h)\" x2=\"\(left + w)\" y2=\"\(top + h)\"/>"
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            svg += "<text x=\"4\" y=\"\(fmt(y(tick) + 4))\">\(String(format: "%.2f", tick))</text>"
        }
        for (i, t) in thresholds.sorted(by: { $0.value > $1.value }).enumerated() where t.value.isFinite {
            svg += "<line class=\"\(t.style)\" x1=\"\(left)\" y1=\"\(fmt(y(t.value)))\" x2=\"\(left + w)\" y2=\"\(fmt(y(t.value)))\"/>"
            // Labels of lines close together step left, so that they do not overlap.
            svg += "<text x=\"\(fmt(left + w - 110 - Double(i % 3) * 120))\" y=\"\(fmt(y(t.value) - 4))\">\(t.label) \(String(format: "%.2f", t.value))</text>"
        }
        let finite = points.filter { $0.pSuccess.isFinite }
        if finite.isEmpty {
            svg += "<text x=\"\(left + 12)\" y=\"\(top + h / 2)\">No weekly run has forecast this key result yet.</text>"
        } else {
            let first = Double(finite[0].day.ordinal), last = Double(finite[finite.count - 1].day.ordinal)
            let span = max(last - first, 1)
            func x(_ d: Day) -> Double { finite.count == 1 ? left + w / 2 : left + (Double(d.ordinal) - first) / span * w }
            let path = finite.map { "\(fmt(x($0.day))),\(fmt(y($0.pSuccess)))" }.joined(separator: " ")
            svg += "<polyline class=\"series\" points=\"\(path)\"/>"
            for p in finite {
                svg += "<circle class=\"dot\" cx=\"\(fmt(x(p.day)))\" cy=\"\(fmt(y(p.pSuccess)))\" r=\"3\"><title>\(p.day): \(String(format: "%.2f", p.pSuccess))</title></circle>"
            }
            svg += "<text x=\"\(left)\" y=\"\(height - 8)\">\(finite[0].day)</text>"
            if finite.count > 1 { svg += "<text x=\"\(fmt(left + w - 70))\" y=\"\(height - 8)\">\(finite[finite.count - 1].day)</text>" }
        }
        return svg + "</svg>"
    }

    static func fmt(_ x: Double) -> String { String(format: "%.1f", x) }
}
