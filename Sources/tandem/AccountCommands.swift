import ArgumentParser
import Foundation
import TandemCore
import TandemService
import TandemStore

extension Role: ExpressibleByArgument {}

/// Reads a password from standard input: its first line, without the line break (so that
/// `printf '%s\n' "$PW" | tandem users add … --password-stdin` works and the password never
/// appears in the process list or the shell's history).
func passwordFromStandardInput() throws -> String {
    guard let line = readLine(strippingNewline: true) else {
        printError("error: --password-stdin: nothing on standard input; pipe the password in (printf '%s\\n' \"$PASSWORD\" | tandem …)")
        throw ExitCode(2)
    }
    return line.hasSuffix("\r") ? String(line.dropLast()) : line
}

func unitList(_ text: String?) -> [String]? {
    text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
}

/// Who the command line acts as in the audit log: the system user.
var commandLineActor: String { "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "unknown") }

/// bcrypt's cost for passwords set from the command line (`TANDEM_BCRYPT_COST`, 4–31; default 12).
var bcryptCost: Int {
    ProcessInfo.processInfo.environment["TANDEM_BCRYPT_COST"].flatMap(Int.init).map { min(max($0, 4), 31) } ?? AccountService.defaultCost
}

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the dashboard's accounts: add, list, remove, set-role, reset-password.",
        discussion: """
            Roles (DESIGN.md, "Who sees what"): member sees every OKR and their own KPIs, and acts on their own key results; \
            lead also sees the KPI details of the units they lead and every unit below, and acts on those units' alerts; \
            hr sees and acts on everything; strategy sees every decision and OKR, KPIs only in aggregate; admin sees everything \
            and manages accounts. --person ties an account to an owner name of the key-result files (a member's own key results).
            Passwords are read from standard input (--password-stdin) and kept as bcrypt hashes.
            """,
        subcommands: [UsersAdd.self, UsersList.self, UsersRemove.self, UsersSetRole.self, UsersResetPassword.self])
}

struct UsersAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an account.")

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "The account's email (its sign-in name).") var email: String
    @Option(help: "The name shown on pages (any Unicode).") var name: String
    @Option(help: "admin, strategy, hr, lead or member.") var role: Role
    @Option(help: ArgumentHelp("The units a lead leads, comma-separated (their subtrees are theirs).", valueName: "U1,U2")) var units: String?
    @Option(help: ArgumentHelp("The owner name of the key-result files that is this person.", valueName: "name")) var person: String?
    @Flag(name: .customLong("password-stdin"), help: "Read the password (10 to 72 bytes) from standard input's first line.") var passwordStdin = false

    func validate() throws {
        guard passwordStdin else { throw ValidationError("give --password-stdin and pipe the password in (it never goes on the command line)") }
    }

    func run() async throws {
        let password = try passwordFromStandardInput()
        let store = try await openStore(db, .readWrite, orgKey)
        let account = try await call { () throws(ServiceError) in
            try AccountService.addAccount(store: store, email: email, name: name, role: role, units: unitList(units) ?? [], person: person,
                                          password: password, cost: bcryptCost, actor: commandLineActor)
        }
        print("added \(account.email) (\(account.name), \(account.role.rawValue)\(account.units.isEmpty ? "" : ", units \(account.units.joined(separator: ","))"))".terminalSafe)
    }
}

struct UsersList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts (never their passwords).")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "table or json.") var format: Format = .table

    struct Row: Encodable {
        var email: String
        var name: String
        var role: String
        var units: [String]
        var person: String?
        var created: String
    }

    func run() async throws {
        let store = try await openStore(db, .readOnly, orgKey)
        let accounts = try await call { () throws(ServiceError) in try AccountService.accounts(store: store) }
        let rows = accounts.map { Row(email: $0.email, name: $0.name, role: $0.role.rawValue, units: $0.units, person: $0.person,
                                      created: timestamp($0.created)) }
        switch format {
        case .json: print(try JSONOutput.encode(rows))
        case .table:
            if rows.isEmpty { print("no accounts; add one with `tandem users add`"); return }
            var table = TextTable(columns: [.init("email"), .init("name"), .init("role"), .init("units"), .init("person"), .init("created")])
            for r in rows { table.append([r.email, r.name, r.role, r.units.joined(separator: ","), r.person ?? "", r.created]) }
            print(table.render())
        }
    }
}

struct UsersRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove an account, its sessions and its tokens.")

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "The account's email.") var email: String

    func run() async throws {
        let store = try await openStore(db, .readWrite, orgKey)
        try await call { () throws(ServiceError) in try AccountService.removeAccount(store: store, email: email, actor: commandLineActor) }
        print("removed \(email.lowercased()), with its sessions and tokens".terminalSafe)
    }
}

struct UsersSetRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Change an account's role (and a lead's units); its sessions end.")

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "The account's email.") var email: String
    @Option(help: "admin, strategy, hr, lead or member.") var role: Role
    @Option(help: ArgumentHelp("The units a lead leads, comma-separated (default: as before).", valueName: "U1,U2")) var units: String?

    func run() async throws {
        let store = try await openStore(db, .readWrite, orgKey)
        let change = try await call { () throws(ServiceError) in
            try AccountService.setRole(store: store, email: email, role: role, units: unitList(units), actor: commandLineActor)
        }
        let account = change.account
        print("\(account.email) is \(change.sessionsEnded ? "now " : "still ")\(account.role.rawValue)\(account.units.isEmpty ? "" : " of \(account.units.joined(separator: ","))")\(change.sessionsEnded ? "; its sessions ended" : "; nothing changed")".terminalSafe)
    }
}

