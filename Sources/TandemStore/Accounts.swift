import Foundation
import TandemCore

/// An account of the dashboard: who signs in, with which role, leading which units, and which
/// owner name of the key-result files is theirs.
public struct Account: Sendable, Codable, Hashable {
    /// Lower-case; the account's key within its organisation.
    public var email: String
    public var name: String
    public var role: Role
    /// The units a lead leads (their subtrees are theirs); empty for other roles.
    public var units: [String]
    /// The `owner` of the key-result files that is this account's (a member's own key results).
    public var person: String?
    /// bcrypt; never shown.
    public var passwordHash: String
    /// Seconds since 1970.
    public var created: Int64

    public init(email: String, name: String, role: Role, units: [String] = [], person: String? = nil, passwordHash: String, created: Int64) {
        self.email = email
        self.name = name
        self.role = role
        self.units = units
        self.person = person
        self.passwordHash = passwordHash
        self.created = created
    }

    enum CodingKeys: String, CodingKey {
        case email, name, role, units, person, created
        case passwordHash = "password_hash"
    }
}

/// A signed-in browser: the digest of its cookie's secret (the secret itself is never stored),
/// its account, the form token of its forms, and when it ends.
public struct WebSession: Sendable, Hashable {
    /// SHA-256 of the cookie's secret, hex.
    public var id: String
    public var email: String
    /// The CSRF token every form of this session carries.
    public var csrf: String
    public var created: Int64
    public var expires: Int64
    public var address: String?

    public init(id: String, email: String, csrf: String, created: Int64, expires: Int64, address: String? = nil) {
        self.id = id
        self.email = email
        self.csrf = csrf
        self.created = created
        self.expires = expires
        self.address = address
    }
}

/// A bearer token for automation: the digest of its secret, whose account it acts as.
public struct APIToken: Sendable, Hashable, Codable {
    /// SHA-256 of the secret, hex.
    public var id: String
    public var email: String
    public var label: String
    public var created: Int64
    public var revoked: Int64?

    public init(id: String, email: String, label: String, created: Int64, revoked: Int64? = nil) {
        self.id = id
        self.email = email
        self.label = label
        self.created = created
        self.revoked = revoked
    }
}

/// One line of the audit log: who did what to what, when, from where.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var id: Int64
    /// Seconds since 1970.
    public var at: Int64
    /// The account (an email), or `cli` for the command line, or the address of a failed sign-in's client.
    public var actor: String
    /// `sign-in`, `sign-in-failed`, `sign-out`, `ack`, `snooze`, `import`, `account-add`, `account-remove`,
    /// `role-change`, `password-reset`, `token-create`, `token-revoke`, `checkins`.
    public var action: String
    public var target: String
    public var detail: String
    public var address: String?

    public init(id: Int64 = 0, at: Int64, actor: String, action: String, target: String, detail: String = "", address: String? = nil) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
        self.address = address
    }
}

/// A what-if scenario file kept in the store.
public struct SavedScenario: Sendable, Hashable {
    public var name: String
    public var savedBy: String
    public var savedAt: Int64
}

/// The rows of the accounts' tables, through SQL both backends read alike (`?` placeholders):
/// the bookkeeping of accounts, sessions, tokens and the audit log is written once.
public struct StoreRows {
    let fetch: (String, [ContentValue], [StoreContent.Table.Kind]) throws -> [[ContentValue]]
    let run: (String, [ContentValue]) throws -> Int

    init(fetch: @escaping (String, [ContentValue], [StoreContent.Table.Kind]) throws -> [[ContentValue]],
         run: @escaping (String, [ContentValue]) throws -> Int) {
        self.fetch = fetch
        self.run = run
    }
}

