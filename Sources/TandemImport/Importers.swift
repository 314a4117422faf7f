import TandemCore

/// The tools whose exports Tandem imports.
public enum ImportFormat: String, CaseIterable, Sendable {
    /// Jira sprints (REST JSON, or the issue CSV with the sprint list): ``JiraImport``.
    case jira
    /// Asana Goals (REST JSON): ``AsanaImport``.
    case asana
    /// Lattice goals (REST JSON): ``LatticeImport``.
    case lattice
    /// Culture Amp's individual goals CSV: ``CultureAmpImport``.
    case cultureAmp = "culture-amp"
    /// Any CSV or JSON export, read by a mapping file (``Mapping``).
    case mapping
}

/// What an importer needs besides the export.
public struct ImportOptions: Sendable {
    /// The mapping file (for ``ImportFormat/mapping``).
    public var mapping: SourceFile?
    /// Every key result goes to one unit: the export's own units (teams, departments, projects) are not used.
    public var placed: Bool
    /// The day of the values an export holds only as they are now (Asana's and Culture Amp's
    /// current values): the import's day unless said otherwise.
    public var asOf: Day

    public init(mapping: SourceFile? = nil, placed: Bool = false, asOf: Day) {
        self.mapping = mapping
        self.placed = placed
        self.asOf = asOf
    }
}

public enum Importers {
    /// The draft of one or more export files of a format: each file's records, in order.
    public static func draft(_ format: ImportFormat, files: [SourceFile], options: ImportOptions) -> Checked<ImportDraft?> {
        var diagnostics: [Diagnostic] = []
        var drafts: [ImportDraft] = []
        switch format {
        case .jira:
            let d = JiraImport.draft(files, placed: options.placed)
            diagnostics += d.diagnostics
            if let draft = d.value { drafts.append(draft) }
        case .asana:
            let d = AsanaImport.draft(files, asOf: options.asOf, placed: options.placed)
            diagnostics += d.diagnostics
            if let draft = d.value { drafts.append(draft) }
        case .lattice:
            let d = LatticeImport.draft(files, placed: options.placed)
            diagnostics += d.diagnostics
            if let draft = d.value { drafts.append(draft) }
        case .cultureAmp:
            for f in files {
                let d = CultureAmpImport.draft(f, asOf: options.asOf, placed: options.placed)
                diagnostics += d.diagnostics
                if let draft = d.value { drafts.append(draft) }
            }
        case .mapping:
            guard let file = options.mapping else {
                return Checked(nil, [Diagnostic(ImportDiagnostic.mappingLacks(role: "the records (give --mapping FILE)"),
                                                at: SourceLocation(file: files.first?.path ?? "-", line: 0, column: 0))])
            }
            let mapping = Mapping.load(file)
            diagnostics += mapping.diagnostics
            guard let m = mapping.value else { return Checked(nil, diagnostics) }
            for f in files {
                let d = m.draft(f, placed: options.placed)
                diagnostics += d.diagnostics
                if let draft = d.value { drafts.append(draft) }
            }
        }
        guard !diagnostics.hasErrors else { return Checked(nil, diagnostics) }
        return Checked(merge(drafts), diagnostics)
    }

    /// Several files' drafts as one (their units once each).
    static func merge(_ drafts: [ImportDraft]) -> ImportDraft {
        guard var all = drafts.first else { return ImportDraft() }
        for d in drafts.dropFirst() {
            for u in d.units { all.unit(u) }
            all.keyResults += d.keyResults
            all.checkIns += d.checkIns
            for m in d.report.mapped { all.report.count(m.from, as: m.to, m.count) }
            all.report.skipped += d.report.skipped
            for n in d.report.notes where !all.report.notes.contains(n) { all.report.notes.append(n) }
        }
        return all
    }
}
