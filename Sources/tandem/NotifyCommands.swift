import ArgumentParser
import Foundation
import TandemCore
import TandemService
import TandemStore

struct People: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The people notifications go to: import a people file, list it.",
        discussion: """
            A people file is a CSV file with the columns person,email,manager and, if wanted, units, timezone, cadence, role, \
            slack and teams:
              person    the name the key-result files' owner column uses for them
              email     where their email digest goes
              manager   the person they report to (empty at the top); managers hear of their team's long-silent key results
              units     the unit ids they lead, separated by ';' (the critical alerts of those subtrees reach them)
              timezone  an IANA time zone (Asia/Shanghai); UTC when absent
              cadence   daily or weekly (the default)
              role      member, lead, hr, strategy or admin; by default lead for a person with units, else member
              slack     a Slack incoming-webhook URL for a copy of their digest
              teams     a Teams Workflows webhook URL for a copy of their digest
            A dashboard account of the same person (tandem users add --person) or the same email decides the role and the \
            units led instead: a digest never shows what that account could not see on the dashboard.
            """,
        subcommands: [PeopleImport.self, PeopleList.self])
}

struct PeopleImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Replace the store's people with a people file's (all or nothing).",
        discussion: "The file is checked whole first (columns, addresses, managers, units, time zones, webhook URLs); with an error nothing changes.")

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Argument(help: ArgumentHelp("The people file (CSV, UTF-8).", valueName: "file")) var file: String

    func run() async throws {
        let store = try await openStore(db, .readWrite, orgKey)
        let outcome = try await call { () throws(ServiceError) in
            try PeopleService.importFile(file, store: store, actor: commandLineActor)
        }
        if !outcome.warnings.isEmpty {
            // At most three of a kind: a file of 100,000 people can warn 100,000 times.
            let renderer = DiagnosticRenderer(sources: outcome.sources)
            for item in DiagnosticLimiter.limit(outcome.warnings, perID: 3) { FileHandle.standardError.write(Data(item.text(renderer).utf8)) }
        }
        let leads = outcome.people.filter { !$0.units.isEmpty }.count
        let hooks = outcome.people.filter { $0.slack != nil || $0.teams != nil }.count
        print("imported \(outcome.people.count) people from \(file): \(outcome.added) new, \(outcome.changed) changed, \(outcome.removed) removed; \(leads) lead units, \(hooks) have a Slack or Teams webhook".terminalSafe)
    }
}

struct PeopleList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the people, with the role their digests are built for.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(help: "table or json.") var format: Format = .table

    struct Row: Encodable {
        var person: String
        var email: String
        var manager: String?
        var role: String
        var roleFrom: String
        var units: [String]
        var timezone: String
        var cadence: String
        var channels: [String]

        enum CodingKeys: String, CodingKey {
            case person, email, manager, role, roleFrom = "role_from", units, timezone, cadence, channels
        }
    }

    func run() async throws {
        let store = try await openStore(db, .readOnly, orgKey)
        let (people, recipients) = try await call { () throws(ServiceError) in
            let catalogue = try Catalogue.load(store: store)
            let (people, accounts) = try storeCallCLI { () throws(StoreError) in (try store.people(), try store.accounts()) }
            return (people, Recipient.all(people: people, accounts: accounts, catalogue: catalogue))
        }
        let rows = recipients.map { r in
            Row(person: r.person.name, email: r.person.email, manager: r.person.manager, role: r.role.rawValue,
                roleFrom: r.account.map { "account \($0.email)" } ?? "people file", units: r.role == .lead ? r.viewer.account.units : [],
                timezone: r.person.timeZone, cadence: r.person.cadence.rawValue,
                channels: ["email"] + (r.person.slack == nil ? [] : ["slack"]) + (r.person.teams == nil ? [] : ["teams"]))
        }
        switch format {
        case .json: print(try JSONOutput.encode(rows))
        case .table:
            if people.isEmpty { print("no people; import a people file with `tandem people import --db F people.csv`"); return }
            var table = TextTable(columns: [.init("person"), .init("email"), .init("manager"), .init("role"), .init("units"), .init("timezone"),
                                            .init("cadence"), .init("channels")])
            for r in rows {
                table.append([r.person, r.email, r.manager ?? "", r.role + (r.roleFrom == "people file" ? "" : " (account)"), r.units.joined(separator: ";"),
                              r.timezone, r.cadence, r.channels.joined(separator: ",")])
            }
            print(table.render())
        }
    }
}

/// A store call from the command line whose failure is a service error.
func storeCallCLI<T>(_ body: () throws(StoreError) -> T) throws(ServiceError) -> T {
    do { return try body() } catch { throw .store(error) }
}

