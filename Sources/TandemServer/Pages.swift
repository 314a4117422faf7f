import Foundation
import HTTPTypes
import Hummingbird
import TandemCore
import TandemNumerics
import TandemPolicy
import TandemService
import TandemStore

/// The pages, rendered on the server; each asks the service as its viewer.
enum Pages {
    static func add(to router: Router<TandemContext>, state: ServerState) {
        router.get("/") { request, context in
            _ = try context.signedIn(request)
            return Response.redirect(to: "/inbox", type: .normal)
        }
        router.get("/signin") { request, context in
            let next = safeNext(Form.query(request)["next"])
            if context.viewer != nil { return Response.redirect(to: next, type: .normal) }
            return Views.html(Views.page("signin", title: "Sign in", ["next": next], viewer: nil, session: nil))
        }
        router.post("/signin") { request, context in try await signIn(request, context, state) }
        router.post("/signout") { request, context in
            // Another site's page cannot sign a visitor out either (its form carries no cookie, so
            // no CSRF token is checked, but the answer would clear the browser's cookie).
            if sentFromAnotherSite(request) {
                throw Problem(.forbidden, "This sign-out was sent from another site's page; use Tandem's own Sign out button.")
            }
            let form = try await Form.read(request, context)
            var response = Response.redirect(to: "/signin", type: .normal)
            if let session = context.session {
                try context.checkCSRF(form["csrf"])
                let store = state.store, address = context.remoteAddress
                let unaudited = try await serviceCall { () throws(ServiceError) in try AccountService.signOut(store: store, session: session, address: address) }
                if let unaudited {
                    context.logger.error("signed out without an audit line", metadata: ["account": "\(session.email)", "why": "\(unaudited)"])
                }
            }
            response.setCookie(Cookie(name: Authentication.cookie, value: "", maxAge: 0, path: "/", secure: state.configuration.secureCookies,
                                      httpOnly: true, sameSite: .lax))
            response.headers[HTTPField.Name("Clear-Site-Data")!] = "\"cache\""
            return response
        }
        router.get("/inbox") { request, context in try await inbox(request, context, state) }
        router.post("/alerts/:id/ack") { request, context in try await act(request, context, state, snooze: false) }
        router.post("/alerts/:id/snooze") { request, context in try await act(request, context, state, snooze: true) }
        router.get("/kr/:id") { request, context in try await keyResult(request, context, state) }
        router.get("/units/:id") { request, context in try await unit(request, context, state) }
    }

