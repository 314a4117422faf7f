import Foundation
import Testing
import TandemStore

/// The store backends a test runs against: the same test, parameterised.
///
/// PostgreSQL tests need a server: `make test` starts a throwaway cluster and passes its URL in
/// `TANDEM_TEST_POSTGRES`. Without it, those cases are cancelled, which the test report shows as
/// skipped with the reason; with `TANDEM_REQUIRE_POSTGRES=1` (CI), they fail instead.
public enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    public var testDescription: String { rawValue == "sqlite" ? "SQLite" : "PostgreSQL" }

    /// The cluster's URL (a database the tests may create databases beside).
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["TANDEM_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Stops this case when its backend is not there: skipped with the reason, or failed in CI.
    public func require() throws {
        guard self == .postgres, Self.postgresURL == nil else { return }
        let why = "no PostgreSQL cluster: TANDEM_TEST_POSTGRES is not set (`make test` starts one)"
        if ProcessInfo.processInfo.environment["TANDEM_REQUIRE_POSTGRES"] == "1" {
            Issue.record(Comment(rawValue: why + ", and TANDEM_REQUIRE_POSTGRES=1 says these tests must run"))
        }
        try Test.cancel(Comment(rawValue: why))
    }

    /// A new, empty store location of this backend: a file in a new folder, or a new database
    /// on the cluster. Removed by `scratch.remove()`.
    public func scratch() throws -> Scratch {
        try require()
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return Scratch(location: dir.appendingPathComponent("t.db").path, folder: dir, database: nil)
        case .postgres:
            let base = Self.postgresURL!
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
            try PostgresAdmin.execute(base, "CREATE DATABASE \(name)")
            let location = PostgresAdmin.replacingDatabase(base, with: name)
            return Scratch(location: location, folder: nil, database: (base, name))
        }
    }
}

/// A store location made for one test.
public final class Scratch: Sendable {
    public let location: String
    public let folder: URL?
    let database: (base: String, name: String)?

    init(location: String, folder: URL?, database: (base: String, name: String)?) {
        self.location = location
        self.folder = folder
        self.database = database
    }

    /// Opens the store at this location.
    public func open(_ access: StoreAccess = .create, organisation: String? = nil) throws -> any Store {
        try openStore(location, access: access, organisation: organisation)
    }

    public func remove() {
        if let folder { try? FileManager.default.removeItem(at: folder) }
        if let database { try? PostgresAdmin.execute(database.base, "DROP DATABASE IF EXISTS \(database.name) WITH (FORCE)") }
    }
}
