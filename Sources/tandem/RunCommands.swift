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
        Reads the store, decides every unit with the policy, forecasts every key result open on --as-of with the model, evaluates the policy's alert rules on each, and records it all in one transaction. The ledger opens an alert when a key result moves into a worse state, updates it (not repeats it) while the state persists, escalates it when it gets worse, and resolves it when the key result recovers. Running the same day twice creates nothing new; runs go forward in time.

        When the store holds 30 or more key results that closed before --as-of (both outcomes among them), the model is first recalibrated on them, as `tandem forecast` does, and the run says so; --no-recalibrate uses it as trained.

        --webhook URL posts each new or escalated alert as Slack-compatible JSON, retrying with back-off; an event is delivered once (a delivered event is never sent again; an undelivered one is retried at the next run). Each request carries an Idempotency-Key header.
        """
    )

    @Option(help: ArgumentHelp("The store (SQLite file).", valueName: "file"))
    var db: String

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day of the run (YYYY-MM-DD).", valueName: "date"))
    var asOf: String

    @Option(help: ArgumentHelp("Policy file.", valueName: "file"))
    var policy: String = "Models/selection.policy"

    @Option(help: ArgumentHelp("Forecast model file.", valueName: "file"))
    var model: String = "Models/kr-forecast.json"

    @Option(help: ArgumentHelp("Post new alerts to this URL (Slack-compatible JSON).", valueName: "url"))
    var webhook: String?

    @Option(name: .customLong("webhook-retry-delay"), help: ArgumentHelp("Seconds before the first retry of a failed post; each further retry waits twice as long (5 attempts).", valueName: "seconds"))
    var webhookRetryDelay: Double = 0.5

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Flag(name: .customLong("no-recalibrate"), help: "Use the model as trained, not recalibrated on the store's key results closed before --as-of.")
    var noRecalibrate = false

    func run() async throws {
        guard let day = Day(iso: asOf) else { throw ValidationError("--as-of must be a date YYYY-MM-DD, found '\(asOf)'") }
        let (store, compiled, binding, trainedModel, dataset) = try Run.prepare(db: db, policyPath: policy, modelPath: model)
        // The organisation's own history, when it has enough: recalibrated on the key results
        // closed before this run (as `tandem forecast` does).
        let calibrated = noRecalibrate ? nil : trainedModel.recalibrated(on: History(dataset), closedBefore: day)
        let forecastModel = calibrated ?? trainedModel
        // An earlier week that is already recorded: nothing to do (the ledger has moved on).
        if let latest = try? store.latestRun(), latest > day, (try? store.hasRun(day)) == true {
            if !quiet { print("run \(day): already recorded, and the store has moved on to \(latest): nothing to do") }
            return
        }
        let (previousDay, previous) = try store.previousForecasts(before: day)
        // The bar only for large organisations (a small run is over before it would show).
        let bar = TerminalProgress()
        let result = WeeklyRun.run(dataset: dataset, policy: compiled, binding: binding, model: forecastModel, day: day,
                                   previous: previous, previousDay: previousDay) { done, total in
            guard !quiet, total > 20_000 else { return }
            bar.show("forecasting", done, total)
        }
        bar.finish()
        let record: RunRecord
        do {
            record = try store.recordRun(
                day: day, policy: "\(compiled.policy.name) \(compiled.policy.version ?? "")", model: model,
                decisions: result.decisions.map { ($0.unitID, $0.mode, $0.outcome, $0.lean) },
                observations: result.observations.map {
                    LedgerObservation(keyResultID: $0.keyResultID, unitID: $0.unitID, owner: $0.owner, title: $0.title,
                                      severity: $0.severity?.rawValue, rules: $0.rules, reasons: $0.reasons, pSuccess: $0.pSuccess,
                                      progress: $0.progress, elapsed: $0.elapsed)
                },
                policyVersion: PolicyVersion(name: compiled.policy.name, version: compiled.policy.version,
                                             text: String(decoding: FileManager.default.contents(atPath: policy) ?? Data(), as: UTF8.self)))
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        if !quiet {
            var kinds: [String: Int] = [:]
            for e in record.events { kinds[e.kind, default: 0] += 1 }
            let changes = ["opened", "escalated", "improved", "updated", "resolved"].compactMap { k in kinds[k].map { "\($0.grouped) \(k)" } }
            let atRisk = result.observations.filter { $0.severity != nil }.count
            print("run \(day)\(record.rerun ? " (again)" : ""): \(count(result.decisions.count, "unit")) decided, \(count(result.observations.count, "open key result")) forecast, \(atRisk.grouped) at risk; ledger: \(changes.isEmpty ? "no change" : changes.joined(separator: ", "))")
            if let r = calibrated?.recalibration {
                print("  forecast: \(model), recalibrated on this organisation's \(r.keyResults.grouped) key results closed before \(day) (achieved \(fmt(r.baseRate * 100, 0))% of the time)")
            } else {
                print("  forecast: \(model), as trained" + (noRecalibrate ? " (--no-recalibrate)" : " (fewer than \(Recalibration.minimumKeyResults) key results closed before \(day), with both outcomes, to recalibrate on)"))
            }
        }
        if let webhook {
            let (sent, failed) = await Webhook.deliver(store: store, url: webhook, firstDelay: max(0, webhookRetryDelay))
            if !quiet { print("webhook: \(count(sent, "alert")) delivered\(failed > 0 ? ", \(failed) not delivered (retried at the next run)" : "")") }
        }
    }

    static func prepare(db: String, policyPath: String, modelPath: String) throws
        -> (TandemStore, CompiledPolicy, OrganisationBinding, ForecastModel, Dataset) {
        let policy = try readPolicy(policyPath)
        let forecastModel = try readModel(modelPath)
        do {
            let store = try TandemStore(path: db)
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
            return (store, CompiledPolicy(policy), binding, forecastModel, dataset)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Posts ledger events to a webhook: Slack-compatible JSON, retries with exponential back-off,
/// each event delivered once.
enum Webhook {
    static func payload(_ e: LedgerEvent) -> Data {
        let icon = e.severity == "critical" ? "🔴" : (e.severity == "warning" ? "🟠" : "🔵")
        let text = "\(icon) [\(e.severity)] \(e.kind == "escalated" ? "escalated" : "new alert") #\(e.alertID) · \(e.keyResultID) \(e.title) · unit \(e.unitID)\(e.owner.map { " · owner \($0)" } ?? "")\n\(e.reasons)"
        let object: [String: Any] = ["text": text, "tandem": ["event_id": e.id, "alert_id": e.alertID, "kind": e.kind,
                                                              "severity": e.severity, "kr_id": e.keyResultID, "day": e.day.description]]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    /// Delivers every pending event; returns (delivered, still pending). When an event fails
    /// all its attempts the endpoint is taken to be down: the rest wait for the next run.
    static func deliver(store: TandemStore, url: String, attempts: Int = 5, firstDelay: Double = 0.5) async -> (Int, Int) {
        guard let endpoint = URL(string: url), let pending = try? store.pendingDeliveries(url: url) else { return (0, 0) }
        var sent = 0, failed = 0
        for (n, event) in pending.enumerated() {
            var delivered = false
            var delay = firstDelay
            for attempt in 1...attempts {
                var request = URLRequest(url: endpoint)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.setValue("tandem-event-\(event.id)", forHTTPHeaderField: "Idempotency-Key")
                request.httpBody = payload(event)
                request.timeoutInterval = 10
                if let (_, response) = try? await URLSession.shared.data(for: request),
                   let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) {
                    delivered = true
                }
                try? store.recordDelivery(event: event.id, url: url, delivered: delivered)
                if delivered { break }
                if attempt < attempts {
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    delay *= 2
                }
            }
            if delivered {
                sent += 1
            } else {
                failed = pending.count - n
                break
            }
        }
        return (sent, failed)
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

    @Option(help: "Output format: table, json or markdown.")
    var format: Diagnose.Format = .table

    func validate() throws {
        if let severity, !["info", "warning", "critical"].contains(severity) { throw ValidationError("--severity must be info, warning or critical") }
        if let status, !["open", "acked", "resolved"].contains(status) { throw ValidationError("--status must be open, acked or resolved") }
    }

    func run() throws {
        do {
            let store = try TandemStore(path: db)
            var list = try store.alerts(unit: unit, owner: owner, severity: severity, status: status)
            if status == nil { list = list.filter { $0.status != "resolved" } }
            switch format {
            case .json, .csv:
                print(try JSONOutput.encode(list))
            case .markdown:
                print("| alert | severity | status | unit | owner | key result | P(success) | reasons |")
                print("|---:|---|---|---|---|---|---:|---|")
                for a in list {
                    print("| \(a.id) | \(a.severity) | \(a.status) | \(a.unitID) | \(a.owner ?? "") | \(a.keyResultID) \(a.title) | \(fmt(a.pSuccess, 2)) | \(a.rules): \(a.reasons) |".replacingOccurrences(of: "\n", with: " "))
                }
            case .table:
                var lastGroup = ""
                for a in list {
                    let group = "\(a.unitID) · \(a.owner ?? "no owner")"
                    if group != lastGroup {
                        print((lastGroup.isEmpty ? "" : "\n") + group)
                        lastGroup = group
                    }
                    print("  #\(a.id) \(a.severity.uppercased()) \(a.status == "acked" ? "(acked) " : "")\(a.keyResultID) \(truncated(a.title, 30))  P(success) \(fmt(a.pSuccess, 2))  since \(a.openedDay)")
                    print("      \(a.rules): \(a.reasons)")
                    if let note = a.ackNote { print("      note: \(note)") }
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
        do {
            let store = try TandemStore(path: db)
            let day = try asOf.flatMap { Day(iso: $0) } ?? store.latestRun() ?? Day(ordinal: 0)
            let a = try store.acknowledge(alert: alert, note: note, day: day)
            print("alert #\(a.id) (\(a.keyResultID), \(a.severity)) acknowledged: \(note)")
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
        do {
            let store = try TandemStore(path: db)
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