    /// Where to go after signing in: a path of this site only (never another host).
    static func safeNext(_ next: String?) -> String {
        // A path of this site: no scheme, no host, no backslash, no control character (browsers
        // drop tabs and line breaks, so "/\t/evil" would become "//evil").
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return "/inbox" }
        return next
    }

    /// Whether a request was sent by another site's page. A sign-in has no session, so no CSRF
    /// token, yet another site's form must not sign a visitor into an account of its choosing
    /// (login CSRF: what they then type would land in that account). Browsers say where a request
    /// comes from in `Sec-Fetch-Site`; older ones only in `Origin`, compared with the host the
    /// request was sent to. A request that says neither (curl, a script) is no browser's and is
    /// let through.
    static func sentFromAnotherSite(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!] {
            return site != "same-origin" && site != "none"
        }
        guard let origin = request.headers[.origin] else { return false }
        guard let schemeEnd = origin.range(of: "://"), let authority = request.head.authority else { return true }
        func hostAndPort(_ s: Substring, scheme: Substring) -> String {
            let lower = s.lowercased()
            let defaultPort = scheme == "https" ? ":443" : ":80"
            return lower.hasSuffix(defaultPort) ? String(lower.dropLast(defaultPort.count)) : lower
        }
        let scheme = origin[..<schemeEnd.lowerBound].lowercased()
        return hostAndPort(origin[schemeEnd.upperBound...], scheme: Substring(scheme)) != hostAndPort(Substring(authority), scheme: Substring(scheme))
    }

    static func signIn(_ request: Request, _ context: TandemContext, _ state: ServerState) async throws -> Response {
        if sentFromAnotherSite(request) {
            throw Problem(.forbidden, "This sign-in was sent from another site's page. Open Tandem's own sign-in page and sign in there.")
        }
        let form = try await Form.read(request, context)
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form["password"] ?? ""
        let next = safeNext(form["next"])
        let address = context.remoteAddress ?? "local"
        let keys = SignInLimiter.keys(email: email, address: address)
        let now = AccountService.now()
        func again(_ message: String, status: HTTPResponse.Status) -> Response {
            Views.html(Views.page("signin", title: "Sign in", ["next": next, "email": email, "message": message], viewer: nil, session: nil), status: status)
        }
        if let wait = state.limiter.attempt(keys, now: now) {
            let store = state.store
            if state.limiter.shouldReport(keys.joined(separator: "|"), now: now) {
                do {
                    try await serviceCall { () throws(ServiceError) in
                        try AccountService.audit(store: store, AuditEntry(at: now, actor: address, action: "sign-in-limited", target: String(email.prefix(254)), address: address))
                    }
                } catch {
                    // The refusal stands; the log says the audit line is missing.
                    context.logger.error("the audit log could not be written", metadata: ["action": "sign-in-limited", "why": "\(error)"])
                }
            }
            var r = again("Too many failed sign-ins; try again in \(max(1, (wait + 59) / 60)) minute\(wait > 60 ? "s" : "").", status: .tooManyRequests)
            r.headers[.retryAfter] = String(wait)
            return r
        }
        let store = state.store
        let outcome = await serviceResult { () throws(ServiceError) in
            try AccountService.signIn(store: store, email: email, password: password, address: address)
        }
        switch outcome {
        case .success(let signIn):
            state.limiter.succeed(keys, now: now)
            var response = Response.redirect(to: next, type: .normal)
            response.setCookie(Cookie(name: Authentication.cookie, value: signIn.secret, maxAge: Int(AccountService.sessionLifetime), path: "/",
                                      secure: state.configuration.secureCookies, httpOnly: true, sameSite: .lax))
            return response
        case .failure(.refused):
            return again("The email or the password is wrong.", status: .unauthorized)
        case .failure(let error):
            throw Problem(error)
        }
    }

    // MARK: The inbox

    static func inbox(_ request: Request, _ context: TandemContext, _ state: ServerState) async throws -> Response {
        let (viewer, catalogue) = try context.signedIn(request)
        let q = Form.query(request)
        let today = catalogue.stamp.latestRun ?? Day(ordinal: 0)
        let unit = q["unit"].flatMap { $0.isEmpty ? nil : $0 }
        if let unit, catalogue.unitByID[unit] == nil { throw Problem(.notFound, "There is no unit '\(unit)'.") }
        let severity = q["severity"].flatMap(AlertSeverity.init(rawValue:))
        // The inbox shows what needs someone by default: open alerts, not acknowledged or snoozed ones.
        let status = q["status"].flatMap(AlertPageQuery.Status.init(rawValue:)) ?? .open
        let kind = q["kind"].flatMap(KeyResultKind.init(rawValue:))
        let sort = q["sort"].flatMap(AlertPageQuery.Sort.init(rawValue:)) ?? .severity
        let owner = q["owner"].flatMap { $0.isEmpty ? nil : $0 }
        let cursor = q["after"].flatMap { $0.isEmpty ? nil : $0 }.map { state.cursors.open($0) }
        if let cursor, cursor == nil { throw Problem(.badRequest, "The page link has expired or is damaged; start from the first page.") }
        let query = AlertPageQuery(unit: unit, owner: owner, severities: severity.map { [$0] } ?? [], status: status, kind: kind, sort: sort,
                                   day: today, limit: 50, after: cursor ?? nil)
        let store = state.store
        let page = try await serviceCall { () throws(ServiceError) in
            try AccessService.inbox(store: store, catalogue: catalogue, viewer: viewer, query: query)
        }
        var filter: [String: String] = ["unit": unit ?? "", "owner": owner ?? ""]
        filter["sort"] = sort.rawValue
        func link(after: AlertPageCursor?) -> String {
            var items: [(String, String)] = []
            if let unit { items.append(("unit", unit)) }
            if let owner { items.append(("owner", owner)) }
            if let severity { items.append(("severity", severity.rawValue)) }
            if status != .open { items.append(("status", status.rawValue)) }
            if let kind { items.append(("kind", kind.rawValue)) }
            if sort != .severity { items.append(("sort", sort.rawValue)) }
            if let after { items.append(("after", state.cursors.seal(after))) }
            return "/inbox" + (items.isEmpty ? "" : "?" + items.map { "\($0.0)=\(Views.percentEncoded($0.1))" }.joined(separator: "&"))
        }
        let back = link(after: query.after)
        let csrf = context.session?.csrf ?? ""
        var rows = ""
        rows.reserveCapacity(page.alerts.count * 1_600)
        let forms = Views.actionFields(csrf: csrf, back: back)
        for a in page.alerts {
            Views.alertRow(a, unitName: catalogue.unitByID[a.unitID]?.name ?? a.unitID, mayAct: viewer.mayAct(on: a, in: catalogue) && a.status.isLive,
                           forms: forms, today: today, into: &rows)
        }
        // Unit suggestions: the viewer's own units first, then the top of the tree (a datalist of
        // ten thousand units would weigh on every page).
        let suggested: [UnitCard] = viewer.account.units.compactMap { catalogue.unitByID[$0] }
            + catalogue.topUnits.filter { !viewer.account.units.contains($0.id) }
        let values: [String: Any] = [
            "unitName": unit.flatMap { catalogue.unitByID[$0]?.name } ?? "",
            "notice": q["notice"] ?? "",
            "filter": filter,
            "unitOptions": suggested.map { "<option value=\"\(Views.escape($0.id))\">\(Views.escape($0.name))</option>" }.joined(),
            "severities": Views.options([("", "any")] + AlertSeverity.allCases.reversed().map { ($0.rawValue, $0.rawValue) }, selected: severity?.rawValue ?? ""),
            "statuses": Views.options([("open", "open"), ("live", "open or acknowledged"), ("acked", "acknowledged"), ("snoozed", "snoozed"),
                                 ("resolved", "resolved"), ("all", "all")], selected: status.rawValue),
            "kinds": Views.options([("", "any")] + KeyResultKind.allCases.map { ($0.rawValue, $0.rawValue) }, selected: kind?.rawValue ?? ""),
            "sorts": Views.options([("severity", "most severe first"), ("p", "lowest P(success) first"), ("age", "oldest first")], selected: sort.rawValue),
            "rows": rows, "hasAlerts": !page.alerts.isEmpty,
            "nextLink": page.next.map { link(after: $0) } ?? "",
            "firstLink": query.after != nil ? link(after: nil) : "",
        ]
        return Views.html(Views.page("inbox", title: "Alert inbox", values, viewer: viewer, session: context.session, nav: "inbox"))
    }

    /// Acknowledges or snoozes an alert from a form, then goes back where the form was.
    static func act(_ request: Request, _ context: TandemContext, _ state: ServerState, snooze: Bool) async throws -> Response {
        let (viewer, catalogue) = try context.signedIn(request)
        let form = try await Form.read(request, context)
        try context.checkCSRF(form["csrf"])
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw Problem.notFound }
        let note = (form["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if let why = AlertNotes.problem(note) { throw Problem(.badRequest, why) }
        let store = state.store, address = context.remoteAddress
        let notice: String
        if snooze {
            guard let until = form["until"].flatMap({ Day(iso: $0) }) else { throw Problem(.badRequest, "Give the day the snooze ends (YYYY-MM-DD).") }
            let a = try await serviceCall { () throws(ServiceError) in
                try AccessService.snooze(store: store, catalogue: catalogue, viewer: viewer, alert: id, until: until, note: note, address: address)
            }
            notice = "Alert #\(a.id) snoozed until \(until)."
        } else {
            guard !note.isEmpty else { throw Problem(.badRequest, "Say what is being done about it: the note is empty.") }
            let a = try await serviceCall { () throws(ServiceError) in
                try AccessService.acknowledge(store: store, catalogue: catalogue, viewer: viewer, alert: id, note: note, address: address)
            }
            notice = "Alert #\(a.id) acknowledged."
        }
        var back = safeNext(form["back"])
        if !back.hasPrefix("/inbox") { back = "/inbox" }
        back = back.replacingOccurrences(of: #"([?&])notice=[^&]*"#, with: "$1", options: .regularExpression)
        return Response.redirect(to: back + (back.contains("?") ? "&" : "?") + "notice=" + Views.percentEncoded(notice), type: .normal)
    }

    // MARK: Key results and units

    static func keyResult(_ request: Request, _ context: TandemContext, _ state: ServerState) async throws -> Response {
        let (viewer, catalogue) = try context.signedIn(request)
        guard let raw = context.parameters.get("id"), let id = raw.removingPercentEncoding,
              let k = AccessService.keyResult(id, catalogue: catalogue, viewer: viewer) else { throw Problem.notFound }
        let store = state.store
        // The objective's chances come from all of its key results: shown only to one who sees
        // them all (with one hidden sibling, they would give its P(success) away).
        let allMembers = catalogue.keyResultsByObjective[k.objectiveID] ?? []
        let objectiveMembers = allMembers.allSatisfy { viewer.seesDetails(of: $0, in: catalogue) } ? allMembers : []
        struct Detail: Sendable {
            var checkIns: [CheckInPoint]
            var forecasts: [ForecastPoint]
            var alerts: [Alert]
            var events: [LedgerEvent]
            var objective: [Double]
        }
        let latest = catalogue.stamp.latestRun
        let detail = try await serviceCall { () throws(ServiceError) in
            try storeCall { () throws(StoreError) -> Detail in
                var objective: [Double] = []
                if let latest {
                    let open = objectiveMembers.filter { $0.cycleStart <= latest && latest <= $0.cycleEnd }.map(\.id)
                    objective = Array(try store.pSuccess(day: latest, keyResults: open).values)
                }
                return Detail(checkIns: try store.checkIns(keyResult: k.id), forecasts: try store.forecastHistory(keyResult: k.id),
                              alerts: try store.alerts(keyResult: k.id), events: try store.events(keyResult: k.id), objective: objective)
            }
        }
        // The lines of the rules in force for this kind, each severity and value once.
        var lines: [(label: String, value: Double, style: String)] = []
        for t in catalogue.thresholds where t.applies(to: k.kind.rawValue) && t.severity != .info {
            if !lines.contains(where: { $0.label == t.severity.rawValue && $0.value == t.pSuccess }) {
                lines.append((label: t.severity.rawValue, value: t.pSuccess, style: t.severity == .critical ? "crit" : "warn"))
            }
        }
        var values: [String: Any] = [
            "id": k.id, "title": k.title, "kind": k.kind.rawValue, "objective": k.objectiveID, "owner": k.owner ?? "—",
            "confidential": catalogue.isConfidential(k),
            "start": Views.number(k.startValue), "target": Views.number(k.targetValue),
            "cycleStart": k.cycleStart.description, "cycleEnd": k.cycleEnd.description,
            "path": catalogue.path(to: k.unitID).map { ["name": $0.name, "idPath": Views.percentEncoded($0.id)] },
            "chart": Views.chart(detail.forecasts, thresholds: lines),
            "alerts": detail.alerts.map { a -> [String: Any] in
                var row: [String: Any] = ["id": a.id, "severity": a.severity.rawValue, "status": a.status.rawValue, "rules": a.rules, "reasons": a.reasons]
                if let n = a.ackNote { row["ackNote"] = n }
                if let s = a.snoozedUntil { row["snoozedUntil"] = s.description }
                return row
            },
            // The tables' rows are built here, every text escaped (as the inbox's rows): an empty
            // text leaves the table out.
            "events": detail.events.map { e in
                "<tr><td class=\"num\">\(e.id)</td><td>\(e.day)</td><td>\(e.kind.rawValue)</td><td>\(e.severity.rawValue)</td><td>\(Views.escape(e.reasons))</td></tr>\n"
            }.joined(),
            "checkIns": detail.checkIns.map { c in
                let span = k.targetValue - k.startValue
                let progress = span == 0 ? "—" : Views.fixed((c.value - k.startValue) / span * 100, 0) + "%"
                return "<tr><td>\(c.day)</td><td class=\"num\">\(Views.number(c.value))</td><td class=\"num\">\(progress)</td><td class=\"num\">\(c.confidence.map(Views.number) ?? "")</td></tr>\n"
            }.joined(),
        ]
        if let last = detail.forecasts.last {
            values["latestP"] = Views.probability(last.pSuccess)
            values["latestDay"] = last.day.description
        }
        if let f = k.finalValue { values["finalValue"] = Views.number(f) }
        if !detail.objective.isEmpty {
            let needed = Int((0.7 * Double(detail.objective.count) - 1e-9).rounded(.up))
            values["objectiveP"] = Views.probability(SuccessCount.atLeast(needed, SuccessCount.distribution(detail.objective)))
            values["objectiveCount"] = detail.objective.count
        }
        return Views.html(Views.page("keyResult", title: k.title, values, viewer: viewer, session: context.session))
    }

    static func unit(_ request: Request, _ context: TandemContext, _ state: ServerState) async throws -> Response {
        let (viewer, catalogue) = try context.signedIn(request)
        guard let raw = context.parameters.get("id"), let id = raw.removingPercentEncoding, let u = catalogue.unitByID[id] else { throw Problem.notFound }
        let all = catalogue.keyResultsByUnit[u.id] ?? []
        // The current cycle first.
        let visible = all.filter { viewer.seesDetails(of: $0, in: catalogue) }.sorted { $0.cycleStart > $1.cycleStart }
        let store = state.store
        let live = try await serviceCall { () throws(ServiceError) in
            try storeCall { () throws(StoreError) in
                try store.alertPage(AlertPageQuery(unit: u.id, status: .all, day: catalogue.stamp.latestRun ?? Day(ordinal: 0), limit: 200)) {
                    $0.unitID == u.id && $0.status.isLive && viewer.sees($0, in: catalogue)
                }.alerts
            }
        }
        var alertByKR: [String: AlertSeverity] = [:]
        for a in live { alertByKR[a.keyResultID] = max(alertByKR[a.keyResultID] ?? a.severity, a.severity) }
        var values: [String: Any] = [
            "name": u.name, "idQuery": Views.percentEncoded(u.id),
            "path": catalogue.path(to: u.id).dropLast().map { ["name": $0.name, "idPath": Views.percentEncoded($0.id)] },
            "children": (catalogue.children[u.id] ?? []).compactMap { catalogue.unitByID[$0] }.map { ["name": $0.name, "idPath": Views.percentEncoded($0.id)] },
            "hasChildren": !(catalogue.children[u.id] ?? []).isEmpty,
            "keyResults": visible.map { k -> [String: Any] in
                var row: [String: Any] = ["idPath": Views.percentEncoded(k.id), "title": k.title, "kind": k.kind.rawValue, "owner": k.owner ?? "",
                                          "cycle": "\(k.cycleStart) – \(k.cycleEnd)"]
                if let s = alertByKR[k.id] { row["alert"] = s.rawValue }
                return row
            },
            "hasKeyResults": !visible.isEmpty,
        ]
        if let mode = catalogue.modes[u.id], let day = catalogue.stamp.latestRun {
            values["mode"] = mode.rawValue.uppercased()
            values["day"] = day.description
        }
        if viewer.seesExplanation(of: u.id, in: catalogue), let inForce = catalogue.policyInForce {
            let organisation = catalogue.organisation
            // A decision that cannot be explained (the kept policy no longer fits the units'
            // attributes) is said on the page, not left out in silence.
            do {
                let explanation = try await serviceCall { () throws(ServiceError) -> Explanation? in
                    try DecisionService.diagnose(organisation: organisation, policy: SourceFile(path: inForce.name, bytes: Array(inForce.text.utf8)),
                                                 unit: u.id).explanations.first
                }
                if let e = explanation { values["decision"] = decisionValues(e, policy: inForce) }
            } catch let problem as Problem {
                context.logger.warning("a decision could not be explained", metadata: ["unit": "\(u.id)", "why": "\(problem.message)"])
                values["unexplained"] = "The decision of the run cannot be explained by the policy it used: \(problem.message)"
            }
        }
        let hidden = all.count - visible.count
        if hidden > 0 && viewer.seesAggregates {
            values["hidden"] = "\(hidden) confidential key result\(hidden == 1 ? "" : "s") of this unit \(hidden == 1 ? "is" : "are") counted here but not shown."
        }
        return Views.html(Views.page("unit", title: u.name, values, viewer: viewer, session: context.session))
    }
}

extension Pages {
    /// A decision's whole story, for the unit page: the mode and its parameters, lean and
    /// margin, the evidence, why not the other modes, what would change it, the attributes.
    static func missValues(_ miss: Explanation.Miss) -> [String: String] {
        let rule = (miss.kind == .override ? "override " : "row ") + String(miss.rule.number)
        let failed = miss.failed.isEmpty ? (miss.note ?? "") : "fails: " + miss.failed.joined(separator: "; ")
        return ["rule": rule, "failed": failed]
    }

    static func decisionValues(_ e: Explanation, policy: StoredPolicyVersion) -> [String: Any] {
        func num(_ x: Double) -> String { x.isFinite ? String(format: "%.3g", x) : "—" }
        let decidedBy: String
        switch e.decidedBy {
        case .override: decidedBy = e.override.map { "override #\($0.number): \($0.condition)" } ?? "an override"
        case .row: decidedBy = e.row.map { "row \($0.number) of the table: \($0.condition)" } ?? "a row of the table"
        case .noMatch: decidedBy = "no row of the table matches: no decision"
        case .conflict: decidedBy = "two rows of a unique table match: no decision"
        }
        var values: [String: Any] = [
            "policyName": policy.name + (policy.version.map { " " + $0 } ?? ""),
            "modeNow": e.mode?.rawValue.uppercased() ?? "none",
            "decidedBy": decidedBy,
            "lean": num(e.lean), "towardOKR": num(e.leanTowardOKR), "towardKPI": num(e.leanTowardKPI),
            "evidence": e.evidence.map { ["condition": $0.condition, "direction": $0.direction, "weight": num($0.weight), "reason": $0.reason] },
            "hasEvidence": !e.evidence.isEmpty,
            "otherModes": e.otherModes.map { m -> [String: Any] in
                ["mode": m.mode.rawValue.uppercased(), "summary": m.summary, "misses": m.misses.prefix(5).map(missValues)]
            },
            "counterfactuals": e.counterfactuals.map(\.text),
            "attributes": e.attributes.map { a -> [String: String] in
                let origin: String
                switch a.origin {
                case .own: origin = "set on the unit"
                case .inherited: origin = "inherited from " + (a.fromUnitName ?? a.fromUnitID ?? "a unit above")
                case .default: origin = "the policy's default"
                }
                return ["name": a.name, "value": a.value, "origin": origin]
            },
        ]
        if let outcome = e.outcome { values["parameters"] = outcome.text }
        if let m = e.margin { values["margin"] = "\(num(m.distance)) from the boundary to \(m.toMode.rawValue.uppercased()) (at lean \(num(m.atLean)))" }
        return values
    }
}

/// What a person's note may hold: text, tabs and line breaks, no other control character and
/// no bidirectional override (it would reorder what others read).

/// Form bodies and query strings, read as browsers send them (`+` for a space).
enum Form {
    static func decode(_ text: Substring) -> [String: String] {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding else { continue }
            let raw = parts.count > 1 ? String(parts[1]) : ""
            guard let value = raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else { continue }
            if values[key] == nil { values[key] = value }
        }
        return values
    }

    static func query(_ request: Request) -> [String: String] { decode(Substring(request.uri.query ?? "")) }

    /// A form's fields; at most 64 KiB.
    static func read(_ request: Request, _ context: TandemContext) async throws -> [String: String] {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 64 * 1024) } catch { throw Problem(.contentTooLarge, "The form is too large.") }
        return decode(Substring(String(buffer: buffer)))
    }
}
