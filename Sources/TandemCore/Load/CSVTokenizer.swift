import Foundation

/// One field of a CSV record, as byte offsets into the file.
struct CSVField {
    /// Offset where the field starts in the file, its opening quote included; diagnostics point here.
    var offset: Int
    /// Content range: quotes excluded for quoted fields.
    var start: Int
    var end: Int
    /// The field contains doubled quotes `""` that stand for one quote.
    var hasEscapedQuotes: Bool
    var isQuoted: Bool
}

/// Splits RFC 4180 CSV into records without copying: fields are byte ranges of the file.
///
/// Written by hand rather than taken from a CSV package because Tandem needs the byte offset of
/// every field (diagnostics name line and column), must report an unterminated quote where it
/// opens, and must read a million rows per second; the CSV packages available here give none of
/// these. Accepts CRLF, LF and lone CR (classic Mac OS, old Excel for Mac) line ends, as
/// `SourceFile` counts lines; quoted fields holding commas, quotes and line breaks; skips empty
/// lines.
struct CSVTokenizer {
    enum Outcome {
        /// A record was read into the fields array; the offset is where it starts.
        case record(offset: Int)
        /// No more records.
        case end
        /// A quoted field opened at this offset never closes.
        case unterminatedQuote(offset: Int)
        /// Something other than a comma or a line end follows a closing quote at this offset;
        /// the rest of the line was skipped.
        case textAfterQuote(offset: Int)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int
    /// The field separator: a comma, or what another tool's export uses (`;` from a German
    /// Excel, a tab).
    private let comma: UInt8

    init(bytes: UnsafeBufferPointer<UInt8>, start: Int, separator: UInt8 = UInt8(ascii: ",")) {
        self.bytes = bytes
        self.position = start
        self.comma = separator
    }

    private static let quote = UInt8(ascii: "\""),
                       newline = UInt8(ascii: "\n"), carriage = UInt8(ascii: "\r")

