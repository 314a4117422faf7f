import Foundation
import HTTPTypes
import Hummingbird
import MultipartKit
import TandemCore
import TandemEngine
import TandemService
import TandemStore

/// The consultants' what-if: a scenario file kept in the store, or uploaded, against the
/// store's latest run; the report is the one `tandem whatif --format html` writes.
enum WhatIfPages {
    static func add(to router: Router<TandemContext>, state: ServerState) {
        router.get("/whatif") { request, context in
            let (viewer, _) = try allowed(request, context)
            let chosen = Form.query(request)["scenario"].flatMap { $0.isEmpty ? nil : $0 }
            var problem: Problem?
            if let chosen {
                // Run it now, so that a broken file's located errors show on this page (the report frame shows the report).
                do { _ = try await report(named: chosen, viewer: viewer, state: state) } catch let p as Problem { problem = p }
            }
            return try await page(viewer: viewer, context: context, state: state, chosen: chosen, problem: problem)
        }
        router.post("/whatif") { request, context in
            let (viewer, _) = try allowed(request, context)
            guard let type = request.headers[.contentType], type.hasPrefix("multipart/form-data"),
                  let boundary = type.split(separator: ";").lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
                    .first(where: { $0.hasPrefix("boundary=") })?.dropFirst("boundary=".count) else {
                throw Problem(.badRequest, "Upload the scenario file with the form (multipart/form-data).")
            }
            let limit = state.configuration.uploadLimit
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: limit + 64 * 1024) } catch {
                throw Problem(.contentTooLarge, "The file is larger than \(limit / 1024) KiB.")
            }
            // RFC 2046: 1 to 70 characters (multipart-kit's parser traps on an empty one).
            let boundaryText = String(boundary).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard (1...70).contains(boundaryText.utf8.count) else { throw Problem(.badRequest, "The upload could not be read as a form; choose the file again.") }
            let parts: [String: FormPart]
            do { parts = try FormPart.parse(body, boundary: boundaryText) } catch {
                throw Problem(.badRequest, "The upload could not be read as a form; choose the file again.")
            }
            try context.checkCSRF(parts["csrf"]?.text)
            guard let file = parts["file"], file.body.readableBytes > 0 else { throw Problem(.badRequest, "Choose a scenario file to upload.") }
            guard file.body.readableBytes <= limit else { throw Problem(.contentTooLarge, "The file is larger than \(limit / 1024) KiB.") }
            let text = file.text
            var chosenName = (parts["name"]?.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if chosenName.isEmpty { chosenName = file.fileName ?? ("uploaded " + AccountService.timestamp(AccountService.now())) }
            let name = chosenName
            guard name.count <= 120, !name.contains(where: { $0.isNewline || $0 == "\u{0}" || $0 == "/" }) else {
                throw Problem(.badRequest, "A scenario's name is at most 120 characters, without '/' or line breaks.")
            }
            // Checked before it is kept: a file with errors is shown with them and not saved.
            do {
                _ = try await run(text: text, name: name, viewer: viewer, state: state)
            } catch let p as Problem {
                return try await page(viewer: viewer, context: context, state: state, chosen: nil, problem: p)
            }
            let store = state.store, by = viewer.account.email, address = context.remoteAddress
            try await serviceCall { () throws(ServiceError) in
                let now = AccountService.now()
                try storeCall { () throws(StoreError) in
                    try store.saveScenario(name: name, text: text, by: by, at: now,
                                           audit: AuditEntry(at: now, actor: by, action: "scenario-upload", target: name, detail: "\(text.utf8.count) bytes", address: address))
                }
            }
            return Response.redirect(to: "/whatif?scenario=" + Views.percentEncoded(name), type: .normal)
        }
        // The report alone, framed by the what-if page: its own inline style, no script at all.
        router.get("/whatif/report") { request, context in
            let (viewer, _) = try allowed(request, context)
            guard let name = Form.query(request)["scenario"], !name.isEmpty else { throw Problem.notFound }
            let html = try await report(named: name, viewer: viewer, state: state)
            var response = Views.html(html)
            response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
            response.headers[HTTPField.Name("X-Frame-Options")!] = "SAMEORIGIN"
            return response
        }
    }

    /// One part of a multipart/form-data body: its field name, file name and content.
    struct FormPart {
        var name = ""
        var fileName: String?
        var body = ByteBuffer()

        var text: String { String(decoding: Array(body.readableBytesView), as: UTF8.self) }

        /// The parts by field name (the first of each), read by multipart-kit's parser.
        static func parse(_ buffer: ByteBuffer, boundary: String) throws -> [String: FormPart] {
            final class Collected { var parts: [String: FormPart] = [:]; var current = FormPart() }
            let collected = Collected()
            let parser = MultipartParser(boundary: boundary)
            parser.onHeader = { field, value in
                guard field.lowercased() == "content-disposition" else { return }
                collected.current.name = parameter("name", in: value) ?? ""
                collected.current.fileName = parameter("filename", in: value).flatMap { $0.isEmpty ? nil : $0 }
            }
            parser.onBody = { chunk in collected.current.body.writeBuffer(&chunk) }
            parser.onPartComplete = {
                if collected.parts[collected.current.name] == nil { collected.parts[collected.current.name] = collected.current }
                collected.current = FormPart()
            }
            try parser.execute(buffer)
            return collected.parts
        }

        static func parameter(_ key: String, in header: String) -> String? {
            for item in header.split(separator: ";") {
                let pair = item.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].lowercased() == key else { continue }
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            return nil
        }
    }

    /// The viewer, when their role runs what-if scenarios; not found otherwise.
    static func allowed(_ request: Request, _ context: TandemContext) throws -> (Viewer, Catalogue) {
        let (viewer, catalogue) = try context.signedIn(request)
        guard viewer.mayUseWhatIf else { throw Problem.notFound }
        return (viewer, catalogue)
    }

    static func report(named name: String, viewer: Viewer, state: ServerState) async throws -> String {
        let store = state.store
        guard let text = try await serviceCall({ () throws(ServiceError) in try storeCall { () throws(StoreError) in try store.scenarioText(name: name) } }) else {
            throw Problem.notFound
        }
        return try await run(text: text, name: name, viewer: viewer, state: state)
    }

    /// At most this many scenarios a request, and one what-if computed at a time: a what-if is
    /// seconds of work, and the pages must stay quick meanwhile.
    static let maxScenarios = 20

    /// Runs a scenario file's text against the store's latest run; the report as the viewer may
    /// read it (confidential key results left out for strategy), from the cache when the same
    /// text was run on the same runs.
    static func report(text: String, name: String, viewer: Viewer, state: ServerState) async throws -> WhatIfReport {
        let catalogue = try await serviceCall { () async throws(ServiceError) in try await state.catalogue() }
        let key = "\(catalogue.stamp)|\(name)|\(AccountService.digest(text))"
        let full: WhatIfReport
        if let cached = state.whatIfCache.withLock({ $0[key] }) {
            full = cached
        } else {
            full = try await state.whatIfGate.run { try await outcome(text: text, name: name, state: state).report }
            state.whatIfCache.withLock { cache in
                if cache.count >= 8 { cache.removeAll() }
                cache[key] = full
            }
        }
        return AccessService.visible(full, viewer: viewer, catalogue: catalogue).report
    }

    static func outcome(text: String, name: String, state: ServerState) async throws -> WhatIfOutcome {
        let store = state.store
        let shipped = ShippedFiles()
        let policy = shipped.resolve(ShippedFiles.policyName, default: ShippedFiles.policyName)
        let model = shipped.resolve(ShippedFiles.modelName, default: ShippedFiles.modelName)
        return try await serviceCall { () throws(ServiceError) in
            try WhatIfService.whatIf(scenario: SourceFile(path: name, bytes: Array(text.utf8)), request: WhatIfRequest(scenarioPath: name),
                                     baseline: .store(store), policyPath: policy, modelPath: model, maxScenarios: maxScenarios)
        }
    }

    /// The HTML report (the files named by their names, not the server's paths).
    static func run(text: String, name: String, viewer: Viewer, state: ServerState) async throws -> String {
        let report = try await report(text: text, name: name, viewer: viewer, state: state)
        let shipped = ShippedFiles()
        let caption = "the store as of \(report.asOf), \(URL(fileURLWithPath: shipped.resolve(ShippedFiles.policyName, default: ShippedFiles.policyName)).lastPathComponent), "
            + "\(URL(fileURLWithPath: shipped.resolve(ShippedFiles.modelName, default: ShippedFiles.modelName)).lastPathComponent); scenarios from \(name)"
            + (viewer.seesEverything ? "" : "; key results whose details you may not see are left out")
        return WhatIfRenderer(report: report, source: caption).html()
    }

    static func page(viewer: Viewer, context: TandemContext, state: ServerState, chosen: String?, problem: Problem?) async throws -> Response {
        let store = state.store
        let saved = try await serviceCall { () throws(ServiceError) in try storeCall { () throws(StoreError) in try store.scenarios() } }
        var values: [String: Any] = [
            "csrf": context.session?.csrf ?? "",
            "scenarios": saved.map { ["name": $0.name, "savedBy": $0.savedBy, "selected": $0.name == chosen] },
        ]
        if let problem {
            values["problem"] = problem.message
            values["details"] = problem.details
            values["hasDetails"] = !problem.details.isEmpty
        } else if let chosen {
            values["report"] = chosen
            values["reportQuery"] = Views.percentEncoded(chosen)
        }
        let status: HTTPResponse.Status = problem?.status ?? .ok
        return Views.html(Views.page("whatif", title: "What if", values, viewer: viewer, session: context.session, nav: "whatif"), status: status)
    }
}
