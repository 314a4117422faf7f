/// Check-ins grouped by key result and sorted by date within each key result.
public struct CheckInLog: Sendable {
    /// All check-ins: those of key result 0 first, then key result 1, …, each run by date.
    public var checkIns: [CheckIn]
    /// For each key result (by its index in the key-result table), its run in `checkIns`.
    public var ranges: [Range<Int>]

    public init(checkIns: [CheckIn], ranges: [Range<Int>]) {
        self.checkIns = checkIns
        self.ranges = ranges
    }

    /// The check-ins of key result `index`, oldest first.
    public func checkIns(ofKeyResult index: Int) -> ArraySlice<CheckIn> { checkIns[ranges[index]] }
}

/// Reads the canonical check-in CSV: `kr_id,date,value` and optional `confidence` (0–10) and
/// `target` (a new target set on that date when the key result was re-scoped).
public enum CheckInLoader {
    public static let columns = ["kr_id", "date", "value", "confidence", "target"]
    static let requiredCount = 3

    /// Reads and checks a check-in file against the key results it reports on: each row read
    /// and checked, then the rows grouped by key result and ordered by date.
    ///
    /// Errors: unknown key result, two check-ins of one key result on one date, and every
    /// malformed value. Warning: a check-in dated outside its key result's cycle.
    ///
    /// - Parameter inStore: the key results are a store's (the check-ins come alone), as the
    ///   messages then say.
    public static func load(_ source: SourceFile, keyResults: KeyResultTable, inStore: Bool = false)
        -> Checked<CheckInLog> {
        var sink = DiagnosticSink(source: source)
        var rows = CheckInRows(keyResults: keyResults, capacity: source.bytes.count / 24)
        rows.inStore = inStore
        CSVDocument.read(into: &sink, columns: columns, requiredCount: requiredCount) { sink, row, bytes in
            rows.read(row, bytes, &sink)
        }
        return Checked(rows.grouped(&sink), sink.diagnostics)
    }
}

/// The check-ins of a file as they are read: each row checked, in file order, with its key
/// result's index and where its date was written (for the duplicate check).
struct CheckInRows {
    let keyResults: KeyResultTable
    var inStore = false
    var checkIns: [CheckIn] = []
    var krIndices: [Int32] = []
    var offsets: [Int] = []
    var unknownSuggestions = 0
    // Check-in files are usually sorted by key result: the last id's bytes are remembered so
    // that a run of rows for one key result needs one dictionary look-up, not one per row.
    var lastID: [UInt8] = []
    var lastIndex = -1
    var lastString = ""

    init(keyResults: KeyResultTable, capacity: Int) {
        self.keyResults = keyResults
        checkIns.reserveCapacity(capacity)
        krIndices.reserveCapacity(capacity)
        offsets.reserveCapacity(capacity)
    }

    /// Reads one row: its key result, date, value, confidence and target, each checked.
    mutating func read(_ row: CSVRow, _ bytes: UnsafeBufferPointer<UInt8>, _ sink: inout DiagnosticSink) {
        var ok = true
        let (krIndex, krID) = keyResult(row.fields[row.columnPositions[0]], bytes, &sink, &ok)
        let dateField = row.fields[row.columnPositions[1]]
        let date = LoaderChecks.day(dateField, column: "date", bytes: bytes, sink: &sink, ok: &ok)
        let valueField = row.fields[row.columnPositions[2]]
        let value = LoaderChecks.number(valueField, column: "value", optional: false, bytes: bytes, sink: &sink, ok: &ok)
        // Progress is (value − start) / (target − start): a value whose distance from the start
        // overflows gives no progress at all.
        if let v = value, krIndex >= 0, !(v - keyResults.keyResults[krIndex].startValue).isFinite {
            sink.add(CoreDiagnostic.valueDistanceOverflows(value: v, start: keyResults.keyResults[krIndex].startValue),
                     offset: valueField.offset, length: FieldText.trimmed(valueField, in: bytes).displayWidth)
            ok = false
        }
        var reported: Double?, rescoped: Double?
        if let field = row.field(3) { reported = confidence(field, bytes, &sink, &ok) }
        if let field = row.field(4) { rescoped = target(field, krIndex, bytes, &sink, &ok) }
        guard ok, let date, let value else { return }
        let cycle = keyResults.keyResults[krIndex].cycle
        if !cycle.contains(date) {
            sink.add(CoreDiagnostic.checkInOutsideCycle(keyResult: krID, cycle: cycle, date: date),
                     offset: dateField.offset, length: 10)
        }
        checkIns.append(CheckIn(keyResultID: krID, date: date, value: value, confidence: reported, target: rescoped))
        krIndices.append(Int32(krIndex))
        offsets.append(dateField.offset)
    }

