import TandemCore
import TandemImport
import TandemEngine
import TandemForecast
import TandemPolicy
import TandemStore

/// Tandem's use cases, for every front end (the command line, a server): the same checks, the
/// same results, whichever calls them.
///
/// Each entry point is `async` and runs its blocking or CPU-heavy work (the store, LAPACK, the
/// policy analyser) on a queue of its own, never on the caller's executor: a server's event loops
/// stay free. The work itself lives in the use-case namespaces (``StoreService``,
/// ``WeeklyRunService``, ``LedgerService``, ``DeliveryService``, ``DecisionService``,
/// ``PolicyService``, ``ForecastService``, ``WhatIfService``), whose synchronous functions a
/// benchmark or a batch job can call directly.
public struct TandemService: Sendable {
    /// Where the shipped policy and model are found.
    public var shipped: ShippedFiles

    public init(shipped: ShippedFiles = ShippedFiles()) {
        self.shipped = shipped
    }

    /// Runs blocking work (a store's calls, bcrypt) off the caller's executor, as every entry
    /// point here does: for a front end that calls the synchronous namespaces itself.
    public static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws(ServiceError) -> T) async throws(ServiceError) -> T {
        try await Offload.run(work)
    }

    // MARK: The store

    public func validate(_ request: ImportRequest) async -> Validation {
        await Offload.run { StoreService.validate(request) }
    }

    /// Opens a store for one organisation (nil: the one it holds).
    public func openStore(_ location: String, access: StoreAccess, organisation: String? = nil) async throws(ServiceError) -> any Store {
        try await Offload.run { () throws(ServiceError) in try StoreService.open(location, access: access, organisation: organisation) }
    }

    /// - Parameter actor: who imports, as the audit log names them.
    public func importFiles(_ request: ImportRequest, into location: String, organisation: String? = nil,
                            actor: String = "cli") async throws(ServiceError) -> ImportOutcome {
        try await Offload.run { () throws(ServiceError) in try StoreService.importFiles(request, into: location, organisation: organisation, actor: actor) }
    }

    public func importForeign(_ request: ForeignImportRequest, into location: String, organisation: String? = nil,
                              actor: String = "cli") async throws(ServiceError) -> ForeignImportOutcome {
        try await Offload.run { () throws(ServiceError) in try StoreService.importForeign(request, into: location, organisation: organisation, actor: actor) }
    }

    public func copyStore(from source: String, to target: String, organisation: String? = nil,
                          targetOrganisation: String? = nil) async throws(ServiceError) -> CopyOutcome {
        try await Offload.run { () throws(ServiceError) in
            try StoreService.copy(from: source, to: target, organisation: organisation, targetOrganisation: targetOrganisation)
        }
    }

    public func overview(of store: any Store) async throws(ServiceError) -> StoreOverview {
        try await Offload.run { () throws(ServiceError) in try StoreService.overview(store: store) }
    }

    public func units(of store: any Store) async throws(ServiceError) -> [OrgUnit] {
        try await Offload.run { () throws(ServiceError) in try StoreService.units(store: store) }
    }

    public func keyResults(of store: any Store, unit: String? = nil) async throws(ServiceError) -> [KeyResult] {
        try await Offload.run { () throws(ServiceError) in try StoreService.keyResults(store: store, unit: unit) }
    }

    public func decisions(of store: any Store, day: Day? = nil) async throws(ServiceError) -> [StoredDecision] {
        try await Offload.run { () throws(ServiceError) in try StoreService.decisions(store: store, day: day) }
    }

    public func forecasts(of store: any Store, keyResult: String? = nil, day: Day? = nil) async throws(ServiceError) -> [StoredForecast] {
        try await Offload.run { () throws(ServiceError) in try StoreService.forecasts(store: store, keyResult: keyResult, day: day) }
    }

    // MARK: Runs and the ledger

    public func weeklyRun(_ request: WeeklyRunRequest, store: any Store,
                          progress: (@Sendable (WeeklyRunProgress) -> Void)? = nil) async throws(ServiceError) -> WeeklyRunOutcome {
        try await Offload.run { () throws(ServiceError) in try WeeklyRunService.run(request, store: store, progress: progress) }
    }

    public func deliver(store: any Store, url: String, transport: any WebhookTransport = HTTPTransport(),
                        attempts: Int = 5, firstDelay: Double = 0.5) async -> DeliveryOutcome {
        await DeliveryService.deliver(store: store, url: url, transport: transport, attempts: attempts, firstDelay: firstDelay)
    }

    public func inbox(store: any Store, query: InboxQuery) async throws(ServiceError) -> InboxPage {
        try await Offload.run { () throws(ServiceError) in try LedgerService.inbox(store: store, query: query) }
    }

    /// An export of the store (``ExportService``), as an account when `email` is given.
    public func export(_ kind: ExportKind, filter: ExportFilter, store: any Store, as email: String? = nil) async throws(ServiceError) -> ExportTable {
        try await Offload.run { () throws(ServiceError) in try ExportService.table(kind, filter: filter, store: store, as: email) }
    }

    public func alerts(store: any Store, filter: AlertFilter = AlertFilter()) async throws(ServiceError) -> [Alert] {
        try await Offload.run { () throws(ServiceError) in try LedgerService.alerts(store: store, filter: filter) }
    }

    public func acknowledge(store: any Store, alert: Int64, note: String, day: Day? = nil, audit: AuditEntry? = nil) async throws(ServiceError) -> Acknowledgement {
        try await Offload.run { () throws(ServiceError) in try LedgerService.acknowledge(store: store, alert: alert, note: note, day: day, audit: audit) }
    }

    public func feed(store: any Store, after: Int64 = 0) async throws(ServiceError) -> [LedgerEvent] {
        try await Offload.run { () throws(ServiceError) in try LedgerService.feed(store: store, after: after) }
    }

    public func runs(store: any Store) async throws(ServiceError) -> [RunSummary] {
        try await Offload.run { () throws(ServiceError) in try LedgerService.runs(store: store) }
    }

    public func undoLatestRun(store: any Store, day: Day? = nil) async throws(ServiceError) -> UndoneRun {
        try await Offload.run { () throws(ServiceError) in try LedgerService.undoLatestRun(store: store, day: day) }
    }

    // MARK: What if

    public func whatIf(_ request: WhatIfRequest, baseline: BaselineSource, policyPath: String, modelPath: String) async throws(ServiceError) -> WhatIfOutcome {
        try await Offload.run { () throws(ServiceError) in
            try WhatIfService.whatIf(request, baseline: baseline, policyPath: policyPath, modelPath: modelPath)
        }
    }

    public func baseline(_ source: BaselineSource, policyPath: String, modelPath: String, day: Day?) async throws(ServiceError) -> LoadedBaseline {
        try await Offload.run { () throws(ServiceError) in try WhatIfService.baseline(source, policyPath: policyPath, modelPath: modelPath, day: day) }
    }

    public func sensitivity(of subject: SensitivitySubject, baseline: LoadedBaseline) async throws(ServiceError) -> SensitivityOutcome {
        try await Offload.run { () throws(ServiceError) in try WhatIfService.sensitivity(of: subject, baseline: baseline) }
    }

    // MARK: Decisions and policies

    public func diagnose(organisation: String, policyPath: String, unit: String? = nil) async throws(ServiceError) -> Diagnosis {
        try await Offload.run { () throws(ServiceError) in try DecisionService.diagnose(organisation: organisation, policyPath: policyPath, unit: unit) }
    }

    public func checkPolicy(_ path: String, analyse: Bool = true, budget: Int = PolicyAnalyser.defaultBudget) async -> PolicyCheck {
        await Offload.run { PolicyService.check(path, analyse: analyse, budget: budget) }
    }

    public func testPolicy(_ path: String) async throws(ServiceError) -> PolicyTestReport {
        try await Offload.run { () throws(ServiceError) in try PolicyService.test(path) }
    }

    public func diffPolicies(old: String, new: String, organisation: String, budget: Int = PolicyAnalyser.defaultBudget) async throws(ServiceError) -> PolicyComparison {
        try await Offload.run { () throws(ServiceError) in try PolicyService.diff(old: old, new: new, organisation: organisation, budget: budget) }
    }

    // MARK: Forecasts

    public func train(_ files: HistoryFiles, ridge: Double? = nil, backtest: Bool = true, writingTo path: String,
                      progress: Trainer.Progress? = nil) async throws(ServiceError) -> TrainOutcome {
        try await Offload.run { () throws(ServiceError) in
            try ForecastService.train(files, ridge: ridge, backtest: backtest, writingTo: path, progress: progress)
        }
    }

    public func evaluate(modelPath: String, _ files: HistoryFiles, at shares: [Double], recalibrate: Bool = false) async throws(ServiceError) -> EvaluationReport {
        try await Offload.run { () throws(ServiceError) in try ForecastService.evaluate(modelPath: modelPath, files, at: shares, recalibrate: recalibrate) }
    }

    public func backtest(_ files: HistoryFiles, at shares: [Double], alertsPolicy: String? = nil,
                         progress: (@Sendable (Int, Int) -> Void)? = nil) async throws(ServiceError) -> BacktestOutcome {
        try await Offload.run { () throws(ServiceError) in try ForecastService.backtest(files, at: shares, alertsPolicy: alertsPolicy, progress: progress) }
    }

    public func forecastOpen(modelPath: String, _ files: HistoryFiles, day: Day? = nil, unit: String? = nil,
                             recalibrate: Bool = true) async throws(ServiceError) -> OpenForecast {
        try await Offload.run { () throws(ServiceError) in
            try ForecastService.forecastOpen(modelPath: modelPath, files, day: day, unit: unit, recalibrate: recalibrate)
        }
    }
}
