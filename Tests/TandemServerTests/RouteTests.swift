import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TandemCore
@testable import TandemEngine
@testable import TandemServer
import TandemService
@testable import TandemStore
import TandemTestSupport

@Suite("The dashboard's routes: sign-in, the inbox, acting, and what an attacker tries")
struct RouteTests {
    @Test func signingInSetsAStrictCookieAndSigningOutEndsTheSession() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            // Not signed in: the pages send to the sign-in page, keeping where one was going.
            let before = try await client.get("/inbox?unit=sales")
            #expect(before.status == .seeOther)
            #expect(before.headers[.location] == "/signin?next=%2Finbox%3Funit%3Dsales")
            #expect(try await client.get("/api/v1/alerts").status == .unauthorized)
            let r = try await client.form("/signin", nil, ["email": "HR@x.cn", "password": World.password, "next": "/units/sales"])
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/units/sales")
            let cookie = r.headers[.setCookie] ?? ""
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"))  // plain HTTP on loopback; --secure-cookies behind TLS
            let browser = try await client.signIn("hr@x.cn")
            let inbox = try await client.get("/inbox", browser.headers)
            #expect(inbox.status == .ok)
            #expect(inbox.headers[.cacheControl] == "no-store")
            #expect(String(buffer: inbox.body).contains("目标 E-KPI"))
            // Signing out without the form's token is refused; with it, the session ends.
            #expect(try await client.form("/signout", browser, [:]).status == .forbidden)
            let out = try await client.form("/signout", browser, ["csrf": browser.csrf])
            #expect(out.status == .seeOther)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.get("/inbox", browser.headers).status == .seeOther)
        }
        let actions = try world.state.store.auditLog(limit: 100).map(\.action)
        #expect(actions.filter { $0 == "sign-in" }.count == 2)
        #expect(actions.contains("sign-out"))
    }

    @Test func aWrongPasswordSaysNeitherWhichAndTooManyAreRefused() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            for _ in 1...5 {
                let r = try await client.form("/signin", nil, ["email": "li@x.cn", "password": "wrong password!"])
                #expect(r.status == .unauthorized)
                #expect(String(buffer: r.body).contains("The email or the password is wrong."))
            }
            let unknown = try await client.form("/signin", nil, ["email": "nobody@x.cn", "password": "wrong password!"])
            #expect(String(buffer: unknown.body).contains("The email or the password is wrong."))
            // The sixth try on the account is refused before the password is looked at, even a right one.
            let limited = try await client.form("/signin", nil, ["email": "li@x.cn", "password": World.password])
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            // Another account is not held back by li's failures…
            #expect(try await client.form("/signin", nil, ["email": "zhang@x.cn", "password": World.password]).status == .seeOther)
            // …but an address that fails twenty times (four times an account's five) is, whatever the account.
            for i in 1...14 {
                #expect(try await client.form("/signin", nil, ["email": "spray\(i)@x.cn", "password": "guess \(i)"]).status == .unauthorized)
            }
            #expect(try await client.form("/signin", nil, ["email": "hr@x.cn", "password": World.password]).status == .tooManyRequests)
        }
        let log = try world.state.store.auditLog(limit: 100)
        #expect(log.filter { $0.action == "sign-in-failed" }.count == 20)
        #expect(log.contains { $0.action == "sign-in-limited" })
    }

    /// Another site's page cannot sign a visitor in (into an account of its choosing): a browser
    /// says where the form came from, and a sign-in from elsewhere gets no session.
    @Test func aSignInFromAnotherSitesPageIsRefused() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            func signIn(_ extra: HTTPFields) async throws -> TestResponse {
                var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                headers.append(contentsOf: extra)
                return try await client.execute(uri: "/signin", method: .post, headers: headers,
                                                body: ByteBuffer(string: "email=hr@x.cn&password=\(World.password)&next=/inbox"))
            }
            let fetchSite = HTTPField.Name("Sec-Fetch-Site")!
            // Refused: another site, a sibling subdomain, an opaque origin, another port or scheme's host.
            for extra: HTTPFields in [[fetchSite: "cross-site"], [fetchSite: "same-site"],
                                      [.origin: "https://evil.example"], [.origin: "null"], [.origin: "http://localhost:8081"],
                                      [.origin: "http://localhost.evil.example"], [fetchSite: "cross-site", .origin: "http://localhost"]] {
                let r = try await signIn(extra)
                #expect(r.status == .forbidden, "\(extra)")
                #expect(r.headers[.setCookie] == nil, "\(extra)")
                #expect(String(buffer: r.body).contains("another site"), "\(extra)")
            }
            // Nor sign anyone out: the answer would clear the visitor's cookie.
            let out = try await client.execute(uri: "/signout", method: .post,
                                               headers: [.contentType: "application/x-www-form-urlencoded", fetchSite: "cross-site"], body: ByteBuffer(string: ""))
            #expect(out.status == .forbidden && out.headers[.setCookie] == nil)
            // Let through: Tandem's own page (said either way), a typed address, and clients that are no browser.
            for extra: HTTPFields in [[fetchSite: "same-origin"], [fetchSite: "none"], [.origin: "http://localhost"],
                                      [.origin: "HTTP://LOCALHOST:80"], [:]] {
                let r = try await signIn(extra)
                #expect(r.status == .seeOther, "\(extra)")
                #expect(r.headers[.setCookie]?.hasPrefix("tandem_session=") == true, "\(extra)")
            }
        }
    }

    /// When the audit log refuses lines (a full disk, a quota), the changes it would record are
    /// refused in words that say what failed, and the cause goes to the server's log; but signing
    /// out still ends the session.
    @Test func whenTheAuditLogRefusesChangesAreRefusedButSigningOutStillEndsTheSession() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            let hr = try await client.signIn("hr@x.cn")
            try world.state.store.withRows("test", writing: true) { rows in
                _ = try rows.run("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is full'); END", [])
            }
            let ack = try await client.json("/api/v1/alerts/\(world.alert["A-OKR"]!)/ack", token: world.token["hr@x.cn"]!, #"{"note":"看过了"}"#)
            #expect(ack.status == .internalServerError)
            #expect(String(buffer: ack.body).contains("could not acknowledge an alert in the store"))
            #expect(try world.state.store.alert(id: world.alert["A-OKR"]!)?.ackNote == nil)
            let out = try await client.form("/signout", hr, ["csrf": hr.csrf])
            #expect(out.status == .seeOther)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            // The old cookie no longer opens anything.
            let after = try await client.get("/inbox", [.cookie: hr.cookie])
            #expect(after.status == .seeOther && after.headers[.location]?.hasPrefix("/signin") == true)
        }
    }

    @Test func theInboxFiltersSortsPagesAndAcknowledgingMovesAnAlertOut() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            let hr = try await client.signIn("hr@x.cn")
            func ids(_ query: String) async throws -> [Int64] {
                let page = String(buffer: try await client.get("/inbox" + query, hr.headers).body)
                return page.matches(of: /id="alert-(\d+)"/).compactMap { Int64($0.output.1) }
            }
            let all = try await ids("")
            #expect(all.count == 6)
            #expect(Set(try await ids("?unit=sales")) == [world.alert["E-OKR"]!, world.alert["E-KPI"]!, world.alert["S-KPI"]!])
            #expect(try await ids("?owner=%E6%9D%8E%E5%A8%9C").count == 2)  // 李娜
            #expect(try await ids("?kind=kpi").count == 3)
            #expect(try await ids("?severity=critical").isEmpty)
            #expect(try await client.get("/inbox?unit=nowhere", hr.headers).status == .notFound)
            #expect(try await client.get("/inbox?after=garbage", hr.headers).status == .badRequest)
            // Acknowledge one: it leaves the open inbox and shows under "acknowledged".
            let id = world.alert["S-KPI"]!
            let r = try await client.form("/alerts/\(id)/ack", hr, ["csrf": hr.csrf, "note": "已约谈王芳", "back": "/inbox?unit=sales"])
            #expect(r.status == .seeOther)
            #expect(r.headers[.location]?.hasPrefix("/inbox?unit=sales&notice=") == true)
            #expect(!(try await ids("")).contains(id))
            #expect(try await ids("?status=acked") == [id])
            // Snoozed: out of the open inbox until the day.
            let e = world.alert["E-OKR"]!
            #expect(try await client.form("/alerts/\(e)/snooze", hr, ["csrf": hr.csrf, "until": "2026-10-28", "note": "等新季度"]).status == .seeOther)
            #expect(!(try await ids("")).contains(e))
            #expect(try await ids("?status=snoozed") == [e])
            // An empty note, a bad day, a forged form: refused in words, nothing changed.
            #expect(try await client.form("/alerts/\(e)/ack", hr, ["csrf": hr.csrf, "note": "  "]).status == .badRequest)
            #expect(try await client.form("/alerts/\(e)/snooze", hr, ["csrf": hr.csrf, "until": "soon"]).status == .badRequest)
            #expect(try await client.form("/alerts/\(e)/ack", hr, ["csrf": "forged", "note": "x"]).status == .forbidden)
            // Pages of two: every alert once.
            var seen: [Int64] = [], uri = "/api/v1/alerts?limit=2&status=all"
            let bearer: HTTPFields = [.authorization: "Bearer \(world.token["hr@x.cn"]!)"]
            while true {
                struct Page: Decodable { struct A: Decodable { var id: Int64 }; var alerts: [A]; var next: String? }
                let page = try JSONDecoder().decode(Page.self, from: Data(buffer: try await client.get(uri, bearer).body))
                seen += page.alerts.map(\.id)
                guard let next = page.next else { break }
                uri = "/api/v1/alerts?limit=2&status=all&after=\(next)"
            }
            #expect(seen.count == 6 && Set(seen).count == 6)
        }
    }

    @Test func theKeyResultPageDrawsItsForecastsWithTheThresholds() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            let zhang = try await client.signIn("zhang@x.cn")
            let empty = String(buffer: try await client.get("/kr/E-KPI", zhang.headers).body)
            #expect(empty.contains("No check-in yet."))
            let posted = try await client.execute(uri: "/api/v1/checkins", method: .post,
                                                  headers: [.authorization: "Bearer \(world.token["zhang@x.cn"]!)", .contentType: "text/csv"],
                                                  body: ByteBuffer(string: "kr_id,date,value,confidence\nE-KPI,2026-10-12,42.5,7\nE-KPI,2026-10-19,66.6,\n"))
            #expect(posted.status == .ok, "\(String(buffer: posted.body))")
            let page = String(buffer: try await client.get("/kr/E-KPI", zhang.headers).body)
            #expect(page.contains("<svg class=\"chart\""))
            #expect(page.contains("<polyline") || page.contains("<circle"))
            #expect(page.contains("目标 E-KPI"))
            #expect(page.contains("badge conf"))
            #expect(page.contains("华东大区"))
            #expect(page.contains("P(score ≥ 0.7)"))
            // The check-ins (progress from 0 to 100, rounded half to even) and the ledger's opening.
            #expect(page.contains(#"<tr><td>2026-10-12</td><td class="num">42.5</td><td class="num">42%</td><td class="num">7</td></tr>"#), "\(page)")
            #expect(page.contains(#"<tr><td>2026-10-19</td><td class="num">66.6</td><td class="num">67%</td><td class="num"></td></tr>"#))
            #expect(!page.contains("No check-in yet."))
            #expect(page.contains("<td>opened</td><td>warning</td>"))
            // Each account's pages carry its own name and form token in the layout, however many
            // pages before were laid out for another.
            let li = try await client.signIn("li@x.cn")
            for (browser, name) in [(zhang, "账户 zhang@x.cn"), (li, "账户 li@x.cn"), (zhang, "账户 zhang@x.cn")] {
                let page = String(buffer: try await client.get("/kr/E-OKR", browser.headers).body)
                #expect(page.contains("name=\"csrf\" value=\"\(browser.csrf)\""))
                #expect(page.contains("<span class=\"who\">\(name) ·"), "\(name)")
            }
        }
    }

    @Test func headersErrorsAndPathsGiveAnAttackerNothing() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            let hr = try await client.signIn("hr@x.cn")
            for uri in ["/inbox", "/api/v1/alerts", "/nowhere", "/assets/tandem.css", "/healthz"] {
                let r = try await client.get(uri, hr.headers)
                let csp = r.headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), "\(uri)")
                #expect(r.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                #expect(r.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(uri)")
            }
            // No inline script anywhere in a page (the CSP would block it, and none is needed).
            let page = String(buffer: try await client.get("/inbox", hr.headers).body)
            #expect(!page.contains("<script>") && !page.contains("onclick=") && !page.contains("style=\""))
            #expect(!page.contains("http://") && !page.contains("https://"))  // no remote asset
            // Paths that climb out are not found: no file is ever served from disk.
            for uri in ["/assets/../Package.swift", "/assets/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2fPackage.swift", "/../../etc/passwd"] {
                let r = try await client.get(uri, hr.headers)
                #expect(r.status == .notFound || r.status == .badRequest, "\(uri)")
                #expect(!String(buffer: r.body).contains("root:"))
            }
            // Hostile input in ids and filters is text, never SQL, and the error pages tell nothing of the server.
            for uri in ["/kr/x'%20OR%201=1--", "/api/v1/alerts?unit=x'%3B%20DROP%20TABLE%20alert--", "/inbox?owner=%27%20OR%20%271%27=%271",
                        "/api/v1/alerts?severity=critical'--", "/api/v1/alerts?limit=-1", "/api/v1/alerts?after=1-2-3-4"] {
                let r = try await client.get(uri, hr.headers)
                let body = String(buffer: r.body)
                #expect(r.status != .internalServerError, "\(uri)")
                #expect(!body.contains("SELECT") && !body.contains("sqlite") && !body.contains(".swift") && !body.contains("Fatal"), "\(uri)")
            }
            #expect(try await world.state.store.alerts().count == 6)  // nothing dropped
            // A body over the limit is refused with 413.
            let big = String(repeating: "a", count: 200_000)
            #expect(try await client.form("/signin", nil, ["email": big, "password": "x"]).status == .contentTooLarge)
            // An open redirect after sign-in is not possible.
            for next in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
                let r = try await client.form("/signin", nil, ["email": "hr@x.cn", "password": World.password, "next": next])
                #expect(r.headers[.location] == "/inbox", "\(next)")
            }
        }
    }

    @Test func hostileTextIsEscapedOnEveryPage() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        let store = world.state.store
        let hostile = "<script>alert(1)</script>\u{1}tandem-page-body\u{1}{{{body}}}", attribute = #"x" onmouseover="alert(2)"#
        // An owner and a title that try to break out of the page, on an alert; a note that does too.
        let cycle = Cycle(start: Day(iso: "2026-10-01")!, end: Day(iso: "2026-12-31")!)
        var table = KeyResultTable(keyResults: [], index: [:], locations: [])
        table.index["X-1"] = 0
        table.keyResults.append(KeyResult(id: "X-1", objectiveID: "O-x", unitID: "sales.east", title: hostile, kind: .aspirational,
                                          startValue: 0, targetValue: 1, cycle: cycle, owner: attribute))
        table.locations.append(SourceLocation(file: "t", line: 0, column: 0))
        _ = try store.importDataset(Dataset(organisation: nil, keyResults: table, checkIns: CheckInLog(checkIns: [], ranges: [0..<0])), files: ["x"])
        let basis = try store.acknowledgementBasis(alert: world.alert["E-OKR"]!)
        _ = try store.recordAcknowledgement(try Ledger.acknowledge(basis.alert, note: hostile, day: world.day, latestRun: world.day, lastEventDay: world.day),
                                            day: world.day, generation: basis.generation)
        world.state.invalidate()
        try await world.app.test(.router) { client in
            let hr = try await client.signIn("hr@x.cn")
            for uri in ["/inbox?status=all", "/kr/X-1", "/kr/E-OKR", "/units/sales.east", "/admin/audit"] {
                let page = String(buffer: try await client.get(uri, hr.headers).body)
                #expect(!page.contains("<script>alert"), "\(uri)")
                #expect(!page.contains(#"" onmouseover="#), "\(uri)")
            }
            let inbox = String(buffer: try await client.get("/inbox?status=all", hr.headers).body)
            #expect(inbox.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            // A title holding control characters, or what looks like a template, stays in its
            // place: the page's body is inside <main>, once.
            let page = String(buffer: try await client.get("/kr/X-1", hr.headers).body)
            #expect(page.components(separatedBy: "<main>").count == 2 && page.contains("<svg class=\"chart\""))
            #expect(page.range(of: "<main>")!.lowerBound < page.range(of: "<svg class=\"chart\"")!.lowerBound)
        }
    }

    @Test func theAPITakesBearerTokensAndRefusesCookieWrites() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            #expect(try await client.get("/api/v1/units", [.authorization: "Bearer tdm_not-a-token"]).status == .unauthorized)
            #expect(try await client.get("/api/v1/units", [.authorization: "Basic abc"]).status == .unauthorized)
            let units = try await client.get("/api/v1/units", [.authorization: "Bearer \(world.token["li@x.cn"]!)"])
            #expect(units.status == .ok)
            #expect(String(buffer: units.body).contains("\"name\":\"华东大区\""))
            #expect(units.headers[.contentType] == "application/json; charset=utf-8")
            // A browser's cookie cannot write through the API (another site's form could send it).
            let li = try await client.signIn("li@x.cn")
            let r = try await client.execute(uri: "/api/v1/alerts/\(world.alert["A-OKR"]!)/ack", method: .post,
                                             headers: [.cookie: li.cookie, .contentType: "application/json"], body: ByteBuffer(string: #"{"note":"x"}"#))
            #expect(r.status == .forbidden)
            // Malformed bodies are refused in words.
            let bad = try await client.json("/api/v1/alerts/\(world.alert["A-OKR"]!)/ack", token: world.token["li@x.cn"]!, "{not json")
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("\"error\""))
        }
        // A revoked token stops working at once.
        _ = try AccountService.revokeTokens(store: world.state.store, email: "li@x.cn", prefix: nil, actor: "test")
        try await world.app.test(.router) { client in
            let r = try await client.get("/api/v1/units", [.authorization: "Bearer \(world.token["li@x.cn"]!)"])
            #expect(r.status == .unauthorized)
        }
    }

    @Test func aLiveServerStartsOnLoopbackAndAnswersHealth() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.live { client in
            let r = try await client.get("/healthz")
            #expect(r.status == .ok)
            #expect(r.body.map { String(buffer: $0) } == "ok\n")
            #expect(r.headers[.contentType] == "text/plain; charset=utf-8")
        }
    }

    /// Behind a proxy every request comes from the proxy's address: without `--trusted-proxy`, one
    /// guesser would lock everyone out. With it, the address the proxy forwards is the client's,
    /// for the limits and the audit log, and what a client writes into the header itself is not.
    @Test func behindATrustedProxyTheForwardedAddressIsTheClients() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        func signIn(_ client: TestClient, _ email: String, _ password: String, forwardedFor: String?) async throws -> TestClient.Response {
            var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            if let forwardedFor { headers[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
            return try await client.post("/signin", headers: headers, body: ByteBuffer(string: "email=\(email)&password=\(password)"))
        }
        let proxies = try TrustedProxies(["127.0.0.0/8", "::1"])
        try await world.live({ $0.trustedProxies = proxies }) { (client: TestClient) async throws in
            // 20 failures from one address behind the proxy (the address limit)…
            for i in 1...20 {
                #expect(try await signIn(client, "spray\(i)@x.cn", "guess-guess-\(i)", forwardedFor: "203.0.113.7").status == .unauthorized)
            }
            #expect(try await signIn(client, "hr@x.cn", World.password, forwardedFor: "203.0.113.7").status == .tooManyRequests)
            // …and a client that writes another address in front of its own is still itself.
            #expect(try await signIn(client, "hr@x.cn", World.password, forwardedFor: "198.51.100.9, 203.0.113.7").status == .tooManyRequests)
            // Everyone else behind the same proxy signs in.
            #expect(try await signIn(client, "hr@x.cn", World.password, forwardedFor: "198.51.100.9").status == .seeOther)
            #expect(try await signIn(client, "li@x.cn", World.password, forwardedFor: "2001:db8::5, 127.0.0.2").status == .seeOther)
        }
        let log = try world.state.store.auditLog(limit: 100)
        #expect(log.filter { $0.action == "sign-in-failed" }.allSatisfy { $0.address == "203.0.113.7" })
        #expect(log.first { $0.action == "sign-in" && $0.target == "hr@x.cn" }?.address == "198.51.100.9")
        #expect(log.first { $0.action == "sign-in" && $0.target == "li@x.cn" }?.address == "2001:db8::5")
        // Without --trusted-proxy the header is anyone's to write, and ignored.
        try await world.live { (client: TestClient) async throws in
            #expect(try await signIn(client, "zhang@x.cn", World.password, forwardedFor: "198.51.100.77").status == .seeOther)
        }
        #expect(try world.state.store.auditLog(limit: 1).first?.address == "127.0.0.1")
    }
}

