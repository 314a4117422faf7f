import ArgumentParser
import Foundation
import TandemCore
import TandemPolicy
import TandemService
import TandemStore

/// `tandem store`: a look inside a store, as a table, JSON or CSV.
struct StoreInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Look inside a store: what it holds, its units, key results, runs, decisions and forecasts.",
        discussion: """
        Without a subcommand, a summary: how many units, key results, check-ins, imports, runs and alerts; the policy versions the runs used; the latest run; a digest of the whole content (equal digests, equal content).

        Each listing takes --format table (the default), json or csv (RFC 4180), e.g.:

          tandem store units --db tandem.db
          tandem store krs --db tandem.db --unit rd --format csv
          tandem store decisions --db tandem.db --day 2026-11-18
          tandem store forecasts --db tandem.db --kr KR-26Q4-00023

        The store is only read (a read-only file or folder will do); a store written by an older Tandem is first brought up to date, which needs write access once.

        `tandem store copy --from FILE --to postgres://…` moves a store between backends (either way), with its whole history.
        """,
        subcommands: [Summary.self, Units.self, KeyResults.self, StoreRuns.self, Decisions.self, Forecasts.self, Copy.self],
        defaultSubcommand: Summary.self
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    struct Options: ParsableArguments {
        @Option(help: storeHelp)
        var db: String?

        @Option(name: .customLong("org-key"), help: orgKeyHelp)
        var orgKey: String?

        @Option(help: "Output format: table, json or csv (RFC 4180).")
        var format: Format = .table

        func open() async throws -> any Store {
            try await openStore(db, .readOnly, orgKey)
        }

        /// Prints rows as the format asks: an aligned table, CSV, or JSON of `json`.
        func emit(_ header: [String], right: Set<Int> = [], _ rows: [[String]], json: some Encodable, empty: String) throws {
            switch format {
            case .json: print(try JSONOutput.encode(json))
            case .csv: CSV.print(header, rows)
            case .table:
                if rows.isEmpty { print(empty); return }
                var table = TextTable(columns: header.enumerated().map { .init($0.element, alignRight: right.contains($0.offset)) })
                for r in rows { table.append(r.map(\.terminalSafe)) }
                print(table.render())
                print("\(count(rows.count, "row"))")
            }
        }
    }

    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What the store holds, the policy versions its runs used, and a content digest.")

        @OptionGroup var options: Options

        func validate() throws {
            if options.format == .csv { throw ValidationError("the summary is a table or json; csv is for the listings (units, krs, runs, decisions, forecasts)") }
        }

        func run() async throws {
            let store = try await options.open()
            let o = try await call { () async throws(ServiceError) in try await service.overview(of: store) }
            let c = o.counts
            if options.format == .json {
                struct Version: Encodable { var name: String; var version: String?; var first_run: Day; var runs: Int }
                struct Report: Encodable {
                    var store: String; var units, key_results, checkins, imports, runs, alerts: Int
                    var policy_versions: [Version]; var latest_run: Day?; var digest: String
                }
                print(try JSONOutput.encode(Report(store: displayLocation(try storeLocation(options.db)), units: c.units, key_results: c.keyResults, checkins: c.checkIns, imports: c.imports,
                                                   runs: c.runs, alerts: c.alerts,
                                                   policy_versions: o.policyVersions.map { Version(name: $0.name, version: $0.version, first_run: $0.firstRun, runs: $0.runs) },
                                                   latest_run: o.latestRun, digest: o.digest)))
                return
            }
            print("\(displayLocation(try storeLocation(options.db))): \(count(c.units, "unit")), \(count(c.keyResults, "key result")), \(count(c.checkIns, "check-in")) from \(count(c.imports, "import"))")
            for v in o.policyVersions {
                print("policy \(v.name)\(v.version.map { " \($0)" } ?? "") used by \(count(v.runs, "run")) since \(v.firstRun)")
            }
            if let latest = o.latestRun { print("latest run \(latest); \(count(c.runs, "run")), \(count(c.alerts, "alert")) in the ledger") }
            print("digest \(o.digest)")
        }
    }

    struct Units: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The organisation's units: id, name, parent, and the attributes each sets itself.")

        @OptionGroup var options: Options

        func run() async throws {
            let store = try await options.open()
            let units = try await call { () async throws(ServiceError) in try await service.units(of: store) }
            struct Row: Encodable { var unit_id: String; var name: String; var gloss: String?; var parent_id: String?; var attributes: [String: String] }
            let rows = units.map { u in
                Row(unit_id: u.id, name: u.name, gloss: u.gloss, parent_id: u.parentID, attributes: u.attributes.mapValues(\.text))
            }
            try options.emit(["unit_id", "name", "parent_id", "attributes"],
                             rows.map { [$0.unit_id, $0.name, $0.parent_id ?? "", $0.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")] },
                             json: rows, empty: "no unit in the store")
        }
    }

    struct KeyResults: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "krs", abstract: "The key results: id, unit, owner, kind, start, target, cycle, final value.")

        @OptionGroup var options: Options

        @Option(help: "Only this unit's key results and those of the units below it (its id).")
        var unit: String?

        func run() async throws {
            let store = try await options.open()
            let krs = try await call { () async throws(ServiceError) in try await service.keyResults(of: store, unit: unit) }
            struct Row: Encodable {
                var kr_id, objective_id, unit_id, title, kind: String; var owner: String?
                var start_value, target_value: Double; var cycle_start, cycle_end: Day; var final_value: Double?
            }
            let rows = krs.map { k in
                Row(kr_id: k.id, objective_id: k.objectiveID, unit_id: k.unitID, title: k.title, kind: k.kind.rawValue, owner: k.owner,
                    start_value: k.startValue, target_value: k.targetValue, cycle_start: k.cycle.start, cycle_end: k.cycle.end, final_value: k.finalValue)
            }
            try options.emit(["kr_id", "objective_id", "unit_id", "owner", "kind", "start_value", "target_value", "cycle_start", "cycle_end", "final_value", "title"],
                             right: [5, 6, 9],
                             rows.map { [$0.kr_id, $0.objective_id, $0.unit_id, $0.owner ?? "", $0.kind, number($0.start_value), number($0.target_value),
                                         $0.cycle_start.description, $0.cycle_end.description, $0.final_value.map(number) ?? "", $0.title] },
                             json: rows, empty: "no key result in the store" + (unit.map { " for \($0)" } ?? ""))
        }
    }

    struct StoreRuns: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "runs", abstract: "The recorded runs: day, policy, model, key results forecast, ledger events, undoable.")

        @OptionGroup var options: Options

        func run() async throws {
            let store = try await options.open()
            let runs = try await call { () async throws(ServiceError) in try await service.runs(store: store) }
            struct Row: Encodable { var day: Day; var policy, model: String; var key_results_forecast, events: Int; var undoable: Bool }
            let rows = runs.map { Row(day: $0.day, policy: $0.policy, model: $0.model, key_results_forecast: $0.openKeyResults, events: $0.events, undoable: $0.undoable) }
            try options.emit(["day", "policy", "model", "forecast", "events", "undoable"], right: [3, 4],
                             rows.map { [$0.day.description, $0.policy, $0.model, String($0.key_results_forecast), String($0.events), $0.undoable ? "yes" : "no"] },
                             json: rows, empty: "no run in the store")
        }
    }

    struct Decisions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A run's decision for every unit: mode, outcome, lean (the latest run by default).")

        @OptionGroup var options: Options

        @Option(help: ArgumentHelp("The run's day (YYYY-MM-DD); default: the latest run.", valueName: "date"), transform: { try dayArgument($0, "--day") })
        var day: Day?

        func run() async throws {
            let store = try await options.open()
            let list = try await call { () async throws(ServiceError) in try await service.decisions(of: store, day: day) }
            // The outcome as structured JSON beside its text; a decision recorded before the store
            // kept the structure has its text only.
            struct Row: Encodable { var day: Day; var unit_id: String; var mode: Mode?; var outcome: OutcomeValue?; var outcome_text: String?; var lean: Double }
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let rows = list.map { d in
                Row(day: d.day, unit_id: d.unitID, mode: d.mode, outcome: d.outcomeValue.flatMap { try? decoder.decode(OutcomeValue.self, from: Data($0.utf8)) },
                    outcome_text: d.outcome, lean: d.lean)
            }
            try options.emit(["day", "unit_id", "mode", "lean", "outcome"], right: [3],
                             rows.map { [$0.day.description, $0.unit_id, $0.mode?.rawValue ?? "none", PolicyNumber.signed($0.lean), $0.outcome_text ?? ""] },
                             json: rows, empty: "no run in the store yet")
        }
    }

    struct Forecasts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recorded forecasts: one key result's across every run (--kr), one run's (--day), or all.",
            discussion: "Each row: the run's day, the key result, its P(success), its progress toward the target and the share of its cycle elapsed on that day.")

        @OptionGroup var options: Options

        @Option(help: ArgumentHelp("Only this key result (its id): its forecast history, run by run.", valueName: "id"))
        var kr: String?

        @Option(help: ArgumentHelp("Only the run of this day (YYYY-MM-DD).", valueName: "date"), transform: { try dayArgument($0, "--day") })
        var day: Day?

        func run() async throws {
            let store = try await options.open()
            let list = try await call { () async throws(ServiceError) in try await service.forecasts(of: store, keyResult: kr, day: day) }
            struct Row: Encodable { var day: Day; var kr_id: String; var p_success, progress, elapsed: Double }
            let rows = list.map { Row(day: $0.day, kr_id: $0.keyResultID, p_success: $0.pSuccess, progress: $0.progress, elapsed: $0.elapsed) }
            try options.emit(["day", "kr_id", "p_success", "progress", "elapsed"], right: [2, 3, 4],
                             rows.map { [$0.day.description, $0.kr_id, fmt($0.p_success, 4), fmt($0.progress, 4), fmt($0.elapsed, 4)] },
                             json: rows, empty: "no forecast recorded" + (kr.map { " for \($0)" } ?? "") + (day.map { " on \($0)" } ?? ""))
        }
    }

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy one organisation's whole store to another store, SQLite or PostgreSQL, either way.",
            discussion: """
            Everything moves, in one transaction: the organisation, key results and check-ins, the imports, every run with its decisions and forecasts, the policy versions, and the alert ledger with its numbers (alerts and events keep theirs, so `tandem ack` and webhook receivers see the same ones) and webhook deliveries. Afterwards both sides are read back and their content digests compared; the copy is reported only when they are equal.

            The organisation must not exist in the target yet (nothing is merged); the source is only read. For example:

              tandem store copy --from tandem.db --to postgres://hr@db.example.com/tandem?sslmode=verify-full
              PGPASSWORD=… tandem store copy --from postgres://hr@db.example.com/tandem --to backup.db
            """)

        @Option(help: ArgumentHelp("The store to copy: an SQLite file or a postgres:// URL.", valueName: "file|url"))
        var from: String

        @Option(help: ArgumentHelp("The store to copy into: an SQLite file (created if missing) or a postgres:// URL (tables created if missing).", valueName: "file|url"))
        var to: String

        @Option(name: .customLong("org-key"), help: orgKeyHelp)
        var orgKey: String?

        @Option(name: .customLong("to-org-key"), help: ArgumentHelp("The organisation's key in the target; by default the same as in the source.", valueName: "key"))
        var toOrgKey: String?

        @Option(help: "Output format: table or json.")
        var format: Format = .table

        func validate() throws {
            if format == .csv { throw ValidationError("the copy's report is a table or json") }
            if from == to { throw ValidationError("--from and --to name the same store") }
        }

        func run() async throws {
            let o = try await call { () async throws(ServiceError) in
                try await service.copyStore(from: from, to: to, organisation: orgKey, targetOrganisation: toOrgKey)
            }
            if format == .json {
                print(try JSONOutput.encode(o))
                return
            }
            let c = o.counts
            print("copied organisation '\(o.organisation)' from \(o.source) to \(o.target)\(o.targetOrganisation == o.organisation ? "" : " as '\(o.targetOrganisation)'"): \(o.rows.grouped) rows")
            print("the copy holds \(count(c.units, "unit")), \(count(c.keyResults, "key result")), \(count(c.checkIns, "check-in")), \(count(c.runs, "run")) and \(count(c.alerts, "alert"))")
            print("content digest \(o.digest) on both sides")
        }
    }
}

/// A number as a person writes it: no trailing ".0".
private func number(_ x: Double) -> String { PolicyNumber.format(x) }
