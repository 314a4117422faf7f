import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One connection to the server, used synchronously: the `Store` protocol is synchronous (the
/// service calls it on a queue of its own, never on Swift's cooperative pool), and postgres-nio's
/// futures can be waited on from such a thread. One transaction at a time (a lock).
final class PostgresSession: @unchecked Sendable {
    let connection: PostgresConnection
    let logger: Logger
    private let lock = NSLock()

    private init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Connects to `address`, with TLS as its `sslmode` asks.
    static func connect(_ address: PostgresAddress) throws -> PostgresSession {
        var logger = Logger(label: "tandem.store.postgres")
        // postgres-nio logs each query's text and parameters at debug level; nothing below
        // warnings is wanted on a user's terminal.
        logger.logLevel = .warning
        var configuration = PostgresConnection.Configuration(host: address.host, port: address.port, username: address.user,
                                                             password: address.password, database: address.database, tls: try tls(address))
        configuration.options.connectTimeout = .seconds(Int64(address.connectTimeout))
        let group = MultiThreadedEventLoopGroup.singleton
        let connection = try PostgresConnection.connect(on: group.next(), configuration: configuration, id: 1, logger: logger).wait()
        return PostgresSession(connection: connection, logger: logger)
    }

    static func tls(_ address: PostgresAddress) throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch address.sslMode {
        case .disable:
            return .disable
        case .allow, .prefer, .require:
            // libpq checks no certificate in these modes: the link is encrypted, not authenticated.
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let root = address.sslRootCert {
            guard FileManager.default.isReadableFile(atPath: root) else {
                throw PostgresAddress.AddressError("sslrootcert '\(root)' cannot be read")
            }
            tls.trustRoots = .file(root)
        }
        let context = try NIOSSLContext(configuration: tls)
        switch address.sslMode {
        case .require, .verifyCA, .verifyFull: return .require(context)
        default: return .prefer(context)
        }
    }

    private var closed = false

    /// Closes the connection (once; later calls do nothing).
    func close() {
        lock.lock()
        let first = !closed
        closed = true
        lock.unlock()
        if first { try? connection.close().wait() }
    }

    deinit {
        // A store dropped without close(): the connection is closed anyway (without waiting: the
        // last reference may go on the connection's own thread).
        if !closed {
            let connection = self.connection
            let future: EventLoopFuture<Void> = connection.close()
            future.whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    /// Runs `body` as one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ begin: String, _ body: (PostgresSession) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        try execute(PostgresQuery(unsafeSQL: begin))
        do {
            let value = try body(self)
            try execute("COMMIT")
            return value
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs one statement and collects its rows.
    func query(_ query: PostgresQuery) throws -> PostgresQueryResult {
        try connection.query(query, logger: logger).wait()
    }

    /// Runs one statement; the number of rows it changed (or returned).
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try connection.query(query, logger: logger).wait().metadata.rows ?? 0
    }

    /// Runs one statement and hands each row to `body` as it arrives (on the connection's
    /// thread, while this one waits): a large result is never held whole.
    func forEachRow(_ query: PostgresQuery, _ body: @escaping @Sendable (PostgresRow) throws -> Void) throws {
        _ = try connection.query(query, logger: logger, body).wait()
    }

    /// The first column of the first row, or nil.
    func scalar<T: PostgresDecodable>(_ query: PostgresQuery, as: T.Type = T.self) throws -> T? where T._DecodableType == T {
        for row in try self.query(query) { return try row.decode(T?.self) }
        return nil
    }
}

/// A mutable box the row callback fills while the caller waits (the callback runs on the
/// connection's event loop; the caller reads only after the query's future completed).
final class RowSink<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Statements outside any store, for tools and tests that prepare a server (create or drop a
/// database); errors in words, never with the password.
public enum PostgresAdmin {
    /// Runs one statement, outside a transaction (CREATE DATABASE cannot run in one).
    public static func execute(_ url: String, _ sql: String) throws(StoreError) {
        let address: PostgresAddress
        do { address = try PostgresAddress(url) } catch {
            throw StoreError(location: redactedAddress(url), operation: "open", message: error.description, kind: .unavailable)
        }
        let session: PostgresSession
        do { session = try PostgresSession.connect(address) } catch {
            throw PostgresStore.failure(error, location: address.redacted, operation: "open", connecting: true)
        }
        defer { session.close() }
        do { try session.execute(PostgresQuery(unsafeSQL: sql)) } catch {
            throw PostgresStore.failure(error, location: address.redacted, operation: "prepare")
        }
    }

    /// The same address with another database.
    public static func replacingDatabase(_ url: String, with database: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + database
        return components.string ?? url
    }
}