@Suite("Trusted proxies: the ranges and the walk along X-Forwarded-For")
struct TrustedProxyTests {
    @Test func rangesAreParsedAndMatched() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"])
        #expect(proxies.contains("10.200.3.4") && proxies.contains("192.168.1.7") && proxies.contains("fd12::1") && proxies.contains("::1"))
        #expect(!proxies.contains("11.0.0.1") && !proxies.contains("192.168.1.8") && !proxies.contains("fe80::1") && !proxies.contains("::2"))
        // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d: the same address.
        #expect(proxies.contains("::ffff:10.1.2.3"))
        #expect(!proxies.contains("not an address") && !proxies.contains(""))
        #expect(try TrustedProxies(["0.0.0.0/0"]).contains("203.0.113.1"))
        #expect(try TrustedProxies(["172.16.0.0/12"]).contains("172.31.255.255") && !(try TrustedProxies(["172.16.0.0/12"]).contains("172.32.0.0")))
        for (bad, expected) in [("10.0.0.0/33", "prefix length of 0 to 32"), ("::/129", "0 to 128"), ("proxy.example", "an IP address"),
                                ("10.0.0.0/", "prefix length"), ("10.0.0.0/８", "prefix length"), ("10.0.0.0/-1", "prefix length"), ("", "an IP address")] {
            #expect { try TrustedProxies([bad]) } throws: { ($0 as? TrustedProxyError)?.description.contains(expected) == true }
        }
    }

    @Test func theClientIsTheNearestAddressNotAProxy() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8", "127.0.0.1"])
        // No proxy in front: the peer, whatever the header says.
        #expect(TrustedProxies.none.client(peer: "203.0.113.1", forwardedFor: ["198.51.100.1"]) == "203.0.113.1")
        #expect(proxies.client(peer: "203.0.113.1", forwardedFor: ["198.51.100.1"]) == "203.0.113.1")
        // From a proxy: the rightmost address that is not one.
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.1"]) == "198.51.100.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["1.1.1.1, 198.51.100.1, 10.0.0.5"]) == "198.51.100.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["1.1.1.1", "198.51.100.1,10.0.0.5"]) == "198.51.100.1")
        // What a client wrote on the left is never reached; garbage stops the walk at the last proxy.
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["<script>, 10.0.0.5"]) == "10.0.0.5")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["unknown"]) == "127.0.0.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: []) == "127.0.0.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["10.0.0.9, 10.0.0.5"]) == "10.0.0.9")
        #expect(proxies.client(peer: nil, forwardedFor: ["198.51.100.1"]) == nil)
        // Entries as proxies write them: with a port, in brackets, with a zone; in one canonical form.
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.1:5678"]) == "198.51.100.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["[2001:DB8:0:0::1]:443"]) == "2001:db8::1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["[2001:db8::1]"]) == "2001:db8::1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["fe80::1%eth0"]) == "fe80::1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["::ffff:198.51.100.1"]) == "198.51.100.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.1, 10.0.0.5:80"]) == "198.51.100.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["9.9.9.9, unknown"]) == "127.0.0.1")
    }
}

