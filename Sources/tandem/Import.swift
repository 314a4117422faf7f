import ArgumentParser
import Foundation
import TandemCore
import TandemImport
import TandemService
import TandemStore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an organisation, its key results and check-ins into a store (all or nothing).",
        discussion: """
        The files are checked first, exactly as `tandem validate` checks them; a file with any error imports nothing and the located diagnostics are printed. Otherwise everything is written in one transaction: units, attributes, key results and check-ins are added, or updated where their content differs. Importing the same files twice changes nothing; a later export adds its new check-ins. The store is an embedded SQLite file (created if missing); a killed import leaves it as it was before.

        Any of the three files can come alone: key results alone are checked against the organisation the store holds, check-ins alone against its key results (this week's check-in export, say: `tandem import --db tandem.db --checkins week48.csv`).

        Other tools' exports: --from FORMAT FILE… translates them into Tandem's units, key results and check-ins, prints what was mapped to what and what was skipped, and imports them the same way (all or nothing, errors at the export's own lines and columns):

          tandem import --db tandem.db --from mapping --mapping goals.yaml goals-export.csv

        jira: sprints as key results, from the REST API (the board's sprints, and their issues with changelog), JSON; or the issue CSV export ("Export CSV (all fields)") with the board's sprint list.
        asana: Asana Goals from the REST API (goals, and their status updates), JSON; --as-of dates their current values.
        lattice: Lattice goals from the REST API (goals, and goal updates), JSON.
        culture-amp: Culture Amp's individual goals CSV (key_result_N_title, key_result_N_completion, due_at, status); --as-of dates their completion.
        mapping: any CSV or JSON export, read as a mapping file says (columns, number and date formats, value translations; see the README). The export's units (teams, departments, projects) are found in the store by id or name, or added below --parent (default: the store's root); --unit puts every key result in one unit instead.
        """
    )

    @Option(name: .customLong("from"), help: ArgumentHelp("Import another tool's export: \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "format"))
    var from: ImportFormat?

    @Argument(help: ArgumentHelp("The export files (with --from).", valueName: "file"))
    var files: [String] = []

    @Option(help: ArgumentHelp("With --from mapping: the mapping file (YAML) that says how the export reads.", valueName: "file"))
    var mapping: String?

    @Option(help: ArgumentHelp("With --from: put every key result in this unit (its id), not in the export's own units.", valueName: "id"))
    var unit: String?

    @Option(help: ArgumentHelp("With --from: add the export's new units below this unit (default: the store's root, when it has one).", valueName: "id"))
    var parent: String?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("With --from asana or culture-amp: the day of the current values the export holds (default: today).", valueName: "date"),
            transform: { try dayArgument($0, "--as-of") })
    var asOf: Day?

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
        if let from {
            if organisation != nil || keyResults != nil || checkIns != nil { throw ValidationError("--from reads another tool's export; --org, --krs and --checkins are Tandem's own files: import them separately") }
            if files.isEmpty { throw ValidationError("--from \(from.rawValue) needs the export's files") }
            if from == .mapping && mapping == nil { throw ValidationError("--from mapping needs --mapping FILE, the mapping that says how the export reads") }
            if from != .mapping && mapping != nil { throw ValidationError("--mapping is for --from mapping") }
            if unit != nil && parent != nil { throw ValidationError("--unit puts every key result in one unit; --parent is for new units: give one of them") }
            if asOf != nil && from != .asana && from != .cultureAmp {
                throw ValidationError("--as-of dates the current values of an Asana or Culture Amp export; a \(from.rawValue) export dates its own values")
            }
            return
        }
        if !files.isEmpty { throw ValidationError("files without --from: Tandem's own files are given as --org, --krs, --checkins") }
        if mapping != nil || unit != nil || parent != nil { throw ValidationError("--mapping, --unit and --parent go with --from") }
        if organisation == nil && keyResults == nil && checkIns == nil {
            throw ValidationError("give at least one of --org, --krs, --checkins (Tandem's files), or --from FORMAT FILE… (another tool's export)")
        }
    }

    func run() async throws {
        if let from { return try await runForeign(from) }
        let request = ImportRequest(organisation: organisation, keyResults: keyResults, checkIns: checkIns)
        let location = try storeLocation(db)
        let outcome = try await Self.importing { () async throws(ServiceError) in try await service.importFiles(request, into: location, organisation: orgKey, actor: commandLineActor) }
        Self.printWarnings(outcome)
        Self.printSummary(outcome, location: location, what: "these files")
    }

    /// Runs an import; with errors in the files, prints them and that nothing was imported.
    static func importing<T>(_ body: () async throws(ServiceError) -> T) async throws -> T {
        do { return try await body() } catch {
            if case .invalidInput(let problems) = error {
                _ = failure(error, consequence: false)
                print("nothing imported: \(count(problems.errorCount, "error")) in the files above; the store is unchanged")
                throw ExitCode(1)
            }
            throw failure(error)
        }
    }

    static func printWarnings(_ outcome: ImportOutcome) {
        let renderer = DiagnosticRenderer(sources: outcome.sources)
        for item in DiagnosticLimiter.limit(outcome.warnings, perID: 3) {
            FileHandle.standardError.write(Data(item.text(renderer).utf8))
        }
    }

    static func printSummary(_ outcome: ImportOutcome, location: String, what: String) {
        let summary = outcome.summary
        if summary.isEmpty {
            print("nothing changed: \(displayLocation(location)) already holds everything in \(what)")
        } else {
            print("imported into \(displayLocation(location)): units \(summary.unitsAdded.grouped) added, \(summary.unitsChanged.grouped) changed; key results \(summary.keyResultsAdded.grouped) added, \(summary.keyResultsChanged.grouped) changed; check-ins \(summary.checkInsAdded.grouped) added, \(summary.checkInsChanged.grouped) changed")
        }
        let c = outcome.counts
        print("the store now holds \(count(c.units, "unit")), \(count(c.keyResults, "key result")), \(count(c.checkIns, "check-in")) from \(count(c.imports, "import"))")
    }

    func runForeign(_ format: ImportFormat) async throws {
        let location = try storeLocation(db)
        let request = ForeignImportRequest(format: format, files: files, mapping: mapping, placement: Placement(unit: unit, parent: parent), asOf: asOf)
        let outcome = try await Self.importing { () async throws(ServiceError) in try await service.importForeign(request, into: location, organisation: orgKey, actor: commandLineActor) }
        Self.printWarnings(outcome.imported)
        let report = outcome.report
        print("mapped " + report.mapped.map { "\($0.count.grouped) \($0.from) to \($0.to)" }.joined(separator: ", "))
        if !outcome.matchedUnits.isEmpty {
            let shown = outcome.matchedUnits.prefix(5).map { $0.name == $0.id ? $0.id : "\($0.name) → \($0.id)" }.joined(separator: ", ")
            print("units found in the store: \(outcome.matchedUnits.count.grouped) (\(shown)\(outcome.matchedUnits.count > 5 ? ", …" : ""))".terminalSafe)
        }
        if !outcome.newUnits.isEmpty {
            let shown = outcome.newUnits.prefix(5).map { $0.name == $0.id ? $0.id : "\($0.id) (\($0.name))" }.joined(separator: ", ")
            let below = outcome.newUnits[0].parentID.map { " below '\($0)'" } ?? " as roots"
            print("new units\(below): \(outcome.newUnits.count.grouped) (\(shown)\(outcome.newUnits.count > 5 ? ", …" : ""))".terminalSafe)
        }
        if !report.skipped.isEmpty {
            print("skipped \(report.skipped.count.grouped):")
            for s in report.skipped.prefix(10) { print("  \(s.at.map { "\($0): " } ?? "")\(s.what): \(s.why)".terminalSafe) }
            if report.skipped.count > 10 { print("  … \((report.skipped.count - 10).grouped) more") }
        }
        for note in report.notes { print("note: \(note)".terminalSafe) }
        Self.printSummary(outcome.imported, location: location, what: "this export")
    }
}

extension ImportFormat: ExpressibleByArgument {}
