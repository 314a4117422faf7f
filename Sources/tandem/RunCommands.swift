import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TandemCore
import TandemEngine
import TandemForecast
import TandemPolicy
import TandemService
import TandemStore

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The weekly run: decide every unit, forecast every open key result, update the alert ledger.",
        discussion: """
        Reads the store, decides every unit with the policy, forecasts every key result open on --as-of with the model, evaluates the policy's alert rules on each, and records it all in one transaction. The ledger opens an alert when a key result moves into a worse state, updates it (not repeats it) while the state persists, escalates it when it gets worse, and resolves it when the key result recovers. Running the same day twice creates nothing new; after an import, the same day again records what changed on top of that day's record (`tandem runs undo` first to record the day afresh). Runs go forward in time.

        When the store holds 30 or more key results that closed before --as-of (both outcomes among them), the model is first recalibrated on them, as `tandem forecast` does, and the run says so; --no-recalibrate uses it as trained.

        --webhook URL posts each new or escalated alert as Slack-compatible JSON, retrying with back-off; a delivered event is never sent again, an undelivered one is retried at the next run while its alert is live (a URL used for the first time gets the live alerts' events, not the ledger's whole history). Each request carries an Idempotency-Key header (tandem-event-<id>): should the store fail to record a delivery the receiver acknowledged, the next run posts that event again with the same key, by which the receiver drops the repeat (at least once).

        Runs on one store are serialised: a run that finds the store changed since it read it (another run, an import) computes again. A run dated more than 31 days after the latest check-in is refused unless --force; `tandem runs undo` takes the latest run back. The policy and model default to the files shipped in Models/, found beside the installed binary or the checkout it was built in ($TANDEM_MODELS overrides); the run names the files it used.
        """
    )

    @Option(help: storeHelp)
    var db: String?

    @Option(name: .customLong("org-key"), help: orgKeyHelp)
    var orgKey: String?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day of the run (YYYY-MM-DD).", valueName: "date"), transform: { try dayArgument($0, "--as-of") })
    var asOf: Day

    @Option(help: ArgumentHelp("Policy file; by default the one shipped with Tandem.", valueName: "file"))
    var policy: String = Shipped.policy

    @Option(help: ArgumentHelp("Forecast model file; by default the one shipped with Tandem.", valueName: "file"))
    var model: String = Shipped.model

    @Option(help: ArgumentHelp("Post new alerts to this URL (Slack-compatible JSON).", valueName: "url"))
    var webhook: String?

    @Option(name: .customLong("webhook-retry-delay"), help: ArgumentHelp("Seconds before the first retry of a failed post, 0 to 60; each further retry waits twice as long (5 attempts).", valueName: "seconds"))
    var webhookRetryDelay: Double = 0.5

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Flag(name: .customLong("no-recalibrate"), help: "Use the model as trained, not recalibrated on the store's key results closed before --as-of.")
    var noRecalibrate = false

    @Flag(help: "Run even when --as-of lies more than \(WeeklyRunService.futureMargin) days after the store's latest check-in (a mistyped year would otherwise resolve every alert).")
    var force = false

    func validate() throws {
        guard webhookRetryDelay.isFinite, (0...60).contains(webhookRetryDelay) else {
            throw ValidationError("--webhook-retry-delay takes seconds from 0 to 60, found \(webhookRetryDelay)")
        }
        if let webhook, DeliveryService.validURL(webhook) == nil {
            throw ValidationError("--webhook takes an http:// or https:// URL, found '\(webhook)'")
        }
    }

    func run() async throws {
        let request = WeeklyRunRequest(day: asOf, policyPath: Shipped.resolve(policy, default: Shipped.policy),
                                       modelPath: Shipped.resolve(model, default: Shipped.model), recalibrate: !noRecalibrate, force: force)
        let store = try await openStore(db, .readWrite, orgKey)
        // The bar only for large organisations (a small run is over before it would show).
        let bar = TerminalProgress()
        let quiet = quiet
        let outcome = try await call(consequence: false) { () async throws(ServiceError) in
            try await service.weeklyRun(request, store: store) { progress in
                switch progress {
                case .forecasting(let done, let total):
                    if !quiet && total > 20_000 { bar.show("forecasting", done, total) }
                case .computingAgain:
                    if !quiet { print("run \(request.day): the store changed while computing (another run or an import); computing again") }
                }
            }
        }
        bar.finish()
        if let later = outcome.movedOnTo {
            if !quiet { print("run \(request.day): already recorded, and the store has moved on to \(later): nothing to do") }
            return
        }
        guard let record = outcome.record, let result = outcome.run else { return }
        for s in result.skipped {
            printError("warning: \(s.keyResultID) (unit \(s.unitID)) was not forecast: \(s.reason)")
        }
        if !quiet {
            let kinds = outcome.eventCounts
            let changes = LedgerEventKind.runKinds.compactMap { k in kinds[k].map { "\($0.grouped) \(k.rawValue)" } }
            let atRisk = result.observations.filter { $0.severity != nil }.count
            print("run \(request.day)\(record.rerun ? " (again)" : ""): \(count(result.decisions.count, "unit")) decided, \(count(result.observations.count, "open key result")) forecast\(result.skipped.isEmpty ? "" : " (\(result.skipped.count.grouped) could not be, see the warnings)"), \(atRisk.grouped) at risk; ledger: \(changes.isEmpty ? "no change" : changes.joined(separator: ", "))")
            if let r = outcome.recalibration {
                print("  policy \(request.policyPath); forecast \(request.modelPath), recalibrated on this organisation's \(r.keyResults.grouped) key results closed before \(request.day) (achieved \(fmt(r.baseRate * 100, 0))% of the time)")
            } else {
                print("  policy \(request.policyPath); forecast \(request.modelPath), as trained" + (noRecalibrate ? " (--no-recalibrate)" : " (fewer than \(Recalibration.minimumKeyResults) key results closed before \(request.day), with both outcomes, to recalibrate on)"))
            }
        }
        if let webhook {
            let delivered = await service.deliver(store: store, url: webhook, firstDelay: webhookRetryDelay)
            if !quiet || delivered.error != nil {
                print("webhook: \(count(delivered.sent, "alert")) delivered\(delivered.failed > 0 ? ", \(delivered.failed) not delivered (retried at the next run)" : "")"
                      + (delivered.withdrawn > 0 ? ", \(delivered.withdrawn) taken back by `tandem runs undo` while being posted" : ""))
            }
            if let error = delivered.error {
                printError(error.description)
                throw ExitCode(1)
            }
        }
    }
}

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the alert ledger: at-risk key results with their reasons, grouped by unit and owner.")

    @Option(help: storeHelp)
    var db: String?

    @Option(name: .customLong("org-key"), help: orgKeyHelp)
    var orgKey: String?

    @Option(help: "Only this unit and the units below it (its id).")
    var unit: String?

    @Option(help: "Only this owner.")
    var owner: String?

    @Option(help: "Only this severity: info, warning or critical.")
    var severity: AlertSeverity?

    @Option(help: "Only this status: open, acked or resolved (default: open and acked).")
    var status: AlertStatus?

    @Option(help: "Output format: table, json, csv (RFC 4180) or markdown.")
    var format: Diagnose.Format = .table

    func run() async throws {
        let store = try await openStore(db, .readOnly, orgKey)
        let filter = AlertFilter(unit: unit, owner: owner, severity: severity, status: status)
        let list = try await call { () async throws(ServiceError) in try await service.alerts(store: store, filter: filter) }
        switch format {
        case .json:
            print(try JSONOutput.encode(list))
        case .csv:
            CSV.print(["alert", "severity", "status", "unit_id", "owner", "kr_id", "title", "p_success", "opened", "updated", "rules", "reasons", "ack_note"],
                      list.map { a in
                          [String(a.id), a.severity.rawValue, a.status.rawValue, a.unitID, a.owner ?? "", a.keyResultID, a.title, fmt(a.pSuccess, 4),
                           a.openedDay.description, a.updatedDay.description, a.rules, a.reasons, a.ackNote ?? ""]
                      })
        case .markdown:
            print(Markdown.table(["alert", "severity", "status", "unit", "owner", "key result", "P(success)", "reasons"], right: [0, 6], list.map { a in
                [String(a.id), a.severity.rawValue, a.status.rawValue, a.unitID, a.owner ?? "", "\(a.keyResultID) \(a.title)", fmt(a.pSuccess, 2), "\(a.rules): \(a.reasons)"]
            }))
        case .table:
            var lastGroup = ""
            for a in list {
                // Text from data files and notes: control characters shown, not obeyed.
                let group = "\(a.unitID) · \(a.owner ?? "no owner")".terminalSafe
                if group != lastGroup {
                    print((lastGroup.isEmpty ? "" : "\n") + group)
                    lastGroup = group
                }
                print("  #\(a.id) \(a.severity.rawValue.uppercased()) \(a.status == .acked ? "(acked) " : "")\(a.keyResultID.terminalSafe) \(truncated(a.title.terminalSafe, 30))  P(success) \(fmt(a.pSuccess, 2))  since \(a.openedDay)")
                print("      \(a.rules): \(a.reasons)".terminalSafe)
                if let note = a.ackNote { print("      note: \(note)".terminalSafe) }
            }
            let counts = Dictionary(grouping: list, by: \.severity).mapValues(\.count)
            print("\n\(count(list.count, "alert")): critical \(counts[.critical] ?? 0) · warning \(counts[.warning] ?? 0) · info \(counts[.info] ?? 0)")
        }
    }
}

