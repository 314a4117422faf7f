import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TandemCore
import TandemService
import TandemStore

/// A request's context: who is asking (from the session cookie or a bearer token) and from where.
public struct TandemContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address (nil in in-process tests): the peer's, or behind a trusted proxy the
    /// one it forwards (``ClientAddress``).
    public internal(set) var remoteAddress: String?
    /// The address of the peer of the connection (a proxy, or the client itself).
    public let peerAddress: String?
    /// The signed-in account with what it may see; nil before sign-in.
    var viewer: Viewer?
    var catalogue: Catalogue?
    /// The browser session (nil for a bearer token).
    var session: WebSession?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
        remoteAddress = peerAddress
    }

    public var maxUploadSize: Int { 1 << 20 }
}

/// Headers every answer carries: no script but the binary's own, no framing, no sniffing, no
/// referrer leaving the site; private pages are not kept by the browser's cache (the back
/// button after signing out shows nothing private).
struct SecurityHeaders: RouterMiddleware {
    typealias Context = TandemContext

    static let policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        Self.apply(&response.headers, path: request.uri.path)
        return response
    }

    static func apply(_ headers: inout HTTPFields, path: String) {
        // A route that set its own (the what-if report, framed by its page) keeps it.
        if headers[.contentSecurityPolicy] == nil { headers[.contentSecurityPolicy] = policy }
        headers[.xContentTypeOptions] = "nosniff"
        if headers[HTTPField.Name("X-Frame-Options")!] == nil { headers[HTTPField.Name("X-Frame-Options")!] = "DENY" }
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        if !path.hasPrefix("/assets/") { headers[.cacheControl] = "no-store" }
    }
}

/// One structured log line per request: method, path, status, time taken, and who asked.
struct RequestLog: RouterMiddleware {
    typealias Context = TandemContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = start.duration(to: .now)
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
            "ms": "\(String(format: "%.1f", ms))", "client": "\(context.remoteAddress ?? "-")",
        ])
        return response
    }
}

/// Turns every failure into an answer that says what went wrong in words and nothing more: no
/// stack trace, no SQL, no file path of the server. Pages get a page, the API gets JSON.
struct ErrorAnswers: RouterMiddleware {
    typealias Context = TandemContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let api = request.uri.path.hasPrefix("/api/")
        do {
            return try await next(request, context)
        } catch let error as Problem {
            if let cause = error.cause {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(cause)"])
            }
            return error.response(api: api, context: context)
        } catch let error as HTTPError {
            let problem = Problem(error.status, error.status == .notFound ? "There is nothing here." : (error.body.map(Self.plain) ?? error.status.reasonPhrase))
            var response = problem.response(api: api, context: context)
            for field in error.headers { response.headers.append(field) }
            return response
        } catch let error as any HTTPResponseError {
            return Problem(error.status, error.status.reasonPhrase).response(api: api, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            return Problem(.internalServerError, "Something went wrong on the server; it is in the server's log.").response(api: api, context: context)
        }
    }

    /// Hummingbird's JSON error body, back to its words.
    static func plain(_ body: String) -> String {
        struct Body: Decodable { struct Inner: Decodable { var message: String }; var error: Inner }
        return (try? JSONDecoder().decode(Body.self, from: Data(body.utf8)).error.message) ?? body
    }
}

/// A failure to answer with: its status and what to tell the person.
struct Problem: Error {
    var status: HTTPResponse.Status
    var message: String
    /// Located problems of an uploaded file, one a line.
    var details: [String] = []
    /// What the server's log says of a failure the answer only names (nil: nothing to log).
    var cause: String?

    init(_ status: HTTPResponse.Status, _ message: String, details: [String] = [], cause: String? = nil) {
        self.status = status
        self.message = message
        self.details = details
        self.cause = cause
    }

    static let notFound = Problem(.notFound, "There is nothing here.")

    func response(api: Bool, context: TandemContext) -> Response {
        if api {
            struct Body: Encodable { var error: String; var status: Int; var details: [String]? }
            let data = (try? JSONOutput.encoder.encode(Body(error: message, status: status.code, details: details.isEmpty ? nil : details))) ?? Data()
            return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        let page = Views.errorPage(status: status, message: message, details: details, viewer: context.viewer)
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// A service failure as an answer: refusals of what does not exist are 404, malformed
    /// requests 400, a busy store 503; the store's own words otherwise, without its location.
    init(_ error: ServiceError) {
        switch error {
        case .refused(let words, let note, _): self.init(.conflict, words + (note.map { " (\($0))" } ?? ""))
        case .notFound: self.init(.notFound, "There is nothing here.")
        case .forbidden(let words): self.init(.forbidden, words)
        case .invalidRequest(let words): self.init(.badRequest, words)
        case .invalidInput(let problems):
            let renderer = DiagnosticRenderer(sources: problems.sources)
            self.init(.unprocessableContent, "\(problems.consequence): \(problems.errorCount) error\(problems.errorCount == 1 ? "" : "s") in the file",
                      details: problems.diagnostics.filter { $0.severity == .error }.prefix(50).map { renderer.render([$0]) })
        case .store(let e):
            switch e.kind {
            case .notFound: self.init(.notFound, "There is nothing here.")
            case .busy, .changedSinceRead: self.init(.serviceUnavailable, "The store is busy; try again in a moment.")
            case .refused: self.init(.conflict, e.message)
            default:
                self.init(.internalServerError, "Tandem could not \(e.operation) the store; the cause is in the server's log.", cause: e.description)
            }
        case .forecast(let e): self.init(.unprocessableContent, e.description)
        }
    }
}

enum JSONOutput {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}
