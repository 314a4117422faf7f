import ArgumentParser
import Foundation
import Logging
import TandemServer
import TandemService
import TandemStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the dashboard and the JSON API (/api/v1) over a store.",
        discussion: """
            Pages for HR's alert inbox, key results and units, for the accounts `tandem users add` created; the API for \
            tools, with tokens from `tandem tokens create`. Everything the pages need is in the binary. Stops cleanly on \
            SIGTERM or Ctrl-C (requests in flight finish). Logs one line per request to standard error (LOG_LEVEL=debug for more).
            Listen on 127.0.0.1 (the default) behind a proxy that terminates TLS, and pass --secure-cookies there, \
            and --trusted-proxy with the proxy's address: then the client's address (for the sign-in limits, the audit \
            log and the request log) is the one the proxy adds to X-Forwarded-For, not the proxy's own, so that one \
            guesser cannot lock everyone out. Without it, X-Forwarded-For is ignored (anyone can write it).
            """)

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "The address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port, printed).") var port: Int = 8080
    @Flag(name: .customLong("secure-cookies"), help: "Mark the session cookie Secure: the dashboard is reached over HTTPS (directly or through a proxy).")
    var secureCookies = false
    @Option(name: .customLong("trusted-proxy"),
            help: ArgumentHelp("A proxy in front of the server whose X-Forwarded-For is believed: an IP address or a CIDR range; repeatable.",
                               valueName: "address"))
    var trustedProxy: [String] = []

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port is 0 to 65535; found \(port)") }
        do { _ = try TrustedProxies(trustedProxy) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let store = try await openStore(db, .readWrite, orgKey)
        var logger = Logger(label: "tandem.serve")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let proxies: TrustedProxies
        do { proxies = try TrustedProxies(trustedProxy) } catch { throw ValidationError(error.description) }
        let configuration = ServerConfiguration(store: store.location, organisation: orgKey, host: host, port: port, secureCookies: secureCookies,
                                                trustedProxies: proxies)
        let state = ServerState(configuration: configuration, store: store)
        let location = store.location
        try await TandemServer.run(state: state, logger: logger) { channel in
            let bound = channel.localAddress?.port ?? port
            // Written at once (not buffered), for a script waiting for this line.
            FileHandle.standardOutput.write(Data("Tandem is serving \(location) at http://\(host.contains(":") ? "[\(host)]" : host):\(bound)/  (Ctrl-C to stop)\n".utf8))
        }
        print("stopped")
    }
}
