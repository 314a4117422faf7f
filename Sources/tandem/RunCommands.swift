import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TandemCore
import TandemEngine
import TandemForecast
import TandemPolicy
import TandemStore

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The weekly run: decide every unit, forecast every open key result, update the alert ledger.",
        discussion: """
        Reads the store, decides every unit with the policy, forecasts every key result open on --as-of with the model, evaluates the policy's alert rules on each, and records it all in one transaction. The ledger opens an alert when a key result moves into a worse state, updates it (not repeats it) while the state persists, escalates it when it gets worse, and resolves it when the key result recovers. Running the same day twice creates nothing new; after an import, the same day again records what changed on top of that day's record (`tandem runs undo` first to record the day afresh). Runs go forward in time.

        When the store holds 30 or more key results that closed before --as-of (both outcomes among them), the model is first recalibrated on them, as `tandem forecast` does, and the run says so; --no-recalibrate uses it as trained.

        --webhook URL posts each new or escalated alert as Slack-compatible JSON, retrying with back-off; a delivered event is never sent again, an undelivered one is retried at the next run. Each request carries an Idempotency-Key header (tandem-event-<id>): should the store fail to record a delivery the receiver acknowledged, the next run posts that event again with the same key, by which the receiver drops the repeat (at least once).

        Runs on one store are serialised: a run that finds the store changed since it read it (another run, an import) computes again. A run dated more than 31 days after the latest check-in is refused unless --force; `tandem runs undo` takes the latest run back. The policy and model default to the files shipped in Models/, found beside the installed binary or the checkout it was built in ($TANDEM_MODELS overrides); the run names the files it used.
        """
    )

    @Option(help: ArgumentHelp("The store (SQLite file).", valueName: "file"))
    var db: String

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day of the run (YYYY-MM-DD).", valueName: "date"))
    var asOf: String

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

    @Flag(help: "Run even when --as-of lies more than \(Run.futureMargin) days after the store's latest check-in (a mistyped year would otherwise resolve every alert).")
    var force = false

    /// How far past the latest check-in a run may be dated without --force.
    static let futureMargin = 31
    /// How often a run computes again when another writer changed the store meanwhile.
    static let attempts = 5

    func validate() throws {
        guard webhookRetryDelay.isFinite, (0...60).contains(webhookRetryDelay) else {
            throw ValidationError("--webhook-retry-delay takes seconds from 0 to 60, found \(webhookRetryDelay)")
        }
        if let webhook {
            guard let url = URL(string: webhook), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = url.host, !host.isEmpty, url.port.map({ (1...65_535).contains($0) }) ?? true else {
                throw ValidationError("--webhook takes an http:// or https:// URL, found '\(webhook)'")
            }
        }
    }

    func run() async throws {
        let day = try asOfDay(asOf)
        let policyPath = Shipped.resolve(policy, default: Shipped.policy)
        let modelPath = Shipped.resolve(model, default: Shipped.model)
        var record: RunRecord?
        var result: WeeklyRun?
        var calibrated: ForecastModel?
        // The files once; the store at every attempt (it is what may have changed).
        let (policy, policyText) = try readPolicyAndText(policyPath)
        let compiled = CompiledPolicy(policy)
        let trainedModel = try readModel(modelPath)
        for attempt in 1...Run.attempts {
            let (store, binding, dataset, generation) = try Run.prepare(db: db, policy: compiled.policy)
            if attempt == 1 { try refuseFarFuture(day, dataset) }
            // An earlier week that is already recorded: nothing to do (the ledger has moved on).
            if let latest = try store.latestRun(), latest > day, try store.hasRun(day) {
                if !quiet { print("run \(day): already recorded, and the store has moved on to \(latest): nothing to do") }
                return
            }
            // The organisation's own history, when it has enough: recalibrated on the key results
            // closed before this run (as `tandem forecast` does).
            calibrated = noRecalibrate ? nil : trainedModel.recalibrated(on: History(dataset), closedBefore: day)
            let forecastModel = calibrated ?? trainedModel
            let (previousDay, previous) = try store.previousForecasts(before: day)
            // The bar only for large organisations (a small run is over before it would show).
            let bar = TerminalProgress()
            let weekly = WeeklyRun.run(dataset: dataset, policy: compiled, binding: binding, model: forecastModel, day: day,
                                       previous: previous, previousDay: previousDay) { done, total in
                guard !quiet, total > 20_000 else { return }
                bar.show("forecasting", done, total)
            }
            bar.finish()
            result = weekly
            let recorded = Result<RunRecord, StoreError> { () throws(StoreError) -> RunRecord in
                try store.recordRun(
                    day: day, policy: "\(compiled.policy.name) \(compiled.policy.version ?? "")", model: modelPath,
                    decisions: weekly.decisions.map { ($0.unitID, $0.mode, $0.outcome, $0.lean) },
                    observations: weekly.observations.map {
                        LedgerObservation(keyResultID: $0.keyResultID, unitID: $0.unitID, owner: $0.owner, title: $0.title,
                                          severity: $0.severity?.rawValue, rules: $0.rules, reasons: $0.reasons, pSuccess: $0.pSuccess,
                                          progress: $0.progress, elapsed: $0.elapsed)
                    },
                    policyVersion: PolicyVersion(name: compiled.policy.name, version: compiled.policy.version,
                                                 text: policyText),
                    generation: generation)
            }
            switch recorded {
            case .success(let r):
                record = r
            case .failure(let error) where error.changedSinceRead && attempt < Run.attempts:
                // Another run or an import wrote in between: what was computed may be stale.
                if !quiet { print("run \(day): the store changed while computing (another run or an import); computing again") }
                continue
            case .failure(let error):
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
            break
        }
        guard let record, let result else { return }
        for s in result.skipped {
            FileHandle.standardError.write(Data("warning: \(s.keyResultID) (unit \(s.unitID)) was not forecast: \(s.reason)\n".utf8))
        }
        if !quiet {
            var kinds: [String: Int] = [:]
            for e in record.events { kinds[e.kind, default: 0] += 1 }
            let changes = ["opened", "escalated", "improved", "updated", "resolved"].compactMap { k in kinds[k].map { "\($0.grouped) \(k)" } }
            let atRisk = result.observations.filter { $0.severity != nil }.count
            print("run \(day)\(record.rerun ? " (again)" : ""): \(count(result.decisions.count, "unit")) decided, \(count(result.observations.count, "open key result")) forecast\(result.skipped.isEmpty ? "" : " (\(result.skipped.count.grouped) could not be, see the warnings)"), \(atRisk.grouped) at risk; ledger: \(changes.isEmpty ? "no change" : changes.joined(separator: ", "))")
            if let r = calibrated?.recalibration {
                print("  policy \(policyPath); forecast \(modelPath), recalibrated on this organisation's \(r.keyResults.grouped) key results closed before \(day) (achieved \(fmt(r.baseRate * 100, 0))% of the time)")
            } else {
                print("  policy \(policyPath); forecast \(modelPath), as trained" + (noRecalibrate ? " (--no-recalibrate)" : " (fewer than \(Recalibration.minimumKeyResults) key results closed before \(day), with both outcomes, to recalibrate on)"))
            }
        }
        if let webhook {
            let store = try Run.open(db, access: .readWrite)
            let outcome = await Webhook.deliver(store: store, url: webhook, firstDelay: webhookRetryDelay)
            if !quiet || outcome.error != nil {
                print("webhook: \(count(outcome.sent, "alert")) delivered\(outcome.failed > 0 ? ", \(outcome.failed) not delivered (retried at the next run)" : "")"
                      + (outcome.withdrawn > 0 ? ", \(outcome.withdrawn) taken back by `tandem runs undo` while being posted" : ""))
            }
            if let error = outcome.error {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    /// A run dated far past the data is almost always a typo (2062 for 2026); it would resolve
    /// every alert and lock the store's earlier weeks. Refused unless --force.
    func refuseFarFuture(_ day: Day, _ dataset: Dataset) throws {
        guard !force else { return }
        let latestCheckIn = dataset.checkIns.checkIns.map(\.date).max()
        let latestStart = dataset.keyResults.keyResults.map(\.cycle.start).max()
        guard let latest = latestCheckIn ?? latestStart else { return }
        let limit = latest.advanced(by: Run.futureMargin)
        if day > limit {
            FileHandle.standardError.write(Data("""
                \(db): error: --as-of \(day) lies \(latest.distance(to: day).grouped) days after the store's latest \(latestCheckIn == nil ? "cycle start" : "check-in") (\(latest)); a run then would resolve every alert, and later runs could not go back.
                note: check the date; to run that far ahead anyway, add --force (`tandem runs undo` takes a run back)

                """.utf8))
            throw ExitCode(1)
        }
    }

    /// Opens the store for a command, or prints why it cannot and exits with status 1.
    static func open(_ db: String, access: TandemStore.Access) throws -> TandemStore {
        do { return try TandemStore(path: db, access: access) } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Reads the store and binds its organisation to the policy; the store's generation is read
    /// first, so that any write after it is noticed when the run is recorded.
    static func prepare(db: String, policy: Policy) throws -> (TandemStore, OrganisationBinding, Dataset, Int64) {
        do {
            let store = try TandemStore(path: db, access: .readWrite)
            let generation = try store.generation()
            let dataset = try store.loadDataset()
            guard let org = dataset.organisation else {
                FileHandle.standardError.write(Data("\(db): error: the store holds no organisation; run `tandem import` first\n".utf8))
                throw ExitCode(1)
            }
            let (binding, diagnostics) = OrganisationBinding.bind(org, to: policy)
            guard let binding else {
                FileHandle.standardError.write(Data(DiagnosticRenderer(sources: []).render(diagnostics).utf8))
                throw ExitCode(1)
            }
            return (store, binding, dataset, generation)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Posts ledger events to a webhook: Slack-compatible JSON, retries with exponential back-off,
/// each event delivered once.
enum Webhook {
    static func payload(_ e: LedgerEvent) throws -> Data {
        let icon = e.severity == "critical" ? "🔴" : (e.severity == "warning" ? "🟠" : "🔵")
        let text = "\(icon) [\(e.severity)] \(e.kind == "escalated" ? "escalated" : "new alert") #\(e.alertID) · \(e.keyResultID) \(e.title) · unit \(e.unitID)\(e.owner.map { " · owner \($0)" } ?? "")\n\(e.reasons)"
        let object: [String: Any] = ["text": text, "tandem": ["event_id": e.id, "alert_id": e.alertID, "kind": e.kind,
                                                              "severity": e.severity, "kr_id": e.keyResultID, "day": e.day.description]]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// What a delivery round did; `error` when the store could not be read or a delivery could
    /// not be recorded (the round stops there).
    struct Outcome {
        var sent = 0
        var failed = 0
        /// Events taken back (`tandem runs undo`) while they were being delivered.
        var withdrawn = 0
        var error: StoreError?
    }

    /// Delivers every pending event. When an event fails all its attempts the endpoint is taken
    /// to be down: the rest wait for the next run.
    ///
    /// Delivery is at least once: an event is marked delivered in the store only after the
    /// receiver answered 2xx. Should recording that fail (a full disk, say), the round stops with
    /// an error and the event is posted again at the next run, with the same `Idempotency-Key`
    /// (`tandem-event-<id>`), by which the receiver can drop the repeat.
    static func deliver(store: TandemStore, url: String, attempts: Int = 5, firstDelay: Double = 0.5) async -> Outcome {
        var outcome = Outcome()
        guard let endpoint = URL(string: url) else { return outcome }
        let pending: [LedgerEvent]
        do { pending = try store.pendingDeliveries(url: url) } catch {
            outcome.error = error
            return outcome
        }
        for (n, event) in pending.enumerated() {
            var delivered = false, withdrawn = false
            // Taken back (`tandem runs undo`) since the list was read: not posted at all.
            do {
                if try !store.eventExists(event.id) {
                    outcome.withdrawn += 1
                    continue
                }
            } catch {
                outcome.error = error
                outcome.failed = pending.count - n
                return outcome
            }
            var delay = min(max(firstDelay, 0), 60)
            for attempt in 1...attempts {
                var request = URLRequest(url: endpoint)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.setValue("tandem-event-\(event.id)", forHTTPHeaderField: "Idempotency-Key")
                do { request.httpBody = try payload(event) } catch {
                    outcome.error = StoreError(path: store.path, operation: "deliver an event from", underlying: "event \(event.id) cannot be put into JSON: \(error)")
                    return outcome
                }
                request.timeoutInterval = 10
                // A failed post (refused, timed out, not 2xx) is what the retries are for.
                if let (_, response) = try? await URLSession.shared.data(for: request),
                   let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) {
                    delivered = true
                }
                let recorded: Bool
                do { recorded = try store.recordDelivery(event: event.id, url: url, delivered: delivered) } catch {
                    outcome.error = StoreError(path: error.path, operation: error.operation,
                                               underlying: error.underlying + (delivered ? "; event \(event.id) was delivered but could not be recorded, so the next run posts it again with the same Idempotency-Key" : ""))
                    outcome.failed = pending.count - n - (delivered ? 1 : 0)
                    if delivered { outcome.sent += 1 }
                    return outcome
                }
                if !recorded {
                    withdrawn = true
                    break
                }
                if delivered { break }
                if attempt < attempts {
                    // Cancellation is the only way a sleep fails; then stop waiting and move on.
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    delay *= 2
                }
            }
            if delivered {
                outcome.sent += 1
            } else if withdrawn {
                // Taken back while being posted: the receiver may have it, the ledger does not.
                outcome.withdrawn += 1
            } else {
                outcome.failed = pending.count - n
                break
            }
        }
        return outcome
    }
}

struct Alerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the alert ledger: at-risk key results with their reasons, grouped by unit and owner.")

    @Option(help: ArgumentHelp("The store (SQLite file).", valueName: "file"))
    var db: String

    @Option(help: "Only this unit and the units below it (its id).")
    var unit: String?

    @Option(help: "Only this owner.")
    var owner: String?

    @Option(help: "Only this severity: info, warning or critical.")
    var severity: String?

    @Option(help: "Only this status: open, acked or resolved (default: open and acked).")
    var status: String?

    @Option(help: "Output format: table, json, csv (RFC 4180) or markdown.")
    var format: Diagnose.Format = .table

    func validate() throws {
        if let severity, !["info", "warning", "critical"].contains(severity) { throw ValidationError("--severity must be info, warning or critical") }
        if let status, !["open", "acked", "resolved"].contains(status) { throw ValidationError("--status must be open, acked or resolved") }
    }

    func run() throws {
        let store = try Run.open(db, access: .readOnly)
        do {
            if let unit { try requireUnit(unit, in: store) }
            var list = try store.alerts(unit: unit, owner: owner, severity: severity, status: status)
            if status == nil { list = list.filter { $0.status != "resolved" } }
            switch format {
            case .json:
                print(try JSONOutput.encode(list))
            case .csv:
                CSV.print(["alert", "severity", "status", "unit_id", "owner", "kr_id", "title", "p_success", "opened", "updated", "rules", "reasons", "ack_note"],
                          list.map { a in
                              [String(a.id), a.severity, a.status, a.unitID, a.owner ?? "", a.keyResultID, a.title, fmt(a.pSuccess, 4),
                               a.openedDay.description, a.updatedDay.description, a.rules, a.reasons, a.ackNote ?? ""]
                          })
            case .markdown:
                print(Markdown.table(["alert", "severity", "status", "unit", "owner", "key result", "P(success)", "reasons"], right: [0, 6], list.map { a in
                    [String(a.id), a.severity, a.status, a.unitID, a.owner ?? "", "\(a.keyResultID) \(a.title)", fmt(a.pSuccess, 2), "\(a.rules): \(a.reasons)"]
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
                    print("  #\(a.id) \(a.severity.uppercased()) \(a.status == "acked" ? "(acked) " : "")\(a.keyResultID.terminalSafe) \(truncated(a.title.terminalSafe, 30))  P(success) \(fmt(a.pSuccess, 2))  since \(a.openedDay)")
                    print("      \(a.rules): \(a.reasons)".terminalSafe)
                    if let note = a.ackNote { print("      note: \(note)".terminalSafe) }
                }
                let counts = Dictionary(grouping: list, by: \.severity).mapValues(\.count)
                print("\n\(count(list.count, "alert")): critical \(counts["critical"] ?? 0) · warning \(counts["warning"] ?? 0) · info \(counts["info"] ?? 0)")
            }
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Refuses a unit id the store does not hold, with the closest one as a suggestion.
func requireUnit(_ unit: String, in store: TandemStore) throws {
    let ids = try store.unitIDs()
    guard ids.contains(unit) else {
        let guess = Suggestion.closest(to: unit, among: ids).map { "; did you mean '\($0)'?" } ?? ""
        FileHandle.standardError.write(Data("\(store.path): error: no unit '\(unit)' in the store\(guess)\n".utf8))
        throw ExitCode(1)
    }
}

struct Ack: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Acknowledge an alert with a note.")

    @Option(help: ArgumentHelp("The store (SQLite file).", valueName: "file"))
    var db: String

    @Argument(help: "The alert's number (from `tandem alerts`).")
    var alert: Int64

    @Option(help: "What is being done about it.")
    var note: String

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day of the acknowledgement (default: the latest run).", valueName: "date"))
    var asOf: String?

    func run() throws {
        let day = try asOfDay(asOf)
        let store = try Run.open(db, access: .readWrite)
        do {
            guard let day = try day ?? store.latestRun() else {
                throw StoreError(path: db, operation: "acknowledge an alert in", underlying: "the store has no run yet; give --as-of")
            }
            let a = try store.acknowledge(alert: alert, note: note, day: day)
            print("alert #\(a.id) (\(a.keyResultID), \(a.severity)) acknowledged on \(day): \(note)".terminalSafe)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct Feed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the ledger's events as JSON Lines (one JSON object a line), oldest first.",
        discussion: "Each event: event_id, alert_id, day, kind (opened, escalated, improved, updated, resolved, acked), severity, reasons, kr_id, unit_id, owner, title. Pass the last event_id seen with --after to read only what is new.")

    @Option(help: ArgumentHelp("The store (SQLite file).", valueName: "file"))
    var db: String

    @Option(help: "Only events after this event id.")
    var after: Int64 = 0

    func run() throws {
        let store = try Run.open(db, access: .readOnly)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for e in try store.events(after: after) {
                print(String(decoding: try encoder.encode(e), as: UTF8.self))
            }
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
