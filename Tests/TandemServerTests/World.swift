import Foundation
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdTesting
import NIOCore
import ServiceLifecycle
import Testing
import TandemCore
@testable import TandemEngine
import TandemServer
import TandemService
import TandemStore
import TandemTestSupport

/// A small organisation with a key result of every kind in every position the rights care
/// about, an alert on each, and one account per role:
///
///     co 星海 ─ sales 销售部 ─ sales.east 华东大区
///            └ rd 研发中心 ─ rd.app 应用组 (managed by KPI)
final class World: Sendable {
    let scratch: Scratch
    let state: ServerState
    var day: Day { Day(iso: "2026-10-14")! }
    /// Alert ids by key result.
    let alert: [String: Int64]
    /// Bearer tokens by account.
    let token: [String: String]

    static let password = "correct horse battery"

    /// Key results: id → (unit, kind, owner).
    static let keyResults = SmallOrganisation.keyResults

    /// Accounts: email → (role, units, person).
    static let accounts: [(email: String, role: Role, units: [String], person: String?)] = [
        ("admin@x.cn", .admin, [], nil),
        ("hr@x.cn", .hr, [], nil),
        ("strategy@x.cn", .strategy, [], nil),
        ("lead.sales@x.cn", .lead, ["sales"], "王芳"),
        ("lead.east@x.cn", .lead, ["sales.east"], nil),
        ("zhang@x.cn", .member, [], "张伟"),
        ("li@x.cn", .member, [], "李娜"),
    ]

    init(_ backend: Backend) throws {
        let scratch = try backend.scratch()
        self.scratch = scratch
        let store = try scratch.open(.create)
        let day = Day(iso: "2026-10-14")!
        let units = SmallOrganisation.units
        _ = try store.importDataset(SmallOrganisation.dataset(Self.keyResults), files: ["world"])
        let observations = Self.keyResults.map { k in
            Observation(keyResultID: k.id, unitID: k.unit, owner: k.owner, title: "目标 \(k.id)", pSuccess: 0.2, progress: 0.1, elapsed: 0.3,
                        severity: .warning, rules: ["可能落空"], reasons: "P(success) 0.20")
        }
        let decisions = units.map { StoredDecision(day: day, unitID: $0.id, mode: $0.id == "rd.app" ? .kpi : .okr, outcome: nil, lean: 0) }
        let basis = try store.runBasis(day: day)
        let write = RunWrite(day: day, policy: "p", model: "m", decisions: decisions,
                             forecasts: observations.map { StoredForecast(day: day, keyResultID: $0.keyResultID, pSuccess: 0.2, progress: 0.1, elapsed: 0.3) },
                             transitions: Ledger.transitions(live: basis.liveAlerts, observations: observations, day: day), policyVersion: nil)
        _ = try store.recordRun(write, generation: basis.generation)
        var alert: [String: Int64] = [:]
        for a in try store.alerts() { alert[a.keyResultID] = a.id }
        self.alert = alert
        var token: [String: String] = [:]
        for a in Self.accounts {
            _ = try AccountService.addAccount(store: store, email: a.email, name: "账户 \(a.email)", role: a.role, units: a.units, person: a.person,
                                              password: Self.password, cost: 4, actor: "test")
            token[a.email] = try AccountService.createToken(store: store, email: a.email, label: "test", actor: "test").secret
        }
        self.token = token
        state = ServerState(configuration: ServerConfiguration(store: scratch.location, signInAttempts: 5), store: store)
    }

    func close() {
        try? state.store.close()
        scratch.remove()
    }

    var app: some ApplicationProtocol {
        var logger = Logger(label: "tandem.test")
        logger.logLevel = .warning
        return Application(router: TandemServer.router(state: state), logger: logger)
    }
}

extension World {
    /// Serves the application `tandem serve` runs over this world's store, on a port of loopback
    /// the system chooses, for as long as `body` runs; `configure` changes its configuration.
    /// Not HummingbirdTesting's `.live`: its client gives up after 20 s without a byte, and with
    /// the whole suite on two cores the server's first answer has taken longer than that.
    func live(_ configure: (inout ServerConfiguration) throws -> Void = { _ in }, _ body: (TestClient) async throws -> Void) async throws {
        var configuration = state.configuration
        configuration.port = 0
        try configure(&configuration)
        let state = ServerState(configuration: configuration, store: state.store)
        var logger = Logger(label: "tandem.test")
        logger.logLevel = .warning
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let app = TandemServer.application(state: state, logger: logger) { channel in
            listening.yield(channel.localAddress?.port ?? -1)
            listening.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            #expect(port > 0)
            let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(600)))
            client.connect()
            var failure: (any Error)?
            do { try await body(client) } catch { failure = error }
            try await client.shutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
    }
}

/// A signed-in browser in a test: its cookie and the CSRF token of its forms.
struct Browser {
    var cookie: String
    var csrf: String

    var headers: HTTPFields { [.cookie: cookie] }
}

extension TestClientProtocol {
    /// Signs in through the form, then reads the CSRF token off the inbox.
    func signIn(_ email: String, password: String = World.password) async throws -> Browser {
        let cookie: String = try await execute(uri: "/signin", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                               body: ByteBuffer(string: "email=\(email)&password=\(password.replacingOccurrences(of: " ", with: "+"))&next=/inbox")) { r in
            #expect(r.status == .seeOther, "sign-in of \(email)")
            let setCookie = r.headers[.setCookie] ?? ""
            return String(setCookie.split(separator: ";").first ?? "")
        }
        let csrf: String = try await execute(uri: "/inbox", method: .get, headers: [.cookie: cookie]) { r in
            let page = String(buffer: r.body)
            guard let range = page.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression) else { return "" }
            return String(page[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
        }
        return Browser(cookie: cookie, csrf: csrf)
    }

    func get(_ uri: String, _ headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }

    func form(_ uri: String, _ browser: Browser?, _ fields: [String: String]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let browser { headers[.cookie] = browser.cookie }
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func json(_ uri: String, token: String, _ body: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                          body: ByteBuffer(string: body))
    }
}
