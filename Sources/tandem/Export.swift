import ArgumentParser
import Foundation
import TandemCore
import TandemService
import TandemStore

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export alerts, decisions, forecasts or key results as CSV or JSON Lines, for spreadsheets and other tools.",
        discussion: """
        Filtered as the commands that list the same things: --unit (the unit and every unit below it) for all four; --owner for alerts, forecasts and key results; --severity, --status and --kr for alerts; --day and --kr for forecasts; --day for decisions (default: the latest run). Alerts without --status are the live ones (open and acknowledged), as `tandem alerts` lists them.

        CSV is RFC 4180 (CRLF, quotes doubled), UTF-8; a text a spreadsheet would take for a formula (=, +, -, @) starts with a ' so that it stays text; numbers are plain (a dot, no thousands separator). --bom starts the file with a UTF-8 byte-order mark, which Excel needs to read Chinese text. JSON Lines: one object a line, the same columns as keys, numbers as numbers, missing values null.

        --as EMAIL exports what that dashboard account may see and nothing more: OKRs for everyone, KPI details for their owner, the leads above them, HR and admins; a decision's outcome and lean for those who see the unit's whole story.

        With --out the file is written whole or not at all (a temporary file, then renamed). For example:

          tandem export --db tandem.db --what alerts --severity critical --format csv --bom --out critical.csv
          tandem export --db tandem.db --what forecasts --unit rd --format jsonl
          tandem export --db tandem.db --what key-results --as lead@example.com --format csv
        """)

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: ArgumentHelp("What to export: alerts, decisions, forecasts or key-results.", valueName: "what"))
    var what: ExportKind
    @Option(help: "csv or jsonl (JSON Lines).") var format: ExportWriter.Format = .csv
    @Option(help: ArgumentHelp("Write to this file (whole or not at all) instead of standard output.", valueName: "file"))
    var out: String?
    @Flag(help: "Begin the CSV with a UTF-8 byte-order mark (for Excel).") var bom = false
    @Option(name: .customLong("as"), help: ArgumentHelp("Export only what this dashboard account may see.", valueName: "email"))
    var account: String?

    @Option(help: "Only this unit and the units below it (its id).") var unit: String?
    @Option(help: "Only key results of this owner.") var owner: String?
    @Option(help: "Alerts: only this severity (info, warning, critical).") var severity: AlertSeverity?
    @Option(help: "Alerts: only this status (open, acked, resolved; default open and acked).") var status: AlertStatus?
    @Option(help: ArgumentHelp("Decisions and forecasts: the run of this day (YYYY-MM-DD).", valueName: "date"), transform: { try dayArgument($0, "--day") })
    var day: Day?
    @Option(help: ArgumentHelp("Alerts and forecasts: only this key result (its id).", valueName: "id")) var kr: String?

    func validate() throws {
        if bom && format != .csv { throw ValidationError("--bom is for CSV") }
    }

    func run() async throws {
        let store = try await openStore(db, .readOnly, orgKey)
        let filter = ExportFilter(unit: unit, owner: owner, severity: severity, status: status, day: day, keyResult: kr)
        let table = try await call { () async throws(ServiceError) in try await service.export(what, filter: filter, store: store, as: account) }
        let noun = what == .keyResults ? "key result" : String(what.rawValue.dropLast())
        guard let out else {
            // A failed write (a full disk, a closed pipe) is said, not a crash.
            do {
                try ExportWriter.write(table, format: format, bom: bom) { try FileHandle.standardOutput.write(contentsOf: Data($0.utf8)) }
            } catch {
                printError("error: cannot write the export to standard output (\(error.localizedDescription))")
                throw ExitCode(1)
            }
            printError("exported \(count(table.rows.count, noun)) (\(format.rawValue))")
            return
        }
        try Self.writeWhole(out) { handle in
            try ExportWriter.write(table, format: format, bom: bom) { try handle.write(contentsOf: Data($0.utf8)) }
        }
        print("exported \(count(table.rows.count, noun)) to \(out) (\(format.rawValue))")
    }
}

extension Export {
    /// Writes a file whole or not at all: a temporary file beside it, then renamed over it in one
    /// step, keeping the permissions of the file it replaces. Only a regular file (or a new one)
    /// is replaced: a device, a pipe, a folder or a symbolic link at the path is refused.
    static func writeWhole(_ path: String, _ body: (FileHandle) throws -> Void) throws {
        let target = URL(fileURLWithPath: path)
        func fail(_ why: String) -> any Error {
            printError("error: \(path): \(why); nothing was written")
            return ExitCode(1)
        }
        var info = stat()
        let exists = lstat(path, &info) == 0
        if exists && (info.st_mode & S_IFMT) != S_IFREG {
            throw fail((info.st_mode & S_IFMT) == S_IFLNK ? "is a symbolic link; give the file it points to" : "is not a regular file")
        }
        let folder = target.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else { throw fail("there is no folder \(folder)") }
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".tandem-export-\(ProcessInfo.processInfo.processIdentifier).tmp")
        let mode = exists ? info.st_mode & 0o7777 : 0o644
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, mode_t(mode))
        guard fd >= 0 else { throw fail("cannot create a file in \(folder) (\(String(cString: strerror(errno))))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        do {
            try body(handle)
            try handle.synchronize()
            // The mode of the file replaced (the umask narrowed it at creation).
            _ = fchmod(fd, mode_t(mode))
            try handle.close()
            guard rename(temporary.path, target.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))]) }
        } catch {
            try? handle.close()
            unlink(temporary.path)
            throw fail("cannot write the export (\(error.localizedDescription))")
        }
    }
}

extension ExportKind: ExpressibleByArgument {}
extension ExportWriter.Format: ExpressibleByArgument {}
