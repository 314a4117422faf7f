import ArgumentParser

@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Goal-management data checked and summarised: the ground for deciding KPI, OKR or hybrid per unit and for forecasting key results.",
        discussion: """
        Tandem reads an organisation (YAML or JSON), its key results (CSV) and their check-ins (CSV). Start by checking your files, or the bundled sample 星海科技:

          tandem validate --org datasets/xinghai/org.yaml
            --krs datasets/xinghai/krs.csv
            --checkins datasets/xinghai/checkins.csv

        The file formats are described in the README.
        """,
        subcommands: [Validate.self, Import.self, StoreInfo.self, Run.self, Alerts.self, Ack.self, Feed.self, Check.self, Diagnose.self, PolicyTest.self, Diff.self, Train.self, Evaluate.self, Backtest.self, Forecast.self, Generate.self]
    )
}
