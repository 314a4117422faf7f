import Foundation
import HTTPTypes
import Hummingbird

/// Addresses of the proxies in front of the server (`tandem serve --trusted-proxy`), each an IP
/// address or a range in CIDR notation (`10.0.0.0/8`, `fd00::/8`).
public struct TrustedProxies: Sendable, Equatable {
    /// One range: the address's bytes (4 or 16) and how many leading bits must match.
    struct Range: Sendable, Equatable {
        var bytes: [UInt8]
        var bits: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var left = bits
            for (a, b) in zip(address, bytes) where left > 0 {
                let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
                if a & mask != b & mask { return false }
                left -= 8
            }
            return true
        }
    }

    var ranges: [Range] = []

    public static let none = TrustedProxies()

    public init() {}

    /// Parses `--trusted-proxy` values; an error says which value is wrong and what was expected.
    public init(_ values: [String]) throws(TrustedProxyError) {
        for value in values {
            let parts = value.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let bytes = Self.bytes(String(parts[0])) else {
                throw TrustedProxyError(value: value, expected: "an IP address (127.0.0.1, ::1) or a range (10.0.0.0/8)")
            }
            var bits = bytes.count * 8
            if parts.count == 2 {
                guard let n = Int(parts[1]), parts[1].allSatisfy(\.isASCII), (0...bytes.count * 8).contains(n) else {
                    throw TrustedProxyError(value: value, expected: "a prefix length of 0 to \(bytes.count * 8) after the '/'")
                }
                bits = n
            }
            ranges.append(Range(bytes: bytes, bits: bits))
        }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    /// Whether an address (as text) is one of the proxies.
    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.bytes(address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// An address's bytes: 4 for IPv4, 16 for IPv6 (an IPv4-mapped IPv6 address is its IPv4
    /// address, as a dual-stack socket reports an IPv4 client); nil when it is no address.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let b = withUnsafeBytes(of: &v6) { Array($0) }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return Array(b[12...]) }
        return b
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
    /// address in `X-Forwarded-For` that is not a trusted proxy (read from the right, where each
    /// proxy appends the address it saw: what a client wrote on the left is never reached). An
    /// entry is read as proxies write it (`1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`,
    /// `fe80::1%eth0`); one that is no address (`unknown`) stops the walk at the last one
    /// trusted. The address is given in its one canonical form (`2001:db8::1`, an IPv4-mapped
    /// address as IPv4), so that one client is one key for the sign-in limits.
    public func client(peer: String?, forwardedFor lines: [String]) -> String? {
        guard let peer, contains(peer), !lines.isEmpty else { return peer }
        let hops = lines.joined(separator: ",").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var nearest = peer
        for hop in hops.reversed() {
            guard let bytes = Self.bytes(Self.bare(hop)) else { return nearest }
            let address = Self.text(bytes)
            if !ranges.contains(where: { $0.contains(bytes) }) { return address }
            nearest = address
        }
        return nearest
    }

    /// An entry without the port, brackets or zone a proxy may have written around the address.
    static func bare(_ hop: String) -> String {
        var s = Substring(hop)
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            s = s[s.index(after: s.startIndex)..<close]
        } else if s.filter({ $0 == ":" }).count == 1, let colon = s.firstIndex(of: ":") {
            s = s[..<colon]  // IPv4 with a port
        }
        if let percent = s.firstIndex(of: "%") { s = s[..<percent] }
        return String(s)
    }

    /// An address's canonical text (RFC 5952 for IPv6).
    static func text(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        return ok ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }
}

public struct TrustedProxyError: Error, CustomStringConvertible, Sendable {
    public var value: String
    public var expected: String
    public var description: String { "--trusted-proxy '\(value)': expected \(expected)" }
}

/// Sets the request's client address: the peer's, or behind a trusted proxy the one it forwards
/// (``TrustedProxies/client(peer:forwardedFor:)``). First of the middlewares: the log, the
/// sign-in limits and the audit log all use it.
struct ClientAddress: RouterMiddleware {
    typealias Context = TandemContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !proxies.isEmpty else { return try await next(request, context) }
        var context = context
        context.remoteAddress = proxies.client(peer: context.peerAddress, forwardedFor: request.headers[values: HTTPField.Name("X-Forwarded-For")!])
        return try await next(request, context)
    }
}