/// The tables of schema step v8, for both backends (only the audit log's numbering differs).
enum AccountSchema {
    static func v8(postgres: Bool) -> [String] {
        [
            """
            CREATE TABLE account (org TEXT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, units TEXT NOT NULL,
              person TEXT, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (org, email))
            """,
            """
            CREATE TABLE web_session (org TEXT NOT NULL, id TEXT NOT NULL, email TEXT NOT NULL, csrf TEXT NOT NULL,
              created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, address TEXT, PRIMARY KEY (org, id))
            """,
            "CREATE INDEX web_session_email ON web_session (org, email)",
            """
            CREATE TABLE api_token (org TEXT NOT NULL, id TEXT NOT NULL, email TEXT NOT NULL, label TEXT NOT NULL,
              created_at BIGINT NOT NULL, revoked_at BIGINT, PRIMARY KEY (org, id))
            """,
            postgres
                ? """
                  CREATE TABLE audit_log (id BIGSERIAL PRIMARY KEY, org TEXT NOT NULL, at BIGINT NOT NULL, actor TEXT NOT NULL,
                    action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL, address TEXT)
                  """
                : """
                  CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, org TEXT NOT NULL, at BIGINT NOT NULL, actor TEXT NOT NULL,
                    action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL, address TEXT)
                  """,
            "CREATE INDEX audit_log_org ON audit_log (org, id)",
            """
            CREATE TABLE scenario (org TEXT NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL, saved_by TEXT NOT NULL, saved_at BIGINT NOT NULL,
              PRIMARY KEY (org, name))
            """,
            "ALTER TABLE alert ADD COLUMN snoozed_until BIGINT",
            // The dashboard's other two orders, read along an index as the inbox's first is (v7).
            "CREATE INDEX alert_inbox_p ON alert (org, status, p_success, \(InboxSQL.rank), id)",
            "CREATE INDEX alert_inbox_age ON alert (org, status, opened_day, id)",
            // The inbox of one owner: their few alerts, not a walk through everyone's.
            "CREATE INDEX alert_owner ON alert (org, owner, status)",
        ]
    }
}

/// Accounts, sessions, tokens and the audit log of the store's organisation, on either backend.
extension Store {
    private static var accountKinds: [StoreContent.Table.Kind] { [.text, .text, .text, .text, .text, .text, .integer] }
    private static var accountColumns: String { "email, name, role, units, person, password_hash, created_at" }

    private func account(_ row: [ContentValue]) throws -> Account {
        guard case .text(let email) = row[0], case .text(let name) = row[1], case .text(let roleText) = row[2],
              case .text(let units) = row[3], case .text(let hash) = row[5], case .integer(let created) = row[6] else {
            throw StoreError(location: location, operation: "read accounts from", message: "the store is damaged: an account row is incomplete")
        }
        guard let role = Role(rawValue: roleText) else {
            throw StoreError(location: location, operation: "read accounts from", message: "the store is damaged: the account \(email) has the role '\(roleText)'")
        }
        return Account(email: email, name: name, role: role, units: units.split(separator: "\n").map(String.init),
                       person: row[4].textValue, passwordHash: hash, created: created)
    }

    private func values(_ a: Account) -> [ContentValue] {
        [.text(a.email), .text(a.name), .text(a.role.rawValue), .text(a.units.joined(separator: "\n")),
         a.person.map(ContentValue.text) ?? .null, .text(a.passwordHash), .integer(a.created)]
    }

    private func audit(_ rows: StoreRows, _ e: AuditEntry) throws {
        try rows.appendAudit(e, organisation: organisation)
    }

    /// Every account, by email.
    public func accounts() throws(StoreError) -> [Account] {
        try withRows("read accounts from", writing: false) { rows in
            try rows.fetch("SELECT \(Self.accountColumns) FROM account WHERE org = ? ORDER BY email", [.text(organisation)], Self.accountKinds)
                .map(account)
        }
    }

    public func account(email: String) throws(StoreError) -> Account? {
        try withRows("read accounts from", writing: false) { rows in
            try rows.fetch("SELECT \(Self.accountColumns) FROM account WHERE org = ? AND email = ?",
                           [.text(organisation), .text(email)], Self.accountKinds).first.map(account)
        }
    }

