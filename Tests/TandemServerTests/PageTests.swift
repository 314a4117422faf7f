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

@Suite("The overview, runs, policy, admin and what-if pages, and the rest of the API")
struct PageTests {
    /// Which roles reach each page at all (others: not found, as if it did not exist).
    static let pageRoles: [(uri: String, roles: Set<Role>)] = [
        ("/units", Set(Role.allCases)), ("/runs", Set(Role.allCases)), ("/policy", Set(Role.allCases)),
        ("/whatif", [.strategy, .hr, .admin]), ("/admin/accounts", [.admin]), ("/admin/audit", [.admin]),
    ]

    @Test func everyRoleReachesThePagesItsRoleOpens() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            for account in World.accounts {
                let browser = try await client.signIn(account.email)
                let bearer: HTTPFields = [.authorization: "Bearer \(world.token[account.email]!)"]
                for page in Self.pageRoles {
                    let r = try await client.get(page.uri, browser.headers)
                    #expect(r.status == (page.roles.contains(account.role) ? .ok : .notFound), "\(account.email) \(page.uri)")
                }
                // The API's what-if, the same rule.
                let w = try await client.json("/api/v1/whatif", token: world.token[account.email]!, "scenarios: []")
                if [.strategy, .hr, .admin].contains(account.role) { #expect(w.status != .notFound, "\(account.email) whatif") } else { #expect(w.status == .notFound) }
                #expect(try await client.get("/api/v1/runs", bearer).status == .ok)
                #expect(try await client.get("/api/v1/decisions", bearer).status == .ok)
            }
        }
    }

    @Test func theOverviewCountsWhatTheViewerMayCount() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            func root(_ email: String) async throws -> [String] {
                let page = String(buffer: try await client.get("/units", try await client.signIn(email).headers).body)
                // The root's row: its name, mode, then critical, warning, info, key results.
                guard let row = page.components(separatedBy: "<tr>").first(where: { $0.contains(">星海</a>") }) else { return [] }
                return row.matches(of: /<td class="num">(\d+)<\/td>/).map { String($0.output.1) }
            }
            // Six warnings on six open key results for those who count in aggregate; a member counts what they see.
            #expect(try await root("strategy@x.cn") == ["0", "6", "0", "6"])
            #expect(try await root("hr@x.cn") == ["0", "6", "0", "6"])
            #expect(try await root("zhang@x.cn") == ["0", "3", "0", "3"])
            let page = String(buffer: try await client.get("/units", try await client.signIn("hr@x.cn").headers).body)
            #expect(page.contains("class=\"cell heat-5\""))
            #expect(page.contains("应用组"))
        }
    }

    @Test func runsAndDecisionsAreListed() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            let hr = try await client.signIn("hr@x.cn")
            let runs = String(buffer: try await client.get("/runs", hr.headers).body)
            #expect(runs.contains("<td>2026-10-14</td>"))
            let bearer: HTTPFields = [.authorization: "Bearer \(world.token["li@x.cn"]!)"]
            let decisions = String(buffer: try await client.get("/api/v1/decisions?unit=rd", bearer).body)
            #expect(decisions.contains("\"unit_id\":\"rd.app\"") && decisions.contains("\"mode\":\"kpi\""))
            #expect(!decisions.contains("\"unit_id\":\"sales\""))
            let api = String(buffer: try await client.get("/api/v1/runs", bearer).body)
            #expect(api.contains("\"events_by_kind\":{\"opened\":6}"))
        }
    }

    @Test func adminsManageAccountsFromThePagesAndEveryChangeIsAudited() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        try await world.app.test(.router) { client in
            let admin = try await client.signIn("admin@x.cn")
            let add = try await client.form("/admin/accounts", admin, ["csrf": admin.csrf, "email": "new@x.cn", "name": "新同事", "role": "member",
                                                                       "person": "张伟", "password": "a new password 1"])
            #expect(add.status == .seeOther)
            let newcomer = try await client.signIn("new@x.cn", password: "a new password 1")
            #expect(String(buffer: try await client.get("/kr/E-KPI", newcomer.headers).body).contains("目标 E-KPI"))  // 张伟's, as person
            // A new role ends the account's sessions.
            #expect(try await client.form("/admin/accounts/role", admin, ["csrf": admin.csrf, "email": "new@x.cn", "role": "lead", "units": "rd"]).status == .seeOther)
            #expect(try await client.get("/inbox", newcomer.headers).status == .seeOther)
            // Refused in words: a lead without units, a bad email, a short password, an unknown unit.
            for fields in [["email": "x@x.cn", "name": "x", "role": "lead", "password": "long enough 1"],
                           ["email": "not-an-email", "name": "x", "role": "member", "password": "long enough 1"],
                           ["email": "y@x.cn", "name": "y", "role": "member", "password": "short"],
                           ["email": "z@x.cn", "name": "z", "role": "lead", "units": "nowhere", "password": "long enough 1"]] {
                let r = try await client.form("/admin/accounts", admin, fields.merging(["csrf": admin.csrf]) { $1 })
                #expect(r.status == .badRequest || r.status == .conflict, "\(fields)")
            }
            #expect(try await client.form("/admin/accounts/remove", admin, ["csrf": admin.csrf, "email": "admin@x.cn"]).status == .conflict)
            #expect(try await client.form("/admin/accounts/remove", admin, ["csrf": admin.csrf, "email": "new@x.cn"]).status == .seeOther)
            let audit = String(buffer: try await client.get("/admin/audit", admin.headers).body)
            for action in ["account-add", "role-change", "account-remove", "sign-in"] { #expect(audit.contains("<td>\(action)</td>"), "\(action)") }
            // Not an admin: the same forms are not found.
            let hr = try await client.signIn("hr@x.cn")
            #expect(try await client.form("/admin/accounts", hr, ["csrf": hr.csrf, "email": "h@x.cn", "name": "h", "role": "admin", "password": "long enough 1"]).status == .notFound)
        }
        #expect(try world.state.store.account(email: "h@x.cn") == nil)
    }

    @Test func checkInsThroughTheAPIAreCheckedLikeAFileAllOrNothing() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        let before = try world.state.store.digest()
        try await world.app.test(.router) { client in
            let zhang = world.token["zhang@x.cn"]!
            // One good row and one of a key result that is not 张伟's: nothing imported, the bad line located.
            let mixed = try await client.execute(uri: "/api/v1/checkins", method: .post, headers: [.authorization: "Bearer \(zhang)", .contentType: "text/csv"],
                                                 body: ByteBuffer(string: "kr_id,date,value\nE-KPI,2026-10-12,40\nA-OKR,2026-10-12,10\n"))
            #expect(mixed.status == .unprocessableContent)
            let text = String(buffer: mixed.body)
            #expect(text.contains(":3:1:"), "\(text)")
            // A malformed value: located at its column.
            let bad = try await client.execute(uri: "/api/v1/checkins", method: .post, headers: [.authorization: "Bearer \(zhang)", .contentType: "text/csv"],
                                               body: ByteBuffer(string: "kr_id,date,value\nE-KPI,2026-10-12,forty\n"))
            #expect(bad.status == .unprocessableContent)
            #expect(String(buffer: bad.body).contains(":2:18:"), "\(String(buffer: bad.body))")
        }
        #expect(try world.state.store.digest() == before)
        try await world.app.test(.router) { client in
            let good = try await client.execute(uri: "/api/v1/checkins", method: .post,
                                                headers: [.authorization: "Bearer \(world.token["zhang@x.cn"]!)", .contentType: "text/csv"],
                                                body: ByteBuffer(string: "kr_id,date,value,confidence\nE-KPI,2026-10-12,40,7\nE-OKR,2026-10-13,12,\n"))
            #expect(good.status == .ok, "\(String(buffer: good.body))")
            #expect(String(buffer: good.body).contains("\"check_ins_added\":2"))
            // A browser's cookie cannot post check-ins.
            let li = try await client.signIn("li@x.cn")
            let r = try await client.execute(uri: "/api/v1/checkins", method: .post, headers: [.cookie: li.cookie, .contentType: "text/csv"],
                                             body: ByteBuffer(string: "kr_id,date,value\nA-OKR,2026-10-12,10\n"))
            #expect(r.status == .forbidden)
        }
        #expect(try world.state.store.checkIns(keyResult: "E-KPI").map(\.value) == [40])
        #expect(try world.state.store.auditLog(limit: 50).contains { $0.action == "checkins" && $0.actor == "zhang@x.cn" })
    }
}
