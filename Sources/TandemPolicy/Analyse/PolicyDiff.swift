import TandemCore

/// Where two versions of a policy decide differently, over the whole attribute space (exact, by
/// the same box splitting as the analysis) — independent of any organisation.
public struct RegionDiff: Sendable, Codable {
    public struct Change: Sendable, Codable {
        /// The outcomes under the old and the new version (nil: no decision).
        public var old: OutcomeValue?
        public var new: OutcomeValue?
        public var region: Region
    }

    /// Up to a bound of example regions, each with the old and new outcome.
    public var changes: [Change] = []
    /// Cells of the partitioned space decided differently, and in all.
    public var changedCells: Double = 0
    public var spaceCells: Double = 0
    /// The schemas differ (attribute names, kinds or values): no region diff was made.
    public var schemaDifference: String?
    /// Why no region diff was made otherwise (an attribute with too many cells).
    public var notAnalysed: String?
    /// The box budget ran out: the regions listed are real, but others may differ too.
    public var stoppedEarly = false
    /// Rule evaluations spent, and cells of the space settled for both versions.
    public var work = 0
    public var cellsExamined: Double = 0
}

/// A count of boxes left to examine, shared by nested walks.
final class BoxBudget {
    var left: Int
    init(_ left: Int) { self.left = left }
}

extension PolicyAnalyser {
    /// Visits boxes on which this policy's decision is settled: the outcome (nil: no decision),
    /// splitting as needed. Boxes come from within `box`.
    ///
    /// - Parameter budget: boxes that may still be examined, counted down (shared by nested
    ///   walks); when it reaches 0 the walk stops and returns false (true: every box within was
    ///   settled).
    @discardableResult
    func settled(within box: Box, budget: BoxBudget, visit: (Box, Outcome?) -> Void) -> Bool {
        var stack = [box]
        let rowDeps = rowDependencies, overrideDeps = overrideDependencies
        var triStack: [Tri] = []
        while let box = stack.popLast() {
            if budget.left <= 0 { return false }
            budget.left -= boxCost
            let lean = leanInterval(box, stack: &triStack)
            var unknown = Set<Int>()
            var decided: Outcome??
            // The program to split on: the first override or row still undecided on the box.
            var undecided: TriProgram?
            for (i, o) in policy.overrides.enumerated() {
                let t = truth(overridePrograms[i], box, lean: lean, stack: &triStack)
                if t == .yes { decided = .some(o.outcome); break }
                if t == .maybe { unknown = overrideDeps[i]; undecided = overridePrograms[i]; break }
            }
            if decided == nil && unknown.isEmpty && policy.hitPolicy == .first {
                // First hit: only the rows up to the first that holds or may hold matter.
                for i in policy.rows.indices {
                    let t = rowPrograms[i].map { truth($0, box, lean: lean, stack: &triStack) } ?? .yes
                    if t == .yes { decided = .some(policy.rows[i].outcome); break }
                    if t == .maybe { unknown = rowDeps[i]; undecided = rowPrograms[i]; break }
                }
                if decided == nil && unknown.isEmpty { decided = .some(nil) }
            } else if decided == nil && unknown.isEmpty {
                var truths: [Tri] = []
                for i in policy.rows.indices {
                    let t = rowPrograms[i].map { truth($0, box, lean: lean, stack: &triStack) } ?? .yes
                    truths.append(t)
                    if t == .maybe {
                        unknown.formUnion(rowDeps[i])
                        if undecided == nil { undecided = rowPrograms[i] }
                    }
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
            guard let (low, high) = undecided.flatMap({ atomSplit($0, box) }) ?? leanSplit(box, stack: &triStack) ?? box.halved(along: unknown) else {
                // A cell three-valued evaluation cannot settle: decide its representative unit.
                let values = (0..<space.attributes.count).map { space.cells[$0][box.masks[$0].trailingZeroBitCount].representative }
                visit(box, compiled.outcome(of: compiled.decide(values)))
                continue
            }
            stack += [low, high]
        }
        return true
    }

    /// The regions where `other` decides differently from this policy.
    public static func diff(_ old: Policy, _ new: Policy, maximumExamples: Int = 10,
                            budget: Int = PolicyAnalyser.defaultBudget) -> RegionDiff {
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
        result.spaceCells = space.size
        let a = PolicyAnalyser(old, space: space), b = PolicyAnalyser(new, space: space)
        if let why = a.unanalysable {
            result.notAnalysed = why
            return result
        }
        guard space.cells.allSatisfy({ !$0.isEmpty }) else { return result }
        let full = Box(all: space)
        let boxes = BoxBudget(budget)
        let complete = a.settled(within: full, budget: boxes) { box, oldOutcome in
            b.settled(within: box, budget: boxes) { inner, newOutcome in
                result.cellsExamined += inner.cells
                guard oldOutcome != newOutcome else { return }
                result.changedCells += inner.cells
                if result.changes.count < maximumExamples {
                    result.changes.append(.init(old: oldOutcome.map(OutcomeValue.init), new: newOutcome.map(OutcomeValue.init),
                                                region: a.region(inner)))
                }
            }
        }
        result.work = budget - max(0, boxes.left)
        result.stoppedEarly = !complete || boxes.left <= 0 && result.cellsExamined < result.spaceCells
        return result
    }
}
