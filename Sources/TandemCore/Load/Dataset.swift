import Foundation

/// An organisation with its key results and check-ins, checked against each other.
public struct Dataset: Sendable {
    public var organisation: Organisation?
    public var keyResults: KeyResultTable
    public var checkIns: CheckInLog
    /// Objectives in order of first appearance in the key-result file.
    public var objectives: [Objective]

    public init(organisation: Organisation?, keyResults: KeyResultTable, checkIns: CheckInLog) {
        self.organisation = organisation
        self.keyResults = keyResults
        self.checkIns = checkIns
        var order: [String] = []
        var byID: [String: Objective] = [:]
        for kr in keyResults.keyResults {
            if byID[kr.objectiveID] == nil {
                order.append(kr.objectiveID)
                byID[kr.objectiveID] = Objective(id: kr.objectiveID, unitID: kr.unitID, keyResultIDs: [])
            }
            byID[kr.objectiveID]?.keyResultIDs.append(kr.id)
        }
        self.objectives = order.compactMap { byID[$0] }
    }

    /// The target in force at the end of a key result's check-ins: the last re-scoped target
    /// reported in a check-in, else the key result's own target. Success of a closed key result
    /// is judged against it.
    public func currentTarget(ofKeyResult index: Int) -> Double {
        checkIns.checkIns(ofKeyResult: index).last(where: { $0.target != nil })?.target
            ?? keyResults.keyResults[index].targetValue
    }

    /// Whether a closed key result was achieved, judged against its current target; `nil` while open.
    public func isSuccess(keyResult index: Int) -> Bool? {
        keyResults.keyResults[index].isSuccess(target: currentTarget(ofKeyResult: index))
    }
}

extension Dataset {
    /// The dataset with only some key results (and their check-ins), for training a fold.
    public func restricted(toKeyResults keep: [Int]) -> Dataset {
        var table = KeyResultTable(keyResults: [], index: [:], locations: [])
        var checkIns: [CheckIn] = [], ranges: [Range<Int>] = []
        for k in keep {
            let kr = keyResults.keyResults[k]
            table.index[kr.id] = table.keyResults.count
            table.keyResults.append(kr)
            table.locations.append(keyResults.locations[k])
            let start = checkIns.count
            checkIns += self.checkIns.checkIns(ofKeyResult: k)
            ranges.append(start..<checkIns.count)
        }
        return Dataset(organisation: organisation, keyResults: table, checkIns: CheckInLog(checkIns: checkIns, ranges: ranges))
    }
}

/// What loading a dataset produced: the data (when it has no error), the problems, and the
/// sources needed to quote them.
public struct DatasetLoad: Sendable {
    public var dataset: Dataset?
    public var diagnostics: [Diagnostic]
    public var sources: [SourceFile]
    /// Paths of the files read, by role.
    public var paths: (org: String?, krs: String?, checkins: String?)
}

