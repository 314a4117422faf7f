/// Counts that describe a loaded dataset: what `tandem validate` prints.
public struct DatasetSummary: Sendable, Codable, Equatable {
    public struct Units: Sendable, Codable, Equatable {
        public var count: Int
        public var roots: Int
        public var depth: Int
        /// Number of units at each depth, from 1.
        public var perLevel: [Int]
        public var attributes: [String]
    }

    public struct KindCount: Sendable, Codable, Equatable {
        public var kind: String
        public var total: Int
        public var closed: Int
        /// Closed key results that reached the kind's success threshold.
        public var achieved: Int
    }

    public struct KeyResults: Sendable, Codable, Equatable {
        public var count: Int
        public var objectives: Int
        public var open: Int
        public var closed: Int
        public var byKind: [KindCount]
        public var decreasing: Int
        public var cycles: [String]
        public var owners: Int
    }

    public struct CheckIns: Sendable, Codable, Equatable {
        public var count: Int
        public var keyResultsWithout: Int
        public var perKeyResultMin: Int
        public var perKeyResultMedian: Double
        public var perKeyResultMean: Double
        public var perKeyResultMax: Int
        public var withConfidence: Int
        public var rescoped: Int
        public var firstDate: Day?
        public var lastDate: Day?
    }

    public var units: Units?
    public var keyResults: KeyResults?
    public var checkIns: CheckIns?

    /// Summarises what was loaded; parts whose file was not given are `nil`.
    public init(_ dataset: Dataset, hasKeyResults: Bool, hasCheckIns: Bool) {
        if let org = dataset.organisation {
            var perLevel = [Int](repeating: 0, count: org.depth)
            for d in org.depths { perLevel[d - 1] += 1 }
            let attributes = Set(org.units.flatMap(\.attributes.keys)).sorted()
            units = Units(count: org.units.count, roots: org.roots.count, depth: org.depth,
                          perLevel: perLevel, attributes: attributes)
        }
        if hasKeyResults {
            let krs = dataset.keyResults.keyResults
            let byKind = KeyResultKind.allCases.map { kind -> KindCount in
                let ofKind = krs.indices.filter { krs[$0].kind == kind }
                let closed = ofKind.filter { krs[$0].isClosed }
                return KindCount(kind: kind.rawValue, total: ofKind.count, closed: closed.count,
                                 achieved: closed.filter { dataset.isSuccess(keyResult: $0) == true }.count)
            }
            let cycles = Set(krs.map(\.cycle)).sorted { ($0.start, $0.end) < ($1.start, $1.end) }.map(\.description)
            keyResults = KeyResults(
                count: krs.count, objectives: dataset.objectives.count,
                open: krs.filter { !$0.isClosed }.count, closed: krs.filter(\.isClosed).count,
                byKind: byKind, decreasing: krs.filter { $0.direction == .decrease }.count,
                cycles: cycles, owners: Set(krs.compactMap(\.owner)).count)
        }
        if hasCheckIns {
            let log = dataset.checkIns
            let perKR = log.ranges.map(\.count).sorted()
            let median: Double
            if perKR.isEmpty {
                median = 0
            } else if perKR.count % 2 == 1 {
                median = Double(perKR[perKR.count / 2])
            } else {
                median = Double(perKR[perKR.count / 2 - 1] + perKR[perKR.count / 2]) / 2
            }
            checkIns = CheckIns(
                count: log.checkIns.count, keyResultsWithout: perKR.filter { $0 == 0 }.count,
                perKeyResultMin: perKR.first ?? 0, perKeyResultMedian: median,
                perKeyResultMean: perKR.isEmpty ? 0 : Double(log.checkIns.count) / Double(perKR.count),
                perKeyResultMax: perKR.last ?? 0,
                withConfidence: log.checkIns.filter { $0.confidence != nil }.count,
                rescoped: log.checkIns.filter { $0.target != nil }.count,
                firstDate: log.checkIns.map(\.date).min(), lastDate: log.checkIns.map(\.date).max())
        }
    }
}
