import Foundation

/// Where a PostgreSQL store is: `postgres://user:password@host:port/database?sslmode=…`
/// (or `postgresql://`), as libpq writes it.
///
/// The password may come from the address, or else from the environment (`PGPASSWORD`), so
/// that it need not appear on a command line; it is never part of ``redacted``, the form every
/// message and log shows.
public struct PostgresAddress: Sendable, Equatable {
    /// libpq's TLS modes. `prefer` (libpq's default) uses TLS when the server offers it;
    /// `require` insists on it without checking the certificate; `verify-ca` also checks that
    /// the certificate is signed by `sslrootcert`; `verify-full` also checks the host name.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var sslMode: SSLMode
    /// The certificate authorities to trust (a PEM file), for `verify-ca` and `verify-full`;
    /// the system's when nil.
    public var sslRootCert: String?
    /// Seconds to wait for the connection (`connect_timeout`).
    public var connectTimeout: Int
    /// Kept out of `description` and `redacted`.
    var password: String?

    /// Whether `text` names a PostgreSQL store rather than a file.
    public static func isAddress(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Reads an address; the password falls back to `PGPASSWORD` and the user to `PGUSER` in
    /// `environment`.
    ///
    /// - Throws: a message in words naming what is wrong (never the password).
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(AddressError) {
        guard Self.isAddress(text) else { throw AddressError("not a postgres:// address") }
        // A user or password with a character a URL reserves, not percent-encoded, would be
        // read as part of the host, the path or the parameters, and quoted in the messages
        // below: refused first, quoting nothing.
        if let scheme = text.range(of: "://"), let at = text.lastIndex(of: "@"), at > scheme.upperBound {
            let credentials = text[scheme.upperBound..<at]
            if credentials.contains(where: { "/?#@[]".contains($0) }) {
                throw AddressError("the user or password has a character a URL reserves (/ ? # @ [ ]); percent-encode it (%2F for /, %3F for ?, %23 for #, %40 for @), or leave the password out and set PGPASSWORD")
            }
        }
        // URLComponents reads the URL; a password with characters a URL reserves must be
        // percent-encoded in it, as libpq asks too.
        guard let url = URLComponents(string: text) else {
            throw AddressError("not a valid address; write postgres://user:password@host:port/database (percent-encode reserved characters such as @ or / in the password)")
        }
        guard let host = url.host, !host.isEmpty else { throw AddressError("no host; write postgres://user@host:port/database") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let port = url.port {
            guard (1...65535).contains(port) else { throw AddressError("the port \(port) is not between 1 and 65535") }
            self.port = port
        } else {
            port = 5432
        }
        let user = url.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? environment["PGUSER"] ?? "postgres"
        guard !user.isEmpty else { throw AddressError("no user name") }
        self.user = user
        password = url.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? environment["PGPASSWORD"]
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        database = path.isEmpty ? user : path
        guard !database.contains("/") else { throw AddressError("the database name '\(database)' has a '/'; the path is just the database's name") }
        sslMode = .prefer
        connectTimeout = 10
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw AddressError("sslmode '\(value)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert":
                sslRootCert = value
            case "connect_timeout":
                guard let seconds = Int(value), (1...3600).contains(seconds) else {
                    throw AddressError("connect_timeout '\(value)' is not a number of seconds from 1 to 3600")
                }
                connectTimeout = seconds
            case "application_name":
                continue
            case "user":
                guard !value.isEmpty else { throw AddressError("the parameter 'user' is empty") }
                self.user = value
            case "password":
                // libpq takes it here too; better in PGPASSWORD.
                password = value
            default:
                throw AddressError("the parameter '\(item.name)' is not one Tandem knows (sslmode, sslrootcert, connect_timeout, application_name)")
            }
        }
        if sslRootCert != nil, ![.verifyCA, .verifyFull].contains(sslMode) {
            // libpq ignores it then; a user who gave it expects it to be checked.
            throw AddressError("sslrootcert is used only with sslmode=verify-ca or verify-full")
        }
    }

    /// Whether the host is written as an IP address (no name to check a certificate against).
    public var hostIsIPAddress: Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// The address without the password, for messages and logs.
    public var redacted: String {
        var text = "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        var parameters: [String] = []
        if sslMode != .prefer { parameters.append("sslmode=\(sslMode.rawValue)") }
        if let sslRootCert { parameters.append("sslrootcert=\(sslRootCert)") }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }

    /// What is wrong with an address, in words (never the password).
    public struct AddressError: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}

/// An address's text with anything that may hold a password taken out (what follows the user
/// name up to the last `@`, and the parameters), for a message about an address that could not
/// even be read.
func redactedAddress(_ text: String) -> String {
    guard let scheme = text.range(of: "://") else { return "(an address that cannot be read)" }
    var rest = String(text[scheme.upperBound...])
    var user = ""
    if let at = rest.lastIndex(of: "@") {
        let credentials = rest[..<at]
        user = String(credentials.prefix { $0 != ":" && $0 != "/" && $0 != "?" && $0 != "#" }) + "@"
        rest = String(rest[rest.index(after: at)...])
    }
    if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = String(rest[..<cut]) + "?…" }
    return String(text[..<scheme.upperBound]) + user + rest
}

/// A store's location as messages show it: a PostgreSQL address without its password, a path
/// as it is.
public func displayLocation(_ location: String) -> String {
    guard PostgresAddress.isAddress(location) else { return location }
    return (try? PostgresAddress(location, environment: [:]).redacted) ?? redactedAddress(location)
}
