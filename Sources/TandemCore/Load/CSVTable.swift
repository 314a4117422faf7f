import Foundation

/// A CSV file read whole into text fields, each with where it is, for the importers of other
/// tools' exports (whose columns are named by a mapping, not known in advance): the same
/// tokenizer, UTF-8 and quote checks as Tandem's own CSV files, but no fixed header.
///
/// Real exports are untidy, and this takes them as they come: a byte order mark, a header that
/// names a column twice (Jira repeats `Sprint`), records shorter or longer than the header (empty
/// trailing columns), blank lines.
public struct CSVTable: Sendable {
    public struct Cell: Sendable, Hashable {
        /// The field's text, doubled quotes undone; spaces around it kept (see `trimmed`).
        public var text: String
        /// Where the field starts in the file (its opening quote for a quoted field).
        public var offset: Int

        /// Without spaces around it, nor a byte order mark (two exports joined into one file
        /// leave the second one's at the start of a line).
        public var trimmed: String { text.trimmingCharacters(in: Self.blank) }
        static let blank = CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\u{FEFF}"))
        public var isBlank: Bool { trimmed.isEmpty }
    }

    public var source: SourceFile
    public var header: [Cell]
    public var records: [[Cell]]
    /// Where each record starts.
    public var recordOffsets: [Int]

    /// The positions of the columns with this name (compared trimmed and without case), in order.
    public func columns(named name: String) -> [Int] {
        let wanted = name.trimmingCharacters(in: .whitespaces).lowercased()
        return header.indices.filter { header[$0].trimmed.lowercased() == wanted }
    }

    /// A record's field at `column`, or nil when the record is shorter.
    public func cell(_ record: Int, _ column: Int) -> Cell? {
        column < records[record].count ? records[record][column] : nil
    }

    public func location(_ offset: Int) -> SourceLocation { source.location(ofOffset: offset) }

    /// Reads a file: nil with the reasons when it cannot be read at all (empty, not UTF-8, a
    /// quote never closed). A record whose closing quote is followed by text is reported and left out.
    ///
    /// - Parameter separator: the field separator (`,` unless the export uses `;` or a tab).
    public static func read(_ source: SourceFile, separator: UInt8 = UInt8(ascii: ",")) -> Checked<CSVTable?> {
        var sink = DiagnosticSink(source: source)
        let table = source.bytes.withUnsafeBufferPointer { bytes -> CSVTable? in
            let bomLength = source.hasByteOrderMark ? 3 : 0
            if bytes[bomLength...].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                sink.add(CoreDiagnostic.emptyFile(expecting: "a header row and records"), offset: nil)
                return nil
            }
            let invalid = UTF8Validation.invalidOffsets(in: bytes)
            if !invalid.isEmpty {
                for offset in invalid.prefix(20) {
                    sink.add(CoreDiagnostic.invalidUTF8InCSV(byte: bytes[offset]), offset: offset,
                             notes: [Diagnostic.Note("re-export the file as UTF-8 (Excel: 'CSV UTF-8 (Comma delimited)')")])
                }
                return nil
            }
            var tokenizer = CSVTokenizer(bytes: bytes, start: bomLength, separator: separator)
            var fields: [CSVField] = []
            var rows: [[Cell]] = [], offsets: [Int] = []
            func cells() -> [Cell] { fields.map { Cell(text: FieldText.string($0, in: bytes), offset: $0.offset) } }
            var header: [Cell]?
            reading: while true {
                switch tokenizer.next(into: &fields) {
                case .end:
                    break reading
                case .record(let offset):
                    if header == nil {
                        header = cells()
                    } else {
                        rows.append(cells())
                        offsets.append(offset)
                    }
                case .unterminatedQuote(let offset):
                    sink.add(CoreDiagnostic.unterminatedQuote, offset: offset,
                             notes: [Diagnostic.Note("this quote is never closed, so the rest of the file would be one field; a quote inside a quoted field is written twice (\"\")")])
                    return nil
                case .textAfterQuote(let offset):
                    sink.add(CoreDiagnostic.textAfterClosingQuote, offset: offset,
                             notes: [Diagnostic.Note("a quote inside a quoted field is written twice (\"\")")])
                }
            }
            guard let header else { return nil }
            return CSVTable(source: source, header: header, records: rows, recordOffsets: offsets)
        }
        return Checked(table, sink.diagnostics)
    }
}
