import Foundation
import TandemCore
import TandemStore

/// What an import is given: any of the three files. Key results alone are checked against the
/// store's organisation, check-ins alone against the store's key results.
public struct ImportRequest: Sendable {
    public var organisation: String?
    public var keyResults: String?
    public var checkIns: String?

    public init(organisation: String? = nil, keyResults: String? = nil, checkIns: String? = nil) {
        self.organisation = organisation
        self.keyResults = keyResults
        self.checkIns = checkIns
    }

    public var files: [String] { [organisation, keyResults, checkIns].compactMap { $0 } }
}

/// What an import did.
public struct ImportOutcome: Sendable {
    public var summary: ImportSummary
    public var counts: StoreCounts
    /// The files' warnings (errors make the import fail), with the files to render them.
    public var warnings: [Diagnostic]
    public var sources: [SourceFile]
}

/// A whole look inside a store.
public struct StoreOverview: Sendable {
    public var location: String
    public var counts: StoreCounts
    public var policyVersions: [PolicyVersionUse]
    public var latestRun: Day?
    public var digest: String
}

/// Files checked as an import would check them, and what they hold.
public struct Validation: Sendable {
    /// Every problem, located (errors and warnings).
    public var diagnostics: [Diagnostic]
    public var sources: [SourceFile]
    /// What the files hold, when they load without error.
    public var summary: DatasetSummary?
    public var paths: (org: String?, krs: String?, checkins: String?)
}

/// The store's use cases: check files, open, import, look inside.
public enum StoreService {
    /// Checks whichever files are given, exactly as an import does, and summarises them.
    public static func validate(_ request: ImportRequest) -> Validation {
        let load = DatasetLoader.load(org: request.organisation, krs: request.keyResults, checkins: request.checkIns)
        return Validation(diagnostics: load.diagnostics, sources: load.sources,
                          summary: load.dataset.map { DatasetSummary($0, hasKeyResults: request.keyResults != nil, hasCheckIns: request.checkIns != nil) },
                          paths: load.paths)
    }

    /// Opens the store at `location`.
    public static func open(_ location: String, access: StoreAccess, organisation: String? = nil) throws(ServiceError) -> any Store {
        try storeCall { () throws(StoreError) in try openStore(location, access: access, organisation: organisation) }
    }

    /// Imports whichever files are given, all or nothing: the files are checked first (exactly as
    /// `validate` checks them, and against what the store holds when a file comes alone); with
    /// any error nothing is written. The store is created when missing.
    public static func importFiles(_ request: ImportRequest, into location: String, organisation: String? = nil,
                                   actor: String = "cli") throws(ServiceError) -> ImportOutcome {
        guard !request.files.isEmpty else { throw .invalidRequest("give at least one of --org, --krs, --checkins") }
        // What the store holds, for files that come alone. A store that does not exist yet holds nothing.
        var known: Dataset?
        let aloneFiles = (request.keyResults != nil && request.organisation == nil) || (request.checkIns != nil && request.keyResults == nil)
        if aloneFiles { known = try existingDataset(location, organisation: organisation) }
        if request.organisation == nil, request.keyResults != nil, known?.organisation == nil {
            throw .refused("key results alone need the store to hold their organisation; import it first (--org), or with them",
                           location: displayLocation(location))
        }
        if request.keyResults == nil, request.checkIns != nil, (known?.keyResults.keyResults.isEmpty ?? true) {
            throw .refused("check-ins alone need the store to hold their key results; import them first (--krs), or with them",
                           location: displayLocation(location))
        }
        let loaded = try Inputs.dataset(org: request.organisation, krs: request.keyResults, checkins: request.checkIns, known: known,
                                        consequence: "nothing imported")
        let store = try open(location, access: .create, organisation: organisation)
        defer { try? store.close() }
        // The audit log's line lands with the import or not at all.
        let summary = try storeCall { () throws(StoreError) in
            try store.importDataset(loaded.dataset, files: request.files) { summary in
                AuditEntry(at: AccountService.now(), actor: actor, action: "import", target: request.files.joined(separator: ", "), detail: summary.auditDetail)
            }
        }
        let counts = try storeCall { () throws(StoreError) in try store.counts() }
        return ImportOutcome(summary: summary, counts: counts, warnings: loaded.diagnostics, sources: loaded.sources)
    }

    /// What the store at `location` holds, or nil when there is no store there yet. Whatever else
    /// is wrong with what is there (a folder, not a store, newer, damaged) is said as it is. (A
    /// database on a server with no store yet holds nothing: not an error here, and nothing is
    /// created for files that will be refused.)
    static func existingDataset(_ location: String, organisation: String?) throws(ServiceError) -> Dataset? {
        let onServer = PostgresAddress.isAddress(location)
        guard onServer || FileManager.default.fileExists(atPath: location) else { return nil }
        // An empty file (made by `: > t.db`) holds nothing yet; the import fills it.
        if !onServer, let size = (try? FileManager.default.attributesOfItem(atPath: location))?[.size] as? Int, size == 0 { return nil }
        let read = Result { () throws(StoreError) -> Dataset in
            let existing = try openStore(location, access: .readOnly, organisation: organisation)
            defer { try? existing.close() }
            return try existing.loadDataset()
        }
        switch read {
        case .success(let dataset): return dataset
        case .failure(let error) where onServer && error.message.hasPrefix("no store here"): return nil
        case .failure(let error): throw .store(error)
        }
    }

