import Foundation
import Testing

/// `tandem` as `make install` lays it out (PREFIX/bin/tandem, PREFIX/share/tandem/Models), and
/// with TANDEM_HOME, run from a folder that has nothing of Tandem's.
@Suite("An installed tandem finds its policy and model from any folder")
struct InstallTests {
    /// A prefix with the binary and, unless `models` is false, the shipped files beside it.
    func install(models: Bool = true) throws -> URL {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-prefix-\(UUID().uuidString)")
        let fm = FileManager.default
        try fm.createDirectory(at: prefix.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try fm.copyItem(at: CLI.binary, to: prefix.appendingPathComponent("bin/tandem"))
        if models {
            let share = prefix.appendingPathComponent("share/tandem/Models")
            try fm.createDirectory(at: share, withIntermediateDirectories: true)
            for file in ["selection.policy", "kr-forecast.json"] {
                try fm.copyItem(at: CLI.packageRoot.appendingPathComponent("Models/\(file)"), to: share.appendingPathComponent(file))
            }
        }
        return prefix
    }

    func run(_ binary: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> CLI.Output {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        var env = ProcessInfo.processInfo.environment
        env["TANDEM_MODELS"] = nil
        env["TANDEM_HOME"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    var org: String { CLI.packageRoot.appendingPathComponent("datasets/xinghai/org.yaml").path }

    @Test func theInstalledLayoutIsFound() throws {
        let prefix = try install()
        defer { try? FileManager.default.removeItem(at: prefix) }
        let shipped = prefix.appendingPathComponent("share/tandem/Models/selection.policy").path
        let out = try run(prefix.appendingPathComponent("bin/tandem"), ["diagnose", "--org", org])
        #expect(out.status == 0, "\(out.stderr)")
        // It says which policy it used, in text and in JSON.
        #expect(out.stdout.contains("from \(shipped);"), "\(out.stdout)")
        let json = try run(prefix.appendingPathComponent("bin/tandem"), ["diagnose", "--org", org, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["policy"] as? [String: Any])?["file"] as? String == shipped)
    }

    @Test func tandemHomeNamesWhereTheFilesAre() throws {
        let bare = try install(models: false)
        let home = try install()
        defer {
            try? FileManager.default.removeItem(at: bare)
            try? FileManager.default.removeItem(at: home)
        }
        let binary = bare.appendingPathComponent("bin/tandem")
        // Without the files beside it, nor TANDEM_HOME: the missing file is named.
        let missing = try run(binary, ["diagnose", "--org", org])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Models/selection.policy"), "\(missing.stderr)")
        let found = try run(binary, ["diagnose", "--org", org], environment: ["TANDEM_HOME": home.path])
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.contains("from \(home.appendingPathComponent("share/tandem/Models/selection.policy").path);"), "\(found.stdout)")
        let krs = CLI.packageRoot.appendingPathComponent("datasets/xinghai/krs.csv").path
        let checkins = CLI.packageRoot.appendingPathComponent("datasets/xinghai/checkins.csv").path
        let forecast = try run(binary, ["forecast", "--krs", krs, "--checkins", checkins, "--as-of", "2026-11-18", "--format", "json"],
                               environment: ["TANDEM_HOME": home.path])
        #expect(forecast.status == 0, "\(forecast.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(forecast.stdout.utf8)) as? [String: Any])
        #expect((object["model"] as? [String: Any])?["file"] as? String == home.appendingPathComponent("share/tandem/Models/kr-forecast.json").path)
    }
}
