import Foundation
import Testing
import TandemCore
import TandemService
import TandemStore
import TandemTestSupport

/// The project's root, for the bundled sample and the shipped policy and model.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let sample = root.appendingPathComponent("datasets/xinghai").path
let policy = root.appendingPathComponent("Models/selection.policy").path
let model = root.appendingPathComponent("Models/kr-forecast.json").path
let weeks = ["2026-10-07", "2026-10-14", "2026-10-21", "2026-10-28", "2026-11-04", "2026-11-11", "2026-11-18"].map { Day(iso: $0)! }

/// The bundled sample imported into a new store of `backend`.
func sampleStore(_ backend: Backend) throws -> Scratch {
    let scratch = try backend.scratch()
    _ = try StoreService.importFiles(ImportRequest(organisation: sample + "/org.yaml", keyResults: sample + "/krs.csv", checkIns: sample + "/checkins.csv"),
                                     into: scratch.location)
    return scratch
}

func weeklyRun(_ location: String, _ day: Day) throws -> WeeklyRunOutcome {
    let store = try StoreService.open(location, access: .readWrite)
    defer { try? store.close() }
    return try WeeklyRunService.run(WeeklyRunRequest(day: day, policyPath: policy, modelPath: model), store: store)
}

@Suite("The service on both backends", .serialized)
struct ParityTests {
    /// The sample, imported and run week by week, gives the same ledger on SQLite and on
    /// PostgreSQL: event for event (numbers included), alert for alert, decision for decision.
    @Test func theSampleWeekByWeekGivesTheSameLedgerOnBothBackends() throws {
        let sqlite = try sampleStore(.sqlite), postgres = try sampleStore(.postgres)
        defer { sqlite.remove(); postgres.remove() }
        for day in weeks + [weeks.last!] {
            let a = try weeklyRun(sqlite.location, day), b = try weeklyRun(postgres.location, day)
            #expect(a.record?.events == b.record?.events, "\(day)")
            #expect(a.record?.rerun == b.record?.rerun)
        }
        let s = try sqlite.open(.readOnly), p = try postgres.open(.readOnly)
        defer { try? s.close(); try? p.close() }
        let events = try s.events()
        #expect(events.count > 500)
        #expect(events == (try p.events()))
        #expect(try s.alerts() == p.alerts())
        #expect(try s.decisions(day: nil) == p.decisions(day: nil))
        #expect(try s.forecasts(keyResult: nil, day: weeks[3]) == p.forecasts(keyResult: nil, day: weeks[3]))
        #expect(try s.runs() == p.runs())
        #expect(try s.counts() == p.counts())
        #expect(try s.loadDataset().keyResults.keyResults == p.loadDataset().keyResults.keyResults)
        let (cs, cp) = (try s.content(), try p.content())
        for table in cs.rows.keys.sorted() {
            let (a, b) = (cs.rows[table] ?? [], cp.rows[table] ?? [])
            #expect(a == b, "table \(table): \(a.count) and \(b.count) rows; first difference \(String(describing: zip(a, b).first { $0 != $1 }))")
        }
        #expect(cs.digest == cp.digest)
        // Undoing and acknowledging, the same on both.
        let ws = try sqlite.open(.readWrite), wp = try postgres.open(.readWrite)
        defer { try? ws.close(); try? wp.close() }
        #expect(try LedgerService.undoLatestRun(store: ws, day: nil) == LedgerService.undoLatestRun(store: wp, day: nil))
        let id = try #require(try ws.alerts(AlertFilter(status: .open)).first?.id)
        let ackS = try LedgerService.acknowledge(store: ws, alert: id, note: "负责人已跟进", day: nil)
        let ackP = try LedgerService.acknowledge(store: wp, alert: id, note: "负责人已跟进", day: nil)
        #expect(ackS.alert == ackP.alert)
        #expect(try ws.events() == wp.events())
        #expect(try ws.digest() == wp.digest())
    }

    /// Two weekly runs at once, on the same store: of the same day, or of successive days in
    /// either order. Each pair ends as if the runs recorded had run one after the other.
    @Test(arguments: Backend.allCases) func twoRunsAtOnceEndAsIfOneAfterTheOther(_ backend: Backend) throws {
        let reference = try sampleStore(backend)
        defer { reference.remove() }
        for day in weeks.prefix(4) { _ = try weeklyRun(reference.location, day) }
        let expected = try reference.open(.readOnly).events()
        for (first, second) in [(weeks[0], weeks[0]), (weeks[1], weeks[0])] {
            let scratch = try sampleStore(backend)
            defer { scratch.remove() }
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                do { _ = try weeklyRun(scratch.location, i == 0 ? first : second) } catch {
                    // The earlier day, after the later one recorded: refused in words, never recorded.
                    if case .store(let e) = error as? ServiceError, e.message.contains("runs go forward") { return }
                    failures.add("\(error)")
                }
            }
            #expect(failures.list.isEmpty, "\(failures.list)")
            // Whatever order they landed in, the weeks after continue as the reference does.
            for day in weeks.prefix(4) where day > max(first, second) { _ = try weeklyRun(scratch.location, day) }
            let store = try scratch.open(.readOnly)
            defer { try? store.close() }
            let recorded = try store.runs().map(\.day)
            if recorded.contains(weeks[0]) && recorded.contains(weeks[1]) {
                #expect(try store.events().map(\.reasons) == expected.map(\.reasons))
            } else {
                // Only the later day was recorded (the earlier one came second and was refused).
                #expect(recorded == [weeks[1], weeks[2], weeks[3]])
            }
            #expect(Set(try store.events().map(\.id)).count == (try store.events()).count)
        }
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ text: String) { lock.lock(); items.append(text); lock.unlock() }
    var list: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
