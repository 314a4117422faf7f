import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TandemCore
import TandemService
import TandemStore

/// The dashboard and its API: `tandem serve`.
public enum TandemServer {
    /// The router with every page, API route and asset, over one open store.
    public static func router(state: ServerState) -> Router<TandemContext> {
        let router = Router(context: TandemContext.self, options: .autoGenerateHeadEndpoints)
        // Order matters: a middleware applies to the routes added after it.
        router.add(middleware: ClientAddress(proxies: state.configuration.trustedProxies))
        router.add(middleware: RequestLog())
        router.add(middleware: SecurityHeaders())
        router.add(middleware: ErrorAnswers())
        router.add(middleware: Authentication(state: state))
        router.get("/healthz") { _, _ in
            let store = state.store
            _ = try await serviceCall { () throws(ServiceError) in try storeCall { () throws(StoreError) in try store.catalogueStamp() } }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/assets/tandem.css") { _, _ in asset(Templates.css, type: "text/css; charset=utf-8") }
        router.get("/assets/tandem.js") { _, _ in asset(Templates.script, type: "text/javascript; charset=utf-8") }
        Pages.add(to: router, state: state)
        OverviewPages.add(to: router, state: state)
        AdminPages.add(to: router, state: state)
        WhatIfPages.add(to: router, state: state)
        API.add(to: router, state: state)
        return router
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Serves until SIGTERM or SIGINT; requests in flight get up to `deadline` to finish (a client
    /// that trickles its request does not hold the server up longer).
    public static func run(state: ServerState, logger: Logger, deadline: Duration = .seconds(10),
                           onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        let app = application(state: state, logger: logger, onServerRunning: onServerRunning)
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = deadline
        try await ServiceGroup(configuration: configuration).run()
    }

    /// The application, listening where the configuration says.
    public static func application(state: ServerState, logger: Logger,
                                   onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(state: state),
                    server: .http1(configuration: .init(idleTimeout: .seconds(75))),
                    configuration: .init(address: .hostname(state.configuration.host, port: state.configuration.port), serverName: nil),
                    onServerRunning: onServerRunning,
                    logger: logger)
    }
}
