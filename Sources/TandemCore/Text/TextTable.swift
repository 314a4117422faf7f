/// A plain-text table whose columns line up by display width, so Chinese text aligns.
public struct TextTable: Sendable {
    public struct Column: Sendable {
        public var title: String
        public var alignRight: Bool
        public init(_ title: String, alignRight: Bool = false) {
            self.title = title
            self.alignRight = alignRight
        }
    }

    public var columns: [Column]
    public private(set) var rows: [[String]] = []

    public init(columns: [Column]) { self.columns = columns }

    /// Adds a row; missing cells are empty.
    /// Adds a row; control characters in it are shown, not sent to the terminal.
    public mutating func append(_ row: [String]) { rows.append(row.map(\.terminalSafe)) }

    /// The table, header first, columns separated by two spaces, no trailing spaces.
    public func render() -> String {
        var widths = columns.map(\.title.displayWidth)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.displayWidth) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, column) in columns.enumerated() {
                let cell = i < cells.count ? cells[i] : ""
                parts.append(cell.padded(toWidth: widths[i], alignRight: column.alignRight))
            }
            var text = parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return ([line(columns.map(\.title))] + rows.map(line)).joined(separator: "\n")
    }
}

extension Int {
    /// With thousands separators: 1,234,567.
    public var grouped: String {
        let digits = String(self.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (self < 0 ? "-" : "") + out
    }
}

extension String {
    /// The text with control characters (ESC, BEL, CR, line breaks, DEL, C1) replaced by their
    /// visible Unicode pictures (␛, ␇, ␍, ␊, ␡) or U+FFFD, so that text from a data file cannot move
    /// the cursor, recolour or retitle a terminal when printed. Tabs become a space.
    public var terminalSafe: String {
        // Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) would reorder the
        // rest of the line on screen: shown as U+FFFD too.
        func isBidiControl(_ v: UInt32) -> Bool { (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) }
        guard unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) || isBidiControl($0.value) }) else { return self }
        var out = String.UnicodeScalarView()
        for u in unicodeScalars {
            switch u.value {
            case 0x09: out.append(" ")
            case 0..<0x20: out.append(Unicode.Scalar(0x2400 + u.value)!)
            case 0x7F: out.append("\u{2421}")
            case 0x80..<0xA0, 0x202A...0x202E, 0x2066...0x2069: out.append("\u{FFFD}")
            default: out.append(u)
            }
        }
        return String(out)
    }
}