/// Reads the three canonical files and checks them against each other.
public enum DatasetLoader {
    /// Reads a file's bytes, or returns a located "cannot read" diagnostic.
    public static func read(_ path: String) -> Result<SourceFile, DiagnosticList> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(DiagnosticList([Diagnostic(CoreDiagnostic.fileNotFound,
                                                       at: SourceLocation(file: path, line: 0, column: 0))]))
        }
        if isDirectory.boolValue {
            return .failure(DiagnosticList([Diagnostic(CoreDiagnostic.fileIsDirectory,
                                                       at: SourceLocation(file: path, line: 0, column: 0))]))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(DiagnosticList([Diagnostic(CoreDiagnostic.fileUnreadable,
                                                       at: SourceLocation(file: path, line: 0, column: 0))]))
        }
        return .success(SourceFile(path: path, bytes: [UInt8](data)))
    }

    /// Loads whichever files are given. Check-ins need the key results they report on; key
    /// results are checked against the organisation when it is given.
    ///
    /// - Parameter known: what is already known (a store's content): key results are checked
    ///   against its organisation when no `org` is given, and check-ins against its key results
    ///   when no `krs` is given.
    public static func load(org: String?, krs: String?, checkins: String?, known: Dataset? = nil) -> DatasetLoad {
        var diagnostics: [Diagnostic] = []
        var sources: [SourceFile] = []
        func source(_ path: String) -> SourceFile? {
            switch read(path) {
            case .success(let file):
                sources.append(file)
                return file
            case .failure(let list):
                diagnostics += list.diagnostics
                return nil
            }
        }
        var organisation: Organisation?
        var orgFailed = false
        if let org, let file = source(org) {
            let loadedChecked = OrganisationLoader.load(file)
            let loaded = loadedChecked.value, found = loadedChecked.diagnostics
            organisation = loaded
            diagnostics += found
            orgFailed = loaded == nil
        } else if org != nil {
            orgFailed = true
        }
        var table = KeyResultTable(keyResults: [], index: [:], locations: [])
        var krsFailed = false
        if let krs, let file = source(krs) {
            // Unit ids are checked only against an organisation that loaded; a broken one has
            // already been reported and would only add noise.
            let loadedChecked = KeyResultLoader.load(file, organisation: orgFailed ? nil : (org == nil ? known?.organisation : organisation),
                                                     known: org == nil ? known?.keyResults : nil)
            let loaded = loadedChecked.value, found = loadedChecked.diagnostics
            table = loaded
            diagnostics += found
            krsFailed = found.hasErrors
        } else if krs != nil {
            krsFailed = true
        }
        var log = CheckInLog(checkIns: [], ranges: Array(repeating: 0..<0, count: table.keyResults.count))
        if let checkins, let file = source(checkins) {
            if krs == nil, let known, !known.keyResults.keyResults.isEmpty {
                let loadedChecked = CheckInLoader.load(file, keyResults: known.keyResults, inStore: true)
                let loaded = loadedChecked.value, found = loadedChecked.diagnostics
                log = loaded
                diagnostics += found
            } else if krs == nil {
                diagnostics.append(Diagnostic(CoreDiagnostic.checkInsWithoutKeyResults,
                                              at: SourceLocation(file: checkins, line: 0, column: 0)))
            } else if !krsFailed {
                let loadedChecked = CheckInLoader.load(file, keyResults: table)
                let loaded = loadedChecked.value, found = loadedChecked.diagnostics
                log = loaded
                diagnostics += found
            } else {
                diagnostics.append(Diagnostic(CoreDiagnostic.checkInsNotChecked,
                                              at: SourceLocation(file: checkins, line: 0, column: 0)))
            }
        }
        let dataset = diagnostics.hasErrors ? nil : Dataset(organisation: organisation, keyResults: table, checkIns: log)
        return DatasetLoad(dataset: dataset, diagnostics: diagnostics, sources: sources, paths: (org, krs, checkins))
    }

    /// Checks key results and check-ins held in memory as canonical files (an importer's
    /// translation of another tool's export) exactly as the files on disk are checked, against an
    /// organisation already built (`known`'s with the importer's new units).
    ///
    /// - Parameter known: the store's content: a key result the store holds keeps its objective's unit.
    public static func load(organisation: Organisation, krs: SourceFile, checkins: SourceFile?, known: Dataset? = nil) -> DatasetLoad {
        var diagnostics: [Diagnostic] = []
        let tableChecked = KeyResultLoader.load(krs, organisation: organisation, known: known?.keyResults)
        let table = tableChecked.value
        diagnostics += tableChecked.diagnostics
        var log = CheckInLog(checkIns: [], ranges: Array(repeating: 0..<0, count: table.keyResults.count))
        if let checkins {
            if diagnostics.hasErrors {
                diagnostics.append(Diagnostic(CoreDiagnostic.checkInsNotChecked, at: SourceLocation(file: checkins.path, line: 0, column: 0)))
            } else {
                let logChecked = CheckInLoader.load(checkins, keyResults: table)
                log = logChecked.value
                diagnostics += logChecked.diagnostics
            }
        }
        let dataset = diagnostics.hasErrors ? nil : Dataset(organisation: organisation, keyResults: table, checkIns: log)
        return DatasetLoad(dataset: dataset, diagnostics: diagnostics, sources: [krs] + (checkins.map { [$0] } ?? []),
                           paths: (nil, krs.path, checkins?.path))
    }
}

/// Diagnostics as an `Error`, for APIs that throw.
public struct DiagnosticList: Error, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}
