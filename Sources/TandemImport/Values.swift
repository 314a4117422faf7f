import Foundation
import TandemCore

/// How an export writes numbers: `1,234.5` (a point, commas between thousands) by default;
/// `1.234,5` (a comma, points between thousands) from much of Europe; a percent sign (`45%`)
/// read as points (45) or as a fraction (0.45).
public struct NumberReading: Sendable, Equatable {
    public var decimal: Character
    /// Thousands separators that may appear (and are dropped); spaces of every width always may.
    public var thousands: Character?
    public enum Percent: String, Sendable, CaseIterable { case points, fraction }
    public var percent: Percent

    public init(decimal: Character = ".", thousands: Character? = ",", percent: Percent = .points) {
        self.decimal = decimal
        self.thousands = thousands
        self.percent = percent
    }

    /// In words, for messages: "a decimal point, ',' between thousands".
    public var description: String {
        let point = decimal == "." ? "a decimal point" : "a decimal comma"
        return point + (thousands.map { ", '\($0)' between thousands" } ?? "")
    }

    /// The number written, or nil. Takes a sign (`-`, `+`, `−`), spaces (and no-break and thin
    /// ones) anywhere, the thousands separator between digits, a trailing `%`; refuses NaN,
    /// infinities and anything else.
    public func read(_ text: String) -> Double? {
        var s = ""
        var isPercent = false
        var sawDecimal = false
        // Digits since the last thousands separator (nil before the first): a separator stands
        // between groups of three, so `1,5` is not fifteen but a mistake (a decimal comma read
        // with the wrong setting), said as such instead of read wrong.
        var group: Int?, digitsBefore = 0
        var written = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // `45 %`, as French writes it: the space before the sign is not a thousands separator.
        if written.hasSuffix("%") || written.hasSuffix("％") {
            written = String(written.dropLast()).trimmingCharacters(in: .whitespaces) + "%"
        }
        for ch in written {
            if ch.isASCII, ch.isNumber, !sawDecimal {
                if group != nil { group! += 1 } else { digitsBefore += 1 }
            }
            // A space (of any width) inside a number separates thousands, as the separator does:
            // `1 234,5` is a number, `1 5` two of them run together, an error.
            if ch.isWhitespace || ch == "\u{202F}" || ch == "\u{00A0}" {
                if sawDecimal || (group.map { $0 != 3 } ?? !(1...3).contains(digitsBefore)) { return nil }
                group = 0
                continue
            }
            if ch == "%" || ch == "％" {
                if isPercent { return nil }
                isPercent = true
                continue
            }
            if isPercent { return nil }  // nothing after the percent sign
            if ch == decimal {
                if sawDecimal || (group.map { $0 != 3 } ?? false) { return nil }
                sawDecimal = true
                s.append(".")
            } else if let thousands, ch == thousands {
                // Before the decimal mark only, after one to three digits, then three at a time.
                if sawDecimal || (group.map { $0 != 3 } ?? !(1...3).contains(digitsBefore)) { return nil }
                group = 0
                continue
            } else if ch == "−" || ch == "-" {
                s.append("-")
            } else if ch == "+" || ch.isASCII && (ch.isNumber || ch == "e" || ch == "E") {
                s.append(ch)
            } else {
                return nil
            }
        }
        if !sawDecimal, let group, group != 3 { return nil }
        guard s.contains(where: \.isNumber), let value = Double(s), value.isFinite else { return nil }
        return isPercent && percent == .fraction ? value / 100 : value
    }
}

/// How an export writes dates: ISO 8601 (a date, or a date and time, whose own calendar day is
/// taken) always; other patterns as the export or the mapping names them (`dd.MM.yyyy`,
/// `d/MMM/yy h:mm a` as Jira writes them), read with the POSIX locale and the Gregorian calendar.
public struct DateReading: Sendable {
    public let patterns: [String]
    private let formatters: [DateFormatter]

    public init(patterns: [String] = []) {
        self.patterns = patterns
        formatters = patterns.map { pattern in
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.calendar = Calendar(identifier: .gregorian)
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = pattern
            f.isLenient = false
            // Two-digit years are this century's (Jira's `24` is 2024).
            f.twoDigitStartDate = Date(timeIntervalSince1970: 946_684_800)
            return f
        }
    }

    /// In words, for messages.
    public var description: String {
        (["YYYY-MM-DD"] + patterns).joined(separator: ", ")
    }

    /// The day written, or nil.
    public func read(_ text: String) -> Day? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // ISO: the date itself, or the date part of a date-time (its own day, whatever its offset).
        if t.count >= 10, let day = Day(iso: String(t.prefix(10))), t.count == 10 || t.dropFirst(10).first == "T" || t.dropFirst(10).first == " " {
            return day
        }
        for f in formatters {
            if let date = f.date(from: t) {
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "UTC")!
                let c = calendar.dateComponents([.year, .month, .day], from: date)
                guard let y = c.year, let m = c.month, let d = c.day else { continue }
                return Day(iso: String(format: "%04d-%02d-%02d", y, m, d))
            }
        }
        return nil
    }
}

/// A number written back as Tandem's files write it: plain, with a point, as short as reads back.
func canonicalNumber(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}

/// A unit id for a name the export gives: the name itself when it reads as an id (letters and
/// digits of any script, `-`, `_`, `.`), else its ``slug(_:)``.
func unitID(from text: String) -> String {
    text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) && !text.isEmpty ? text : slug(text)
}

/// An id made from a name: letters and digits kept (any script), the rest as `-`.
func slug(_ text: String) -> String {
    var out = ""
    for ch in text.lowercased() {
        if ch.isLetter || ch.isNumber { out.append(ch) } else if !out.hasSuffix("-") { out.append("-") }
    }
    let trimmed = out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    return trimmed.isEmpty ? "unit" : trimmed
}
