import Foundation
import TandemCore
import TandemImport
import TandemStore

/// An import of another tool's export (`tandem import --from FORMAT FILE…`).
public struct ForeignImportRequest: Sendable {
    public var format: ImportFormat
    public var files: [String]
    public var mapping: String?
    public var placement: Placement
    /// The day of values an export holds only as they are now (default: today, in UTC).
    public var asOf: Day

    public init(format: ImportFormat, files: [String], mapping: String? = nil, placement: Placement = Placement(), asOf: Day? = nil) {
        self.format = format
        self.files = files
        self.mapping = mapping
        self.placement = placement
        self.asOf = asOf ?? Day(ordinal: Int32((Date().timeIntervalSince1970 / 86_400).rounded(.down)))
    }
}

public struct ForeignImportOutcome: Sendable {
    public var imported: ImportOutcome
    public var report: MappingReport
    public var newUnits: [OrgUnit]
    public var matchedUnits: [(name: String, id: String)]
    /// Check-ins in the import (the report counts records).
    public var keyResults: Int
    public var checkIns: Int
}

extension StoreService {
    /// Imports another tool's export, all or nothing: the importer translates it into Tandem's
    /// units, key results and check-ins (errors located in the export), which are then checked
    /// exactly as Tandem's own files are, against what the store holds (their errors taken back
    /// to the export's lines and columns). With any error nothing is written.
    public static func importForeign(_ request: ForeignImportRequest, into location: String, organisation: String? = nil,
                                     actor: String = "cli") throws(ServiceError) -> ForeignImportOutcome {
        var sources: [SourceFile] = [], problems: [Diagnostic] = []
        for path in request.files + (request.mapping.map { [$0] } ?? []) {
            switch DatasetLoader.read(path) {
            case .success(let file): sources.append(file)
            case .failure(let list): problems += list.diagnostics
            }
        }
        func refuse(_ diagnostics: [Diagnostic]) -> ServiceError {
            .invalidInput(InputProblems(diagnostics: diagnostics, sources: sources, consequence: "nothing imported"))
        }
        guard !problems.hasErrors else { throw refuse(problems) }
        let exports = Array(sources.prefix(request.files.count)), mapping = request.mapping == nil ? nil : sources.last
        let drafted = Importers.draft(request.format, files: exports, options: ImportOptions(mapping: mapping, placed: request.placement.unit != nil, asOf: request.asOf))
        guard let draft = drafted.value else { throw refuse(drafted.diagnostics) }

        // What the store holds (nothing when it does not exist yet).
        let known = try existingDataset(location, organisation: organisation)
        let label = request.files.count == 1 ? request.files[0] : "the \(request.format.rawValue) export"
        let lowering = Lowering.lower(draft, known: known?.organisation, placement: request.placement, label: label, export: request.files.first ?? "-")
        guard let lowered = lowering.value else { throw refuse(drafted.diagnostics + lowering.diagnostics) }
        let load = DatasetLoader.load(organisation: lowered.organisation, krs: lowered.keyResults, checkins: lowered.checkIns, known: known)
        let checked = drafted.diagnostics + lowered.remap(load.diagnostics)
        guard let dataset = load.dataset, !checked.hasErrors else { throw refuse(checked) }

        let store = try open(location, access: .create, organisation: organisation)
        defer { try? store.close() }
        let files = request.files + (request.mapping.map { [$0] } ?? [])
        let format = request.format.rawValue
        let summary = try storeCall { () throws(StoreError) in
            try store.importDataset(dataset, files: files) { summary in
                AuditEntry(at: AccountService.now(), actor: actor, action: "import", target: "\(format): " + files.joined(separator: ", "), detail: summary.auditDetail)
            }
        }
        let counts = try storeCall { () throws(StoreError) in try store.counts() }
        return ForeignImportOutcome(imported: ImportOutcome(summary: summary, counts: counts, warnings: checked, sources: sources),
                                    report: draft.report, newUnits: lowered.newUnits, matchedUnits: lowered.matchedUnits,
                                    keyResults: dataset.keyResults.keyResults.count, checkIns: dataset.checkIns.checkIns.count)
    }
}
