import TandemCore

/// Everything the forecast may know about key results: the dataset, indexed for as-of queries.
/// Every query takes a day and uses only check-ins dated up to it and key results whose cycle
/// ended before it.
public struct History: Sendable {
    public let dataset: Dataset
    /// Per key result: check-in elapsed shares, progress (against the target in force then),
    /// dates, confidences; sorted by date.
    let krs: [KeyResult]
    /// Track records: for each unit and owner, closed key results as (cycle end, achieved),
    /// sorted by end, with prefix sums of successes; looked up once per key result.
    private let unitRecordOf: [Record?]
    private let ownerRecordOf: [Record?]
    /// Every closed key result of the organisation, for the rate units and owners are pooled toward.
    private let organisationRecord: Record
    /// How many pseudo-observations of the organisation's record a unit's or owner's record
    /// starts from (partial pooling: a unit with four closed key results weighs half its own).
    public static let poolingStrength = 4.0
    /// Per key result: its unit's current mode and uncertainty (looked up once).
    let modeOf: [Mode?]
    let uncertaintyOf: [Double?]
    /// The unit's management mode today (`current_mode` in the organisation), if given.
    let modes: [String: Mode]
    /// Key results of the same unit and cycle, for peer features.
    let peers: [[Int]]
    /// The unit's business uncertainty (`uncertainty` in the organisation: low, medium, high) as
    /// 0, 0.5, 1: how well its mode fits depends on it.
    let uncertainty: [String: Double]

    struct Record: Sendable {
        var ends: [Int32]
        var successes: [Int32]   // prefix sums: successes[i] = achieved among the first i
        var margins: [Double]    // prefix sums of (final progress − success threshold), clamped to ±1

