import Foundation
import TandemCore

/// Culture Amp's individual goals, as its goals CSV writes them: one goal a row, with `email`,
/// `name`, `due_at`, `created_at`, `status`, `completion` and its key results in
/// `key_result_N_title` and `key_result_N_completion` (N = 1, 2, …). Headers are matched without
/// case; `Goal title`, `Owner email`, `Due date`, `Created`, `Progress` and `Department` are read too.
///
/// Each key result of a goal is a key result of Tandem (the goal is the objective), from 0 to
/// 100 (percent complete) between the goal's `created_at` and `due_at`; a goal without key
/// results but with a `completion` is one. Completion is read as Culture Amp writes it, a
/// fraction (0.45), or as a percentage (45%); its value on the import's day (`--as-of`) is a
/// check-in. An `accomplished` goal's completion is its final value. The unit is the
/// `department` column when the export has one, else `--unit`. The owner is the row's `email`.
/// Ids are made from the owner and the goal's name, so that the same export imported again
/// updates its key results instead of adding new ones. Status to confidence: `blocked` 2,
/// `ongoing` and the others none (Culture Amp says nothing more); On Track 8, At Risk 5,
/// Off Track 2 from the newer goals.
///
/// Skipped, and said: goals without a due date or a start (created_at), goals without key
/// results or completion, key results without a title.
enum CultureAmpImport {
    static let confidence: [String: String] = ["blocked": "2", "on track": "8", "at risk": "5", "off track": "2"]

