import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TandemCore
import TandemServer
import TandemService
import TandemStore
import TandemTestSupport

/// Who sees what, every role × every route × own, ancestor, sibling and unrelated unit: the
/// same answers from pages and API, 404 for what one may not know exists, 403 for what one
/// sees but may not do.
@Suite("Who sees what: the whole matrix, on both backends")
struct PermissionTests {
    /// The key results each account sees the details of.
    static let sees: [String: Set<String>] = [
        "admin@x.cn": ["E-OKR", "E-KPI", "S-KPI", "A-OKR", "A-COM", "R-KPI"],
        "hr@x.cn": ["E-OKR", "E-KPI", "S-KPI", "A-OKR", "A-COM", "R-KPI"],
        "strategy@x.cn": ["E-OKR", "A-OKR"],
        // A lead: their subtree's confidential key results (own unit, the unit below), not the
        // sibling's or an unrelated unit's.
        "lead.sales@x.cn": ["E-OKR", "E-KPI", "S-KPI", "A-OKR"],
        // …and not the unit above theirs.
        "lead.east@x.cn": ["E-OKR", "E-KPI", "A-OKR"],
        "zhang@x.cn": ["E-OKR", "E-KPI", "A-OKR"],
        "li@x.cn": ["E-OKR", "A-OKR", "A-COM"],
    ]

    /// The key results whose alerts each account acts on.
    static let acts: [String: Set<String>] = [
        "admin@x.cn": ["E-OKR", "E-KPI", "S-KPI", "A-OKR", "A-COM", "R-KPI"],
        "hr@x.cn": ["E-OKR", "E-KPI", "S-KPI", "A-OKR", "A-COM", "R-KPI"],
        "strategy@x.cn": [],
        "lead.sales@x.cn": ["E-OKR", "E-KPI", "S-KPI"],
        "lead.east@x.cn": ["E-OKR", "E-KPI"],
        "zhang@x.cn": ["E-OKR", "E-KPI"],
        "li@x.cn": ["A-OKR", "A-COM"],
    ]

    @Test(arguments: Backend.allCases) func everyRoleOnEveryRouteForEveryKindOfUnit(_ backend: Backend) async throws {
        let world = try World(backend)
        defer { world.close() }
        try await world.app.test(.router) { client in
            for account in World.accounts {
                let email = account.email
                let browser = try await client.signIn(email)
                let bearer: HTTPFields = [.authorization: "Bearer \(world.token[email]!)"]
                let seen = Self.sees[email]!
                // The inbox, page and API, with every status.
                let inboxPage = String(buffer: try await client.get("/inbox?status=all", browser.headers).body)
                let inboxAPI = String(buffer: try await client.get("/api/v1/alerts?status=all&limit=200", bearer).body)
                for k in World.keyResults {
                    let visible = seen.contains(k.id)
                    let id = world.alert[k.id]!
                    let expected: HTTPResponse.Status = visible ? .ok : .notFound
                    #expect(try await client.get("/kr/\(k.id)", browser.headers).status == expected, "\(email) page of \(k.id)")
                    #expect(try await client.get("/api/v1/key-results/\(k.id)", bearer).status == expected, "\(email) API of \(k.id)")
                    #expect(try await client.get("/api/v1/alerts/\(id)", bearer).status == expected, "\(email) alert of \(k.id)")
                    #expect(inboxPage.contains("id=\"alert-\(id)\"") == visible, "\(email) inbox page and \(k.id)")
                    #expect(inboxAPI.contains("\"kr_id\":\"\(k.id)\"") == visible, "\(email) inbox API and \(k.id)")
                    // The unit's page lists what may be seen of it, nothing else.
                    let unitPage = String(buffer: try await client.get("/units/\(k.unit)", browser.headers).body)
                    #expect(unitPage.contains("/kr/\(k.id)\"") == visible, "\(email) unit page of \(k.unit) and \(k.id)")
                    let unitAPI = String(buffer: try await client.get("/api/v1/units/\(k.unit)", bearer).body)
                    #expect(unitAPI.contains("\"id\":\"\(k.id)\"") == visible, "\(email) unit API of \(k.unit) and \(k.id)")
                }
                // A guessed alert number and key result id are not found, for everyone.
                #expect(try await client.get("/api/v1/alerts/999999", bearer).status == .notFound)
                #expect(try await client.get("/kr/KR-GUESSED", browser.headers).status == .notFound)
                #expect(try await client.get("/units/no.such.unit", browser.headers).status == .notFound)
            }
        }
    }

    @Test(arguments: Backend.allCases) func actingOnAlertsFollowsTheRoles(_ backend: Backend) async throws {
        let world = try World(backend)
        defer { world.close() }
        try await world.app.test(.router) { client in
            for account in World.accounts {
                let email = account.email
                for k in World.keyResults {
                    let id = world.alert[k.id]!
                    let expected: HTTPResponse.Status = Self.acts[email]!.contains(k.id) ? .ok : (Self.sees[email]!.contains(k.id) ? .forbidden : .notFound)
                    let r = try await client.json("/api/v1/alerts/\(id)/ack", token: world.token[email]!, #"{"note": "在跟进 \#(email)"}"#)
                    #expect(r.status == expected, "\(email) acknowledging \(k.id): \(String(buffer: r.body))")
                    let s = try await client.json("/api/v1/alerts/\(id)/snooze", token: world.token[email]!, #"{"until": "2026-10-20", "note": "下周再看"}"#)
                    #expect(s.status == expected, "\(email) snoozing \(k.id): \(String(buffer: s.body))")
                }
            }
            // The same through the pages' forms, for one who may and one who may not.
            let zhang = try await client.signIn("zhang@x.cn")
            let own = try await client.form("/alerts/\(world.alert["E-KPI"]!)/ack", zhang, ["csrf": zhang.csrf, "note": "我来处理", "back": "/inbox"])
            #expect(own.status == .seeOther)
            let other = try await client.form("/alerts/\(world.alert["A-OKR"]!)/ack", zhang, ["csrf": zhang.csrf, "note": "不是我的"])
            #expect(other.status == .forbidden)
            let hidden = try await client.form("/alerts/\(world.alert["R-KPI"]!)/ack", zhang, ["csrf": zhang.csrf, "note": "看不见"])
            #expect(hidden.status == .notFound)
        }
        // Every act the rights allowed is in the audit log, by its account.
        let log = try world.state.store.auditLog(limit: 1000)
        let allowed = Self.acts.values.reduce(0) { $0 + $1.count }
        #expect(log.filter { $0.action == "ack" }.count == allowed + 1)
        #expect(log.filter { $0.action == "snooze" }.count == allowed)
        #expect(log.contains { $0.action == "ack" && $0.actor == "zhang@x.cn" && $0.detail == "我来处理" })
    }

    @Test func strategySeesConfidentialKeyResultsOnlyInAggregate() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            let strategy = try await client.signIn("strategy@x.cn")
            let page = String(buffer: try await client.get("/units/rd.app", strategy.headers).body)
            #expect(page.contains("1 confidential key result of this unit is counted here but not shown."))
            #expect(!page.contains("A-COM"))
            // A member is not told even that.
            let li = try await client.signIn("zhang@x.cn")
            #expect(!String(buffer: try await client.get("/units/rd.app", li.headers).body).contains("confidential"))
        }
    }
}
