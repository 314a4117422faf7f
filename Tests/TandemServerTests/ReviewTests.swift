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

/// What an adversarial review of the dashboard found, each kept fixed.
@Suite("The dashboard holds against what a review tried")
struct ReviewTests {
    @Test func anEmptyMultipartBoundaryIsRefusedAndTheServerLivesOn() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            let hr = try await client.signIn("hr@x.cn")
            for type in ["multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=" + String(repeating: "b", count: 71)] {
                let r = try await client.execute(uri: "/whatif", method: .post, headers: [.cookie: hr.cookie, .contentType: type], body: ByteBuffer(string: "x"))
                #expect(r.status == .badRequest, "\(type)")
            }
            #expect(try await client.get("/healthz").status == .ok)
        }
    }

    @Test func guessesSentAtOnceAreCountedBeforeAnyIsChecked() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<30 {
                    group.addTask { try await client.form("/signin", nil, ["email": "li@x.cn", "password": "wrong guess \(i)"]).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 5)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 25)
        }
    }

    @Test func theObjectivesChancesShowOnlyToOneWhoSeesAllOfItsKeyResults() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            // O-sales.east holds E-OKR (public) and E-KPI (张伟's KPI).
            let hr = try await client.signIn("hr@x.cn")
            #expect(String(buffer: try await client.get("/kr/E-OKR", hr.headers).body).contains("P(score ≥ 0.7)"))
            let li = try await client.signIn("li@x.cn")
            let page = String(buffer: try await client.get("/kr/E-OKR", li.headers).body)
            #expect(page.contains("目标 E-OKR") && !page.contains("P(score ≥ 0.7)"))
        }
    }

    @Test func decisionsTellTheirParametersOnlyToThoseWhoSeeTheirStory() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            struct List: Decodable { struct D: Decodable { var unit_id: String; var mode: String?; var lean: Double? }; var decisions: [D] }
            let li = try JSONDecoder().decode(List.self, from: Data(buffer: try await client.get("/api/v1/decisions", [.authorization: "Bearer \(world.token["li@x.cn"]!)"]).body))
            #expect(li.decisions.count == 5 && li.decisions.allSatisfy { $0.mode != nil })
            // 李娜 owns key results of rd.app: its story and those above it (rd, co) are hers; sales' are not.
            #expect(Set(li.decisions.filter { $0.lean != nil }.map(\.unit_id)) == ["co", "rd", "rd.app"])
            let strategy = try JSONDecoder().decode(List.self, from: Data(buffer: try await client.get("/api/v1/decisions", [.authorization: "Bearer \(world.token["strategy@x.cn"]!)"]).body))
            #expect(strategy.decisions.allSatisfy { $0.lean != nil })
        }
    }

    @Test func redirectsNotesMethodsAndCursorsRefuseWhatTheyShould() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            for next in ["/\t/evil.example/", "/\u{7F}/evil", "/a\\b", "/%0A/evil"] {
                let r = try await client.form("/signin", nil, ["email": "hr@x.cn", "password": World.password, "next": next])
                #expect(r.headers[.location] == "/inbox" || r.headers[.location] == "/%0A/evil", "\(next.debugDescription)")
            }
            let token = world.token["hr@x.cn"]!
            for note in ["停\u{0}止", "bell \u{7}", "\u{202E}evil"] {
                let body = String(decoding: try JSONEncoder().encode(["note": note]), as: UTF8.self)
                let r = try await client.json("/api/v1/alerts/\(world.alert["E-OKR"]!)/ack", token: token, body)
                #expect(r.status == .badRequest, "\(note.debugDescription)")
            }
            #expect(try await client.execute(uri: "/healthz", method: .head).status == .ok)
            // A cursor written by hand (not sealed by this server) is refused; a sealed one is opaque.
            #expect(try await client.get("/api/v1/alerts?after=0-4596373779694328218-3", [.authorization: "Bearer \(token)"]).status == .badRequest)
            struct Page: Decodable { var next: String? }
            let page = try JSONDecoder().decode(Page.self, from: Data(buffer: try await client.get("/api/v1/alerts?status=all&limit=1", [.authorization: "Bearer \(token)"]).body))
            let next = try #require(page.next)
            #expect(!next.contains("-4") && next.count > 40)
            #expect(try await client.get("/api/v1/alerts?status=all&limit=1&after=\(next)", [.authorization: "Bearer \(token)"]).status == .ok)
        }
    }

    @Test func theLastAdminCannotBeRemovedOrDemoted() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        let store = world.state.store
        #expect(throws: ServiceError.self) { try AccountService.removeAccount(store: store, email: "admin@x.cn", actor: "test") }
        #expect(throws: ServiceError.self) { _ = try AccountService.setRole(store: store, email: " ADMIN@x.cn", role: .hr, units: nil, actor: "test") }
        _ = try AccountService.setRole(store: store, email: "hr@x.cn", role: .admin, units: nil, actor: "test")
        try AccountService.removeAccount(store: store, email: "admin@x.cn", actor: "test")
        #expect(try store.account(email: "admin@x.cn") == nil)
        // Nothing changed: no session ended, and it says so.
        let same = try AccountService.setRole(store: store, email: "li@x.cn", role: .member, units: nil, actor: "test")
        #expect(!same.sessionsEnded)
    }
}