    /// The row's key result: its index in the table (−1 when unknown, with the error) and id.
    mutating func keyResult(_ idField: CSVField, _ bytes: UnsafeBufferPointer<UInt8>, _ sink: inout DiagnosticSink,
                            _ ok: inout Bool) -> (Int, String) {
        let (s, e) = FieldText.trimmedRange(idField, in: bytes)
        var krIndex = -1
        var krID = ""
        if s == e {
            sink.add(CoreDiagnostic.emptyValue(key: "kr_id"), offset: idField.offset)
            ok = false
        } else if !idField.hasEscapedQuotes && e - s == lastID.count
                    && lastID.withUnsafeBufferPointer({ memoryEqual($0, bytes, s) }) {
            krIndex = lastIndex
            krID = lastString
        } else {
            krID = FieldText.trimmed(idField, in: bytes)
            krIndex = keyResults.index[krID] ?? -1
            lastID = Array(bytes[s..<e])
            lastIndex = krIndex
            lastString = krID
        }
        if !krID.isEmpty && krIndex < 0 {
            var notes = [Diagnostic.Note]()
            if unknownSuggestions < 50 {  // a search over every id: bounded for huge files
                unknownSuggestions += 1
                if let guess = Suggestion.closest(to: krID, among: keyResults.index.keys) {
                    notes.append(Diagnostic.Note("did you mean '\(guess)'?"))
                }
            }
            sink.add(CoreDiagnostic.unknownKeyResult(krID, inStore: inStore),
                     offset: idField.offset, length: krID.displayWidth, notes: notes)
            ok = false
        }
        return (krIndex, krID)
    }

    /// The owner's confidence, 0 to 10.
    func confidence(_ field: CSVField, _ bytes: UnsafeBufferPointer<UInt8>, _ sink: inout DiagnosticSink, _ ok: inout Bool) -> Double? {
        let confidence = LoaderChecks.number(field, column: "confidence", optional: true, bytes: bytes, sink: &sink, ok: &ok)
        if let c = confidence, !(0...10).contains(c) {
            let shown = FieldText.trimmed(field, in: bytes)
            sink.add(CoreDiagnostic.confidenceOutOfRange(found: shown), offset: field.offset, length: shown.displayWidth)
            ok = false
        }
        return confidence
    }

    /// A new target (a re-scope): different from the start, at a finite distance from it.
    func target(_ field: CSVField, _ krIndex: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ sink: inout DiagnosticSink, _ ok: inout Bool) -> Double? {
        let target = LoaderChecks.number(field, column: "target", optional: true, bytes: bytes, sink: &sink, ok: &ok)
        guard let t = target, krIndex >= 0 else { return target }
        let start = keyResults.keyResults[krIndex].startValue
        if t == start {
            sink.add(CoreDiagnostic.targetEqualsStart(t),
                     offset: field.offset, length: FieldText.trimmed(field, in: bytes).displayWidth)
            ok = false
        }
        if !(t - start).isFinite {
            sink.add(CoreDiagnostic.targetDistanceOverflows(target: t, start: start),
                     offset: field.offset, length: FieldText.trimmed(field, in: bytes).displayWidth)
            ok = false
        }
        return target
    }

    /// The check-ins grouped by key result (a stable counting sort), each group ordered by date;
    /// two check-ins of one key result on one date are an error, located at the second.
    func grouped(_ sink: inout DiagnosticSink) -> CheckInLog {
        let krCount = keyResults.keyResults.count
        var counts = [Int](repeating: 0, count: krCount + 1)
        for k in krIndices { counts[Int(k) + 1] += 1 }
        for i in 0..<krCount { counts[i + 1] += counts[i] }
        let starts = counts
        var order = [Int](repeating: 0, count: checkIns.count)
        var next = counts
        for (i, k) in krIndices.enumerated() {
            order[next[Int(k)]] = i
            next[Int(k)] += 1
        }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(krCount)
        for k in 0..<krCount {
            let range = starts[k]..<starts[k + 1]
            ranges.append(range)
            var isSorted = true
            var i = range.lowerBound + 1
            while i < range.upperBound {
                if checkIns[order[i - 1]].date > checkIns[order[i]].date { isSorted = false }
                i += 1
            }
            if !isSorted { order[range].sort { checkIns[$0].date < checkIns[$1].date || (checkIns[$0].date == checkIns[$1].date && $0 < $1) } }
            i = range.lowerBound + 1
            while i < range.upperBound {
                let a = order[i - 1], b = order[i]
                if checkIns[a].date == checkIns[b].date {
                    let (first, second) = a < b ? (a, b) : (b, a)
                    sink.add(CoreDiagnostic.duplicateCheckIn(keyResult: checkIns[b].keyResultID, date: checkIns[b].date),
                             offset: offsets[second], length: 10,
                             notes: [Diagnostic.Note("the first check-in on that date is here", at: sink.location(offsets[first]), length: 10)])
                }
                i += 1
            }
        }
        return CheckInLog(checkIns: order.map { checkIns[$0] }, ranges: ranges)
    }
}

@inline(__always)
private func memoryEqual(_ a: UnsafeBufferPointer<UInt8>, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
    var i = 0
    while i < a.count {
        if a[i] != bytes[start + i] { return false }
        i += 1
    }
    return true
}
