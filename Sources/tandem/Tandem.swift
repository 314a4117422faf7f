import ArgumentParser

@main
struct Tandem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Decide KPI, OKR or hybrid per unit, and forecast which key results are at risk.",
        discussion: """
        Tandem reads an organisation (YAML or JSON), its key results (CSV) and their check-ins
        (CSV). Start with `tandem validate` on your files, or on the bundled sample:

          tandem validate --org datasets/xinghai/org.yaml \\
                          --krs datasets/xinghai/krs.csv --checkins datasets/xinghai/checkins.csv
        """,
        subcommands: [Validate.self, Generate.self]
    )
}
