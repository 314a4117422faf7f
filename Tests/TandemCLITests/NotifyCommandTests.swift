import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The local receivers of `Tests/Support/notify-sinks.py`: an SMTP server (aiosmtpd) requiring
/// STARTTLS and AUTH, and an HTTP receiver for the Slack and Teams webhooks.
final class NotifySinks: @unchecked Sendable {
    static let user = "tandem", password = "sink-password-1"
    let folder: URL
    let smtpPort: Int, httpPort: Int
    private let process: Process

    /// Why the sinks cannot run here (no aiosmtpd), or nil.
    static var missing: String? {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import aiosmtpd"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return "python3 is not installed" }
        probe.waitUntilExit()
        return probe.terminationStatus == 0 ? nil : "Python's aiosmtpd is not installed (make test installs it from PyPI)"
    }

    init(folder: URL) throws {
        self.folder = folder
        let fixtures = CLI.packageRoot.appendingPathComponent("Tests/TandemCLITests/Fixtures/notify")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", CLI.packageRoot.appendingPathComponent("Tests/Support/notify-sinks.py").path, folder.path,
                             fixtures.appendingPathComponent("sink-cert.pem").path, fixtures.appendingPathComponent("sink-key.pem").path,
                             Self.user, Self.password]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard words.count == 4, let s = Int(words[1]), let h = Int(words[3]) else {
            process.terminate()
            throw POSIXError(.ECONNREFUSED)
        }
        smtpPort = s
        httpPort = h
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var hookURL: String { "http://127.0.0.1:\(httpPort)" }

    func control(_ name: String, _ value: String) throws {
        try value.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    struct Mail {
        var envelope: [String: Any]
        var raw: String
        var messageID: String
        var to: String
        /// The decoded text parts.
        var text: String
    }

    func mails() throws -> [Mail] {
        let dir = folder.appendingPathComponent("mail")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".eml") }.sorted().map { name in
            let raw = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            let envelope = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(name.replacingOccurrences(of: ".eml", with: ".json")))) as? [String: Any] ?? [:]
            let head = raw.components(separatedBy: "\r\n\r\n")[0]
            let id = head.split(separator: "\r\n").first { $0.hasPrefix("Message-ID: ") }.map { String($0.dropFirst(12)) } ?? ""
            let to = head.split(separator: "\r\n").first { $0.hasPrefix("To: ") }.map(String.init) ?? ""
            let text = raw.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n").dropFirst().map { part in
                Data(base64Encoded: part.split(separator: "\r\n").prefix { !$0.hasPrefix("--") }.joined()).map { String(decoding: $0, as: UTF8.self) } ?? ""
            }.joined(separator: "\n")
            return Mail(envelope: envelope, raw: raw, messageID: id, to: to, text: text)
        }
    }

    func hooks() throws -> [(path: String, key: String, body: [String: Any], raw: String)] {
        let dir = folder.appendingPathComponent("hooks")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let o = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(name))) as? [String: Any],
                  let headers = o["headers"] as? [String: String], let raw = o["body"] as? String else { return nil }
            let key = headers.first { $0.key.lowercased() == "idempotency-key" }?.value ?? ""
            let body = (try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any]) ?? [:]
            return (o["path"] as? String ?? "", key, body, raw)
        }
    }
}

@Suite("tandem people and tandem notify, against a local mail server and webhook receivers", .serialized)
struct NotifyCommandTests {
    let sample = ["--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv"]

    func requireSinks() throws {
        if let why = NotifySinks.missing {
            if ProcessInfo.processInfo.environment["TANDEM_REQUIRE_TOOLS"] == "1" {
                Issue.record(Comment(rawValue: why + ", and TANDEM_REQUIRE_TOOLS=1 says the notification tests must run"))
            }
            try Test.cancel(Comment(rawValue: why))
        }
    }

