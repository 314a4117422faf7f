import Foundation
import HTTPTypes
import Hummingbird
import TandemCore
import TandemService
import TandemStore

/// Accounts and the audit log: the admins' pages. Anyone else is told there is nothing here.
enum AdminPages {
    static func add(to router: Router<TandemContext>, state: ServerState) {
        router.get("/admin/accounts") { request, context in
            let (viewer, _) = try admin(request, context)
            let store = state.store
            let accounts = try await serviceCall { () throws(ServiceError) in try AccountService.accounts(store: store) }
            let csrf = context.session?.csrf ?? ""
            let rows: [[String: Any]] = accounts.map { a in
                ["email": a.email, "name": a.name, "role": a.role.rawValue, "units": a.units.joined(separator: ","), "person": a.person ?? "", "csrf": csrf,
                 "roles": Role.allCases.map { ["value": $0.rawValue, "selected": $0 == a.role] }]
            }
            let values: [String: Any] = ["accounts": rows, "csrf": csrf, "newRoles": Role.allCases.map(\.rawValue),
                                         "notice": Form.query(request)["notice"] ?? ""]
            return Views.html(Views.page("accounts", title: "Accounts", values, viewer: viewer, session: context.session, nav: "admin"))
        }
        router.post("/admin/accounts") { request, context in
            let (_, _) = try admin(request, context)
            let form = try await Form.read(request, context)
            try context.checkCSRF(form["csrf"])
            guard let role = form["role"].flatMap(Role.init(rawValue:)) else { throw Problem(.badRequest, "Choose a role.") }
            let store = state.store, actor = context.viewer?.account.email ?? "", address = context.remoteAddress
            let units = (form["units"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let person = (form["person"] ?? "").trimmingCharacters(in: .whitespaces)
            let account = try await serviceCall { () throws(ServiceError) in
                try AccountService.addAccount(store: store, email: form["email"] ?? "", name: form["name"] ?? "", role: role, units: units,
                                              person: person.isEmpty ? nil : person, password: form["password"] ?? "", actor: actor, address: address)
            }
            state.invalidate()
            return back("Added \(account.email) (\(account.role.rawValue)).")
        }
        router.post("/admin/accounts/role") { request, context in
            let (_, _) = try admin(request, context)
            let form = try await Form.read(request, context)
            try context.checkCSRF(form["csrf"])
            guard let role = form["role"].flatMap(Role.init(rawValue:)) else { throw Problem(.badRequest, "Choose a role.") }
            let store = state.store, actor = context.viewer?.account.email ?? "", address = context.remoteAddress
            let units = form["units"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            let email = form["email"] ?? ""
            let change = try await serviceCall { () throws(ServiceError) in
                try AccountService.setRole(store: store, email: email, role: role, units: units, actor: actor, address: address)
            }
            return back(change.sessionsEnded ? "\(change.account.email) is now \(change.account.role.rawValue); their sessions ended." : "\(change.account.email): nothing changed.")
        }
        router.post("/admin/accounts/remove") { request, context in
            let (viewer, _) = try admin(request, context)
            let form = try await Form.read(request, context)
            try context.checkCSRF(form["csrf"])
            let email = (try? AccountService.email(form["email"] ?? "")) ?? (form["email"] ?? "").lowercased()
            guard email != viewer.account.email else { throw Problem(.conflict, "You cannot remove your own account here; another admin can, or `tandem users remove`.") }
            let store = state.store, actor = viewer.account.email, address = context.remoteAddress
            try await serviceCall { () throws(ServiceError) in try AccountService.removeAccount(store: store, email: email, actor: actor, address: address) }
            return back("Removed \(email), with its sessions and tokens.")
        }
        router.get("/admin/audit") { request, context in
            let (viewer, _) = try admin(request, context)
            let before = Form.query(request)["before"].flatMap(Int64.init)
            let store = state.store
            let entries = try await serviceCall { () throws(ServiceError) in try AccountService.auditLog(store: store, limit: 100, before: before) }
            let rows: [[String: Any]] = entries.map {
                ["id": $0.id, "at": AccountService.timestamp($0.at), "actor": $0.actor, "action": $0.action, "target": $0.target, "detail": $0.detail, "address": $0.address ?? ""]
            }
            var values: [String: Any] = ["entries": rows]
            if entries.count == 100, let last = entries.last { values["older"] = "/admin/audit?before=\(last.id)" }
            return Views.html(Views.page("audit", title: "Audit log", values, viewer: viewer, session: context.session, nav: "audit"))
        }
    }

    /// The viewer, when an admin; not found otherwise (the admin pages are not known to others).
    static func admin(_ request: Request, _ context: TandemContext) throws -> (Viewer, Catalogue) {
        let (viewer, catalogue) = try context.signedIn(request)
        guard viewer.role == .admin else { throw Problem.notFound }
        return (viewer, catalogue)
    }

    static func back(_ notice: String) -> Response {
        Response.redirect(to: "/admin/accounts?notice=" + Views.percentEncoded(notice), type: .normal)
    }

}
