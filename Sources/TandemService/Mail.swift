import CCurl
import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TandemStore

/// How email digests reach the mail server.
public struct SMTPSettings: Sendable {
    /// `smtp://host:port` (STARTTLS) or `smtps://host:port`, without user or password.
    public var url: String
    public var host: String
    public var username: String?
    public var password: String?
    /// The sender's address (and the Message-IDs' domain).
    public var from: String
    /// STARTTLS (or smtps) required, so that credentials and digests never cross the network in
    /// clear; off only towards this machine's loopback.
    public var requireTLS: Bool
    /// A PEM file of the roots to trust (a company's own CA); nil: the system's.
    public var caFile: String?
    public var timeoutSeconds: Int

    /// Reads `--smtp smtp://[user@]host[:port]`, checking what can be checked before any mail.
    ///
    /// - Parameter password: from the environment (`TANDEM_SMTP_PASSWORD`): a password in the
    ///   URL would show in `ps` and in shell histories, so it is refused there.
    public static func parse(_ text: String, from: String, password: String?, requireTLS: Bool, caFile: String?,
                             timeoutSeconds: Int = 30) throws(ServiceError) -> SMTPSettings {
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased(), ["smtp", "smtps"].contains(scheme),
              let host = c.host, !host.isEmpty else {
            throw .invalidRequest("--smtp takes smtp://[user@]host[:port] (STARTTLS) or smtps://[user@]host[:port], found '\(text)'")
        }
        if c.password != nil {
            throw .invalidRequest("--smtp must not hold a password (ps and shell histories show it); put it in the environment variable TANDEM_SMTP_PASSWORD")
        }
        if let port = c.port, !(1...65_535).contains(port) { throw .invalidRequest("--smtp: the port must be 1 to 65535, found \(port)") }
        if !c.path.isEmpty && c.path != "/" { throw .invalidRequest("--smtp takes no path, found '\(c.path)'") }
        guard PeopleFile.validEmail(from.lowercased()) else { throw .invalidRequest("--from must be one address like tandem@example.com, found '\(from)'") }
        if !requireTLS && !PeopleFile.isLoopback(host) {
            throw .invalidRequest("--smtp-tls off is only for a mail server on this machine's loopback; \(host) needs STARTTLS or smtps")
        }
        let port = c.port ?? (scheme == "smtps" ? 465 : 587)
        // An IPv6 address once in brackets, whichever way URLComponents gave it.
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let bracketed = bare.contains(":") ? "[\(bare)]" : bare
        return SMTPSettings(url: "\(scheme)://\(bracketed):\(port)", host: host, username: c.percentEncodedUser.flatMap { $0.removingPercentEncoding },
                            password: password, from: from.lowercased(), requireTLS: requireTLS, caFile: caFile, timeoutSeconds: max(1, timeoutSeconds))
    }
}