    /// The sample's people, with Slack and Teams webhooks for three of them.
    func peopleFile(_ dir: URL, hooks: String) throws -> String {
        var lines = try String(contentsOf: CLI.packageRoot.appendingPathComponent("datasets/xinghai/people.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        lines[0] += ",slack,teams"
        for i in 1..<lines.count {
            let person = lines[i].split(separator: ",").first.map(String.init) ?? ""
            switch person {
            case "周敏": lines[i] += ",,\(hooks)/teams/hr"
            case "赵思远": lines[i] += ",\(hooks)/slack/rd,"
            case "冯宇": lines[i] += ",\(hooks)/slack/feng,\(hooks)/teams/feng"
            default: lines[i] += ",,"
            }
        }
        let path = dir.appendingPathComponent("people.csv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A new store of the sample with its people (three with webhooks to the sinks), and the sinks.
    func sampleWithSinks() throws -> (dir: URL, sinks: NotifySinks, db: String) {
        let dir = try temporaryDirectory()
        let sinks = try NotifySinks(folder: dir.appendingPathComponent("sink"))
        let db = dir.appendingPathComponent("t.db").path
        #expect(try CLI.run(["import", "--db", db] + sample).status == 0)
        let people = try CLI.run(["people", "import", "--db", db, try peopleFile(dir, hooks: sinks.hookURL)])
        #expect(people.status == 0, "\(people.stderr)")
        #expect(people.stdout.contains("imported 112 people"), "\(people.stdout)")
        return (dir, sinks, db)
    }

    func notify(_ db: String, _ sinks: NotifySinks, at: String, _ extra: [String] = [], password: String = NotifySinks.password) throws -> CLI.Output {
        try CLI.run(["notify", "--db", db, "--at", at, "--smtp", "smtp://\(NotifySinks.user)@127.0.0.1:\(sinks.smtpPort)", "--from", "tandem@xinghai.cn",
                     "--smtp-ca", "Tests/TandemCLITests/Fixtures/notify/sink-cert.pem", "--silent-days", "21", "--format", "json"] + extra,
                    environment: ["TANDEM_SMTP_PASSWORD": password])
    }

    func messages(_ out: CLI.Output) -> [[String: Any]] {
        ((try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])?["messages"] as? [[String: Any]]) ?? []
    }

    /// The units a person may see the KPI details of, and what kind each key result is.
    struct Rights {
        var kind: [String: String] = [:], owner: [String: String] = [:], unit: [String: String] = [:]
        var parent: [String: String] = [:]
        var leads: [String: [String]] = [:], email: [String: String] = [:], role: [String: String] = [:]

        init() throws {
            let root = CLI.packageRoot
            for line in try String(contentsOf: root.appendingPathComponent("datasets/xinghai/krs.csv"), encoding: .utf8).split(separator: "\n").dropFirst() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                kind[f[0]] = f[4]; unit[f[0]] = f[2]; owner[f[0]] = f[9]
            }
            var id = ""
            for line in try String(contentsOf: root.appendingPathComponent("datasets/xinghai/org.yaml"), encoding: .utf8).split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("- id: ") { id = String(t.dropFirst(6)) }
                if t.hasPrefix("parent: ") { parent[id] = String(t.dropFirst(8)) }
            }
            for line in try String(contentsOf: root.appendingPathComponent("datasets/xinghai/people.csv"), encoding: .utf8).split(separator: "\n").dropFirst() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                email[f[1]] = f[0]
                leads[f[0]] = f[3].split(separator: ";").map(String.init)
                role[f[0]] = f[6]
            }
        }

        /// Whether `person` may see the details of a KPI key result.
        func sees(_ person: String, kpi kr: String) -> Bool {
            if role[person] == "hr" || owner[kr] == person { return true }
            var u = unit[kr]
            while let at = u {
                if leads[person, default: []].contains(at) { return true }
                u = parent[at]
            }
            return false
        }
    }

