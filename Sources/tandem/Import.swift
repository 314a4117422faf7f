import ArgumentParser
import Foundation
import TandemCore
import TandemStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an organisation, its key results and check-ins into a store (all or nothing).",
        discussion: """
        The files are checked first, exactly as `tandem validate` checks them; a file with any error imports nothing and the located diagnostics are printed. Otherwise everything is written in one transaction: units, attributes, key results and check-ins are added, or updated where their content differs. Importing the same files twice changes nothing; a later export adds its new check-ins. The store is an embedded SQLite file (created if missing); a killed import leaves it as it was before.
        """
    )

    @Option(help: ArgumentHelp("The store: an SQLite file, created if missing.", valueName: "file"))
    var db: String

    @Option(name: .customLong("org"), help: ArgumentHelp("Organisation file, YAML or JSON.", valueName: "file"))
    var organisation: String

    @Option(name: .customLong("krs"), help: ArgumentHelp("Key-result CSV file.", valueName: "file"))
    var keyResults: String

    @Option(name: .customLong("checkins"), help: ArgumentHelp("Check-in CSV file.", valueName: "file"))
    var checkIns: String

    func run() throws {
        let load = DatasetLoader.load(org: organisation, krs: keyResults, checkins: checkIns)
        let renderer = DiagnosticRenderer(sources: load.sources)
        for item in DiagnosticLimiter.limit(load.diagnostics, perID: 3) {
            FileHandle.standardError.write(Data(item.text(renderer).utf8))
        }
        guard let dataset = load.dataset else {
            print("nothing imported: \(count(load.diagnostics.counts.errors, "error")) in the files above; the store is unchanged")
            throw ExitCode(1)
        }
        do {
            let store = try TandemStore(path: db)
            let summary = try store.importDataset(dataset, files: [organisation, keyResults, checkIns])
            if summary.isEmpty {
                print("nothing changed: \(db) already holds everything in these files")
            } else {
                print("imported into \(db): units \(summary.unitsAdded.grouped) added, \(summary.unitsChanged.grouped) changed; key results \(summary.keyResultsAdded.grouped) added, \(summary.keyResultsChanged.grouped) changed; check-ins \(summary.checkInsAdded.grouped) added, \(summary.checkInsChanged.grouped) changed")
            }
            let c = try store.counts()
            print("the store now holds \(count(c.units, "unit")), \(count(c.keyResults, "key result")), \(count(c.checkIns, "check-in")) from \(count(c.imports, "import"))")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