    /// Adds an account (refused when the email has one) or, with `replacing`, changes it; with
    /// its line in the audit log, in one transaction. Changing an account's role or password
    /// ends its sessions.
    public func saveAccount(_ a: Account, replacing: Bool, audit entry: AuditEntry) throws(StoreError) {
        let operation = replacing ? "change an account in" : "add an account to"
        try withRows(operation, writing: true) { rows in
            let existing = try rows.fetch("SELECT \(Self.accountColumns) FROM account WHERE org = ? AND email = ?",
                                          [.text(organisation), .text(a.email)], Self.accountKinds).first.map(account)
            if replacing {
                guard let existing else {
                    throw StoreError(location: location, operation: operation, message: "no account \(a.email)", kind: .notFound)
                }
                _ = try rows.run("UPDATE account SET name = ?, role = ?, units = ?, person = ?, password_hash = ? WHERE org = ? AND email = ?",
                                 Array(values(a)[1...5]) + [.text(organisation), .text(a.email)])
                if existing.role != a.role || existing.passwordHash != a.passwordHash || existing.units != a.units {
                    _ = try rows.run("DELETE FROM web_session WHERE org = ? AND email = ?", [.text(organisation), .text(a.email)])
                }
            } else {
                if existing != nil {
                    throw StoreError(location: location, operation: operation, message: "an account \(a.email) exists already", kind: .refused)
                }
                _ = try rows.run("INSERT INTO account (org, \(Self.accountColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 [.text(organisation)] + values(a))
            }
            try audit(rows, entry)
        }
    }

    /// Removes an account with its sessions and tokens.
    public func removeAccount(email: String, audit entry: AuditEntry) throws(StoreError) {
        try withRows("remove an account from", writing: true) { rows in
            let removed = try rows.run("DELETE FROM account WHERE org = ? AND email = ?", [.text(organisation), .text(email)])
            guard removed == 1 else {
                throw StoreError(location: location, operation: "remove an account from", message: "no account \(email)", kind: .notFound)
            }
            _ = try rows.run("DELETE FROM web_session WHERE org = ? AND email = ?", [.text(organisation), .text(email)])
            _ = try rows.run("DELETE FROM api_token WHERE org = ? AND email = ?", [.text(organisation), .text(email)])
            try audit(rows, entry)
        }
    }

    /// Records a new session (and its audit line), removing the expired ones of every account.
    public func createSession(_ session: WebSession, audit entry: AuditEntry) throws(StoreError) {
        try withRows("sign in to", writing: true) { rows in
            _ = try rows.run("DELETE FROM web_session WHERE org = ? AND expires_at <= ?", [.text(organisation), .integer(session.created)])
            _ = try rows.run("INSERT INTO web_session (org, id, email, csrf, created_at, expires_at, address) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [.text(organisation), .text(session.id), .text(session.email), .text(session.csrf), .integer(session.created),
                              .integer(session.expires), session.address.map(ContentValue.text) ?? .null])
            try audit(rows, entry)
        }
    }

    /// The live session with this id (digest) and its account, at `now`; nil when none is.
    public func session(id: String, now: Int64) throws(StoreError) -> (WebSession, Account)? {
        try withRows("read sessions from", writing: false) { rows in
            let found = try rows.fetch("""
                SELECT s.id, s.email, s.csrf, s.created_at, s.expires_at, s.address, \(Self.accountColumns.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM web_session s JOIN account a ON a.org = s.org AND a.email = s.email
                WHERE s.org = ? AND s.id = ? AND s.expires_at > ?
                """, [.text(organisation), .text(id), .integer(now)], [.text, .text, .text, .integer, .integer, .text] + Self.accountKinds)
            guard let row = found.first, case .text(let sid) = row[0], case .text(let email) = row[1], case .text(let csrf) = row[2],
                  case .integer(let created) = row[3], case .integer(let expires) = row[4] else { return nil }
            return (WebSession(id: sid, email: email, csrf: csrf, created: created, expires: expires, address: row[5].textValue),
                    try account(Array(row[6...])))
        }
    }

    /// Ends a session (signing out), with its audit line when one is given.
    public func endSession(id: String, audit entry: AuditEntry?) throws(StoreError) {
        try withRows("sign out of", writing: true) { rows in
            _ = try rows.run("DELETE FROM web_session WHERE org = ? AND id = ?", [.text(organisation), .text(id)])
            if let entry { try audit(rows, entry) }
        }
    }

    public func createToken(_ token: APIToken, audit entry: AuditEntry) throws(StoreError) {
        try withRows("create a token in", writing: true) { rows in
            _ = try rows.run("INSERT INTO api_token (org, id, email, label, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)",
                             [.text(organisation), .text(token.id), .text(token.email), .text(token.label), .integer(token.created)])
            try audit(rows, entry)
        }
    }

    /// The tokens of an account (nil: of every account), newest first.
    public func tokens(email: String?) throws(StoreError) -> [APIToken] {
        try withRows("read tokens from", writing: false) { rows in
            var sql = "SELECT id, email, label, created_at, revoked_at FROM api_token WHERE org = ?"
            var args: [ContentValue] = [.text(organisation)]
            if let email { sql += " AND email = ?"; args.append(.text(email)) }
            return try rows.fetch(sql + " ORDER BY created_at DESC, id", args, [.text, .text, .text, .integer, .integer]).compactMap { row in
                guard case .text(let id) = row[0], case .text(let email) = row[1], case .text(let label) = row[2],
                      case .integer(let created) = row[3] else { return nil }
                return APIToken(id: id, email: email, label: label, created: created, revoked: row[4].integerValue)
            }
        }
    }

