import ArgumentParser
import Foundation
import TandemCore
import TandemService
import TandemStore

/// The one service every command calls: the command line is a front end over it.
let service = TandemService()

/// How the command line names the shipped files in its options' defaults and help.
enum Shipped {
    static let policy = ShippedFiles.policyName
    static let model = ShippedFiles.modelName

    /// The file to read for an option whose default is a shipped file (see `ShippedFiles.resolve`).
    static func resolve(_ path: String, default shipped: String) -> String { service.shipped.resolve(path, default: shipped) }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Prints why a use case failed, as a person reads it, and gives the exit status: located
/// diagnostics (at most `perID` of a kind) for bad input, the store's or the rule's words
/// otherwise; 64 for a malformed request, 1 for the rest.
///
/// - Parameter consequence: printed on standard output after input problems (what was not done).
func failure(_ error: ServiceError, perID: Int = 3, consequence: Bool = true) -> any Error {
    switch error {
    case .invalidInput(let problems):
        let renderer = DiagnosticRenderer(sources: problems.sources)
        for item in DiagnosticLimiter.limit(problems.diagnostics, perID: perID) {
            FileHandle.standardError.write(Data(item.text(renderer).utf8))
        }
        if consequence { print("\(problems.consequence): \(count(problems.errorCount, "error")) in the files above") }
        return ExitCode(1)
    case .invalidRequest(let words):
        return ValidationError(words)
    default:
        printError(error.description)
        return ExitCode(1)
    }
}

/// Runs a use case and turns its failure into a printed error and an exit status.
func call<T>(perID: Int = 3, consequence: Bool = true, _ body: () async throws(ServiceError) -> T) async throws -> T {
    do { return try await body() } catch { throw failure(error, perID: perID, consequence: consequence) }
}

/// The `--db` option's help, the same for every command.
let storeHelp = ArgumentHelp("The store: an SQLite file, or a PostgreSQL database (postgres://user@host:port/database?sslmode=…; the password from PGPASSWORD rather than the URL). Default: $TANDEM_DB.",
                             valueName: "file|url")

/// The store a command names: `--db`, or else the `TANDEM_DB` variable (which keeps a
/// PostgreSQL URL, password included, off the command line and out of the shell's history).
func storeLocation(_ db: String?) throws -> String {
    if let db { return db }
    if let fromEnvironment = ProcessInfo.processInfo.environment["TANDEM_DB"], !fromEnvironment.isEmpty { return fromEnvironment }
    printError("error: no store given: --db FILE (SQLite) or --db postgres://… (PostgreSQL), or set TANDEM_DB")
    throw ExitCode(2)
}

/// The `--org-key` option's help, the same for every command that reads or writes a store.
let orgKeyHelp = ArgumentHelp("The organisation within the store (its key); by default the one the store holds.", valueName: "key")

/// Opens a store for this command; every store a command opened is closed before the process
/// ends (`Tandem.main`), so that SQLite folds its journal back into the file.
func openStore(_ db: String?, _ access: StoreAccess, _ organisation: String? = nil) async throws -> any Store {
    let location = try storeLocation(db)
    let store = try await call(consequence: false) { () async throws(ServiceError) in
        try await service.openStore(location, access: access, organisation: organisation)
    }
    OpenStores.shared.add(store)
    return store
}

/// The stores this process opened, to close at its end.
final class OpenStores: @unchecked Sendable {
    static let shared = OpenStores()
    private let lock = NSLock()
    private var stores: [any Store] = []

    func add(_ store: any Store) {
        lock.lock()
        defer { lock.unlock() }
        stores.append(store)
    }

    /// Closes them all; a store that cannot be closed (still busy) is left to the system, which
    /// loses nothing: SQLite's journal is durable and is folded back at the next opening.
    func closeAll() {
        lock.lock()
        let list = stores
        stores = []
        lock.unlock()
        for s in list { try? s.close() }
    }
}
