/// A CSV row whose header has been matched to the columns a loader knows.
struct CSVRow {
    let fields: [CSVField]
    /// For each known column, the position of its field in the record, or -1 if the file has no
    /// such column.
    let columnPositions: [Int]
    /// Where the record starts in the file.
    let offset: Int

    /// The field of a known column, if the file has that column.
    func field(_ column: Int) -> CSVField? {
        let position = columnPositions[column]
        return position >= 0 ? fields[position] : nil
    }
}

/// The header-and-rows layer shared by the key-result and check-in loaders: empty files, byte
/// order mark, encoding, header checks, record shape. Typed values are the loaders' business.
enum CSVDocument {
    /// Reads `sink.source` as CSV with the given columns and calls `body` for each well-shaped row.
    ///
    /// - Parameters:
    ///   - columns: known column names, the required ones first.
    ///   - requiredCount: how many of `columns` are required.
    /// - Returns: `false` when the rows could not be read at all (empty file, not UTF-8, a
    ///   required column missing); the reasons are in the sink.
    @discardableResult
    static func read(
        into sink: inout DiagnosticSink, columns: [String], requiredCount: Int,
        body: (inout DiagnosticSink, CSVRow, UnsafeBufferPointer<UInt8>) -> Void
    ) -> Bool {
        let source = sink.source
        return source.bytes.withUnsafeBufferPointer { bytes -> Bool in
            let bomLength = source.hasByteOrderMark ? 3 : 0
            let headerText = columns[0..<requiredCount].joined(separator: ",")
            if bytes[bomLength...].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                sink.add(CoreDiagnostic.emptyCSVFile(header: headerText), offset: nil)
                return false
            }
            let invalid = UTF8Validation.invalidOffsets(in: bytes)
            if !invalid.isEmpty {
                for offset in invalid {
                    sink.add(CoreDiagnostic.invalidUTF8InCSV(byte: bytes[offset]),
                             offset: offset,
                             notes: [Diagnostic.Note("re-export the file as UTF-8 (Excel: 'CSV UTF-8 (Comma delimited)')")])
                }
                return false
            }

            var tokenizer = CSVTokenizer(bytes: bytes, start: bomLength)
            var fields: [CSVField] = []
            fields.reserveCapacity(16)
            guard case .record(let headerOffset) = readRecord(&tokenizer, &fields, &sink) else { return false }
            guard let positions = matchHeader(fields, headerOffset: headerOffset, columns: columns,
                                              requiredCount: requiredCount, bytes: bytes, sink: &sink)
            else { return false }
            let width = fields.count
            while true {
                switch readRecord(&tokenizer, &fields, &sink) {
                case .end:
                    return true
                case .skip:
                    continue
                case .record(let offset):
                    if fields.count != width {
                        sink.add(CoreDiagnostic.wrongFieldCount(expected: width, found: fields.count), offset: offset)
                        continue
                    }
                    body(&sink, CSVRow(fields: fields, columnPositions: positions, offset: offset), bytes)
                }
            }
        }
    }

    private enum RecordOutcome { case record(Int), skip, end }

    private static func readRecord(_ tokenizer: inout CSVTokenizer, _ fields: inout [CSVField],
                                   _ sink: inout DiagnosticSink) -> RecordOutcome {
        switch tokenizer.next(into: &fields) {
        case .record(let offset):
            return .record(offset)
        case .end:
            return .end
        case .unterminatedQuote(let offset):
            sink.add(CoreDiagnostic.unterminatedQuote, offset: offset,
                     notes: [Diagnostic.Note("this quote is never closed, so the rest of the file would be one field; a quote inside a quoted field is written twice (\"\")")])
            return .end
        case .textAfterQuote(let offset):
            sink.add(CoreDiagnostic.textAfterClosingQuote, offset: offset,
                     notes: [Diagnostic.Note("a quote inside a quoted field is written twice (\"\")")])
            return .skip
        }
    }

    /// Matches header names to known columns; reports unknown, duplicate and missing columns.
    private static func matchHeader(
        _ fields: [CSVField], headerOffset: Int, columns: [String], requiredCount: Int,
        bytes: UnsafeBufferPointer<UInt8>, sink: inout DiagnosticSink
    ) -> [Int]? {
        var positions = [Int](repeating: -1, count: columns.count)
        var suggested: Set<String> = []
        for (position, field) in fields.enumerated() {
            let name = FieldText.trimmed(field, in: bytes)
            if let column = columns.firstIndex(of: name) {
                if positions[column] >= 0 {
                    sink.add(CoreDiagnostic.duplicateColumn(name), offset: field.offset,
                             length: name.displayWidth,
                             notes: [Diagnostic.Note("first named here", at: sink.location(fields[positions[column]].offset),
                                                     length: name.displayWidth)])
                } else {
                    positions[column] = position
                }
                continue
            }
            var notes: [Diagnostic.Note] = []
            if let guess = Suggestion.closest(to: name, among: columns) {
                notes.append(Diagnostic.Note("did you mean '\(guess)'?"))
                suggested.insert(guess)
            } else {
                notes.append(Diagnostic.Note("known columns: \(columns.joined(separator: ", "))"))
            }
            sink.add(CoreDiagnostic.unknownColumn(name), offset: field.offset, length: max(1, name.displayWidth), notes: notes)
        }
        var missingRequired = false
        for column in 0..<requiredCount where positions[column] < 0 {
            missingRequired = true
            if suggested.contains(columns[column]) { continue }  // already explained by a did-you-mean
            sink.add(CoreDiagnostic.missingColumn(columns[column]), offset: headerOffset,
                     notes: [Diagnostic.Note("the header must name \(columns[0..<requiredCount].joined(separator: ", "))"
                                             + (requiredCount < columns.count ? "; optional: \(columns[requiredCount...].joined(separator: ", "))" : ""))])
        }
        return missingRequired ? nil : positions
    }
}