    /// Reads the next record into `fields`, replacing its contents.
    mutating func next(into fields: inout [CSVField]) -> Outcome {
        fields.removeAll(keepingCapacity: true)
        let n = bytes.count
        var p = position
        // Skip empty lines.
        while p < n {
            if bytes[p] == Self.newline || bytes[p] == Self.carriage { p += 1 } else { break }
        }
        guard p < n else {
            position = n
            return .end
        }
        let recordStart = p
        while true {
            if p < n && bytes[p] == Self.quote {
                let open = p
                p += 1
                let contentStart = p
                var escaped = false
                while true {
                    guard p < n else {
                        position = n
                        return .unterminatedQuote(offset: open)
                    }
                    if bytes[p] == Self.quote {
                        if p + 1 < n && bytes[p + 1] == Self.quote {
                            escaped = true
                            p += 2
                            continue
                        }
                        break
                    }
                    p += 1
                }
                fields.append(CSVField(offset: open, start: contentStart, end: p, hasEscapedQuotes: escaped, isQuoted: true))
                p += 1  // closing quote
                if p < n && bytes[p] != comma && bytes[p] != Self.newline && bytes[p] != Self.carriage {
                    let bad = p
                    while p < n && bytes[p] != Self.newline && bytes[p] != Self.carriage { p += 1 }
                    position = min(n, p + 1)
                    return .textAfterQuote(offset: bad)
                }
            } else {
                let start = p
                while p < n {
                    let b = bytes[p]
                    if b == comma || b == Self.newline || b == Self.carriage { break }
                    p += 1
                }
                fields.append(CSVField(offset: start, start: start, end: p, hasEscapedQuotes: false, isQuoted: false))
            }
            // Here p is at a comma, a line end, or the end of the file.
            if p >= n {
                position = n
                return .record(offset: recordStart)
            }
            if bytes[p] == comma {
                p += 1
                continue
            }
            p += bytes[p] == Self.carriage && p + 1 < n && bytes[p + 1] == Self.newline ? 2 : 1
            position = p
            return .record(offset: recordStart)
        }
    }
}

/// Typed reading of CSV field contents straight from bytes.
enum FieldText {
    /// The field as a string, doubled quotes undone.
    static func string(_ field: CSVField, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[field.start..<field.end]), as: UTF8.self)
        return field.hasEscapedQuotes ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }

    /// The field as a string with surrounding spaces and tabs removed.
    static func trimmed(_ field: CSVField, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        let (s, e) = trimmedRange(field, in: bytes)
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self)
        return field.hasEscapedQuotes ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }

    static func trimmedRange(_ field: CSVField, in bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        var s = field.start, e = field.end
        while s < e && (bytes[s] == 0x20 || bytes[s] == 0x09) { s += 1 }
        while e > s && (bytes[e - 1] == 0x20 || bytes[e - 1] == 0x09) { e -= 1 }
        return (s, e)
    }

    static func isBlank(_ field: CSVField, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let (s, e) = trimmedRange(field, in: bytes)
        return s == e
    }

    enum NumberResult: Equatable {
        case value(Double)
        case notANumber
        case nan
        case infinite
        case empty
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var p = 1.0
        for _ in 0..<exponent { p *= 10 }
        return p
    }

    /// Parses a decimal number: optional sign, digits, optional fraction, optional exponent.
    /// Rejects hexadecimal, NaN and infinities (each reported as such), and numbers too large
    /// for a `Double`.
    ///
    /// Short decimals (at most 15 significant digits, at most 22 after the point) take an exact
    /// fast path: the digits form an integer below 2⁵³ and one division by an exact power of ten
    /// is correctly rounded. Everything else goes through the standard library's parser.
    static func number(_ field: CSVField, in bytes: UnsafeBufferPointer<UInt8>) -> NumberResult {
        let (s, e) = trimmedRange(field, in: bytes)
        if s == e { return .empty }
        var p = s
        var negative = false
        if bytes[p] == UInt8(ascii: "-") || bytes[p] == UInt8(ascii: "+") {
            negative = bytes[p] == UInt8(ascii: "-")
            p += 1
        }
        var mantissa: Int64 = 0
        var significant = 0, fractionDigits = 0
        var sawPoint = false, sawDigit = false, fast = true
        while p < e {
            let b = bytes[p]
            if b >= 48 && b <= 57 {
                let d = Int64(b &- 48)
                sawDigit = true
                if sawPoint { fractionDigits += 1 }
                if mantissa != 0 || d != 0 {  // leading zeros are not significant
                    significant += 1
                    if significant <= 18 { mantissa = mantissa &* 10 &+ d }
                }
            } else if b == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                fast = false
                break
            }
            p += 1
        }
        if fast && sawDigit && significant <= 15 && fractionDigits <= 22 {
            let magnitude = Double(mantissa) / powersOfTen[fractionDigits]
            return .value(negative ? -magnitude : magnitude)
        }
        return slowNumber(String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self))
    }

    static func slowNumber(_ text: String) -> NumberResult {
        let allowed = text.utf8.allSatisfy { b in
            (b >= 48 && b <= 57) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
                || b == UInt8(ascii: "+") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
        }
        if allowed, text.utf8.contains(where: { $0 >= 48 && $0 <= 57 }), let value = Double(text) {
            return value.isFinite ? .value(value) : .infinite
        }
        var word = Substring(text.lowercased())
        if word.first == "-" || word.first == "+" { word = word.dropFirst() }
        if word == "nan" { return .nan }
        if word == "inf" || word == "infinity" || word == "∞" { return .infinite }
        return .notANumber
    }

    /// Parses an ISO-8601 calendar date `YYYY-MM-DD`, spaces around it allowed.
    static func day(_ field: CSVField, in bytes: UnsafeBufferPointer<UInt8>) -> Day? {
        let (s, e) = trimmedRange(field, in: bytes)
        return Day(isoBytes: UnsafeBufferPointer(rebasing: bytes[s..<e]))
    }
}
