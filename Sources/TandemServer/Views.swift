import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Synchronization
import TandemCore
import TandemEngine
import TandemService
import TandemStore

/// Renders the dashboard's pages from the templates compiled into the binary.
enum Views {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        // The layout as two templates, what comes before the page's body and what after, so that
        // each is rendered once per account and page and the body set between them: no mark in
        // the text to split at, which a title or a name could hold.
        var templates = Templates.all
        let layout = Templates.layout.components(separatedBy: "{{{body}}}")
        guard layout.count == 2 else { preconditionFailure("the layout holds {{{body}}} once") }
        templates["layoutHead"] = layout[0]
        templates["layoutTail"] = layout[1]
        for (name, text) in templates {
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
        let key = LayoutKey(title: title, nav: nav, name: viewer?.account.name, role: viewer?.role.rawValue, csrf: session?.csrf ?? "",
                            whatif: viewer?.mayUseWhatIf ?? false, admin: viewer?.role == .admin)
        let (head, tail) = layout(key)
        return head + body + tail
    }

    /// What the layout depends on: one account's pages share it but for the title and the place.
    struct LayoutKey: Hashable {
        var title: String
        var nav: String?
        var name: String?
        var role: String?
        var csrf: String
        var whatif: Bool
        var admin: Bool
    }

    /// The layout before and after the body. Rendered once for each key and kept (Mustache's
    /// look-ups by name cost a page more than its own rows; a signed-in account asks for the same
    /// few layouts again and again). At most `layoutBytesKept` bytes are kept (titles have no
    /// length limit), then the cache starts afresh.
    static func layout(_ key: LayoutKey) -> (String, String) {
        if let kept = layouts.withLock({ $0.parts[key] }) { return kept }
        var values: [String: Any] = ["title": key.title]
        if let name = key.name, let role = key.role {
            values["viewer"] = ["name": name, "role": role, "csrf": key.csrf, "whatif": key.whatif, "admin": key.admin] as [String: Any]
        }
        if let nav = key.nav { values["nav"] = [nav: true] }
        let parts = (library.render(values, withTemplate: "layoutHead") ?? "", library.render(values, withTemplate: "layoutTail") ?? "")
        let size = parts.0.utf8.count + parts.1.utf8.count + key.title.utf8.count + key.csrf.utf8.count + (key.name?.utf8.count ?? 0)
        layouts.withLock {
            if $0.bytes + size > layoutBytesKept {
                $0.parts.removeAll(keepingCapacity: true)
                $0.bytes = 0
            }
            $0.parts[key] = parts
            $0.bytes += size
        }
        return parts
    }

    static let layoutBytesKept = 8 << 20
    private static let layouts = Mutex<(parts: [LayoutKey: (String, String)], bytes: Int)>(([:], 0))