    @Test func aWeekOfDigestsReachesEveryoneOnceAndNobodyReadsAnotherSKPI() throws {
        try requireSinks()
        let (dir, sinks, db) = try sampleWithSinks()
        defer { sinks.stop(); try? FileManager.default.removeItem(at: dir) }
        // Nothing to say before a run.
        let early = try notify(db, sinks, at: "2026-10-15T09:00:00+08:00")
        #expect(early.status == 1 && early.stderr.contains("no run yet"))

        var sent = 0
        var days: [String] = []
        for run in ["2026-10-14", "2026-10-21"] {
            #expect(try CLI.run(["run", "--db", db, "--as-of", run]).status == 0)
            // Every morning of the week after the run, in Shanghai.
            let first = Day(run)
            for offset in 1...7 {
                let day = first.adding(offset)
                days.append(day)
                let out = try notify(db, sinks, at: "\(day)T09:00:00+08:00")
                #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
                sent += messages(out).filter { $0["result"] as? String == "sent" }.count
            }
        }
        // And the last round again: nothing new.
        let again = try notify(db, sinks, at: "\(days.last!)T10:00:00+08:00")
        #expect(messages(again).allSatisfy { $0["result"] as? String == "already sent" })

        let mails = try sinks.mails(), hooks = try sinks.hooks()
        #expect(sent > 40)
        #expect(mails.count + hooks.count == sent)
        // Exactly once: no Message-ID or Idempotency-Key twice.
        #expect(Set(mails.map(\.messageID)).count == mails.count)
        #expect(Set(hooks.map(\.key)).count == hooks.count)
        // Through STARTTLS, signed in, to the person's own address, in two parts with no remote image.
        let rights = try Rights()
        for m in mails {
            #expect(m.envelope["tls"] as? Bool == true && m.envelope["authenticated"] as? Bool == true)
            let address = (m.envelope["to"] as? [String])?.first ?? ""
            #expect(m.to.hasSuffix("<\(address)>"))
            let person = try #require(rights.email[address])
            #expect(m.raw.contains("multipart/alternative") && m.raw.contains("text/plain; charset=utf-8") && m.raw.contains("text/html; charset=utf-8"))
            #expect(!m.text.lowercased().contains("<img") && !m.text.contains("src=\"http"))
            // Every KPI key result named in a digest is one its reader may see.
            for word in m.text.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix("KR-") {
                let kr = String(word)
                if rights.kind[kr] == "kpi" { #expect(rights.sees(person, kpi: kr), "\(person)'s digest names the KPI \(kr)") }
            }
        }
        // Weekly people get at most one a week; daily ones at most one a day.
        let perPerson = Dictionary(grouping: mails, by: { ($0.envelope["to"] as? [String])?.first ?? "" })
        let fengYu = perPerson["feng.yu@xinghai.cn"]?.count ?? 0
        #expect(fengYu <= 2, "冯宇 is weekly: at most one message in each of the two ISO weeks")
        // Slack and Teams bodies in their own formats, to their own URLs.
        for h in hooks {
            if h.path.hasPrefix("/slack/") {
                #expect(h.body["text"] is String && (h.body["blocks"] as? [[String: Any]])?.isEmpty == false)
            } else {
                #expect(h.path.hasPrefix("/teams/"))
                let a = (h.body["attachments"] as? [[String: Any]])?.first
                #expect(a?["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
                #expect((a?["content"] as? [String: Any])?["type"] as? String == "AdaptiveCard")
            }
        }
        #expect(hooks.contains { $0.path == "/teams/hr" })
    }

    @Test func failuresAndAKilledRoundStillDeliverEachMessageOnce() throws {
        try requireSinks()
        let (dir, sinks, db) = try sampleWithSinks()
        defer { sinks.stop(); try? FileManager.default.removeItem(at: dir) }
        #expect(try CLI.run(["run", "--db", db, "--as-of", "2026-10-14"]).status == 0)

        // A wrong password, and a webhook receiver refusing the next post: the round says why and exits 1.
        try sinks.control("hooks-fail", "1")
        let denied = try notify(db, sinks, at: "2026-10-15T09:00:00+08:00", ["--format", "table"], password: "wrong")
        #expect(denied.status == 1)
        #expect(denied.stdout.contains("failed: SMTP 127.0.0.1: "), "\(denied.stdout)")
        #expect(denied.stdout.contains("failed: the webhook did not take it (no answer, or not 2xx)"), "\(denied.stdout)")
        #expect(try sinks.mails().isEmpty)
        // The next round sends what failed: the same messages, once each.
        let retry = try notify(db, sinks, at: "2026-10-15T09:10:00+08:00")
        #expect(retry.status == 0, "\(retry.stdout)")
        #expect(messages(retry).contains { $0["channel"] as? String != "email" && $0["result"] as? String == "sent" })
        #expect(!messages(retry).contains { $0["result"] as? String == "failed" })
        let mails = try sinks.mails()
        #expect(!mails.isEmpty && Set(mails.map(\.messageID)).count == mails.count)
        let keys = try sinks.hooks().map(\.key)
        #expect(Set(keys).count == keys.count)

        // kill -9 while a webhook is being answered: the receiver has the message, the ledger does not say sent.
        #expect(try CLI.run(["run", "--db", db, "--as-of", "2026-10-21"]).status == 0)
        try sinks.control("hooks-delay", "30")
        let before = try sinks.hooks().count
        let process = Process()
        process.executableURL = CLI.binary
        process.currentDirectoryURL = CLI.packageRoot
        process.arguments = ["notify", "--db", db, "--at", "2026-10-22T09:00:00+08:00", "--claim-seconds", "60"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while try sinks.hooks().count == before && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let caught = try sinks.hooks()
        #expect(caught.count == before + 1)
        try sinks.control("hooks-delay", "0")
        // Within its claim nobody else sends it; after it, the next round does, with the same key and bytes.
        let held = try notify(db, sinks, at: "2026-10-22T09:01:00+08:00")
        #expect(messages(held).contains { $0["result"] as? String == "held" })
        // A minute later the claim has run out (set so here rather than waited for).
        let expire = Process()
        expire.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        expire.arguments = ["python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE notification SET claimed_until = 0 WHERE claimed_until IS NOT NULL\"); c.commit()", db]
        try expire.run()
        expire.waitUntilExit()
        #expect(expire.terminationStatus == 0)
        let after = try notify(db, sinks, at: "2026-10-22T09:02:00+08:00")
        #expect(after.status == 0, "\(after.stdout)")
        let all = try sinks.hooks()
        let interrupted = try #require(caught.last)
        let repeats = all.filter { $0.key == interrupted.key }
        #expect(repeats.count == 2, "sent again once, after the kill")
        #expect(Set(repeats.map(\.raw)).count == 1, "the same message both times")
        // Every other key once; a receiver dropping repeats by key holds each message once.
        let counts = Dictionary(grouping: all, by: \.key).mapValues(\.count)
        #expect(counts.filter { $0.value > 1 }.keys.sorted() == [interrupted.key])
        // And nothing is left to send.
        let last = try notify(db, sinks, at: "2026-10-22T09:03:00+08:00")
        #expect(messages(last).allSatisfy { $0["result"] as? String == "already sent" })
    }

    @Test func brokenPeopleFilesAreLocatedAndChangeNothing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("t.db").path
        #expect(try CLI.run(["import", "--db", db] + sample).status == 0)
        #expect(try CLI.run(["people", "import", "--db", db, "datasets/xinghai/people.csv"]).status == 0)
        let bad = dir.appendingPathComponent("bad.csv").path
        try "person,email,manager,units,timezone\n王芳,wang@x.cn,,nowhere,Mars/Olympus\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let out = try CLI.run(["people", "import", "--db", db, bad])
        #expect(out.status == 1)
        #expect(out.stderr.contains("\(bad):2:15: error: no unit 'nowhere' in the store [N0107]"), "\(out.stderr)")
        #expect(out.stderr.contains("\(bad):2:23: error: 'timezone' must be an IANA time zone"))
        #expect(out.stdout.contains("no people imported"))
        let list = try CLI.run(["people", "list", "--db", db, "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 112)
        #expect(rows.first { $0["person"] as? String == "周敏" }?["role"] as? String == "hr")
        // A dry run without a mail server shows the digests and writes nothing.
        #expect(try CLI.run(["run", "--db", db, "--as-of", "2026-10-14"]).status == 0)
        let dry = try CLI.run(["notify", "--db", db, "--at", "2026-10-15T09:00:00+08:00", "--dry-run", "--show"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("(dry run: nothing written or sent)") && dry.stdout.contains("would send"))
        #expect(dry.stdout.contains("Hello 周敏") && dry.stdout.contains("The company"))
        let real = try CLI.run(["notify", "--db", db, "--at", "2026-10-15T09:00:00+08:00", "--dry-run", "--format", "json"])
        #expect(messages(real).allSatisfy { $0["result"] as? String == "would send" })
    }
}

private struct Day {
    let date: Date
    init(_ iso: String) {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        date = f.date(from: iso)!
    }

    func adding(_ days: Int) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: date.addingTimeInterval(Double(days) * 86_400))
    }
}
