import ArgumentParser
import Foundation
import TandemCore
import TandemService
import TandemStore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an organisation, its key results and check-ins into a store (all or nothing).",
        discussion: """
        The files are checked first, exactly as `tandem validate` checks them; a file with any error imports nothing and the located diagnostics are printed. Otherwise everything is written in one transaction: units, attributes, key results and check-ins are added, or updated where their content differs. Importing the same files twice changes nothing; a later export adds its new check-ins. The store is an embedded SQLite file (created if missing); a killed import leaves it as it was before.

        Any of the three files can come alone: key results alone are checked against the organisation the store holds, check-ins alone against its key results (this week's check-in export, say: `tandem import --db tandem.db --checkins week48.csv`).
        """
    )

    @Option(help: ArgumentHelp("The store: an SQLite file, created if missing, or a PostgreSQL database (postgres://user@host:port/database?sslmode=…), its tables created if missing; the password from PGPASSWORD. Default: $TANDEM_DB.", valueName: "file|url"))
    var db: String?

    @Option(name: .customLong("org-key"), help: ArgumentHelp("The organisation within the store to import into (its key); by default the one the store holds, or 'default' in a new store.", valueName: "key"))
    var orgKey: String?

    @Option(name: .customLong("org"), help: ArgumentHelp("Organisation file, YAML or JSON.", valueName: "file"))
    var organisation: String?

    @Option(name: .customLong("krs"), help: ArgumentHelp("Key-result CSV file.", valueName: "file"))
    var keyResults: String?

    @Option(name: .customLong("checkins"), help: ArgumentHelp("Check-in CSV file.", valueName: "file"))
    var checkIns: String?

    func validate() throws {
        if organisation == nil && keyResults == nil && checkIns == nil {
            throw ValidationError("give at least one of --org, --krs, --checkins")
        }
    }

    func run() async throws {
        let request = ImportRequest(organisation: organisation, keyResults: keyResults, checkIns: checkIns)
        let location = try storeLocation(db)
        let outcome: ImportOutcome
        do { outcome = try await service.importFiles(request, into: location, organisation: orgKey) } catch {
            if case .invalidInput(let problems) = error {
                _ = failure(error, consequence: false)
                print("nothing imported: \(count(problems.errorCount, "error")) in the files above; the store is unchanged")
                throw ExitCode(1)
            }
            throw failure(error)
        }
        let renderer = DiagnosticRenderer(sources: outcome.sources)
        for item in DiagnosticLimiter.limit(outcome.warnings, perID: 3) {
            FileHandle.standardError.write(Data(item.text(renderer).utf8))
        }
        let summary = outcome.summary
        if summary.isEmpty {
            print("nothing changed: \(displayLocation(location)) already holds everything in these files")
        } else {
            print("imported into \(displayLocation(location)): units \(summary.unitsAdded.grouped) added, \(summary.unitsChanged.grouped) changed; key results \(summary.keyResultsAdded.grouped) added, \(summary.keyResultsChanged.grouped) changed; check-ins \(summary.checkInsAdded.grouped) added, \(summary.checkInsChanged.grouped) changed")
        }
        let c = outcome.counts
        print("the store now holds \(count(c.units, "unit")), \(count(c.keyResults, "key result")), \(count(c.checkIns, "check-in")) from \(count(c.imports, "import"))")
    }
}
