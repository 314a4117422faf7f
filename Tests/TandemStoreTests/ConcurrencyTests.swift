import Foundation
import Testing
import TandemCore
@testable import TandemEngine
@testable import TandemStore
import TandemTestSupport

/// Two writers at once, each on its own connection, many times: the ledger is the one that the
/// runs actually recorded would give one after the other, never a duplicated or lost event.
@Suite("Concurrent writers, on both backends")
struct ConcurrencyTests {
    static let start = Day(iso: "2026-10-05")!

    /// What the alert rules observe on a day: a pattern that opens, escalates, improves and
    /// resolves alerts as the days go by.
    static func observations(_ day: Day) -> [Observation] {
        let w = Int(day.ordinal - start.ordinal)
        let severities: [AlertSeverity?] = [nil, .warning, .critical, .info, .warning, nil, .critical]
        return (1...3).map { k in
            let severity = severities[(w + 2 * k) % severities.count]
            return observe("KR-\(k)", severity, p: severity == nil ? 0.9 : 0.1 + Double((w + k) % 5) / 10)
        }
    }

    /// A run as the service records it: computed from one reading, recorded only if the store
    /// is still as read, computed again otherwise. Nil when refused (runs go forward).
    static func writeRun(_ store: any Store, _ day: Day) throws -> RunRecord? {
        for _ in 1...50 {
            let basis = try store.runBasis(day: day)
            let observations = Self.observations(day)
            let write = RunWrite(day: day, policy: "p", model: "m", decisions: [],
                                 forecasts: observations.map { StoredForecast(day: day, keyResultID: $0.keyResultID, pSuccess: $0.pSuccess, progress: $0.progress, elapsed: $0.elapsed) },
                                 transitions: Ledger.transitions(live: basis.liveAlerts, observations: observations, day: day), policyVersion: nil)
            let failure: StoreError
            do { return try store.recordRun(write, generation: basis.generation) } catch { failure = error }
            if failure.kind == .refused && failure.message.contains("runs go forward") { return nil }
            guard failure.changedSinceRead else { throw failure }
            usleep(UInt32.random(in: 100...2_000))
        }
        Issue.record("a run kept finding the store changed")
        return nil
    }

    /// An event as content: kind, key result, severity, day, reasons.
    static func words(_ events: [LedgerEvent]) -> [String] {
        events.map { "\($0.day) \($0.keyResultID) \($0.kind.rawValue) \($0.severity.rawValue) \($0.reasons)" }
    }

    @Test(arguments: Backend.allCases) func pairsOfRunsAtOnceNeverDuplicateOrLoseEvents(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        let pairs = 16
        for pair in 0..<pairs {
            // Even pairs: the same day twice; odd pairs: two successive days, in either order.
            let first = Self.start.advanced(by: 2 * pair)
            let days = pair % 2 == 0 ? [first, first] : [first.advanced(by: 1), first].shuffled()
            let writers = try days.map { _ in try scratch.open(.readWrite) }
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                do { _ = try Self.writeRun(writers[i], days[i]) } catch { failures.add("\(error)") }
            }
            for w in writers { try w.close() }
            #expect(failures.list.isEmpty, "\(failures.list)")
        }
        // The reference: the days recorded, one after the other, on a new store.
        let (reference, referenceScratch) = try makeStore(backend)
        defer { try? reference.close(); referenceScratch.remove() }
        let recorded = try store.runs().map(\.day)
        #expect(recorded.count >= pairs)
        for day in recorded { _ = try Self.writeRun(reference, day) }
        let events = try store.events()
        #expect(Self.words(events) == Self.words(try reference.events()))
        #expect(Set(events.map(\.id)).count == events.count)
        #expect(try store.alerts().map { "\($0.keyResultID) \($0.status) \($0.severity)" }
                == (try reference.alerts().map { "\($0.keyResultID) \($0.status) \($0.severity)" }))
    }

    @Test(arguments: Backend.allCases) func anImportDuringRunsIsNeverOverwrittenNorLost(_ backend: Backend) throws {
        let (store, scratch) = try makeStore(backend)
        defer { try? store.close(); scratch.remove() }
        let rounds = 10
        for round in 0..<rounds {
            let writer = try scratch.open(.readWrite), importer = try scratch.open(.readWrite)
            let failures = Failures()
            let day = Self.start.advanced(by: round)
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                do {
                    if i == 0 {
                        _ = try Self.writeRun(writer, day)
                    } else {
                        // A check-in for each key result, of this round.
                        let checkIns = (1...3).map { CheckIn(keyResultID: "KR-\($0)", date: day, value: Double(round), confidence: nil, target: nil) }
                        var table = try importer.loadDataset().keyResults
                        table.locations = table.keyResults.map { _ in SourceLocation(file: "t", line: 0, column: 0) }
                        _ = try importer.importDataset(Dataset(organisation: nil, keyResults: table,
                                                               checkIns: CheckInLog(checkIns: checkIns, ranges: [0..<1, 1..<2, 2..<3])),
                                                       files: ["round \(round)"])
                    }
                } catch { failures.add("\(error)") }
            }
            try writer.close()
            try importer.close()
            #expect(failures.list.isEmpty, "\(failures.list)")
        }
        let counts = try store.counts()
        #expect(counts.checkIns == 3 * rounds)
        #expect(counts.runs == rounds)
        #expect(counts.imports == rounds + 1)
    }
}
