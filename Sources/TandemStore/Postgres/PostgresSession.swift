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
    private(set) var connection: PostgresConnection
    let address: PostgresAddress
    let logger: Logger
    private let lock = NSLock()

    /// The longest any one statement may take before the connection is given up: longer than
    /// the write lock's wait (60 s) and any statement Tandem sends (a batch of 20,000 rows takes
    /// about a second), so that a server that stops answering ends in an error, never a hang.
    static let statementDeadline = TimeAmount.seconds(150)
    /// How long a transaction's first statement may take: it runs at once on a live connection.
    static let beginDeadline = TimeAmount.seconds(15)

    private init(connection: PostgresConnection, address: PostgresAddress, logger: Logger) {
        self.connection = connection
        self.address = address
        self.logger = logger
    }

    /// Connects to `address`, with TLS as its `sslmode` asks.
    static func connect(_ address: PostgresAddress) throws -> PostgresSession {
        var logger = Logger(label: "tandem.store.postgres")
        // postgres-nio logs each query's text and parameters at debug level; nothing below
        // warnings is wanted on a user's terminal.
        logger.logLevel = .warning
        return PostgresSession(connection: try open(address, logger: logger), address: address, logger: logger)
    }

    private static func open(_ address: PostgresAddress, logger: Logger) throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(host: address.host, port: address.port, username: address.user,
                                                             password: address.password, database: address.database, tls: try tls(address))
        configuration.options.connectTimeout = .seconds(Int64(address.connectTimeout))
        // verify-full checks the certificate against the host name given (postgres-nio sends no
        // name for an IP address; NIOSSL then checks the certificate's IP addresses).
        if address.sslMode == .verifyFull, !address.hostIsIPAddress { configuration.options.tlsServerName = address.host }
        let group = MultiThreadedEventLoopGroup.singleton
        let connecting = PostgresConnection.connect(on: group.next(), configuration: configuration, id: 1, logger: logger)
        // The connection's own timeout covers the TCP connection; this one the whole start-up
        // (TLS, authentication) against a server that accepts and then says nothing.
        return try wait(connecting, deadline: .seconds(Int64(address.connectTimeout) + 5), onTimeout: { connecting.whenSuccess { drop($0) } })
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
        let connection = self.connection
        lock.unlock()
        if first { _ = try? Self.wait(connection.close(), deadline: .seconds(5)) }
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

    /// Closes a connection without waiting (on a timer's thread, or for one given up).
    static func drop(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// The server did not answer within a deadline.
    struct Timeout: Error, CustomStringConvertible {
        var seconds: Int64
        var description: String { "the server did not answer within \(seconds) s; the connection was closed" }
    }

    /// The connection was closed under a statement (the server ended the session).
    struct Lost: Error, CustomStringConvertible {
        var description: String {
            "the connection to the server was lost (the server ended the session: a restart, an administrator, a network break); nothing of this transaction was written"
        }
    }

    /// Waits for `future`, at most `deadline`; past it, `onTimeout` runs (it closes the
    /// connection, failing what was sent) and ``Timeout`` is thrown. With `watch`, the wait also
    /// ends, with ``Lost``, within a second of that connection closing: postgres-nio does not
    /// always fail a statement whose connection the server ended in the middle.
    static func wait<T: Sendable>(_ future: EventLoopFuture<T>, deadline: TimeAmount, watch: PostgresConnection? = nil,
                                  onTimeout: @escaping @Sendable () -> Void = {}) throws -> T {
        let promise = future.eventLoop.makePromise(of: T.self)
        future.cascade(to: promise)
        let seconds = deadline.nanoseconds / 1_000_000_000
        let timer = future.eventLoop.scheduleTask(in: deadline) {
            promise.fail(Timeout(seconds: seconds))
            onTimeout()
        }
        defer { timer.cancel() }
        var watcher: RepeatedTask?
        if let watch {
            watcher = future.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                if watch.isClosed { promise.fail(Lost()) }
            }
        }
        defer { watcher?.cancel() }
        return try promise.futureResult.wait()
    }

    /// Runs `body` as one transaction: committed when it returns, rolled back when it throws.
    ///
    /// A connection the server closed while it sat idle (an idle-session timeout, a restart, a
    /// network break while a run computed) is opened again before the transaction begins:
    /// nothing was sent on it since the last transaction ended, so nothing is lost.
    func transaction<T>(_ begin: String, _ body: (PostgresSession) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            if connection.isClosed { throw Timeout(seconds: 0) }
            try execute(PostgresQuery(unsafeSQL: begin), deadline: Self.beginDeadline)
        } catch {
            // Once: a fresh connection, then the error as it comes.
            Self.drop(connection)
            connection = try Self.open(address, logger: logger)
            try execute(PostgresQuery(unsafeSQL: begin), deadline: Self.beginDeadline)
        }
        do {
            let value = try body(self)
            try execute("COMMIT")
            return value
        } catch {
            // (A connection already gone has rolled back on the server.)
            if !connection.isClosed { _ = try? execute("ROLLBACK", deadline: Self.beginDeadline) }
            throw error
        }
    }

    /// Runs one statement and collects its rows.
    func query(_ query: PostgresQuery) throws -> PostgresQueryResult {
        let connection = self.connection
        return try Self.wait(connection.query(query, logger: logger), deadline: Self.statementDeadline, watch: connection,
                             onTimeout: { Self.drop(connection) })
    }

    /// Runs one statement; the number of rows it changed (or returned).
    @discardableResult
    func execute(_ query: PostgresQuery, deadline: TimeAmount = statementDeadline) throws -> Int {
        let connection = self.connection
        return try Self.wait(connection.query(query, logger: logger), deadline: deadline, watch: connection,
                             onTimeout: { Self.drop(connection) }).metadata.rows ?? 0
    }

    /// Runs one statement and hands each row to `body` as it arrives (on the connection's
    /// thread, while this one waits): a large result is never held whole.
    func forEachRow(_ query: PostgresQuery, _ body: @escaping @Sendable (PostgresRow) throws -> Void) throws {
        let connection = self.connection
        _ = try Self.wait(connection.query(query, logger: logger, body), deadline: Self.statementDeadline, watch: connection,
                          onTimeout: { Self.drop(connection) })
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

/// Sessions to one database, each lent for one transaction at a time: transactions from several
/// threads (the server's requests) run side by side instead of queueing for one connection.
/// A session is connected only when every other is busy, up to `limit`; beyond that a caller waits
/// for one to come back. One caller at a time (a command) never uses more than one.
final class PostgresPool: @unchecked Sendable {
    let address: PostgresAddress
    let limit: Int
    private let condition = NSCondition()
    private var idle: [PostgresSession]
    /// Sessions connected and not closed: idle or lent.
    private var count: Int
    private var closed = false

    /// A pool holding `first` (already connected, the schema checked through it).
    init(first: PostgresSession, limit: Int) {
        address = first.address
        self.limit = max(1, limit)
        idle = [first]
        count = 1
    }

    /// Runs `body` as one transaction on a session of the pool (``PostgresSession/transaction(_:_:)``).
    func transaction<T>(_ begin: String, _ body: (PostgresSession) throws -> T) throws -> T {
        let session = try borrow()
        defer { giveBack(session) }
        return try session.transaction(begin, body)
    }

    private func borrow() throws -> PostgresSession {
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw Closed()
            }
            if let session = idle.popLast() {
                condition.unlock()
                return session
            }
            if count < limit {
                count += 1
                condition.unlock()
                do {
                    return try PostgresSession.connect(address)
                } catch {
                    condition.lock()
                    count -= 1
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            condition.wait()
        }
    }

    private func giveBack(_ session: PostgresSession) {
        condition.lock()
        if closed {
            count -= 1
            condition.unlock()
            session.close()
            return
        }
        idle.append(session)
        condition.signal()
        condition.unlock()
    }

    /// Closes the idle sessions now, and each lent one when it comes back; later transactions fail.
    func close() {
        condition.lock()
        closed = true
        let sessions = idle
        idle = []
        count -= sessions.count
        condition.broadcast()
        condition.unlock()
        for session in sessions { session.close() }
    }

    struct Closed: Error, CustomStringConvertible {
        var description: String { "the store was closed" }
    }
}
