import ArgumentParser

@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Decide KPI, OKR or hybrid per unit, forecast which key results are at risk, and keep the alert ledger.",
        discussion: """
        Tandem reads an organisation (YAML or JSON), its key results (CSV) and their check-ins (CSV). A policy (Models/selection.policy) decides each unit's mode; a forecast model (Models/kr-forecast.json) gives each key result's probability of success; a SQLite store keeps the weekly runs and the alert ledger. Start by checking your files, or the bundled sample 星海科技:

          tandem validate --org datasets/xinghai/org.yaml
            --krs datasets/xinghai/krs.csv
            --checkins datasets/xinghai/checkins.csv

        Then: tandem diagnose --org …; tandem forecast --krs … --checkins …; tandem import --db tandem.db …; tandem run --db tandem.db --as-of DATE; tandem alerts --db tandem.db; tandem runs undo --db tandem.db takes a mistaken run back. The file formats and every command are described in the README.
        """,
        subcommands: [Validate.self, Import.self, StoreInfo.self, Run.self, Runs.self, Alerts.self, Ack.self, Snooze.self, Feed.self, Check.self, Diagnose.self, PolicyTest.self, Diff.self, Train.self, Evaluate.self, Backtest.self, Forecast.self, WhatIf.self, Sensitivity.self, Generate.self, Serve.self, Users.self, Tokens.self, Audit.self, Export.self, People.self, Notify.self]
    )

    /// Parses and runs the command as ArgumentParser does, then closes the stores it opened.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
            OpenStores.shared.closeAll()
        } catch {
            OpenStores.shared.closeAll()
            exit(withError: error)
        }
    }
}
