import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP server on 127.0.0.1 for webhook tests: it answers 503 to the first `failures`
/// attempts of each idempotency key, then 200, and counts what it accepted.
final class HookServer: @unchecked Sendable {
    let port: UInt16
    private let socket: Int32
    private let failures: Int
    private let lock = NSLock()
    private var attempts: [String: Int] = [:]
    private(set) var accepted: [String: Int] = [:]
    private(set) var bodies: [String] = []

    init(failures: Int) throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.failures = failures
        self.socket = fd
        self.port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in self.serve() }
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    func stop() { shutdown(socket, Int32(SHUT_RDWR)); close(socket) }

    private func serve() {
        while true {
            let client = accept(socket, nil, nil)
            if client < 0 { return }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var bodyStart: Int?
        var contentLength = 0
        while true {
            let n = recv(client, &buffer, buffer.count, 0)
            if n <= 0 { return }
            data.append(contentsOf: buffer[0..<n])
            if bodyStart == nil, let range = data.range(of: Data("\r\n\r\n".utf8)) {
                bodyStart = range.upperBound
                let head = String(decoding: data[..<range.lowerBound], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let start = bodyStart, data.count - start >= contentLength { break }
        }
        let head = String(decoding: data[..<bodyStart!], as: UTF8.self)
        let key = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("idempotency-key:") }
            .map { String($0.split(separator: ":")[1]).trimmingCharacters(in: .whitespaces) } ?? "none"
        lock.lock()
        attempts[key, default: 0] += 1
        let ok = attempts[key]! > failures
        if ok {
            accepted[key, default: 0] += 1
            bodies.append(String(decoding: data[bodyStart!...], as: UTF8.self))
        }
        lock.unlock()
        let response = ok ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                          : "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy"
        _ = response.withCString { send(client, $0, strlen($0), 0) }
    }

    func snapshot() -> (accepted: [String: Int], bodies: [String]) {
        lock.lock(); defer { lock.unlock() }
        return (accepted, bodies)
    }
}

@Suite("tandem run: the weekly run, the ledger and the webhook")
struct RunCommandTests {
    let sample = ["--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv", "--checkins", "datasets/xinghai/checkins.csv"]

    func storeWithSample() throws -> (String, URL) {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("t.db").path
        #expect(try CLI.run(["import", "--db", db] + sample).status == 0)
        return (db, dir)
    }

    @Test func webhookDeliversEveryNewAlertExactlyOnceThroughRetries() throws {
        let (db, dir) = try storeWithSample()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try HookServer(failures: 2)
        defer { server.stop() }
        let first = try CLI.run(["run", "--db", db, "--as-of", "2026-10-28", "--webhook", server.url, "--webhook-retry-delay", "0.01"])
        #expect(first.status == 0)
        // The store holds four closed quarters: the run uses them, and says so.
        #expect(first.stdout.contains("recalibrated on this organisation's 1,664 key results closed before 2026-10-28"), "\(first.stdout)")
        let again = try CLI.run(["run", "--db", db, "--as-of", "2026-10-28", "--webhook", server.url, "--webhook-retry-delay", "0.01"])
        #expect(again.stdout.contains("ledger: no change"))
        #expect(again.stdout.contains("webhook: 0 alerts delivered"))
        // Every opened or escalated event reached the server exactly once, after two refusals.
        let feed = try CLI.run(["feed", "--db", db])
        let events = feed.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let notifying = events.filter { ["opened", "escalated"].contains($0["kind"] as? String) }
        #expect(!notifying.isEmpty)
        let (accepted, bodies) = server.snapshot()
        #expect(accepted.count == notifying.count)
        #expect(accepted.values.allSatisfy { $0 == 1 })
        for e in notifying { #expect(accepted["tandem-event-\(e["event_id"] as! Int)"] == 1) }
        #expect(first.stdout.contains("webhook: \(notifying.count) alerts delivered"))
        // Slack-compatible: a JSON object with "text".
        let body = try #require(bodies.first.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect((body["text"] as? String)?.contains("P(success)") == true)
    }

    @Test func undeliveredAlertsWaitForTheNextRun() throws {
        let (db, dir) = try storeWithSample()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Nothing listens on the discard port: every attempt fails quickly.
        let down = try CLI.run(["run", "--db", db, "--as-of", "2026-10-21", "--webhook", "http://127.0.0.1:9/hook", "--webhook-retry-delay", "0.01"])
        #expect(down.status == 0)
        #expect(down.stdout.contains("not delivered (retried at the next run)"))
        let server = try HookServer(failures: 0)
        defer { server.stop() }
        let next = try CLI.run(["run", "--db", db, "--as-of", "2026-10-28", "--webhook", server.url, "--webhook-retry-delay", "0.01"])
        #expect(next.status == 0)
        let (accepted, _) = server.snapshot()
        #expect(accepted.values.allSatisfy { $0 == 1 })
        let opened21 = try CLI.run(["feed", "--db", db]).stdout.split(separator: "\n").filter { $0.contains("\"day\":\"2026-10-21\"") && $0.contains("\"kind\":\"opened\"") }
        #expect(accepted.count >= opened21.count)
    }

    @Test func alertsAckAndFeed() throws {
        let (db, dir) = try storeWithSample()
        defer { try? FileManager.default.removeItem(at: dir) }
        for day in ["2026-10-21", "2026-10-28", "2026-11-04"] { #expect(try CLI.run(["run", "--db", db, "--as-of", day]).status == 0) }
        // An earlier week never run is refused; an earlier week already recorded is a no-op.
        let back = try CLI.run(["run", "--db", db, "--as-of", "2026-10-14"])
        #expect(back.status == 1)
        #expect(back.stderr.contains("runs go forward in time"))
        let recorded = try CLI.run(["run", "--db", db, "--as-of", "2026-10-28"])
        #expect(recorded.status == 0)
        #expect(recorded.stdout.contains("already recorded"))
        let list = try CLI.run(["alerts", "--db", db, "--severity", "critical", "--format", "json"])
        let alerts = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(!alerts.isEmpty && alerts.allSatisfy { $0["severity"] as? String == "critical" })
        let id = try #require(alerts.first?["id"] as? Int)
        let ack = try CLI.run(["ack", "--db", db, String(id), "--note", "已与负责人沟通，本周补齐数据"])
        #expect(ack.status == 0)
        let acked = try CLI.run(["alerts", "--db", db, "--status", "acked"])
        #expect(acked.stdout.contains("#\(id) ") && acked.stdout.contains("note: 已与负责人沟通，本周补齐数据"))
        let table = try CLI.run(["alerts", "--db", db, "--unit", "rd"])
        #expect(table.stdout.split(separator: "\n").first?.hasPrefix("rd") == true)
        let feed = try CLI.run(["feed", "--db", db, "--after", "0"]).stdout.split(separator: "\n")
        #expect(feed.last?.contains("\"kind\":\"acked\"") == true)
    }
}
