import Foundation
import Testing

/// Runs the built `tandem` binary as a user would.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL {
        // The test bundle sits next to the products it was built with.
        let beside = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("tandem")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/tandem")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], in folder: URL? = nil, environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.currentDirectoryURL = folder ?? packageRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite("tandem validate and generate, as a user runs them")
struct ValidateCommandTests {
    let sample = ["--org", "datasets/xinghai/org.yaml", "--krs", "datasets/xinghai/krs.csv",
                  "--checkins", "datasets/xinghai/checkins.csv"]

    @Test func validSampleExitsZeroWithSummary() throws {
        let result = try CLI.run(["validate"] + sample)
        #expect(result.status == 0)
        #expect(result.stdout.contains("units       42 in 1 tree, depth 3"))
        #expect(result.stdout.contains("2,078 in 701 objectives"))
        #expect(result.stdout.hasSuffix("valid: 0 errors, 12 warnings\n"))
        #expect(result.stderr.contains("warning: check-in should fall inside the cycle"))
        #expect(result.stderr.contains("… 9 more warnings like [C0132] not shown (use --all)"))
    }

    @Test func brokenFileExitsOneWithLocatedError() throws {
        let dir = "Tests/TandemCoreTests/Fixtures/Broken/bad-kind"
        let result = try CLI.run(["validate", "--krs", "\(dir)/krs.csv"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("\(dir)/krs.csv:2:19: error: 'kind' must be one of committed, aspirational, kpi, found 'comitted' [C0114]\n"))
        #expect(result.stdout == "invalid: 2 errors, 0 warnings\n")
    }

    @Test func jsonReportIsOneObject() throws {
        let result = try CLI.run(["validate", "--format", "json"] + sample)
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["errors"] as? Int == 0)
        #expect(object["warnings"] as? Int == 12)
        #expect((object["diagnostics"] as? [Any])?.count == 12)
        let summary = try #require(object["summary"] as? [String: Any])
        let units = try #require(summary["units"] as? [String: Any])
        #expect(units["count"] as? Int == 42)
        let checkIns = try #require(summary["check_ins"] as? [String: Any])
        #expect(checkIns["count"] as? Int == 16_763)
    }

    @Test func jsonReportOfBrokenFileListsLocatedDiagnostics() throws {
        let result = try CLI.run(["validate", "--format", "json", "--krs",
                                  "Tests/TandemCoreTests/Fixtures/Broken/duplicate-kr-id/krs.csv"])
        #expect(result.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0]["id"] as? String == "C0122")
        let location = try #require(diagnostics[0]["location"] as? [String: Any])
        #expect(location["line"] as? Int == 4 && location["column"] as? Int == 1)
        #expect(object["summary"] == nil)
    }

    @Test func usageErrorsAreExplained() throws {
        let result = try CLI.run(["validate"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("give at least one of --org, --krs, --checkins"))
    }

    @Test func helpExplainsEveryCommand() throws {
        for command in ["validate", "generate"] {
            let result = try CLI.run(["help", command])
            #expect(result.status == 0)
            #expect(result.stdout.contains("USAGE: tandem \(command)"))
        }
    }

    @Test func generateWritesFilesThatValidate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let generated = try CLI.run(["generate", "--seed", "9", "--units", "12", "--quarters", "2", "--out", dir])
        #expect(generated.status == 0)
        #expect(generated.stdout.contains("(12 units)"))
        let result = try CLI.run(["validate", "--org", "\(dir)/org.yaml", "--krs", "\(dir)/krs.csv", "--checkins", "\(dir)/checkins.csv"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("units       12 in 1 tree"))
    }
}