    /// Revokes the account's live tokens whose id (digest) begins with `prefix` (nil: all of
    /// them); how many it revoked.
    public func revokeTokens(email: String, prefix: String?, at: Int64, audit entry: AuditEntry) throws(StoreError) -> Int {
        try withRows("revoke tokens in", writing: true) { rows in
            var sql = "UPDATE api_token SET revoked_at = ? WHERE org = ? AND email = ? AND revoked_at IS NULL"
            var args: [ContentValue] = [.integer(at), .text(organisation), .text(email)]
            if let prefix {
                // Digests are lower-case hex: the prefix is refused otherwise, so LIKE sees no wildcard.
                guard prefix.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                    throw StoreError(location: location, operation: "revoke tokens in", message: "a token id is lower-case hex; found '\(prefix)'", kind: .refused)
                }
                sql += " AND id LIKE ?"
                args.append(.text(prefix + "%"))
            }
            let n = try rows.run(sql, args)
            if n > 0 { try audit(rows, entry) }
            return n
        }
    }

    /// The account a live token acts as, or nil.
    public func tokenAccount(id: String) throws(StoreError) -> Account? {
        try withRows("read tokens from", writing: false) { rows in
            try rows.fetch("""
                SELECT \(Self.accountColumns.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM api_token t JOIN account a ON a.org = t.org AND a.email = t.email
                WHERE t.org = ? AND t.id = ? AND t.revoked_at IS NULL
                """, [.text(organisation), .text(id)], Self.accountKinds).first.map(account)
        }
    }

    /// Saves a what-if scenario file's text under a name (replacing one of that name).
    /// Saves a scenario under its name (replacing one of that name), with its audit line (nil:
    /// none) in the same transaction.
    public func saveScenario(name: String, text: String, by: String, at: Int64, audit: AuditEntry? = nil) throws(StoreError) {
        try withRows("save a scenario in", writing: true) { rows in
            _ = try rows.run("DELETE FROM scenario WHERE org = ? AND name = ?", [.text(organisation), .text(name)])
            _ = try rows.run("INSERT INTO scenario (org, name, text, saved_by, saved_at) VALUES (?, ?, ?, ?, ?)",
                             [.text(organisation), .text(name), .text(text), .text(by), .integer(at)])
            if let audit { try self.audit(rows, audit) }
        }
    }

    /// The saved scenarios: (name, who saved it, when), by name.
    public func scenarios() throws(StoreError) -> [SavedScenario] {
        try withRows("read scenarios from", writing: false) { rows in
            try rows.fetch("SELECT name, saved_by, saved_at FROM scenario WHERE org = ? ORDER BY name", [.text(organisation)], [.text, .text, .integer]).compactMap { r in
                guard case .text(let name) = r[0], case .text(let by) = r[1], case .integer(let at) = r[2] else { return nil }
                return SavedScenario(name: name, savedBy: by, savedAt: at)
            }
        }
    }

    public func scenarioText(name: String) throws(StoreError) -> String? {
        try withRows("read scenarios from", writing: false) { rows in
            try rows.fetch("SELECT text FROM scenario WHERE org = ? AND name = ?", [.text(organisation), .text(name)], [.text]).first?.first?.textValue
        }
    }

    /// Appends a line to the audit log on its own.
    public func appendAudit(_ entry: AuditEntry) throws(StoreError) {
        try withRows("write the audit log of", writing: true) { rows in try audit(rows, entry) }
    }

    /// The audit log, newest first: at most `limit` lines before the line `before` (nil: the newest).
    public func auditLog(limit: Int, before: Int64? = nil) throws(StoreError) -> [AuditEntry] {
        try withRows("read the audit log of", writing: false) { rows in
            var sql = "SELECT id, at, actor, action, target, detail, address FROM audit_log WHERE org = ?"
            var args: [ContentValue] = [.text(organisation)]
            if let before { sql += " AND id < ?"; args.append(.integer(before)) }
            args.append(.integer(Int64(min(max(limit, 1), 10_000))))
            return try rows.fetch(sql + " ORDER BY id DESC LIMIT ?", args, [.integer, .integer, .text, .text, .text, .text, .text]).compactMap { row in
                guard case .integer(let id) = row[0], case .integer(let at) = row[1], case .text(let actor) = row[2],
                      case .text(let action) = row[3], case .text(let target) = row[4], case .text(let detail) = row[5] else { return nil }
                return AuditEntry(id: id, at: at, actor: actor, action: action, target: target, detail: detail, address: row[6].textValue)
            }
        }
    }
}

extension StoreRows {
    /// Writes an audit line in the transaction these rows belong to (both backends alike).
    func appendAudit(_ e: AuditEntry, organisation: String) throws {
        _ = try run("INSERT INTO audit_log (org, at, actor, action, target, detail, address) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [.text(organisation), .integer(e.at), .text(e.actor), .text(e.action), .text(e.target), .text(e.detail),
                     e.address.map(ContentValue.text) ?? .null])
    }
}