    /// `<option>`s of a select, the chosen one selected: (value, label) pairs, both escaped.
    static func options(_ values: [(String, String)], selected: String) -> String {
        var out = ""
        for (value, label) in values {
            out += "<option value=\"\(escape(value))\"\(value == selected ? " selected" : "")>\(escape(label))</option>"
        }
        return out
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
    static func escape(_ text: String) -> String { HTML.escape(text) }

    /// One row of the inbox's table, appended to `out`. The rows of a page are the page's bulk:
    /// built here, every value escaped by ``escape(_:)``, then placed raw in the inbox template
    /// (Mustache's per-value look-ups made a page of 50 rows cost 8 ms; this costs a fraction of
    /// one). `forms` is ``actionFields(csrf:back:)``, the same for every row of a page.
    static func alertRow(_ a: Alert, unitName: String, mayAct: Bool, forms: String, today: Day, into out: inout String) {
        let id = String(a.id), severity = a.severity.rawValue
        out += "<tr id=\"alert-"; out += id; out += "\" class=\"sev-"; out += severity; out += "\">\n  <td class=\"num\">"; out += id
        out += "</td>\n  <td><span class=\"badge "; out += severity; out += "\">"; out += severity; out += "</span></td>\n"
        out += "  <td><a href=\"/kr/"; out += percentEncoded(a.keyResultID); out += "\">"; out += escape(a.title)
        out += "</a><div class=\"reasons\">"; out += escape(a.reasons); out += "</div></td>\n"
        out += "  <td><a href=\"/units/"; out += percentEncoded(a.unitID); out += "\">"; out += escape(unitName)
        out += "</a></td>\n  <td>"; out += escape(a.owner ?? ""); out += "</td>\n"
        out += "  <td class=\"num\">"; out += probability(a.pSuccess); out += "</td>\n  <td>"; out += a.openedDay.description
        out += "</td>\n  <td class=\"status\">"; out += a.status.rawValue
        if let note = a.ackNote { out += "<div class=\"note\">“"; out += escape(note); out += "”</div>" }
        if let until = a.snoozedUntil, until > today { out += "<div class=\"note\">snoozed until "; out += until.description; out += "</div>" }
        out += "</td>\n  <td class=\"act\">"
        if mayAct {
            out += """

                <form method="post" action="/alerts/\(id)/ack" class="ack">\(forms)
                  <input name="note" placeholder="What is being done" required maxlength="2000" aria-label="Acknowledgement note for alert \(id)">
                  <button type="submit">Acknowledge</button>
                </form>
                <form method="post" action="/alerts/\(id)/snooze" class="snooze">\(forms)
                  <input type="date" name="until" value="\(today.advanced(by: 7))" required aria-label="Snooze alert \(id) until">
                  <input name="note" placeholder="Why (optional)" maxlength="2000" aria-label="Snooze note for alert \(id)">
                  <button type="submit">Snooze</button>
                </form>
              """
        }
        out += "</td>\n</tr>\n"
    }

    /// The hidden fields of a row's forms: the session's CSRF token, and where to come back to.
    static func actionFields(csrf: String, back: String) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(escape(csrf))\"><input type=\"hidden\" name=\"back\" value=\"\(escape(back))\">"
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

    static func probability(_ p: Double) -> String { p.isFinite ? fixed(p, 2) : "—" }

    /// `x` with `places` decimals (0 to 6), as `String(format: "%.Nf")` writes it, but without
    /// Foundation's formatter, which cost a page of 50 rows and a chart more than its queries.
    /// It rounds `x × 10^places` half to even, so it can differ from printf's exact decimal
    /// rounding only when that product lies within one unit in the last place of a half, and it
    /// writes a negative that rounds to zero without its sign. Beyond
    /// ±10^15, and for NaN and infinities, printf's own text.
    static func fixed(_ x: Double, _ places: Int) -> String {
        guard x.isFinite, abs(x) < 1e15, (0...6).contains(places) else { return String(format: "%.\(places)f", x) }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let n = (abs(x) * scale).rounded(.toNearestOrEven)
        guard n < 9e15 else { return String(format: "%.\(places)f", x) }
        var digits = String(Int64(n))
        if places > 0 {
            if digits.utf8.count <= places { digits = String(repeating: "0", count: places + 1 - digits.utf8.count) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        }
        return x < 0 && n != 0 ? "-" + digits : digits
    }

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
            svg += "<text x=\"4\" y=\"\(fmt(y(tick) + 4))\">\(fixed(tick, 2))</text>"
        }
        for (i, t) in thresholds.sorted(by: { $0.value > $1.value }).enumerated() where t.value.isFinite {
            svg += "<line class=\"\(t.style)\" x1=\"\(left)\" y1=\"\(fmt(y(t.value)))\" x2=\"\(left + w)\" y2=\"\(fmt(y(t.value)))\"/>"
            // Labels of lines close together step left, so that they do not overlap.
            svg += "<text x=\"\(fmt(left + w - 110 - Double(i % 3) * 120))\" y=\"\(fmt(y(t.value) - 4))\">\(t.label) \(fixed(t.value, 2))</text>"
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
                svg += "<circle class=\"dot\" cx=\"\(fmt(x(p.day)))\" cy=\"\(fmt(y(p.pSuccess)))\" r=\"3\"><title>\(p.day): \(fixed(p.pSuccess, 2))</title></circle>"
            }
            svg += "<text x=\"\(left)\" y=\"\(height - 8)\">\(finite[0].day)</text>"
            if finite.count > 1 { svg += "<text x=\"\(fmt(left + w - 70))\" y=\"\(height - 8)\">\(finite[finite.count - 1].day)</text>" }
        }
        return svg + "</svg>"
    }

    static func fmt(_ x: Double) -> String { fixed(x, 1) }
}
