import Foundation
import HTTPTypes
import Hummingbird
import TandemCore
import TandemService
import TandemStore

/// The JSON API under /api/v1: the same data and the same rights as the pages.
enum API {
    static func add(to router: Router<TandemContext>, state: ServerState) {
        let api = router.group("/api/v1")
        addMore(to: api, state: state)
        api.get("alerts") { request, context in try await alerts(request, context, state) }
        api.get("alerts/:id") { request, context in
            let (viewer, catalogue) = try context.signedIn(request)
            guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw Problem.notFound }
            let store = state.store
            guard let a = try await serviceCall({ () throws(ServiceError) in
                try AccessService.alert(id, store: store, catalogue: catalogue, viewer: viewer)
            }) else { throw Problem.notFound }
            return try json(AlertBody(a, viewer: viewer, catalogue: catalogue))
        }
        api.post("alerts/:id/ack") { request, context in try await act(request, context, state, snooze: false) }
        api.post("alerts/:id/snooze") { request, context in try await act(request, context, state, snooze: true) }
        api.get("key-results") { request, context in
            let (viewer, catalogue) = try context.signedIn(request)
            let unit = Form.query(request)["unit"].flatMap { $0.isEmpty ? nil : $0 }
            if let unit, catalogue.unitByID[unit] == nil { throw Problem.notFound }
            let below = unit.map { catalogue.subtree(of: $0) }
            let list = catalogue.keyResults.filter { k in below.map { $0.contains(k.unitID) } ?? true && viewer.seesDetails(of: k, in: catalogue) }
            return try json(["key_results": list.map { KeyResultBody($0, catalogue: catalogue) }])
        }
        api.get("key-results/:id") { request, context in
            let (viewer, catalogue) = try context.signedIn(request)
            guard let raw = context.parameters.get("id"), let id = raw.removingPercentEncoding,
                  let k = AccessService.keyResult(id, catalogue: catalogue, viewer: viewer) else { throw Problem.notFound }
            let store = state.store
            let detail = try await serviceCall { () throws(ServiceError) in
                try storeCall { () throws(StoreError) in
                    KeyResultDetail(key_result: KeyResultBody(k, catalogue: catalogue),
                                    check_ins: try store.checkIns(keyResult: k.id).map { CheckInBody(day: $0.day.description, value: $0.value, confidence: $0.confidence) },
                                    forecasts: try store.forecastHistory(keyResult: k.id).map { ForecastBody(day: $0.day.description, p_success: $0.pSuccess, progress: $0.progress) },
                                    alerts: try store.alerts(keyResult: k.id).map { AlertBody($0, viewer: viewer, catalogue: catalogue) })
                }
            }
            return try json(detail)
        }
        api.get("units") { request, context in
            let (_, catalogue) = try context.signedIn(request)
            return try json(["units": catalogue.units.map { UnitBody(id: $0.id, name: $0.name, parent_id: $0.parentID, mode: catalogue.modes[$0.id]?.rawValue) }])
        }
        api.get("units/:id") { request, context in
            let (viewer, catalogue) = try context.signedIn(request)
            guard let raw = context.parameters.get("id"), let id = raw.removingPercentEncoding, let u = catalogue.unitByID[id] else { throw Problem.notFound }
            let all = catalogue.keyResultsByUnit[u.id] ?? []
            let visible = all.filter { viewer.seesDetails(of: $0, in: catalogue) }
            return try json(UnitDetail(unit: UnitBody(id: u.id, name: u.name, parent_id: u.parentID, mode: catalogue.modes[u.id]?.rawValue),
                                       children: catalogue.children[u.id] ?? [],
                                       key_results: visible.map { KeyResultBody($0, catalogue: catalogue) },
                                       confidential_not_shown: viewer.seesAggregates ? all.count - visible.count : nil))
        }
    }

    static func addMore(to api: RouterGroup<TandemContext>, state: ServerState) {
        api.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        api.get("decisions") { request, context in
            let (viewer, catalogue) = try context.signedIn(request)
            let unit = Form.query(request)["unit"].flatMap { $0.isEmpty ? nil : $0 }
            if let unit, catalogue.unitByID[unit] == nil { throw Problem.notFound }
            let below = unit.map { catalogue.subtree(of: $0) }
            let store = state.store, latest = catalogue.stamp.latestRun
            let decisions = try await serviceCall { () throws(ServiceError) in
                latest == nil ? [] : try storeCall { () throws(StoreError) in try store.decisions(day: latest) }
            }
            // Every unit's mode (the overview shows it to all); its parameters and lean to those who
            // see its whole story, as on its page.
            let rows = decisions.filter { d in below.map { $0.contains(d.unitID) } ?? true }.map { d in
                let story = viewer.seesExplanation(of: d.unitID, in: catalogue)
                return DecisionBody(unit_id: d.unitID, name: catalogue.unitByID[d.unitID]?.name ?? d.unitID, day: d.day.description,
                                    mode: d.mode?.rawValue, outcome: story ? d.outcome : nil, lean: story ? d.lean : nil)
            }
            return try json(DecisionList(day: latest?.description, decisions: rows))
        }
        api.get("runs") { request, context in
            _ = try context.signedIn(request)
            let store = state.store
            struct Found: Sendable { var runs: [RunSummary]; var counts: [Day: [LedgerEventKind: Int]] }
            let found = try await serviceCall { () throws(ServiceError) in
                try storeCall { () throws(StoreError) in Found(runs: try store.runs(), counts: try store.eventCountsByDay()) }
            }
            return try json(["runs": found.runs.sorted { $0.day > $1.day }.map { r in
                RunBody(day: r.day.description, policy: URL(fileURLWithPath: r.policy).lastPathComponent, model: URL(fileURLWithPath: r.model).lastPathComponent, open_key_results: r.openKeyResults, events: r.events, undoable: r.undoable,
                        events_by_kind: Dictionary(uniqueKeysWithValues: (found.counts[r.day] ?? [:]).map { ($0.key.rawValue, $0.value) }))
            }])
        }
        api.post("checkins") { request, context in
            let (viewer, catalogue) = try context.signedIn(request)
            guard context.session == nil else { throw Problem(.forbidden, "the API's writes take a bearer token (Authorization: Bearer tdm_…)") }
            let body = try await upload(request, limit: state.configuration.uploadLimit)
            let name = "checkins.csv (POST /api/v1/checkins)"
            let source = SourceFile(path: name, bytes: Array(body.readableBytesView))
            let store = state.store, address = context.remoteAddress
            let outcome = try await serviceCall { () throws(ServiceError) in
                try AccessService.importCheckIns(source, store: store, catalogue: catalogue, viewer: viewer, address: address)
            }
            state.invalidate()
            let renderer = DiagnosticRenderer(sources: outcome.sources)
            return try json(CheckInImportBody(check_ins_added: outcome.summary.checkInsAdded, check_ins_changed: outcome.summary.checkInsChanged,
                                              warnings: outcome.warnings.filter { $0.severity != .error }.prefix(100).map { renderer.render([$0]) }))
        }
        api.post("whatif") { request, context in
            let (viewer, _) = try context.signedIn(request)
            guard viewer.mayUseWhatIf else { throw Problem.notFound }
            let body = try await upload(request, limit: state.configuration.uploadLimit)
            let text = String(decoding: Array(body.readableBytesView), as: UTF8.self)
            let report = try await WhatIfPages.report(text: text, name: "scenario (POST /api/v1/whatif)", viewer: viewer, state: state)
            return try json(report)
        }
    }

    /// A request's body, up to `limit` bytes (413 beyond).
    static func upload(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do { return try await request.body.collect(upTo: limit) } catch { throw Problem(.contentTooLarge, "the body is larger than \(limit / 1024) KiB") }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONOutput.encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func alerts(_ request: Request, _ context: TandemContext, _ state: ServerState) async throws -> Response {
        let (viewer, catalogue) = try context.signedIn(request)
        let q = Form.query(request)
        func parse<T>(_ name: String, _ make: (String) -> T?) throws -> T? {
            guard let text = q[name], !text.isEmpty else { return nil }
            guard let value = make(text) else { throw Problem(.badRequest, "'\(text)' is not a valid \(name)") }
            return value
        }
        let unit = q["unit"].flatMap { $0.isEmpty ? nil : $0 }
        if let unit, catalogue.unitByID[unit] == nil { throw Problem.notFound }
        let severities = try (q["severity"].map { $0.split(separator: ",").map(String.init) } ?? []).map { text in
            guard let s = AlertSeverity(rawValue: text) else { throw Problem(.badRequest, "'\(text)' is not a severity (info, warning, critical)") }
            return s
        }
        let query = AlertPageQuery(unit: unit, owner: q["owner"].flatMap { $0.isEmpty ? nil : $0 }, severities: Set(severities),
                                   status: try parse("status", AlertPageQuery.Status.init(rawValue:)) ?? .live,
                                   kind: try parse("kind", KeyResultKind.init(rawValue:)),
                                   sort: try parse("sort", AlertPageQuery.Sort.init(rawValue:)) ?? .severity,
                                   day: catalogue.stamp.latestRun ?? Day(ordinal: 0),
                                   limit: try parse("limit", { Int($0).flatMap { (1...200).contains($0) ? $0 : nil } }) ?? 50,
                                   after: try parse("after", { state.cursors.open($0) }))
        let store = state.store
        let page = try await serviceCall { () throws(ServiceError) in
            try AccessService.inbox(store: store, catalogue: catalogue, viewer: viewer, query: query)
        }
        return try json(AlertList(alerts: page.alerts.map { AlertBody($0, viewer: viewer, catalogue: catalogue) }, next: page.next.map(state.cursors.seal)))
    }

    static func act(_ request: Request, _ context: TandemContext, _ state: ServerState, snooze: Bool) async throws -> Response {
        let (viewer, catalogue) = try context.signedIn(request)
        // Writes through the API take a bearer token: a browser's cookie alone could be sent by another site's form.
        guard context.session == nil else { throw Problem(.forbidden, "the API's writes take a bearer token (Authorization: Bearer tdm_…); pages use their forms") }
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw Problem.notFound }
        struct Body: Decodable { var note: String?; var until: String? }
        let body: Body
        do {
            let buffer = try await request.body.collect(upTo: 64 * 1024)
            body = try JSONDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch is DecodingError {
            throw Problem(.badRequest, snooze ? "send JSON: {\"until\": \"YYYY-MM-DD\", \"note\": \"…\"}" : "send JSON: {\"note\": \"what is being done\"}")
        } catch {
            throw Problem(.contentTooLarge, "the body is larger than 64 KiB")
        }
        let note = (body.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if let why = AlertNotes.problem(note) { throw Problem(.badRequest, why) }
        let store = state.store, address = context.remoteAddress
        let alert: Alert
        if snooze {
            guard let until = body.until.flatMap({ Day(iso: $0) }) else { throw Problem(.badRequest, "give \"until\": the day the snooze ends (YYYY-MM-DD)") }
            alert = try await serviceCall { () throws(ServiceError) in
                try AccessService.snooze(store: store, catalogue: catalogue, viewer: viewer, alert: id, until: until, note: note, address: address)
            }
        } else {
            guard !note.isEmpty else { throw Problem(.badRequest, "give \"note\": what is being done about it") }
            alert = try await serviceCall { () throws(ServiceError) in
                try AccessService.acknowledge(store: store, catalogue: catalogue, viewer: viewer, alert: id, note: note, address: address)
            }
        }
        return try json(AlertBody(alert, viewer: viewer, catalogue: catalogue))
    }
}

struct AlertBody: Encodable {
    var alert: Alert
    var mayAct: Bool

    init(_ alert: Alert, viewer: Viewer, catalogue: Catalogue) {
        self.alert = alert
        mayAct = viewer.mayAct(on: alert, in: catalogue) && alert.status.isLive
    }

    func encode(to encoder: any Encoder) throws {
        try alert.encode(to: encoder)
        enum Keys: String, CodingKey { case mayAct = "may_act" }
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(mayAct, forKey: .mayAct)
    }
}

struct AlertList: Encodable {
    var alerts: [AlertBody]
    var next: String?

    func encode(to encoder: any Encoder) throws {
        enum Keys: String, CodingKey { case alerts, next }
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(alerts, forKey: .alerts)
        try c.encode(next, forKey: .next)  // null on the last page
    }
}

struct KeyResultBody: Encodable {
    var id: String
    var objective_id: String
    var unit_id: String
    var title: String
    var kind: String
    var owner: String?
    var start_value: Double
    var target_value: Double
    var cycle_start: String
    var cycle_end: String
    var final_value: Double?
    var confidential: Bool

    init(_ k: KeyResultCard, catalogue: Catalogue) {
        id = k.id
        objective_id = k.objectiveID
        unit_id = k.unitID
        title = k.title
        kind = k.kind.rawValue
        owner = k.owner
        start_value = k.startValue
        target_value = k.targetValue
        cycle_start = k.cycleStart.description
        cycle_end = k.cycleEnd.description
        final_value = k.finalValue
        confidential = catalogue.isConfidential(k)
    }
}

struct CheckInBody: Encodable {
    var day: String
    var value: Double
    var confidence: Double?
}

struct ForecastBody: Encodable {
    var day: String
    var p_success: Double
    var progress: Double
}

struct KeyResultDetail: Encodable {
    var key_result: KeyResultBody
    var check_ins: [CheckInBody]
    var forecasts: [ForecastBody]
    var alerts: [AlertBody]
}

struct DecisionBody: Encodable {
    var unit_id: String
    var name: String
    var day: String
    var mode: String?
    var outcome: String?
    var lean: Double?
}

struct DecisionList: Encodable {
    var day: String?
    var decisions: [DecisionBody]
}

struct RunBody: Encodable {
    var day: String
    var policy: String
    var model: String
    var open_key_results: Int
    var events: Int
    var undoable: Bool
    var events_by_kind: [String: Int]
}

struct CheckInImportBody: Encodable {
    var check_ins_added: Int
    var check_ins_changed: Int
    var warnings: [String]
}

struct UnitBody: Encodable {
    var id: String
    var name: String
    var parent_id: String?
    var mode: String?
}

struct UnitDetail: Encodable {
    var unit: UnitBody
    var children: [String]
    var key_results: [KeyResultBody]
    var confidential_not_shown: Int?
}
