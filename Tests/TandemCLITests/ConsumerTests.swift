import Foundation
import Testing

/// The example program that uses only the library products (Examples/Consumer) works end to end.
@Suite("A program built on the library products")
struct ConsumerTests {
    @Test func theConsumerExampleImportsRunsAndReads() throws {
        let binary = CLI.binary.deletingLastPathComponent().appendingPathComponent("tandem-consumer-example")
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-consumer-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["datasets/xinghai", db]
        process.currentDirectoryURL = CLI.packageRoot
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("imported 42 units, 2078 key results"))
        #expect(text.contains("2026-11-18: 414 forecast"))
        #expect(text.contains("rd: okr(cycle: quarterly"))
        // The store it wrote is one the command line reads.
        let alerts = try CLI.run(["alerts", "--db", db, "--unit", "rd", "--severity", "critical"])
        #expect(alerts.status == 0 && alerts.stdout.contains("CRITICAL"))
    }
}