/// An RFC 5322 message with a plain-text and an HTML part (multipart/alternative), UTF-8,
/// base64 bodies, headers encoded (RFC 2047) when they are not ASCII.
public enum MailMessage {
    public static func build(from: String, fromName: String, to: String, toName: String, subject: String, text: String, html: String,
                             messageID: String, date: Date) -> String {
        let boundary = "tandem-alt-" + String(messageID.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init)).prefix(24)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var lines = [
            "From: \(mailbox(fromName, from))",
            "To: \(mailbox(toName, to))",
            "Subject: \(encodedHeader(subject))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "X-Auto-Response-Suppress: All",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "This is a message in two parts, plain text and HTML.",
        ]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += ["--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += wrap(Data(body.utf8).base64EncodedString(), width: 76)
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func wrap(_ s: String, width: Int) -> [String] {
        var out: [String] = [], i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: width, limitedBy: s.endIndex) ?? s.endIndex
            out.append(String(s[i..<j]))
            i = j
        }
        return out
    }

    /// `"Name" <address>`, the name encoded when it is not plain ASCII.
    static func mailbox(_ name: String, _ address: String) -> String {
        let ascii = name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        // ASCII as a quoted string (quotes and backslashes escaped); anything else as encoded words.
        let shown = ascii ? "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
                          : encodedWords(name)
        return shown + " <\(address)>"
    }

    /// A header value as is when it is printable ASCII, else as encoded words of at most 75
    /// characters each (split between characters, never inside one), folded.
    public static func encodedHeader(_ s: String) -> String {
        if s.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && s.count <= 900 { return s }
        return encodedWords(s)
    }

    static func encodedWords(_ s: String) -> String {
        var words: [String] = [], chunk = Data()
        // Split between code points (each word decodes on its own), never inside one.
        for scalar in s.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            let bytes = Data(String(scalar).utf8)
            if !chunk.isEmpty && chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A Message-ID no other message has: the digest's key, hashed, at the sender's domain.
    ///
    /// The events it reports and its address are part of the key: a message replacing a withdrawn
    /// one (a new address, more news) is another message, with another id.
    public static func messageID(organisation: String, recipient: String, channel: NotificationChannel, period: String, from: String,
                                 destination: String = "", events: ClosedRange<Int64> = 0...0) -> String {
        let key = [organisation, recipient, channel.rawValue, period, destination, "\(events.lowerBound)-\(events.upperBound)"].joined(separator: "\u{1F}")
        let digest = SHA256.hash(data: Data(key.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        let domain = from.split(separator: "@").last.map(String.init) ?? "tandem.invalid"
        return "<tandem.\(period).\(digest)@\(domain)>"
    }
}

/// Why a message did not go.
public struct DeliveryFailure: Sendable, Hashable {
    public var words: String
    /// The channel itself failed (the mail server unreachable, refusing TLS or the sign-in), not
    /// this message: the round stops sending on it, and the try is not counted against the message.
    public var channelDown: Bool

    public init(_ words: String, channelDown: Bool = false) {
        self.words = words
        self.channelDown = channelDown
    }
}

/// Sends planned messages; nil when the receiver took one, else why not.
public protocol DigestTransport: Sendable {
    func send(_ message: NotificationRecord) async -> DeliveryFailure?
}

/// The real channels: SMTP through libcurl, webhooks over HTTP with an Idempotency-Key.
public struct LiveDigestTransport: DigestTransport {
    public var smtp: SMTPSettings?
    public var webhook: any WebhookTransport

    public init(smtp: SMTPSettings?, webhook: any WebhookTransport = HTTPTransport()) {
        self.smtp = smtp
        self.webhook = webhook
    }

    public func send(_ m: NotificationRecord) async -> DeliveryFailure? {
        switch m.channel {
        case .email:
            guard let smtp else { return DeliveryFailure("no mail server: give --smtp", channelDown: true) }
            return await Offload.run { SMTPClient.send(m.body, to: m.destination, settings: smtp) }
        case .slack, .teams:
            guard let url = PeopleFile.webhookURL(m.destination) else { return DeliveryFailure("not a webhook URL: \(m.destination)") }
            let key = m.messageID.trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
            let ok = await webhook.post(Data(m.body.utf8), to: url, headers: ["Content-Type": "application/json", "Idempotency-Key": key])
            return ok ? nil : DeliveryFailure("the webhook did not take it (no answer, or not 2xx)")
        }
    }
}

/// libcurl's SMTP client, one message at a time.
public enum SMTPClient {
    /// libcurl's codes for a server that cannot be reached, spoken to safely, or signed in to:
    /// the channel's failure, not the message's (resolve, connect, TLS, certificate, sign-in).
    static let channelCodes: Set<Int32> = [5, 6, 7, 35, 51, 53, 54, 58, 59, 60, 64, 66, 67, 77, 80, 82, 83, 90, 91]

    /// Whether a failure is the mail server's rather than the message's: the codes above; a
    /// server that said 421 (not available, closing); a timeout, a closed connection or an odd
    /// greeting before the server answered anything. A failure after the server answered (a
    /// recipient refused, a timeout after 250) is the message's, so one recipient cannot hold
    /// up everyone's mail: it is counted, and given up after the limit.
    static func isChannelDown(code: Int32, response: Int) -> Bool {
        if channelCodes.contains(code) || response == 421 { return true }
        return [8, 28, 52, 55, 56].contains(code) && response == 0
    }

    /// Sends one message to one address; nil when the server accepted it (250 after DATA).
    public static func send(_ message: String, to address: String, settings s: SMTPSettings) -> DeliveryFailure? {
        var error = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var response = 0
        let bytes = Array(message.utf8)
        guard !bytes.isEmpty else { return DeliveryFailure("an empty message is not sent") }
        let code: Int32 = "<\(address)>".withCString { rcpt in
            var recipients: [UnsafePointer<CChar>?] = [rcpt]
            return recipients.withUnsafeMutableBufferPointer { list in
                bytes.withUnsafeBufferPointer { body in
                    body.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(bytes.count, 1)) { text in
                        withOptionalCString(s.username) { user in
                            withOptionalCString(s.password) { password in
                                withOptionalCString(s.caFile) { ca in
                                    tandem_smtp_send(s.url, s.requireTLS ? 2 : 0, user, password, ca, "<\(s.from)>", list.baseAddress, 1,
                                                     text, bytes.count, s.timeoutSeconds, &error, &response)
                                }
                            }
                        }
                    }
                }
            }
        }
        if code == 0 { return nil }
        let words = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return DeliveryFailure("SMTP \(s.host): \(words)" + (response > 0 ? " (the server's last reply was \(response))" : ""),
                               channelDown: isChannelDown(code: code, response: response))
    }

    static func withOptionalCString<T>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let s else { return body(nil) }
        return s.withCString { body($0) }
    }
}
