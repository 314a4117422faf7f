import Foundation

/// How `tandem serve` runs: the store, the address, and the rules of its cookies.
public struct ServerConfiguration: Sendable {
    /// A store path or a postgres:// address.
    public var store: String
    /// The organisation key (nil: the one the store holds).
    public var organisation: String?
    public var host: String
    public var port: Int
    /// Marks the session cookie Secure: the server is reached over TLS (directly or behind a
    /// proxy that terminates it).
    public var secureCookies: Bool
    /// How many sign-in attempts an account, or an address, may fail in ``signInWindow`` seconds.
    public var signInAttempts: Int
    public var signInWindow: Int64
    /// The largest upload (a what-if scenario, check-ins), in bytes.
    public var uploadLimit: Int
    /// The proxies whose `X-Forwarded-For` names the client (none: the peer is the client).
    public var trustedProxies: TrustedProxies

    public init(store: String, organisation: String? = nil, host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = false,
                signInAttempts: Int = 5, signInWindow: Int64 = 15 * 60, uploadLimit: Int = 1 << 20, trustedProxies: TrustedProxies = .none) {
        self.store = store
        self.organisation = organisation
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.signInAttempts = signInAttempts
        self.signInWindow = signInWindow
        self.uploadLimit = uploadLimit
        self.trustedProxies = trustedProxies
    }
}