struct Notify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send each person a digest of what changed since their last one: email, Slack, Teams.",
        discussion: """
            Who gets what (people from `tandem people import`; what a person sees is what their role lets them see on the dashboard):
              owners     the new and escalated alerts of their own key results, and a reminder for each of their open key \
            results with no check-in for --silent-days days
              leads      the critical alerts of the units they lead and every unit below
              hr, admin  the company: live alerts by severity, what opened and escalated, the top items
              managers   the key results of the people who report to them silent for twice --silent-days
            Each person gets at most one digest a day (cadence daily) or a week (weekly), the period beginning at 08:00 in their \
            time zone, and none when nothing changed. Each message is written whole into the store's notification ledger before \
            it is sent and marked sent after the receiver took it, so reruns and a round killed midway never send a second, \
            different message; a message sent but not yet marked when the round died goes again with the same Message-ID \
            (email) or Idempotency-Key (webhooks). A message that failed is tried again at the next round while its period \
            lasts, up to 10 times; a mail server that is down stops the round's email without counting against the messages; \
            what a message given up or left unsent past its period would have said goes into the person's next digest.
            Email goes through --smtp with STARTTLS (or smtps://) required; the password comes from TANDEM_SMTP_PASSWORD. \
            Slack and Teams copies go to the webhooks of the people file.
            Exit status: 0 when every message went (or nothing was due), 1 when one failed, nothing could be sent (no mail server \
            and no webhook) or the store could not be read, 64 for a malformed command line.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }
    enum TLS: String, ExpressibleByArgument, CaseIterable { case required, off }

    @Option(help: storeHelp) var db: String?
    @Option(name: .customLong("org-key"), help: orgKeyHelp) var orgKey: String?
    @Option(name: .customLong("as-of"), help: ArgumentHelp("The run day whose ledger the digests report up to (default: the latest run).", valueName: "date"),
            transform: { try dayArgument($0, "--as-of") })
    var asOf: Day?
    @Option(help: ArgumentHelp("The moment of this round, ISO 8601 (2026-03-09T09:00:00+08:00); each person's day or week is read from it in their time zone. Default: now.",
                               valueName: "time"))
    var at: String?
    @Flag(name: .customLong("dry-run"), help: "Show what would be sent; write and send nothing.") var dryRun = false
    @Flag(help: "Print each message as it is sent (the email's plain-text part, the webhooks' JSON).") var show = false
    @Option(help: ArgumentHelp("The mail server: smtp://[user@]host[:port] (STARTTLS, port 587 by default) or smtps://[user@]host[:port]. Default: $TANDEM_SMTP_URL; without one, no email is sent.",
                               valueName: "url"))
    var smtp: String?
    @Option(help: ArgumentHelp("The sender's address (default: $TANDEM_SMTP_FROM).", valueName: "address")) var from: String?
    @Option(name: .customLong("from-name"), help: "The sender's name.") var fromName = "Tandem"
    @Option(name: .customLong("smtp-tls"), help: "required (STARTTLS or smtps) or off (only to a mail server on this machine's loopback).")
    var smtpTLS: TLS = .required
    @Option(name: .customLong("smtp-ca"), help: ArgumentHelp("A PEM file of the roots to trust for the mail server (default: the system's).", valueName: "file"))
    var smtpCA: String?
    @Option(name: .customLong("silent-days"), help: "Days without a check-in before an owner is reminded (1 to 365).") var silentDays = 14
    @Option(help: ArgumentHelp("The dashboard's address, for links in the digests (https://tandem.example.com).", valueName: "url")) var dashboard: String?
    @Option(name: .customLong("claim-seconds"), help: "How long a round holds a message it is sending before another round may take it (a round killed midway); 60 to 86400, longer than any send may take.")
    var claimSeconds = 300
    @Option(help: "table or json.") var format: Format = .table

    func validate() throws {
        guard (1...365).contains(silentDays) else { throw ValidationError("--silent-days must be 1 to 365, found \(silentDays)") }
        // Longer than a send may take (SMTP gives up after 30 s, a webhook after 10 s): a round's
        // claim must not run out while it is still sending.
        guard (60...86_400).contains(claimSeconds) else { throw ValidationError("--claim-seconds must be 60 to 86400, found \(claimSeconds)") }
        if let at {
            guard let moment = Self.moment(at) else {
                throw ValidationError("--at must be a moment like 2026-03-09T09:00:00+08:00 or 2026-03-09T01:00:00Z, found '\(at)'")
            }
            // 1971-01-01 to 9998-12-31: every time zone's day and ISO week are then real dates.
            guard moment.timeIntervalSince1970 >= 31_536_000, moment.timeIntervalSince1970 < 253_370_764_800 else {
                throw ValidationError("--at must fall between 1971 and 9998, found '\(at)'")
            }
        }
        if let dashboard {
            guard let url = URL(string: dashboard), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ValidationError("--dashboard must be an http:// or https:// address, found '\(dashboard)'")
            }
        }
    }

    static func moment(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var settings: SMTPSettings?
        if let url = smtp ?? environment["TANDEM_SMTP_URL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let sender = from ?? environment["TANDEM_SMTP_FROM"] else { throw ValidationError("--smtp needs --from ADDRESS (or TANDEM_SMTP_FROM)") }
            if let smtpCA, !FileManager.default.isReadableFile(atPath: smtpCA) { throw ValidationError("--smtp-ca: cannot read '\(smtpCA)'") }
            settings = try await call { () throws(ServiceError) in
                try SMTPSettings.parse(url, from: sender, password: environment["TANDEM_SMTP_PASSWORD"], requireTLS: smtpTLS == .required, caFile: smtpCA)
            }
        }
        let request = NotifyRequest(asOf: asOf, at: at.flatMap(Self.moment) ?? Date(), silentDays: silentDays, dryRun: dryRun, smtp: settings,
                                    fromName: fromName, links: .init(dashboard: dashboard.flatMap(URL.init(string:))), claimSeconds: claimSeconds)
        let store = try await openStore(db, dryRun ? .readOnly : .readWrite, orgKey)
        let outcome = await NotifyService.run(store: store, request: request, transport: LiveDigestTransport(smtp: settings))
        if let error = outcome.error, outcome.lines.isEmpty { throw failure(error) }
        switch format {
        case .json: try printJSON(outcome)
        case .table: printTable(outcome, email: settings != nil)
        }
        if let error = outcome.error { throw failure(error) }
        if !dryRun && outcome.lines.isEmpty && outcome.quiet.isEmpty && !outcome.unreachable.isEmpty {
            printError("error: nothing can be sent: \(settings == nil ? "no mail server (--smtp or TANDEM_SMTP_URL) and " : "")no Slack or Teams webhook in the people file")
            throw ExitCode(1)
        }
        // A failure of this round (a message an earlier round gave up on is reported, not counted again).
        if outcome.lines.contains(where: { $0.result == .failed || ($0.result == .gaveUp && $0.message?.status == .pending) }) { throw ExitCode(1) }
    }

    func printTable(_ o: NotifyOutcome, email: Bool) {
        let verb = dryRun ? "would send" : "sent"
        let sent = o.lines.filter { $0.result == .sent || $0.result == .wouldSend || $0.result == .wouldRetry }.count
        print("notify: the alert ledger up to \(o.asOf)\(dryRun ? " (dry run: nothing written or sent)" : ""):")
        let shown = o.lines.filter { $0.result != .alreadySent }
        if !shown.isEmpty {
            var table = TextTable(columns: [.init("person"), .init("channel"), .init("period"), .init("digest"), .init("result")])
            for l in shown {
                table.append([l.person, l.channel.rawValue, l.period, l.headline, l.result.rawValue + (l.error.map { ": \($0)" } ?? "")])
            }
            print(table.render())
        }
        let failed = o.lines.filter { $0.result == .failed }.count
        var summary = "\(verb) \(sent) message\(sent == 1 ? "" : "s")"
        if failed > 0 { summary += "; \(failed) failed (tried again at the next round)" }
        let held = o.lines.filter { $0.result == .held }.count
        if held > 0 { summary += "; \(held) held by another round" }
        let earlier = o.lines.count - shown.count
        if earlier > 0 { summary += "; \(earlier) sent earlier this period" }
        if o.withdrawn > 0 {
            summary += "; \(o.withdrawn) unsent message\(o.withdrawn == 1 ? "" : "s") of a past period or to an old address withdrawn (their news go into the next digests)"
        }
        if !o.quiet.isEmpty { summary += "; nothing new for \(o.quiet.count) \(o.quiet.count == 1 ? "person" : "people")" }
        print(summary)
        if !o.unreachable.isEmpty {
            print("no channel for \(o.unreachable.count) (\(o.unreachable.prefix(5).joined(separator: ", "))\(o.unreachable.count > 5 ? ", …" : "")): \(email ? "" : "no --smtp given, and ")no Slack or Teams webhook in the people file".terminalSafe)
        }
        if show {
            for l in o.lines where l.result == .sent || l.result == .wouldSend || l.result == .wouldRetry {
                guard let m = l.message else { continue }
                print("")
                print("── \(l.person) · \(l.channel.rawValue) · \(l.period) · \(m.subject)".terminalSafe)
                if l.channel == .email, let d = l.digest { print(DigestRender.text(d, links: .init(dashboard: dashboard.flatMap(URL.init(string:))))) } else { print(m.body) }
            }
        }
    }

    struct JSONLine: Encodable {
        var person: String
        var email: String
        var channel: String
        var period: String
        var subject: String?
        var digest: String
        var result: String
        var error: String?
        var messageID: String?
        var body: String?

        enum CodingKeys: String, CodingKey {
            case person, email, channel, period, subject, digest, result, error, body
            case messageID = "message_id"
        }
    }

    func printJSON(_ o: NotifyOutcome) throws {
        struct Out: Encodable {
            var asOf: String
            var dryRun: Bool
            var messages: [JSONLine]
            var quiet: [String]
            var unreachable: [String]
            enum CodingKeys: String, CodingKey { case asOf = "as_of", dryRun = "dry_run", messages, quiet, unreachable }
        }
        print(try JSONOutput.encode(Out(asOf: o.asOf.description, dryRun: dryRun, messages: o.lines.map {
            JSONLine(person: $0.person, email: $0.email, channel: $0.channel.rawValue, period: $0.period, subject: $0.message?.subject, digest: $0.headline,
                     result: $0.result.rawValue, error: $0.error, messageID: $0.message?.messageID, body: show ? $0.message?.body : nil)
        }, quiet: o.quiet, unreachable: o.unreachable)))
    }
}
