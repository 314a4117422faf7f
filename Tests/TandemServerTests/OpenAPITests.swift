import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TandemCore
import TandemServer
import TandemStore
import TandemTestSupport

/// The OpenAPI document is kept true: every operation it names is called, every answer is
/// checked against its schema (Tests/Support/openapi-check.py, with openapi-spec-validator and
/// jsonschema), and every API route of the server is in it.
@Suite("The API's OpenAPI 3.1 document")
struct OpenAPITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Answer: Encodable, Sendable {
        var method: String
        var path: String
        var status: Int
        var body: String
    }

    @Test func everyRouteIsDocumentedAndEveryAnswerFitsItsSchema() async throws {
        let world = try World(.sqlite)
        defer { world.close() }
        let (answers, document) = try await world.app.test(.router) { client -> ([Answer], String) in
            var answers: [Answer] = []
            let hr: HTTPFields = [.authorization: "Bearer \(world.token["hr@x.cn"]!)"]
            let member: HTTPFields = [.authorization: "Bearer \(world.token["li@x.cn"]!)"]
            func call(_ method: HTTPRequest.Method, _ uri: String, _ headers: HTTPFields, _ body: String? = nil) async throws {
                let r = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
                let path = String(uri.split(separator: "?", maxSplits: 1)[0])
                answers.append(Answer(method: method.rawValue, path: path, status: Int(r.status.code), body: String(buffer: r.body)))
            }
            let e = world.alert["E-OKR"]!, r = world.alert["R-KPI"]!
            try await call(.get, "/api/v1/alerts?status=all&limit=2", hr)
            try await call(.get, "/api/v1/alerts?severity=nonsense", hr)
            try await call(.get, "/api/v1/alerts", [:])
            try await call(.get, "/api/v1/alerts/\(e)", hr)
            try await call(.get, "/api/v1/alerts/\(r)", member)
            try await call(.post, "/api/v1/alerts/\(e)/ack", [.authorization: "Bearer \(world.token["hr@x.cn"]!)", .contentType: "application/json"], #"{"note": "跟进中"}"#)
            try await call(.post, "/api/v1/alerts/\(e)/ack", hr, "{}")
            try await call(.post, "/api/v1/alerts/\(e)/ack", member, #"{"note": "x"}"#)
            try await call(.post, "/api/v1/alerts/\(e)/snooze", hr, #"{"until": "2026-10-21", "note": "下周"}"#)
            try await call(.get, "/api/v1/key-results?unit=sales", hr)
            try await call(.get, "/api/v1/key-results/E-KPI", hr)
            try await call(.get, "/api/v1/key-results/E-KPI", member)
            try await call(.get, "/api/v1/units", member)
            try await call(.get, "/api/v1/units/rd.app", hr)
            try await call(.get, "/api/v1/decisions?unit=rd", member)
            try await call(.get, "/api/v1/runs", member)
            try await call(.post, "/api/v1/checkins", hr, "kr_id,date,value\nE-KPI,2026-10-12,40\n")
            try await call(.post, "/api/v1/checkins", hr, "kr_id,date,value\nE-KPI,2026-10-12,forty\n")
            try await call(.post, "/api/v1/whatif", hr, "scenarios: [")
            try await call(.get, "/api/v1/openapi.json", [:])
            return (answers, String(buffer: try await client.get("/api/v1/openapi.json").body))
        }
        // Every API route in the server's source is in the document.
        let source = try String(contentsOf: Self.root.appendingPathComponent("Sources/TandemServer/API.swift"), encoding: .utf8)
        let routes = source.matches(of: /api\.(get|post)\("([^"]+)"\)/).map { "\($0.output.1) /\($0.output.2.replacing(/:(\w+)/) { "{\($0.output.1)}" })" }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        let paths = try #require(object["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, item in item.keys.map { "\($0) \(path)" } })
        #expect(routes.count >= 13)
        for route in routes { #expect(documented.contains(route), "\(route) is not in the OpenAPI document") }
        #expect(documented.count == routes.count, "\(documented.subtracting(routes))")
        // Every answer against its schema.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(document.utf8).write(to: folder.appendingPathComponent("openapi.json"))
        try JSONEncoder().encode(answers).write(to: folder.appendingPathComponent("answers.json"))
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import openapi_spec_validator, jsonschema, referencing"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        if probe.terminationStatus != 0 {
            let why = "openapi-spec-validator is not installed for python3 (`make test` installs it from PyPI)"
            if ProcessInfo.processInfo.environment["TANDEM_REQUIRE_TOOLS"] == "1" { Issue.record(Comment(rawValue: why)) }
            try Test.cancel(Comment(rawValue: why))
        }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", Self.root.appendingPathComponent("Tests/Support/openapi-check.py").path,
                           folder.appendingPathComponent("openapi.json").path, folder.appendingPathComponent("answers.json").path]
        let out = Pipe()
        check.standardOutput = out
        check.standardError = out
        try check.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "\(text)")
    }
}
