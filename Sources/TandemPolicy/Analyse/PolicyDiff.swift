import TandemCore

/// Where two versions of a policy decide differently, over the whole attribute space (exact, by
/// the same box splitting as the analysis) — independent of any organisation.
public struct RegionDiff: Sendable, Codable {
    public struct Change: Sendable, Codable {
        public var old: String
        public var new: String
        public var region: Region
    }

    /// Up to a bound of example regions, each with the old and new outcome.
    public var changes: [Change] = []
    /// Cells of the partitioned space decided differently, and in all.
    public var changedCells: Double = 0
    public var spaceCells: Double = 0
    /// The schemas differ (attribute names, kinds or values): no region diff was made.
    public var schemaDifference: String?
}

extension PolicyAnalyser {
    /// Visits boxes on which this policy's decision is settled: the outcome (nil: no decision),
    /// splitting as needed. Boxes come from within `box`.
    func settled(within box: Box, visit: (Box, Outcome?) -> Void) {
        var stack = [box]
        let rowDeps = policy.rows.map { $0.condition.map { dependencies($0.expression) } ?? [] }
        let overrideDeps = policy.overrides.map { dependencies($0.condition.expression) }
        var triStack: [Tri] = []
        while let box = stack.popLast() {
            let lean = leanInterval(box, stack: &triStack)
            var unknown = Set<Int>()
            var decided: Outcome??
            for (i, o) in policy.overrides.enumerated() {
                let t = truth(overridePrograms[i], box, lean: lean, stack: &triStack)
                if t == .yes { decided = .some(o.outcome); break }
                if t == .maybe { unknown = overrideDeps[i]; break }
            }
            if decided == nil && unknown.isEmpty {
                var truths: [Tri] = []
                for i in policy.rows.indices {
                    let t = rowPrograms[i].map { truth($0, box, lean: lean, stack: &triStack) } ?? .yes
                    truths.append(t)
                    if t == .maybe { unknown.formUnion(rowDeps[i]) }
                }
                if unknown.isEmpty {
                    let matching = policy.rows.indices.filter { truths[$0] == .yes && policy.rows[$0].condition != nil }
                    let otherwise = policy.rows.indices.first { policy.rows[$0].condition == nil }
                    var winner: Int?
                    switch policy.hitPolicy {
                    case .unique: winner = matching.count == 1 ? matching[0] : (matching.isEmpty ? otherwise : nil)
                    case .first: winner = policy.rows.indices.first { truths[$0] == .yes }
                    case .priority:
                        winner = matching.max { (policy.rows[$0].priority ?? 0, -$0) < (policy.rows[$1].priority ?? 0, -$1) } ?? otherwise
                    }
                    decided = .some(winner.map { policy.rows[$0].outcome })
                }
            }
            if let d = decided { visit(box, d); continue }
            guard let (low, high) = box.halved(along: unknown) else {
                // A cell three-valued evaluation cannot settle: decide its representative unit.
                let values = (0..<space.attributes.count).map { space.cells[$0][box.masks[$0].trailingZeroBitCount].representative }
                visit(box, compiled.outcome(of: compiled.decide(values)))
                continue
            }
            stack += [low, high]
        }
    }

    /// The regions where `other` decides differently from this policy.
    public static func diff(_ old: Policy, _ new: Policy, maximumExamples: Int = 10) -> RegionDiff {
        var result = RegionDiff()
        let sameSchema = old.attributes.count == new.attributes.count && zip(old.attributes, new.attributes).allSatisfy {
            $0.name == $1.name && $0.kind == $1.kind
        }
        guard sameSchema else {
            let oldNames = Set(old.attributes.map(\.name)), newNames = Set(new.attributes.map(\.name))
            var parts: [String] = []
            if !newNames.subtracting(oldNames).isEmpty { parts.append("added \(newNames.subtracting(oldNames).sorted().joined(separator: ", "))") }
            if !oldNames.subtracting(newNames).isEmpty { parts.append("removed \(oldNames.subtracting(newNames).sorted().joined(separator: ", "))") }
            if parts.isEmpty { parts.append("attributes changed type, values or order") }
            result.schemaDifference = parts.joined(separator: "; ")
            return result
        }
        let space = AttributeSpace([old, new])
        guard space.cells.allSatisfy({ $0.count <= 64 && !$0.isEmpty }) else { return result }
        result.spaceCells = space.size
        let a = PolicyAnalyser(old, space: space), b = PolicyAnalyser(new, space: space)
        let full = Box(all: space)
        a.settled(within: full) { box, oldOutcome in
            b.settled(within: box) { inner, newOutcome in
                guard oldOutcome != newOutcome else { return }
                result.changedCells += inner.cells
                if result.changes.count < maximumExamples {
                    result.changes.append(.init(old: oldOutcome?.description ?? "no decision", new: newOutcome?.description ?? "no decision",
                                                region: a.region(inner)))
                }
            }
        }
        return result
    }
}
