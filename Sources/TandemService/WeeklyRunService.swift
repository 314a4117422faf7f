import Foundation
import TandemCore
import TandemEngine
import TandemForecast
import TandemPolicy
import TandemStore

/// What a weekly run is asked to do.
public struct WeeklyRunRequest: Sendable {
    public var day: Day
    /// The policy and model files (already resolved: see ``ShippedFiles``).
    public var policyPath: String
    public var modelPath: String
    /// Recalibrate the model on the store's key results closed before the day, when there are enough.
    public var recalibrate: Bool
    /// Run even when the day lies more than ``WeeklyRunService/futureMargin`` days after the
    /// latest check-in.
    public var force: Bool

    public init(day: Day, policyPath: String, modelPath: String, recalibrate: Bool = true, force: Bool = false) {
        self.day = day
        self.policyPath = policyPath
        self.modelPath = modelPath
        self.recalibrate = recalibrate
        self.force = force
    }
}

/// What a weekly run did.
public struct WeeklyRunOutcome: Sendable {
    public var day: Day
    /// The files used.
    public var policyPath: String
    public var modelPath: String
    /// The policy's name and version.
    public var policyTitle: String
    /// The decisions, observations and skipped key results; nil when nothing was run.
    public var run: WeeklyRun?
    /// What the store recorded; nil when nothing was run.
    public var record: RunRecord?
    /// Set when the day is already recorded and the store has moved on to this later run:
    /// nothing was done.
    public var movedOnTo: Day?
    /// The recalibration the model got, when it got one.
    public var recalibration: Recalibration?
    /// How many times it was computed (more than once when another writer changed the store meanwhile).
    public var attempts: Int

    /// Ledger events recorded, counted by kind.
    public var eventCounts: [LedgerEventKind: Int] {
        var counts: [LedgerEventKind: Int] = [:]
        for e in record?.events ?? [] { counts[e.kind, default: 0] += 1 }
        return counts
    }
}

/// Progress of a run, for a front end to show.
public enum WeeklyRunProgress: Sendable {
    /// Forecasting: done of total open key results.
    case forecasting(done: Int, total: Int)
    /// The store changed while computing (another run, an import): computing again.
    case computingAgain(attempt: Int)
}

/// The weekly run: decide every unit, forecast every open key result, evaluate the alert rules,
/// decide the ledger's transitions, and record it all in one transaction.
public enum WeeklyRunService {
    /// How far past the latest check-in a run may be dated without `force`.
    public static let futureMargin = 31
    /// How often a run computes again when another writer changed the store meanwhile.
    public static let attempts = 5

    /// Runs as of `request.day` on `store`.
    ///
    /// The policy and model are read once; the store at every attempt, at one moment
    /// (``Store/runBasis(day:)``), and the run is recorded only if the store is still as read;
    /// otherwise it is computed again (up to ``attempts`` times).
    public static func run(_ request: WeeklyRunRequest, store: any Store,
                           progress: (@Sendable (WeeklyRunProgress) -> Void)? = nil) throws(ServiceError) -> WeeklyRunOutcome {
        let policy = try Inputs.policy(request.policyPath)
        let trained = try Inputs.model(request.modelPath).model
        let day = request.day
        var outcome = WeeklyRunOutcome(day: day, policyPath: request.policyPath, modelPath: request.modelPath, policyTitle: policy.title,
                                       run: nil, record: nil, movedOnTo: nil, recalibration: nil, attempts: 0)
        for attempt in 1...attempts {
            outcome.attempts = attempt
            let basis: RunBasis
            do { basis = try store.runBasis(day: day) } catch { throw .store(error) }
            guard let organisation = basis.dataset.organisation else {
                throw .refused("the store holds no organisation; run `tandem import` first", location: store.location)
            }
            if attempt == 1 && !request.force { try refuseFarFuture(day, basis.dataset, store: store) }
            // An earlier week that is already recorded: nothing to do (the ledger has moved on).
            if let latest = basis.latestRun, latest > day, basis.dayRecorded {
                outcome.movedOnTo = latest
                return outcome
            }
            let binding = try Inputs.bind(organisation, to: policy)
            // The organisation's own history, when it has enough: recalibrated on the key results
            // closed before this run (as `tandem forecast` does).
            let calibrated = request.recalibrate ? trained.recalibrated(on: History(basis.dataset), closedBefore: day) : nil
            let weekly = WeeklyRun.run(dataset: basis.dataset, policy: policy.compiled, binding: binding, model: calibrated ?? trained,
                                       day: day, previous: basis.previous.pSuccess, previousDay: basis.previous.day) { done, total in
                progress?(.forecasting(done: done, total: total))
            }
            let write = RunWrite(
                day: day, policy: policy.title, model: request.modelPath,
                decisions: weekly.decisions.map {
                    StoredDecision(day: day, unitID: $0.unitID, mode: $0.mode, outcome: $0.outcome?.description,
                                   outcomeValue: $0.outcome.flatMap(Self.json), lean: $0.lean)
                },
                forecasts: weekly.observations.map { StoredForecast(day: day, keyResultID: $0.keyResultID, pSuccess: $0.pSuccess, progress: $0.progress, elapsed: $0.elapsed) },
                transitions: Ledger.transitions(live: basis.liveAlerts, observations: weekly.observations, day: day),
                policyVersion: PolicyVersion(name: policy.policy.name, version: policy.policy.version, text: policy.text))
            do {
                outcome.record = try store.recordRun(write, generation: basis.generation)
                outcome.run = weekly
                outcome.recalibration = calibrated?.recalibration
                return outcome
            } catch where error.changedSinceRead {
                // Another run, an import or an acknowledgement wrote in between: what was
                // computed may be stale. Computed again after a short, growing, random pause.
                guard attempt < attempts else { break }
                progress?(.computingAgain(attempt: attempt + 1))
                Backoff.pause(attempt)
            } catch {
                throw .store(error)
            }
        }
        throw .refused("the store kept changing while the run was computed (\(attempts) attempts: other runs, imports or acknowledgements wrote meanwhile); try again",
                       location: store.location)
    }

    /// An outcome as the JSON the store keeps beside its text. Its numbers are shares the policy
    /// checker bounded to 0–1, so encoding cannot fail; were it to, the decision keeps its text.
    static func json(_ outcome: Outcome) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(OutcomeValue(outcome))).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A run dated far past the data is almost always a typo (2062 for 2026); it would resolve
    /// every alert and lock the store's earlier weeks.
    static func refuseFarFuture(_ day: Day, _ dataset: Dataset, store: any Store) throws(ServiceError) {
        let latestCheckIn = dataset.checkIns.checkIns.map(\.date).max()
        let latestStart = dataset.keyResults.keyResults.map(\.cycle.start).max()
        guard let latest = latestCheckIn ?? latestStart else { return }
        if day > latest.advanced(by: futureMargin) {
            throw .refused("--as-of \(day) lies \(latest.distance(to: day).grouped) days after the store's latest \(latestCheckIn == nil ? "cycle start" : "check-in") (\(latest)); a run then would resolve every alert, and later runs could not go back.",
                           note: "check the date; to run that far ahead anyway, add --force (`tandem runs undo` takes a run back)",
                           location: store.location)
        }
    }
}
