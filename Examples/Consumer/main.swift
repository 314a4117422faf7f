// A program another package could write: it uses nothing but Tandem's library products
// (plain imports, no @testable), through the service's async entry points, as a server would.
//
//   swift run tandem-consumer-example datasets/xinghai /tmp/consumer.db
//
// It imports the sample into a fresh store, runs two weeks, and prints the critical alerts of
// one unit with the decision that unit got.
import Foundation
import TandemCore
import TandemService
import TandemStore

@main
struct ConsumerExample {
    static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        guard arguments.count == 2, let folder = arguments.first, let location = arguments.last else {
            print("usage: tandem-consumer-example SAMPLE_FOLDER STORE_FILE")
            exit(64)
        }
        let service = TandemService()
        do {
            try? FileManager.default.removeItem(atPath: location)
            let imported = try await service.importFiles(
                ImportRequest(organisation: "\(folder)/org.yaml", keyResults: "\(folder)/krs.csv", checkIns: "\(folder)/checkins.csv"),
                into: location)
            print("imported \(imported.counts.units) units, \(imported.counts.keyResults) key results")
            let store = try await service.openStore(location, access: .readWrite)
            defer { try? store.close() }
            for day in ["2026-11-11", "2026-11-18"] {
                guard let date = Day(iso: day) else { continue }
                let request = WeeklyRunRequest(day: date, policyPath: service.shipped.policy(), modelPath: service.shipped.model())
                let run = try await service.weeklyRun(request, store: store)
                let opened = run.eventCounts[.opened] ?? 0
                print("\(day): \(run.run?.observations.count ?? 0) forecast, \(opened) alerts opened")
            }
            let critical = try await service.alerts(store: store, filter: AlertFilter(unit: "rd", severity: .critical))
            for a in critical.prefix(3) { print("#\(a.id) \(a.keyResultID) P(success) \(String(format: "%.2f", a.pSuccess))") }
            let decisions = try await service.decisions(of: store)
            if let rd = decisions.first(where: { $0.unitID == "rd" }) { print("rd: \(rd.outcome ?? "no decision")") }
        } catch {
            print(error)
            exit(1)
        }
    }
}