struct UsersResetPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset-password", abstract: "Set a new password (from standard input); the account's sessions end.",
                                                    discussion: "Its API tokens stay valid (they are separate secrets): `tandem tokens revoke --user E` ends them too.")

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "The account's email.") var email: String
    @Flag(name: .customLong("password-stdin"), help: "Read the new password from standard input's first line.") var passwordStdin = false

    func validate() throws {
        guard passwordStdin else { throw ValidationError("give --password-stdin and pipe the password in (it never goes on the command line)") }
    }

    func run() async throws {
        let password = try passwordFromStandardInput()
        let store = try await openStore(db, .readWrite, orgKey)
        try await call { () throws(ServiceError) in
            try AccountService.resetPassword(store: store, email: email, password: password, cost: bcryptCost, actor: commandLineActor)
        }
        print("new password set for \(email.lowercased()); its sessions ended".terminalSafe)
    }
}

struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list or revoke bearer tokens for the API (/api/v1), each acting as one account.",
        discussion: "A token is shown once, when created; the store keeps only its SHA-256 digest. Send it as `Authorization: Bearer tdm_…`.",
        subcommands: [TokensCreate.self, TokensList.self, TokensRevoke.self])
}

struct TokensCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a token for an account and print it (once).")

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "The account the token acts as.") var user: String
    @Option(help: "What the token is for (shown in lists and the audit log).") var label: String = "api"

    func run() async throws {
        let store = try await openStore(db, .readWrite, orgKey)
        let new = try await call { () throws(ServiceError) in
            try AccountService.createToken(store: store, email: user, label: label, actor: commandLineActor)
        }
        print(new.secret)
        printError("token \(new.token.id.prefix(12)) for \(new.token.email) (\(new.token.label)): shown once, keep it safe")
    }
}

struct TokensList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (their ids, never their secrets).")

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "Only this account's tokens.") var user: String?

    func run() async throws {
        let store = try await openStore(db, .readOnly, orgKey)
        let tokens = try await call { () throws(ServiceError) in try AccountService.tokens(store: store, email: user) }
        if tokens.isEmpty { print("no tokens"); return }
        var table = TextTable(columns: [.init("id"), .init("user"), .init("label"), .init("created"), .init("revoked")])
        for t in tokens { table.append([String(t.id.prefix(12)), t.email, t.label, timestamp(t.created), t.revoked.map(timestamp) ?? ""]) }
        print(table.render())
    }
}

struct TokensRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an account's tokens (all, or the one whose id begins with --id).")

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "The account whose tokens to revoke.") var user: String
    @Option(help: ArgumentHelp("The token's id, or its first characters (from `tandem tokens list`).", valueName: "id")) var id: String?

    func run() async throws {
        let store = try await openStore(db, .readWrite, orgKey)
        let n = try await call { () throws(ServiceError) in
            try AccountService.revokeTokens(store: store, email: user, prefix: id?.lowercased(), actor: commandLineActor)
        }
        print(n == 0 ? "no live token of \(user.lowercased()) matched; nothing revoked".terminalSafe : "revoked \(count(n, "token")) of \(user.lowercased())".terminalSafe)
        if n == 0 { throw ExitCode(1) }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the audit log, newest first: sign-ins (failed too), acknowledgements, snoozes, imports, account and role changes.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "How many lines, newest first (1 to 10,000).") var limit: Int = 50
    @Option(help: "table or json.") var format: Format = .table

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit is 1 to 10,000; found \(limit)") }
    }

    struct Row: Encodable {
        var id: Int64
        var at: String
        var actor: String
        var action: String
        var target: String
        var detail: String
        var address: String?
    }

    func run() async throws {
        let store = try await openStore(db, .readOnly, orgKey)
        let lines = try await call { () throws(ServiceError) in try AccountService.auditLog(store: store, limit: limit) }
        let rows = lines.map { Row(id: $0.id, at: timestamp($0.at), actor: $0.actor, action: $0.action, target: $0.target, detail: $0.detail, address: $0.address) }
        switch format {
        case .json: print(try JSONOutput.encode(rows))
        case .table:
            if rows.isEmpty { print("the audit log is empty"); return }
            var table = TextTable(columns: [.init("#", alignRight: true), .init("at (UTC)"), .init("actor"), .init("action"), .init("target"), .init("detail")])
            for r in rows { table.append([String(r.id), r.at, r.actor, r.action, truncated(r.target, 60), truncated(r.detail, 60)]) }
            print(table.render())
        }
    }
}

struct Snooze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Put an alert out of the inbox until a day (an escalation wakes it earlier).")

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Argument(help: "The alert's number (from `tandem alerts`).") var alert: Int64
    @Option(help: ArgumentHelp("The day it comes back (YYYY-MM-DD), at most 92 days on.", valueName: "date"), transform: { try dayArgument($0, "--until") })
    var until: Day
    @Option(help: "Why.") var note: String = ""
    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day of the snooze (default: the latest run).", valueName: "date"), transform: { try dayArgument($0, "--as-of") })
    var asOf: Day?

    func run() async throws {
        let store = try await openStore(db, .readWrite, orgKey)
        let audit = AuditEntry(at: AccountService.now(), actor: commandLineActor, action: "snooze", target: "alert \(alert)",
                               detail: "until \(until)" + (note.isEmpty ? "" : ": \(note)"))
        let done = try await call { () throws(ServiceError) in
            try LedgerService.snooze(store: store, alert: alert, until: until, note: note, day: asOf, audit: audit)
        }
        print("alert #\(done.alert.id) (\(done.alert.keyResultID)) snoozed until \(until), dated \(done.day)".terminalSafe)
    }
}

func timestamp(_ seconds: Int64) -> String { AccountService.timestamp(seconds) }