extension AlertSeverity: ExpressibleByArgument {}
extension AlertStatus: ExpressibleByArgument {}

struct Ack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Acknowledge an alert with a note.")

    @Option(help: storeHelp)
    var db: String?

    @Option(name: .customLong("org-key"), help: orgKeyHelp)
    var orgKey: String?

    @Argument(help: "The alert's number (from `tandem alerts`).")
    var alert: Int64

    @Option(help: "What is being done about it.")
    var note: String

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day of the acknowledgement (default: the latest run).", valueName: "date"), transform: { try dayArgument($0, "--as-of") })
    var asOf: Day?

    func run() async throws {
        let day = asOf
        let store = try await openStore(db, .readWrite, orgKey)
        let audit = AuditEntry(at: AccountService.now(), actor: commandLineActor, action: "ack", target: "alert \(alert)", detail: note)
        let ack = try await call { () async throws(ServiceError) in try await service.acknowledge(store: store, alert: alert, note: note, day: day, audit: audit) }
        print("alert #\(ack.alert.id) (\(ack.alert.keyResultID), \(ack.alert.severity.rawValue)) acknowledged on \(ack.day): \(note)".terminalSafe)
    }
}

struct Feed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the ledger's events as JSON Lines (one JSON object a line), oldest first.",
        discussion: "Each event: event_id, alert_id, day, kind (opened, escalated, improved, updated, resolved, acked, snoozed), severity, reasons, kr_id, unit_id, owner, title. Pass the last event_id seen with --after to read only what is new.")

    @Option(help: storeHelp)
    var db: String?

    @Option(name: .customLong("org-key"), help: orgKeyHelp)
    var orgKey: String?

    @Option(help: "Only events after this event id.")
    var after: Int64 = 0

    func run() async throws {
        let store = try await openStore(db, .readOnly, orgKey)
        let events = try await call { () async throws(ServiceError) in try await service.feed(store: store, after: after) }
        for e in events { print(try JSONOutput.line(e)) }
    }
}
