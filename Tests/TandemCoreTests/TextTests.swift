import Testing
@testable import TandemCore

@Suite("Text: display width, tables, diagnostics rendering")
struct TextTests {
    @Test func displayWidth() {
        #expect("abc".displayWidth == 3)
        #expect("研发中心".displayWidth == 8)
        #expect("R&D 研发".displayWidth == 8)
        #expect("Операции".displayWidth == 8)
        #expect("e\u{301}".displayWidth == 1)  // combining acute accent
        #expect("，".displayWidth == 2)         // fullwidth comma
        #expect("😀".displayWidth == 2)
        // Decomposed Hangul (as macOS writes file names): the initial's two cells, the rest none.
        #expect("\u{1112}\u{1161}\u{11AB}\u{1100}\u{116E}\u{11A8}".displayWidth == "한국".displayWidth)
        #expect("한국".displayWidth == 4)
        // Emoji sequences are one emoji, two cells: a family joined by ZWJ, a heart made an emoji
        // by VS16, a keycap, a flag; a skin tone does not widen it.
        #expect("👨\u{200D}👩\u{200D}👧".displayWidth == 2)
        #expect("❤\u{FE0F}".displayWidth == 2)
        #expect("❤".displayWidth == 1)
        #expect("1\u{FE0F}\u{20E3}".displayWidth == 2)
        #expect("🇨🇳".displayWidth == 2)
        #expect("👍🏽".displayWidth == 2)
        #expect("a👨\u{200D}👩\u{200D}👧b".displayWidth == 4)
    }

    @Test func tableAlignsChineseText() {
        var table = TextTable(columns: [.init("unit"), .init("KRs", alignRight: true)])
        table.append(["研发中心", "12"])
        table.append(["ops", "3"])
        #expect(table.render() == """
        unit      KRs
        研发中心   12
        ops         3
        """)
    }

    @Test func caretSitsUnderTheFieldPastChineseText() {
        let source = SourceFile(path: "krs.csv", text: "kr_id,title,kind\nKR-1,发布新平台,comitted\n")
        let offset = Array(source.bytes).count - "comitted\n".utf8.count
        let location = source.location(ofOffset: offset)
        #expect(location == SourceLocation(file: "krs.csv", line: 2, column: 12))
        let d = Diagnostic(.error, "C0114", "'kind' must be one of committed, aspirational, kpi, found 'comitted'",
                           at: location, length: 8, notes: [.init("did you mean 'committed'?")])
        #expect(DiagnosticRenderer(sources: [source]).render(d) == """
        krs.csv:2:12: error: 'kind' must be one of committed, aspirational, kpi, found 'comitted' [C0114]
            2 | KR-1,发布新平台,comitted
              |                 ^~~~~~~~
        note: did you mean 'committed'?

        """)
    }

    @Test func suggestions() {
        #expect(Suggestion.closest(to: "valeu", among: ["kr_id", "date", "value"]) == "value")
        #expect(Suggestion.closest(to: "comitted", among: ["committed", "aspirational", "kpi"]) == "committed")
        #expect(Suggestion.closest(to: "priority", among: ["kr_id", "date", "value"]) == nil)
    }

    @Test func groupedNumbers() {
        #expect(1234567.grouped == "1,234,567")
        #expect(12.grouped == "12")
        #expect((-1000).grouped == "-1,000")
    }
}

@Suite("CSV reading")
struct CSVTests {
    func records(_ text: String) -> [[String]] {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var tokenizer = CSVTokenizer(bytes: buffer, start: 0)
            var fields: [CSVField] = []
            var out: [[String]] = []
            while case .record = tokenizer.next(into: &fields) {
                out.append(fields.map { FieldText.string($0, in: buffer) })
            }
            return out
        }
    }

    @Test func quotingAndLineEnds() {
        #expect(records("a,b\r\n1,2\r\n") == [["a", "b"], ["1", "2"]])
        #expect(records("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n") == [["a", "b"], ["x,y", "say \"hi\""]])
        #expect(records("a\n\"line1\nline2\"\n") == [["a"], ["line1\nline2"]])
        #expect(records("a,b\n\n1,\n") == [["a", "b"], ["1", ""]])
        #expect(records("a,b\n1,2") == [["a", "b"], ["1", "2"]])
        #expect(records("a,,\n") == [["a", "", ""]])
    }

    @Test func numberFastPathAgreesWithStandardLibrary() {
        var generator = SeededRandom(seed: 7)
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...17, using: &generator)
            var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            if Bool.random(using: &generator) {
                let point = Int.random(in: 0...text.count, using: &generator)
                text.insert(".", at: text.index(text.startIndex, offsetBy: point))
            }
            if Bool.random(using: &generator) { text = "-" + text }
            let parsed = parse(text)
            guard let reference = Double(text) else {
                #expect(parsed == .notANumber, "\(text)")
                continue
            }
            #expect(parsed == .value(reference), "\(text)")
        }
    }

    @Test func numberSpecialCases() {
        #expect(parse("1e3") == .value(1000))
        #expect(parse(" 2.5 ") == .value(2.5))
        #expect(parse("+4") == .value(4))
        #expect(parse("NaN") == .nan)
        #expect(parse("-inf") == .infinite)
        #expect(parse("Infinity") == .infinite)
        #expect(parse("1e999") == .infinite)
        #expect(parse("0x10") == .notANumber)
        #expect(parse("1,5") == .notANumber)
        #expect(parse("") == .empty)
        #expect(parse(".") == .notANumber)
        #expect(parse("-") == .notANumber)
        #expect(parse("0.1") == .value(0.1))
        #expect(parse("123456789012345.6") == .value(123456789012345.6))
    }

    func parse(_ text: String) -> FieldText.NumberResult {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer {
            FieldText.number(CSVField(offset: 0, start: 0, end: bytes.count, hasEscapedQuotes: false, isQuoted: false), in: $0)
        }
    }
}


@Suite("Excerpts of very long lines")
struct LongLineTests {
    @Test func longLineIsShownAsAWindowAroundTheCaret() {
        let line = String(repeating: "a", count: 500) + "X" + String(repeating: "b", count: 500)
        let source = SourceFile(path: "f.json", text: line + "\n")
        let d = Diagnostic(.error, "C0201", "bad", at: SourceLocation(file: "f.json", line: 1, column: 501))
        let lines = DiagnosticRenderer(sources: [source]).render(d).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].count < 140)
        let caret = lines[2].firstIndex(of: "^")!
        let x = lines[1].firstIndex(of: "X")!
        #expect(lines[1].distance(from: lines[1].startIndex, to: x) == lines[2].distance(from: lines[2].startIndex, to: caret))
    }
}
