import ArgumentParser
import Foundation
import TandemCore
import TandemGenerator

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a sample organisation with key results and check-ins.",
        discussion: """
        Writes org.yaml, krs.csv and checkins.csv into the output directory. The same seed and sizes always give the same files. Up to 42 units follow the template of 星海科技 (Xinghai Technology); larger organisations add business groups. The last quarter is the one holding --as-of and is still open: its key results have no final value yet. The dynamics are described in datasets/README.md.
        """
    )

    @Option(help: "Random seed.")
    var seed: UInt64 = 2026

    @Option(help: "Number of units, the company included.")
    var units: Int = 42

    @Option(help: "Number of quarters; the last one is open.")
    var quarters: Int = 5

    @Flag(help: "Give every key result a cycle of its own (10 to 180 days, starting up to 60 days into its quarter), as real histories have.")
    var staggered = false

    @Option(name: .customLong("as-of"), help: ArgumentHelp("Export date (YYYY-MM-DD): check-ins stop here.", valueName: "date"))
    var asOf: String = "2026-11-18"

    @Option(help: ArgumentHelp("Directory to write the three files into.", valueName: "dir"))
    var out: String

    func validate() throws {
        // 100,000 units make about a million key results a quarter: beyond, the files would not
        // fit in memory on a machine like this one.
        guard (1...100_000).contains(units) else { throw ValidationError("--units must be between 1 and 100,000, found \(units)") }
        guard (1...400).contains(quarters) else { throw ValidationError("--quarters must be between 1 and 400") }
        let day = try asOfDay(asOf)
        // The quarters before it must be days too (the calendar starts at year 1).
        guard day.components.year <= 9000 else { throw ValidationError("--as-of must be before the year 9000, found '\(asOf)'") }
        guard day.components.year >= 1000 + quarters / 4 + 1 else { throw ValidationError("--as-of must be after the year \(1000 + quarters / 4), found '\(asOf)'") }
    }

    func run() throws {
        let day = try asOfDay(asOf)
        let configuration = GeneratorConfiguration(seed: seed, units: units, quarters: quarters, asOf: day, staggered: staggered)
        let dataset = DatasetGenerator.generate(configuration)
        try dataset.write(to: out)
        print("wrote \(out)/org.yaml (\(count(dataset.unitCount, "unit"))), \(out)/krs.csv (\(count(dataset.keyResultCount, "key result"))), \(out)/checkins.csv (\(count(dataset.checkInCount, "check-in")))")
    }
}
