import TandemService

/// Writing tables as CSV and Markdown, with every cell escaped: text from data files (titles,
/// owners, unit names, reasons) reaches spreadsheets and Markdown renderers unchanged in meaning
/// and unable to run as a formula or break the table.
enum CSV {
    /// One record: RFC 4180 (fields with a comma, quote or line break quoted, quotes doubled),
    /// ended by CRLF as the RFC asks.
    static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// One field. A text a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`,
    /// a tab or a carriage return) gets a leading `'`, as OWASP advises against CSV injection;
    /// numbers, negative ones included, are left as they are.
    static func field(_ text: String) -> String { ExportWriter.csvText(text, numeric: true) }

    /// Prints a header and rows to standard output.
    static func print(_ header: [String], _ rows: [[String]]) {
        var out = record(header)
        for r in rows { out += record(r) }
        Swift.print(out, terminator: "")
    }
}

enum Markdown {
    /// One table cell: `|` escaped, line breaks as `<br>`, and `<`, `>`, `&` as entities, so that no
    /// text can end the cell, the row, or open HTML in a renderer.
    static func cell(_ text: String) -> String {
        var s = ""
        s.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for ch in text.unicodeScalars {
            switch ch {
            case "|": s += "\\|"
            case "\\": s += "\\\\"
            case "<": s += "&lt;"
            case ">": s += "&gt;"
            case "&": s += "&amp;"
            case "\r": s += "<br>"
            case "\n": if !previousWasCR { s += "<br>" }
            default: s.unicodeScalars.append(ch)
            }
            previousWasCR = ch == "\r"
        }
        return s
    }

    static func row(_ cells: [String]) -> String { "| " + cells.map(cell).joined(separator: " | ") + " |" }

    /// A whole table: header, alignment row (`true`: right-aligned), rows.
    static func table(_ header: [String], right: Set<Int> = [], _ rows: [[String]]) -> String {
        var lines = [row(header), "|" + header.indices.map { right.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|"]
        lines += rows.map(row)
        return lines.joined(separator: "\n")
    }
}