@Suite("The dashboard's number formatting")
struct NumberFormattingTests {
    /// `Views.fixed` writes what printf's `%.Nf` writes, but where `x × 10^N` lies within a few
    /// units in the last place of a half (where it rounds the product, printf the exact decimal)
    /// and where a negative rounds to zero (no "-0.00").
    @Test func fixedDecimalsAgreeWithPrintf() {
        var random = SeededRandom(seed: 2026)
        var compared = 0
        for k in 0..<60_000 {
            let places = k % 4
            // Probabilities, percentages, chart coordinates, and now and then a wild one.
            let x: Double
            switch k % 5 {
            case 0: x = Double(random.next() % 100_001) / 100_000
            case 1: x = Double(Int64(random.next() % 2_000_001) - 1_000_000) / 1_000
            case 2: x = Double(random.next() % 1_000) / 8  // exact halves and quarters
            case 3: x = Double(bitPattern: random.next() % 0x4330_0000_0000_0000)  // any positive below 2^52
            default: x = -Double(random.next() % 10_000) / 3
            }
            let ours = Views.fixed(x, places), theirs = String(format: "%.\(places)f", x)
            var scale = 1.0
            for _ in 0..<places { scale *= 10 }
            let product = abs(x) * scale, fraction = product - product.rounded(.down)
            let nearHalf = abs(fraction - 0.5) <= 4 * product.ulp
            if ours != theirs {
                #expect(nearHalf || theirs.hasPrefix("-0") && ours == String(theirs.dropFirst()), "\(x) to \(places): \(ours) vs \(theirs)")
            } else {
                compared += 1
            }
        }
        #expect(compared > 59_000)
        #expect(Views.fixed(0.125, 2) == "0.12")  // half to even, as printf
        #expect(Views.fixed(0.375, 2) == "0.38")
        #expect(Views.fixed(-0.004, 2) == "0.00")
        #expect(Views.fixed(0.5, 0) == "0" && Views.fixed(1.5, 0) == "2")
        #expect(Views.fixed(.nan, 2) == String(format: "%.2f", Double.nan))
        #expect(Views.fixed(1e300, 1) == String(format: "%.1f", 1e300))
        #expect(Views.probability(.infinity) == "—")
    }
}

