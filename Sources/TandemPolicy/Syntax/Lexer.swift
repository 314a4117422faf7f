import TandemCore

/// Splits a policy file into tokens. Never fails: a character it cannot read becomes a
/// diagnostic and is skipped, so the parser still sees the rest of the file.
struct Lexer {
    let source: SourceFile
    private(set) var diagnostics: [Diagnostic] = []

    init(source: SourceFile) { self.source = source }

    mutating func tokenize() -> [Token] {
        let bytes = source.bytes
        var tokens: [Token] = []
        var i = source.hasByteOrderMark ? 3 : 0
        var sawNewline = true
        let n = bytes.count

        func isIdentStart(_ b: UInt8) -> Bool {
            (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95
        }
        func isIdentPart(_ b: UInt8) -> Bool { isIdentStart(b) || (b >= 48 && b <= 57) }
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

        while i < n {
            let b = bytes[i]
            if b == 0x0A || b == 0x0D {
                sawNewline = true
                i += 1
                continue
            }
            if b == 0x20 || b == 0x09 {
                i += 1
                continue
            }
            if b == UInt8(ascii: "#") {
                while i < n && bytes[i] != 0x0A && bytes[i] != 0x0D { i += 1 }
                continue
            }
            let start = i
            func push(_ kind: Token.Kind) {
                tokens.append(Token(kind: kind, range: SourceRange(start, i), startsLine: sawNewline))
                sawNewline = false
            }
            if isIdentStart(b) {
                while i < n && isIdentPart(bytes[i]) { i += 1 }
                push(.identifier(String(decoding: bytes[start..<i], as: UTF8.self)))
                continue
            }
            if isDigit(b) || (b == UInt8(ascii: ".") && i + 1 < n && isDigit(bytes[i + 1])) {
                while i < n && isDigit(bytes[i]) { i += 1 }
                // A fraction, but not the `..` of a range.
                if i + 1 < n && bytes[i] == UInt8(ascii: ".") && isDigit(bytes[i + 1]) {
                    i += 1
                    while i < n && isDigit(bytes[i]) { i += 1 }
                }
                // An exponent (2e3, 1.5E-2): read as part of the number, so that a huge one is
                // one problem (P0105) rather than a number followed by a stray name.
                if i < n && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
                    var j = i + 1
                    if j < n && (bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-")) { j += 1 }
                    if j < n && isDigit(bytes[j]) {
                        while j < n && isDigit(bytes[j]) { j += 1 }
                        i = j
                    }
                }
                let text = String(decoding: bytes[start..<i], as: UTF8.self)
                var value = Double(text) ?? 0
                // Every number a policy compares or adds stays within ±10^15, where a Double is exact
                // to the unit and no sum of rules can overflow; past it, one report, read as 10^15.
                if !(value <= Token.largestNumber) {
                    report(.numberTooLarge(written: text), at: start, length: i - start)
                    value = Token.largestNumber  // the nearest allowed number: what follows checks as if it were written
                }
                if i < n && bytes[i] == UInt8(ascii: "%") {
                    i += 1
                    push(.percent(value))
                } else {
                    push(.number(value))
                }
                continue
            }
            if b == UInt8(ascii: "\"") {
                i += 1
                var text: [UInt8] = []
                var closed = false
                while i < n {
                    let c = bytes[i]
                    if c == UInt8(ascii: "\"") {
                        closed = true
                        i += 1
                        break
                    }
                    if c == 0x0A || c == 0x0D { break }
                    if c == UInt8(ascii: "\\") && i + 1 < n {
                        let e = bytes[i + 1]
                        switch e {
                        case UInt8(ascii: "\""), UInt8(ascii: "\\"): text.append(e)
                        case UInt8(ascii: "n"): text.append(0x0A)
                        case UInt8(ascii: "t"): text.append(0x09)
                        default:
                            report(.unknownEscape(String(decoding: [e], as: UTF8.self)), at: i, length: 2)
                        }
                        i += 2
                        continue
                    }
                    text.append(c)
                    i += 1
                }
                if !closed {
                    report(.unterminatedString, at: start, length: 1)
                }
                push(.string(String(decoding: text, as: UTF8.self)))
                continue
            }
            // Symbols: longest match first.
            let two = i + 1 < n ? String(decoding: bytes[i...(i + 1)], as: UTF8.self) : ""
            if ["=>", "==", "!=", "<=", ">=", ".."].contains(two) {
                i += 2
                push(.symbol(two))
                continue
            }
            let one = String(decoding: [b], as: UTF8.self)
            if ":,{}()<>=|.+-*".contains(one) {
                i += 1
                push(.symbol(one))
                continue
            }
            // `&&`, `||` and `!`: report, then read them as the words they stand for.
            if b == UInt8(ascii: "&") || b == UInt8(ascii: "|") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "|") || b == UInt8(ascii: "!") {
                let word = b == UInt8(ascii: "&") ? "and" : (b == UInt8(ascii: "|") ? "or" : "not")
                let double = b != UInt8(ascii: "!") && i + 1 < n && bytes[i + 1] == b
                let text = String(decoding: bytes[i..<(i + (double ? 2 : 1))], as: UTF8.self)
                report(.foreignOperator(text, write: word), at: i, length: text.count)
                i += text.count
                push(.identifier(word))
                continue
            }
            // A run of non-ASCII text outside quotes (a Chinese name, say): one report, then
            // read it as a name so that the rest of the line still parses.
            if b >= 0x80 {
                while i < n && bytes[i] >= 0x80 { i += 1 }
                let text = String(decoding: bytes[start..<i], as: UTF8.self)
                report(.nonASCIIName(text), at: start, length: text.displayWidth,
                       notes: [.init("Chinese and other text belongs in double quotes, in reasons, titles and descriptions")])
                push(.identifier(text))
                continue
            }
            // Anything else: skip one whole UTF-8 character.
            var length = 1
            if b >= 0xF0 { length = 4 } else if b >= 0xE0 { length = 3 } else if b >= 0xC0 { length = 2 }
            let text = String(decoding: bytes[i..<min(n, i + length)], as: UTF8.self)
            var notes: [Diagnostic.Note] = []
            if text == ";" { notes.append(.init("rules end at the end of the line; no ';' is needed")) }
            report(.unexpectedCharacter(text), at: i, length: text.displayWidth, notes: notes)
            i = min(n, i + length)
        }
        tokens.append(Token(kind: .end, range: SourceRange(n, n), startsLine: true))
        return tokens
    }

    private mutating func report(_ message: PolicyDiagnostic, at offset: Int, length: Int, notes: [Diagnostic.Note] = []) {
        diagnostics.append(Diagnostic(message, at: source.location(ofOffset: offset), length: length, notes: notes))
    }
}
