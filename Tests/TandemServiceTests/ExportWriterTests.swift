import Foundation
import Testing
import TandemCore
import TandemService

@Suite("Exports: CSV a spreadsheet opens safely, JSON Lines any parser reads")
struct ExportWriterTests {
    @Test func csvFieldsCannotRunAsFormulasOrBreakTheRecord() {
        #expect(ExportWriter.csvField(.text("=HYPERLINK(\"http://x\",\"y\")")) == #""'=HYPERLINK(""http://x"",""y"")""#)
        #expect(ExportWriter.csvField(.text("+1")) == "'+1")
        #expect(ExportWriter.csvField(.text("-5%")) == "'-5%")
        #expect(ExportWriter.csvField(.text("@SUM(A1)")) == "'@SUM(A1)")
        #expect(ExportWriter.csvField(.text("\tx")) == "'\tx")
        #expect(ExportWriter.csvField(.text("a,b")) == "\"a,b\"")
        // A semicolon is quoted too: a spreadsheet that splits on `;` keeps the cell whole.
        #expect(ExportWriter.csvField(.text("checked;=cmd|' /C calc'!A0")) == "\"checked;=cmd|' /C calc'!A0\"")
        #expect(ExportWriter.csvField(.text("两行\r\n文字")) == "\"两行\r\n文字\"")
        #expect(ExportWriter.csvField(.text("研发中心")) == "研发中心")
        // Numbers are numbers: a negative one is not taken for a formula.
        #expect(ExportWriter.csvField(.number(-3)) == "-3")
        #expect(ExportWriter.csvField(.number(0.125)) == "0.125")
        #expect(ExportWriter.csvField(.number(1e20)) == "1e+20")
        #expect(ExportWriter.csvField(.integer(42)) == "42")
        #expect(ExportWriter.csvField(.null) == "")
        #expect(ExportWriter.jsonValue(.number(.nan)) == "null")
    }

    /// Any text, control characters and line separators included, reads back the same from a
    /// JSON line, and the line holds no raw line break.
    @Test func jsonLinesReadBackWhateverTheText() throws {
        var random = SeededRandom(seed: 17)
        let alphabet: [Unicode.Scalar] = ["a", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}", "研", "😀", ",", "=", " "]
        for _ in 0..<2_000 {
            var text = ""
            for _ in 0..<Int(random.next() % 12) { text.unicodeScalars.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
            let table = ExportTable(kind: .alerts, columns: ["t", "n"], rows: [[.text(text), .number(Double(random.next() % 1000) / 7)]])
            var out = ""
            ExportWriter.write(table, format: .jsonl) { out += $0 }
            #expect(out.hasSuffix("}\n"))
            #expect(!out.dropLast().contains("\n") && !out.contains("\r"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
            #expect(object["t"] as? String == text, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func csvBeginsWithTheHeaderAndAMarkWhenAsked() {
        let table = ExportTable(kind: .decisions, columns: ["unit_id", "lean"], rows: [[.text("rd"), .number(0.5)], [.text("销售"), .null]])
        var plain = "", marked = ""
        ExportWriter.write(table, format: .csv) { plain += $0 }
        ExportWriter.write(table, format: .csv, bom: true) { marked += $0 }
        #expect(plain == "unit_id,lean\r\nrd,0.5\r\n销售,\r\n")
        #expect(marked == "\u{FEFF}" + plain)
    }
}
