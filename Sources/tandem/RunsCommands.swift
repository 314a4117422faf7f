import ArgumentParser
import Foundation
import TandemCore
import TandemService
import TandemStore

struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the store's runs, or take back the latest one.",
        subcommands: [List.self, Undo.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The recorded runs, oldest first: day, policy, model, key results forecast, alert events.")

        @Option(help: storeHelp)
        var db: String?

        @Option(name: .customLong("org-key"), help: orgKeyHelp)
        var orgKey: String?

        func run() async throws {
            let store = try await openStore(db, .readOnly, orgKey)
            let runs = try await call { () async throws(ServiceError) in try await service.runs(store: store) }
                var table = TextTable(columns: [.init("day"), .init("policy"), .init("model"), .init("forecast", alignRight: true),
                                                .init("events", alignRight: true), .init("undoable")])
                for r in runs {
                    table.append([r.day.description, r.policy, r.model, r.openKeyResults.grouped, r.events.grouped, r.undoable ? "yes" : "no"])
                }
                if !runs.isEmpty { print(table.render()) }
                print("\(count(runs.count, "run"))" + (runs.last.map { "; latest \($0.day) (`tandem runs undo\(db.map { " --db \(displayLocation($0))" } ?? "")` takes it back)" } ?? ""))
        }
    }

    struct Undo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take back the latest run: its decisions, forecasts and every change it made to the alert ledger.",
            discussion: """
            For a run made by mistake (a mistyped --as-of, the wrong policy): alerts it opened are removed, alerts it escalated, improved, updated or resolved are put back as they were, and its events leave the feed. The store is then exactly as before the run, and runs can go on from the week before. Repeat to take back more runs, latest first.

            Refused when an alert the run touched was acknowledged after it (the note would be lost; the acknowledgement stays), and for runs recorded by a Tandem older than this command. Webhook posts already delivered cannot be recalled; the output counts them.
            """
        )

        @Option(help: storeHelp)
        var db: String?

        @Option(name: .customLong("org-key"), help: orgKeyHelp)
        var orgKey: String?

        @Option(name: .customLong("as-of"), help: ArgumentHelp("Undo only if the latest run is of this day (a guard against taking back the wrong one).", valueName: "date"), transform: { try dayArgument($0, "--as-of") })
        var asOf: Day?

        func run() async throws {
            let day = asOf
            let store = try await openStore(db, .readWrite, orgKey)
            let undone = try await call { () async throws(ServiceError) in try await service.undoLatestRun(store: store, day: day) }
                print("undid the run of \(undone.day): \(count(undone.alertsRemoved, "alert")) it opened removed, \(count(undone.alertsRestored, "alert")) restored, \(count(undone.eventsRemoved, "ledger event")) removed"
                      + (undone.latestRun.map { "; the latest run is now \($0)" } ?? "; the store has no run now"))
                if undone.eventsDelivered > 0 {
                    print("note: \(count(undone.eventsDelivered, "event")) of that run had already reached a webhook; receivers keep what they got")
                }
        }
    }
}