    static func draft(_ file: SourceFile, asOf: Day, placed: Bool) -> Checked<ImportDraft?> {
        let read = CSVTable.read(file)
        guard let table = read.value else { return Checked(nil, read.diagnostics) }
        var diagnostics = read.diagnostics
        let records = CSVRecords(table)
        func column(_ names: [String]) -> String? { names.first { records.has($0) } }
        let email = column(["email", "owner email", "employee email"]), name = column(["name", "goal title", "title", "goal"])
        let due = column(["due_at", "due date", "due"]), created = column(["created_at", "created", "start date"])
        let completion = column(["completion", "progress"]), status = column(["status"]), department = column(["department"])
        for (found, needed) in [(name, "name"), (due, "due_at")] where found == nil {
            diagnostics.append(Diagnostic(ImportDiagnostic.missingColumn(needed, format: "Culture Amp goals"), at: table.location(table.header.first?.offset ?? 0)))
        }
        if !placed && department == nil {
            diagnostics.append(Diagnostic(ImportDiagnostic.noUnit(what: "a Culture Amp export without a 'department' column"),
                                          at: table.location(table.header.first?.offset ?? 0), notes: [Diagnostic.Note("give --unit UNIT for its goals")]))
        }
        guard !diagnostics.hasErrors, let name, let due else { return Checked(nil, diagnostics) }
        // Key-result columns: key_result_N_title and key_result_N_completion.
        var krColumns: [Int] = []
        for cell in table.header {
            let h = cell.trimmed.lowercased()
            if h.hasPrefix("key_result_"), h.hasSuffix("_title"), let n = Int(h.dropFirst("key_result_".count).dropLast("_title".count)) { krColumns.append(n) }
        }
        krColumns.sort()
        let reading = NumberReading(percent: .fraction)
        var draft = ImportDraft()
        draft.report.notes.append("completion is a check-in dated \(asOf) (the import's day; --as-of says otherwise), in percent of the key result")
        /// A completion as a percentage 0–100: a fraction (0.45) or a percentage (45%).
        func percent(_ v: Located) -> ImportDraft.Field? {
            guard let x = reading.read(v.text), (0...1.5).contains(x) || v.text.contains("%") else {
                diagnostics.append(Diagnostic(ImportDiagnostic.notANumber(field: v.name, found: v.text, reading: "a fraction such as 0.45, or 45%"), at: v.at))
                return nil
            }
            return v.field(canonicalNumber((x * 100 * 1e9).rounded() / 1e9))
        }
        for i in 0..<records.count {
            let at = records.location(i)
            guard let title = records.value(i, name) else {
                draft.report.skip("row \(i + 2)", "no goal name", at: at)
                continue
            }
            let what = "goal '\(title.text)'"
            let owner = email.flatMap { records.value(i, $0) }
            guard let dueText = records.value(i, due) else { draft.report.skip(what, "no due date", at: at); continue }
            guard let end = DateReading().read(dueText.text) else {
                diagnostics.append(Diagnostic(ImportDiagnostic.notADate(field: dueText.name, found: dueText.text, formats: "YYYY-MM-DD"), at: dueText.at))
                continue
            }
            guard let startText = created.flatMap({ records.value(i, $0) }) else { draft.report.skip(what, "no created_at (the goal's start)", at: at); continue }
            guard let start = DateReading().read(startText.text) else {
                diagnostics.append(Diagnostic(ImportDiagnostic.notADate(field: startText.name, found: startText.text, formats: "YYYY-MM-DD"), at: startText.at))
                continue
            }
            var unit = ImportDraft.Field("")
            if !placed, let department {
                guard let d = records.value(i, department) else { draft.report.skip(what, "no department", at: at); continue }
                draft.unit(ImportDraft.Unit(key: "department:" + d.text, name: d.text, suggestedID: unitID(from: d.text), at: d.at))
                unit = d.field("department:" + d.text)
            }
            let statusText = status.flatMap { records.value(i, $0) }
            let state = statusText?.text.lowercased()
            let objectiveID = "ca-" + stableHash((owner?.text ?? "") + "\u{1F}" + title.text)
            let objective = title.field(objectiveID)
            var parts: [(title: Located, completion: Located?, suffix: String)] = []
            for n in krColumns {
                guard let t = records.value(i, "key_result_\(n)_title") else {
                    if records.value(i, "key_result_\(n)_completion") != nil { draft.report.skip("key result \(n) of \(what)", "no title", at: at) }
                    continue
                }
                parts.append((t, records.value(i, "key_result_\(n)_completion"), "-kr\(n)"))
            }
            if parts.isEmpty {
                guard let c = completion.flatMap({ records.value(i, $0) }) else { draft.report.skip(what, "no key results and no completion", at: at); continue }
                parts.append((title, c, "-goal"))
            }
            for p in parts {
                let id = p.title.field(objectiveID + p.suffix)
                let value = p.completion.flatMap(percent)
                if p.completion != nil && value == nil { continue }
                draft.keyResults.append(ImportDraft.KeyResult(
                    id: id, objective: objective, unit: unit, title: p.title.field(), kind: ImportDraft.Field("committed", source: "Culture Amp goals"),
                    start: ImportDraft.Field("0", source: "percent complete"), target: ImportDraft.Field("100", source: "percent complete"),
                    cycleStart: startText.field(start.description), cycleEnd: dueText.field(end.description), owner: owner?.field(),
                    final: state == "accomplished" ? value : nil, at: at))
                draft.report.count(p.suffix == "-goal" ? "goals without key results" : "goals' key results", as: "key results")
                if let value {
                    let confidence = statusText.flatMap { s in Self.confidence[s.text.lowercased()].map { s.field($0) } }
                    draft.checkIns.append(ImportDraft.CheckIn(keyResult: id, date: ImportDraft.Field(asOf.description, source: "--as-of"), value: value,
                                                              confidence: confidence, at: at))
                    draft.report.count("completions", as: "check-ins")
                }
            }
        }
        return Checked(diagnostics.hasErrors ? nil : draft, diagnostics)
    }
}

/// A short, stable id part from a text (FNV-1a, 64 bits, as 12 hex digits): the same text gives
/// the same id on every machine and run.
func stableHash(_ text: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in text.utf8 {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    let hex = String(h, radix: 16)
    return String((String(repeating: "0", count: max(0, 16 - hex.count)) + hex).prefix(12))
}