    public static func overview(store: any Store) throws(ServiceError) -> StoreOverview {
        try storeCall { () throws(StoreError) in
            StoreOverview(location: store.location, counts: try store.counts(), policyVersions: try store.policyVersions(),
                          latestRun: try store.latestRun(), digest: try store.digest())
        }
    }

    /// The units, with their parent and attributes, in the organisation's order.
    public static func units(store: any Store) throws(ServiceError) -> [OrgUnit] {
        try storeCall { () throws(StoreError) in try store.loadDataset() }.organisation?.units ?? []
    }

    /// The key results, in import order; of one unit and the units below it when given.
    public static func keyResults(store: any Store, unit: String?) throws(ServiceError) -> [KeyResult] {
        if let unit { try LedgerService.requireUnit(unit, in: store) }
        let dataset = try storeCall { () throws(StoreError) in try store.loadDataset() }
        guard let unit else { return dataset.keyResults.keyResults }
        let below = dataset.organisation.map { $0.subtree(of: unit) } ?? [unit]
        return dataset.keyResults.keyResults.filter { below.contains($0.unitID) }
    }

    /// A run's decisions (the latest run's by default).
    public static func decisions(store: any Store, day: Day?) throws(ServiceError) -> [StoredDecision] {
        if let day, try !storeCall({ () throws(StoreError) in try store.hasRun(day) }) {
            throw .refused("no run of \(day) in the store (`tandem runs list` lists them)", location: store.location)
        }
        return try storeCall { () throws(StoreError) in try store.decisions(day: day) }
    }

    /// Recorded forecasts: one key result's history across runs, or one run's.
    public static func forecasts(store: any Store, keyResult: String?, day: Day?) throws(ServiceError) -> [StoredForecast] {
        if let day, try !storeCall({ () throws(StoreError) in try store.hasRun(day) }) {
            throw .refused("no run of \(day) in the store (`tandem runs list` lists them)", location: store.location)
        }
        if let keyResult {
            let dataset = try storeCall { () throws(StoreError) in try store.loadDataset() }
            guard dataset.keyResults.index[keyResult] != nil else {
                let guess = Suggestion.closest(to: keyResult, among: dataset.keyResults.keyResults.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""
                throw .refused("no key result '\(keyResult)' in the store\(guess)", location: store.location)
            }
        }
        return try storeCall { () throws(StoreError) in try store.forecasts(keyResult: keyResult, day: day) }
    }

    /// Copies one organisation's whole store (organisation, key results, check-ins, imports,
    /// runs, decisions, forecasts, policy versions, the alert ledger with its numbers, webhook
    /// deliveries) into another store, of either backend, in one transaction; then reads both
    /// back and compares their content digests.
    ///
    /// - Parameters:
    ///   - organisation: the source's organisation (nil: the one it holds).
    ///   - targetOrganisation: its key in the target (nil: the same key).
    /// - Throws: when the target's organisation already holds anything (nothing is written),
    ///   or when the digests differ after the copy.
    public static func copy(from source: String, to target: String, organisation: String? = nil,
                            targetOrganisation: String? = nil) throws(ServiceError) -> CopyOutcome {
        let from = try open(source, access: .readOnly, organisation: organisation)
        defer { try? from.close() }
        let content = try storeCall { () throws(StoreError) in try from.content() }
        let to = try open(target, access: .create, organisation: targetOrganisation ?? from.organisation)
        defer { try? to.close() }
        try storeCall { () throws(StoreError) in try to.insertContent(content) }
        let sourceDigest = content.digest
        let targetDigest = try storeCall { () throws(StoreError) in try to.digest() }
        guard sourceDigest == targetDigest else {
            throw .refused("the copy's content digest \(targetDigest) differs from the source's \(sourceDigest); the copy is not to be trusted",
                           location: to.location)
        }
        let counts = try storeCall { () throws(StoreError) in try to.counts() }
        return CopyOutcome(source: from.location, target: to.location, organisation: from.organisation, targetOrganisation: to.organisation,
                           rows: content.rowCount, counts: counts, digest: targetDigest)
    }
}

/// What a copy moved, and the digest both sides have.
public struct CopyOutcome: Sendable, Codable {
    public var source: String
    public var target: String
    public var organisation: String
    public var targetOrganisation: String
    public var rows: Int
    public var counts: StoreCounts
    public var digest: String
}

extension ImportSummary {
    /// What an import changed, as its audit line says it: "units +1 ~0, key results +3 ~1, check-ins +40 ~2".
    var auditDetail: String {
        "units +\(unitsAdded) ~\(unitsChanged), key results +\(keyResultsAdded) ~\(keyResultsChanged), check-ins +\(checkInsAdded) ~\(checkInsChanged)"
    }
}
