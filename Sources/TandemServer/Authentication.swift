import Foundation
import HTTPTypes
import Hummingbird
import TandemCore
import TandemService
import TandemStore

/// Finds who is asking: a browser's session cookie, or (under /api/) a bearer token. Sessions
/// are rows of the store, not of this process (Hummingbird's session middleware keeps opaque
/// values by key; ours are joined with their accounts, listed and ended per account when a role
/// or password changes, so they live in the store's own table).
struct Authentication: RouterMiddleware {
    typealias Context = TandemContext
    let state: ServerState

    static let cookie = "tandem_session"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let store = state.store
        if let authorization = request.headers[.authorization], request.uri.path.hasPrefix("/api/") {
            guard authorization.hasPrefix("Bearer ") else { throw Problem(.unauthorized, "send the token as `Authorization: Bearer tdm_…`") }
            let secret = String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
            let account = try await serviceCall { () throws(ServiceError) in try AccountService.tokenAccount(store: store, secret: secret) }
            guard let account else { throw Problem(.unauthorized, "the token is not known or was revoked") }
            let catalogue = try await serviceCall { () async throws(ServiceError) in try await state.catalogue() }
            context.catalogue = catalogue
            context.viewer = Viewer(account: account, catalogue: catalogue)
        } else if let secret = request.cookies[Self.cookie]?.value, !secret.isEmpty {
            let found = try await serviceCall { () throws(ServiceError) in try AccountService.session(store: store, secret: secret) }
            if let (session, account) = found {
                let catalogue = try await serviceCall { () async throws(ServiceError) in try await state.catalogue() }
                context.catalogue = catalogue
                context.viewer = Viewer(account: account, catalogue: catalogue)
                context.session = session
            }
        }
        return try await next(request, context)
    }
}

/// Runs a service call (blocking work off the event loop) and turns its failure into a Problem.
func serviceCall<T: Sendable>(_ work: @escaping @Sendable () throws(ServiceError) -> T) async throws -> T {
    do { return try await TandemService.blocking(work) } catch { throw Problem(error) }
}

func serviceCall<T: Sendable>(_ work: () async throws(ServiceError) -> T) async throws -> T {
    do { return try await work() } catch { throw Problem(error) }
}

/// Runs a service call off the event loop and keeps its failure as a value.
func serviceResult<T: Sendable>(_ work: @escaping @Sendable () throws(ServiceError) -> T) async -> Result<T, ServiceError> {
    do { return .success(try await TandemService.blocking(work)) } catch { return .failure(error) }
}

extension TandemContext {
    /// The viewer and catalogue, or: a redirect to the sign-in page (pages), 401 (API).
    func signedIn(_ request: Request) throws -> (Viewer, Catalogue) {
        if let viewer, let catalogue { return (viewer, catalogue) }
        if request.uri.path.hasPrefix("/api/") { throw Problem(.unauthorized, "sign in, or send `Authorization: Bearer tdm_…`") }
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        throw HTTPError(.seeOther, headers: [.location: "/signin?next=" + Views.percentEncoded(target)])
    }

    /// Checks a form's CSRF token against the session's (in constant time).
    func checkCSRF(_ token: String?) throws {
        guard let session else { throw Problem(.forbidden, "sign in first") }
        guard let token, Self.equal(token, session.csrf) else {
            throw Problem(.forbidden, "This form is stale or did not come from Tandem; reload the page and try again.")
        }
    }

    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