        /// Closed before `day` (cycle end strictly earlier): (count, achieved, sum of margins).
        func before(_ day: Day) -> (Int, Int, Double) {
            var lo = 0, hi = ends.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if ends[mid] < day.ordinal { lo = mid + 1 } else { hi = mid }
            }
            return (lo, Int(successes[lo]), margins[lo])
        }
    }

    public init(_ dataset: Dataset) {
        self.dataset = dataset
        self.krs = dataset.keyResults.keyResults
        var unit: [String: [(Int32, Bool, Double)]] = [:], owner: [String: [(Int32, Bool, Double)]] = [:]
        for (i, kr) in krs.enumerated() {
            guard let success = dataset.isSuccess(keyResult: i), let final = kr.finalValue else { continue }
            let margin = min(1, max(-1, kr.progress(of: final, target: dataset.currentTarget(ofKeyResult: i)) - kr.kind.successThreshold))
            unit[kr.unitID, default: []].append((kr.cycle.end.ordinal, success, margin))
            if let o = kr.owner { owner[o, default: []].append((kr.cycle.end.ordinal, success, margin)) }
        }
        func records(_ m: [String: [(Int32, Bool, Double)]]) -> [String: Record] {
            m.mapValues { list in
                // Ordered by every field, not the end alone: the prefix sums of margins then add
                // up in one order whatever the dictionaries' order, and the forecast is the same
                // number in every process (floating-point sums depend on their order).
                let sorted = list.sorted { ($0.0, $0.1 ? 1 : 0, $0.2) < ($1.0, $1.1 ? 1 : 0, $1.2) }
                var prefix: [Int32] = [0], margins: [Double] = [0]
                for (_, s, m) in sorted {
                    prefix.append(prefix.last! + (s ? 1 : 0))
                    margins.append(margins.last! + m)
                }
                return Record(ends: sorted.map(\.0), successes: prefix, margins: margins)
            }
        }
        let unitRecords = records(unit), ownerRecords = records(owner)
        organisationRecord = records(["": unit.values.flatMap { $0 }])[""] ?? Record(ends: [], successes: [0], margins: [0])
        unitRecordOf = krs.map { unitRecords[$0.unitID] }
        ownerRecordOf = krs.map { kr in kr.owner.flatMap { ownerRecords[$0] } }
        let context = History.unitContext(dataset.organisation)
        let (modes, uncertainty) = (context.modes, context.uncertainty)
        self.modes = modes
        self.uncertainty = uncertainty
        modeOf = krs.map { modes[$0.unitID] }
        uncertaintyOf = krs.map { uncertainty[$0.unitID] }
        // Peers share the unit and the cycle start, so a what-if deadline shift keeps them.
        struct Group: Hashable { var unit: String; var start: Int32 }
        var groups: [Group: [Int]] = [:]
        for (i, kr) in krs.enumerated() { groups[Group(unit: kr.unitID, start: kr.cycle.start.ordinal), default: []].append(i) }
        var peers = [[Int]](repeating: [], count: krs.count)
        for (_, members) in groups { for i in members { peers[i] = members.filter { $0 != i } } }
        self.peers = peers
    }

    /// The key results of the same unit and cycle start as key result `k`.
    public func peers(of k: Int) -> [Int] { peers[k] }

    /// Each unit's management mode today (`current_mode`) and business uncertainty
    /// (`uncertainty`: low, medium, high as 0, 0.5, 1), as the organisation gives them.
    public static func unitContext(_ organisation: Organisation?) -> UnitContext {
        var modes: [String: Mode] = [:], uncertainty: [String: Double] = [:]
        guard let org = organisation else { return UnitContext(modes: modes, uncertainty: uncertainty) }
        for u in org.units {
            if let m = org.attribute("current_mode", of: u.id).flatMap({ Mode(rawValue: $0.value.text) }) { modes[u.id] = m }
            if let level = org.attribute("uncertainty", of: u.id)?.value.text,
               let v = ["low": 0.0, "medium": 0.5, "high": 1.0][level] { uncertainty[u.id] = v }
        }
        return UnitContext(modes: modes, uncertainty: uncertainty)
    }

    /// The latest progress (against the target in force) and confidence of a key result as of a day.
    func latest(_ index: Int, asOf day: Day) -> (progress: Double?, confidence: Double?) {
        let kr = krs[index]
        var target = kr.targetValue
        var progress: Double?, confidence: Double?
        for c in dataset.checkIns.checkIns(ofKeyResult: index) {
            guard c.date <= day else { break }
            if let t = c.target { target = t }
            progress = kr.progress(of: c.value, target: target)
            if let conf = c.confidence { confidence = conf }
        }
        return (progress, confidence)
    }

    /// Track record of key result `k`'s unit before a day: (closed, achieved, sum of final margins).
    func unitRecord(ofKeyResult k: Int, before day: Day) -> (Int, Int, Double) { unitRecordOf[k]?.before(day) ?? (0, 0, 0) }

    /// Track record of key result `k`'s owner before a day.
    func ownerRecord(ofKeyResult k: Int, before day: Day) -> (Int, Int, Double) { ownerRecordOf[k]?.before(day) ?? (0, 0, 0) }

    /// A track record partially pooled toward the organisation's before the same day: the rate
    /// (achieved + m·r₀) / (closed + m) and the mean margin (Σ + m·μ₀) / (closed + m), where r₀
    /// and μ₀ are the organisation's (r₀ itself from one pseudo-success in two).
    func pooled(_ record: (Int, Int, Double), before day: Day) -> (rate: Double, margin: Double) {
        let org = organisationRecord.before(day)
        let m = History.poolingStrength
        let baseRate = (Double(org.1) + 1) / (Double(org.0) + 2)
        let baseMargin = org.0 > 0 ? org.2 / Double(org.0) : 0
        return ((Double(record.1) + m * baseRate) / (Double(record.0) + m),
                (record.2 + m * baseMargin) / (Double(record.0) + m))
    }
}

/// Each unit's management mode today and business uncertainty (0 low, 0.5 medium, 1 high), by unit id.
public struct UnitContext: Sendable {
    public var modes: [String: Mode]
    public var uncertainty: [String: Double]
}
