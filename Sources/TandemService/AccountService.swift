import Crypto
import Foundation
import HummingbirdBcrypt
import TandemCore
import TandemStore

/// A successful sign-in: the cookie's secret (given to the browser once, stored only as its
/// digest), the session and its account.
public struct SignIn: Sendable {
    public var secret: String
    public var session: WebSession
    public var account: Account
}

/// A role changed: the account after, and whether its sessions ended.
public struct RoleChange: Sendable {
    public var account: Account
    public var sessionsEnded: Bool
}

/// A new API token: its secret, shown once, and what the store keeps.
public struct NewToken: Sendable {
    public var secret: String
    public var token: APIToken
}

/// Accounts, sessions, tokens and the audit log: the rules, whichever front end asks.
public enum AccountService {
    /// bcrypt's work factor for new passwords (about a quarter of a second on this kind of machine).
    public static let defaultCost = 12
    /// Passwords are 10 to 72 bytes (bcrypt reads no further than 72).
    public static let passwordBytes = 10...72
    /// How long a sign-in lasts.
    public static let sessionLifetime: Int64 = 12 * 3600

    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// A time as people read it in a log: UTC, to the second.
    public static func timestamp(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The email as the store keys it (trimmed, lower-case), or a refusal in words.
    public static func email(_ text: String) throws(ServiceError) -> String {
        let e = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = e.split(separator: "@", omittingEmptySubsequences: false)
        guard e.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !e.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "\u{0}" || $0 == "<" || $0 == ">" || $0 == "," }) else {
            throw .invalidRequest("'\(text)' is not an email address (name@example.com)")
        }
        return e
    }

    static func checkPassword(_ password: String) throws(ServiceError) {
        guard passwordBytes.contains(password.utf8.count) else {
            throw .invalidRequest("a password is \(passwordBytes.lowerBound) to \(passwordBytes.upperBound) bytes long; this one has \(password.utf8.count)")
        }
        guard !password.utf8.contains(0) else { throw .invalidRequest("a password cannot hold a NUL character") }
    }

    static func hash(_ password: String, cost: Int) -> String { Bcrypt.hash(password, cost: UInt8(min(max(cost, 4), 31))) }

    /// The digest a secret is kept as (SHA-256, hex).
    public static func digest(_ secret: String) -> String {
        // Every request's session is found by it: hex by table, not by a formatter per byte.
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(secret.utf8)) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A new random secret: 32 bytes from the system's generator, URL-safe base64.
    public static func secret(prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Checks the units a lead leads (they must exist; a lead must lead one).
    static func checkUnits(_ units: [String], role: Role, store: any Store) throws(ServiceError) {
        if role == .lead && units.isEmpty { throw .invalidRequest("a lead leads at least one unit: give --units") }
        for unit in units { try LedgerService.requireUnit(unit, in: store) }
    }

    public static func addAccount(store: any Store, email: String, name: String, role: Role, units: [String] = [], person: String? = nil,
                                  password: String, cost: Int = defaultCost, actor: String, address: String? = nil) throws(ServiceError) -> Account {
        let e = try Self.email(email)
        let n = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !n.isEmpty, n.count <= 200, !n.contains("\u{0}") else { throw .invalidRequest("a name is 1 to 200 characters") }
        if let person, person.trimmingCharacters(in: .whitespaces).isEmpty { throw .invalidRequest("--person is empty") }
        try checkPassword(password)
        try checkUnits(units, role: role, store: store)
        let account = Account(email: e, name: n, role: role, units: units, person: person, passwordHash: hash(password, cost: cost), created: now())
        let detail = "role \(role.rawValue)" + (units.isEmpty ? "" : ", units \(units.joined(separator: ","))") + (person.map { ", person \($0)" } ?? "")
        try storeCall { () throws(StoreError) in
            try store.saveAccount(account, replacing: false, audit: AuditEntry(at: now(), actor: actor, action: "account-add", target: e, detail: detail, address: address))
        }
        return account
    }

    public static func accounts(store: any Store) throws(ServiceError) -> [Account] {
        try storeCall { () throws(StoreError) in try store.accounts() }
    }

    static func existing(_ email: String, store: any Store) throws(ServiceError) -> Account {
        let e = try Self.email(email)
        guard let a = try storeCall({ () throws(StoreError) in try store.account(email: e) }) else {
            throw .notFound("no account \(e) in \(store.location)")
        }
        return a
    }

    /// Refuses to leave the store without an admin (no one could then manage accounts from the pages).
    static func keepAnAdmin(_ leaving: Account, store: any Store) throws(ServiceError) {
        guard leaving.role == .admin else { return }
        let admins = try storeCall { () throws(StoreError) in try store.accounts() }.filter { $0.role == .admin }
        if admins.count <= 1 { throw .refused("\(leaving.email) is the only admin; make another account admin first", location: store.location) }
    }

    /// Changes a role (and a lead's units). Whether the account's sessions ended (they do when
    /// anything changed) is in the result.
    public static func setRole(store: any Store, email: String, role: Role, units: [String]?, actor: String,
                               address: String? = nil) throws(ServiceError) -> RoleChange {
        var a = try existing(email, store: store)
        let original = a
        if role != .admin { try keepAnAdmin(a, store: store) }
        let before = a.role
        a.role = role
        if let units { a.units = units }
        try checkUnits(a.units, role: role, store: store)
        let changed = a
        let detail = "\(before.rawValue) → \(role.rawValue)" + (a.units.isEmpty ? "" : ", units \(a.units.joined(separator: ","))")
        try storeCall { () throws(StoreError) in
            try store.saveAccount(changed, replacing: true, audit: AuditEntry(at: now(), actor: actor, action: "role-change", target: changed.email, detail: detail, address: address))
        }
        return RoleChange(account: a, sessionsEnded: original.role != a.role || original.units != a.units)
    }

    public static func resetPassword(store: any Store, email: String, password: String, cost: Int = defaultCost, actor: String,
                                     address: String? = nil) throws(ServiceError) {
        var a = try existing(email, store: store)
        try checkPassword(password)
        a.passwordHash = hash(password, cost: cost)
        let changed = a
        try storeCall { () throws(StoreError) in
            try store.saveAccount(changed, replacing: true, audit: AuditEntry(at: now(), actor: actor, action: "password-reset", target: changed.email, address: address))
        }
    }

    public static func removeAccount(store: any Store, email: String, actor: String, address: String? = nil) throws(ServiceError) {
        let leaving = try existing(email, store: store)
        try keepAnAdmin(leaving, store: store)
        let e = leaving.email
        try storeCall { () throws(StoreError) in
            try store.removeAccount(email: e, audit: AuditEntry(at: now(), actor: actor, action: "account-remove", target: e, address: address))
        }
    }

    public static func createToken(store: any Store, email: String, label: String, actor: String, address: String? = nil) throws(ServiceError) -> NewToken {
        let a = try existing(email, store: store)
        let secret = Self.secret(prefix: "tdm_")
        let token = APIToken(id: digest(secret), email: a.email, label: label.isEmpty ? "token" : label, created: now())
        try storeCall { () throws(StoreError) in
            try store.createToken(token, audit: AuditEntry(at: now(), actor: actor, action: "token-create", target: a.email,
                                                           detail: "\(token.label) (\(token.id.prefix(12)))", address: address))
        }
        return NewToken(secret: secret, token: token)
    }

    public static func tokens(store: any Store, email: String?) throws(ServiceError) -> [APIToken] {
        let e = try email.map { (x: String) throws(ServiceError) -> String in try Self.email(x) }
        return try storeCall { () throws(StoreError) in try store.tokens(email: e) }
    }

    /// Revokes an account's live tokens (those whose id begins with `prefix`, or all); how many.
    public static func revokeTokens(store: any Store, email: String, prefix: String?, actor: String, address: String? = nil) throws(ServiceError) -> Int {
        let e = try existing(email, store: store).email
        return try storeCall { () throws(StoreError) in
            try store.revokeTokens(email: e, prefix: prefix, at: now(),
                                   audit: AuditEntry(at: now(), actor: actor, action: "token-revoke", target: e, detail: prefix.map { "id \($0)…" } ?? "all", address: address))
        }
    }

    /// The account a bearer token acts as, or nil.
    public static func tokenAccount(store: any Store, secret: String) throws(ServiceError) -> Account? {
        guard secret.hasPrefix("tdm_"), secret.count < 200 else { return nil }
        return try storeCall { () throws(StoreError) in try store.tokenAccount(id: digest(secret)) }
    }

    /// A bcrypt hash no password matches, checked when the account does not exist, so that a
    /// wrong email costs the same time as a wrong password.
    static let decoyHash = Bcrypt.hash(secret(), cost: 4)

    /// Signs in: a new session on a right password; a refusal that does not say which of the
    /// two was wrong, and a line in the audit log, otherwise.
    public static func signIn(store: any Store, email: String, password: String, address: String?) throws(ServiceError) -> SignIn {
        let e = (try? Self.email(email)) ?? email.lowercased()
        let account = try storeCall { () throws(StoreError) in try store.account(email: e) }
        let right = Bcrypt.verify(String(password.prefix(200)), hash: account?.passwordHash ?? decoyHash) && account != nil
        guard right, let account else {
            try storeCall { () throws(StoreError) in
                try store.appendAudit(AuditEntry(at: now(), actor: address ?? "unknown", action: "sign-in-failed", target: String(e.prefix(254)), address: address))
            }
            throw .refused("the email or the password is wrong", location: store.location)
        }
        let secret = Self.secret()
        let at = now()
        let session = WebSession(id: digest(secret), email: account.email, csrf: Self.secret(), created: at, expires: at + sessionLifetime, address: address)
        try storeCall { () throws(StoreError) in
            try store.createSession(session, audit: AuditEntry(at: at, actor: account.email, action: "sign-in", target: account.email, address: address))
        }
        return SignIn(secret: secret, session: session, account: account)
    }

    /// The live session a cookie's secret opens, with its account; nil when none.
    public static func session(store: any Store, secret: String) throws(ServiceError) -> (WebSession, Account)? {
        guard !secret.isEmpty, secret.count < 200 else { return nil }
        return try storeCall { () throws(StoreError) in try store.session(id: digest(secret), now: now()) }
    }

    /// Ends a session with its audit line. A sign-out is never refused for want of its line
    /// (keeping a session someone wants ended is the greater harm): when the line cannot be
    /// written, the session is ended without it, and the failure is returned for the log.
    @discardableResult
    public static func signOut(store: any Store, session: WebSession, address: String?) throws(ServiceError) -> StoreError? {
        do {
            try store.endSession(id: session.id, audit: AuditEntry(at: now(), actor: session.email, action: "sign-out", target: session.email, address: address))
            return nil
        } catch let withLine {
            try storeCall { () throws(StoreError) in try store.endSession(id: session.id, audit: nil) }
            return withLine
        }
    }

    public static func audit(store: any Store, _ entry: AuditEntry) throws(ServiceError) {
        try storeCall { () throws(StoreError) in try store.appendAudit(entry) }
    }

    public static func auditLog(store: any Store, limit: Int, before: Int64? = nil) throws(ServiceError) -> [AuditEntry] {
        try storeCall { () throws(StoreError) in try store.auditLog(limit: limit, before: before) }
    }
}
