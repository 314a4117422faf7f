import Foundation
import TandemCore

/// A titled table of a report, rendered as aligned text, Markdown or HTML from the same cells.
public struct ReportSection: Sendable {
    public struct Column: Sendable {
        public var title: String
        public var numeric: Bool
        public init(_ title: String, numeric: Bool = false) {
            self.title = title
            self.numeric = numeric
        }
    }

    public var title: String
    /// Lines printed under the title (changes applied, a description).
    public var lines: [String]
    public var columns: [Column]
    public var rows: [[String]]
    /// Rows there were before a limit cut them (0 = all shown).
    public var total: Int
    /// Said when there is no row.
    public var empty: String

    public init(title: String, lines: [String] = [], columns: [Column] = [], rows: [[String]] = [], total: Int = 0, empty: String = "none") {
        self.title = title
        self.lines = lines
        self.columns = columns
        self.rows = rows
        self.total = total
        self.empty = empty
    }

    /// Keeps the first `limit` rows (0 keeps all) and remembers how many there were.
    public mutating func limit(_ limit: Int) {
        guard limit > 0, rows.count > limit else { return }
        total = rows.count
        rows = Array(rows.prefix(limit))
    }

    var more: String? { total > rows.count ? "… and \((total - rows.count).grouped) more (--limit 0 lists all)" : nil }

    public func text() -> String {
        var out = [title]
        out += lines.map { "  \($0)" }
        if !columns.isEmpty {
            if rows.isEmpty {
                out.append("  \(empty)")
            } else {
                var table = TextTable(columns: columns.map { .init($0.title, alignRight: $0.numeric) })
                for r in rows { table.append(r) }
                out += table.render().split(separator: "\n", omittingEmptySubsequences: false).map { "  \($0)" }
                if let more { out.append("  \(more)") }
            }
        }
        return out.joined(separator: "\n")
    }

    public func markdown(level: Int = 3) -> String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        var out = ["\(String(repeating: "#", count: level)) \(title)", ""]
        if !lines.isEmpty { out += lines.map { "- \(cell($0))" } + [""] }
        if !columns.isEmpty {
            if rows.isEmpty {
                out += ["_\(empty)_", ""]
            } else {
                out.append("| " + columns.map { cell($0.title) }.joined(separator: " | ") + " |")
                out.append("|" + columns.map { $0.numeric ? "---:|" : "---|" }.joined())
                for r in rows { out.append("| " + columns.indices.map { cell($0 < r.count ? r[$0] : "") }.joined(separator: " | ") + " |") }
                if let more { out += ["", "_\(more)_"] }
                out.append("")
            }
        }
        return out.joined(separator: "\n")
    }

    public func html(level: Int = 3, chart: String? = nil) -> String {
        var out = "<section><h\(level)>\(HTML.escape(title))</h\(level)>\n"
        if !lines.isEmpty { out += "<ul>" + lines.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>\n" }
        if let chart { out += "<figure>\(chart)</figure>\n" }
        if !columns.isEmpty {
            if rows.isEmpty {
                out += "<p class=\"empty\">\(HTML.escape(empty))</p>\n"
            } else {
                out += "<table><thead><tr>" + columns.map { "<th\($0.numeric ? " class=\"n\"" : "")>\(HTML.escape($0.title))</th>" }.joined() + "</tr></thead><tbody>\n"
                for r in rows {
                    out += "<tr>" + columns.indices.map { i in
                        "<td\(columns[i].numeric ? " class=\"n\"" : "")>\(HTML.escape(i < r.count ? r[i] : ""))</td>"
                    }.joined() + "</tr>\n"
                }
                out += "</tbody></table>\n"
                if let more { out += "<p class=\"more\">\(HTML.escape(more))</p>\n" }
            }
        }
        return out + "</section>\n"
    }
}

/// HTML helpers: escaping and the one self-contained page every report uses (inline CSS, no
/// script, no network).
public enum HTML {
    /// Text for HTML (content or a quoted attribute): `&`, `<`, `>`, `"` and `'` escaped; text
    /// without any of them comes back as it is, uncopied (the dashboard escapes every cell of
    /// every page through here).
    public static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for c in s.unicodeScalars {
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

    public static func page(title: String, subtitle: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="zh-Hans">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="Tandem">
        <title>\(escape(title))</title>
        <style>
        body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1.5rem; color: #1d2430; background: #fff; line-height: 1.45; }
        h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { font-size: 1.3rem; margin-top: 2.4rem; border-bottom: 2px solid #1f6feb; padding-bottom: .2rem; }
        h3 { font-size: 1.05rem; margin-top: 1.6rem; } .subtitle { color: #57606a; margin-top: 0; }
        table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .88rem; } th, td { padding: .25rem .6rem; border-bottom: 1px solid #d8dee4; text-align: left; vertical-align: top; }
        th { background: #f3f6f9; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .cards { display: flex; flex-wrap: wrap; gap: .8rem; } .card { border: 1px solid #d8dee4; border-radius: 8px; padding: .7rem 1rem; min-width: 13rem; }
        .card .k { color: #57606a; font-size: .8rem; } .card .v { font-size: 1.35rem; font-weight: 600; }
        figure { margin: .8rem 0; } svg { max-width: 100%; height: auto; } .empty, .more, .note { color: #57606a; font-style: italic; }
        ul { padding-left: 1.2rem; } footer { margin-top: 3rem; color: #57606a; font-size: .8rem; }
        </style>
        </head>
        <body>
        <h1>\(escape(title))</h1>
        <p class="subtitle">\(escape(subtitle))</p>
        \(body)
        <footer>Made by Tandem. Probabilities come from the forecast model; decisions from the policy named above.</footer>
        </body>
        </html>

        """
    }
}
