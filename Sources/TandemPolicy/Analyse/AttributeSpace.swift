/// The attribute space of a policy cut into finitely many cells, so that analysis can be exact:
/// each level, enumeration value and yes/no value is a cell; a number attribute is cut at every
/// constant the policy compares it with (below the first, each constant itself, between two
/// neighbours, above the last). Within a cell every comparison of the attribute with one of
/// those constants has one answer, so a cell's representative value stands for all of it.
public struct AttributeSpace: Sendable {
    public struct Cell: Sendable, Hashable {
        /// The value standing for the cell (a slot value).
        public var representative: Double
        /// How the cell reads: `high`, `true`, `< 15`, `= 15`, `15 … 40`.
        public var label: String
        /// Whether the cell is a single value (a level, an enumeration or boolean value, a
        /// number the policy compares with) rather than an open interval between two of them.
        public var isPoint: Bool = true
    }

    public let attributes: [AttributeDefinition]
    public let cells: [[Cell]]

    public init(_ policy: Policy) { self.init([policy]) }

    /// The space cut at the constants of several policies over the same schema (for diffs).
    public init(_ policies: [Policy]) {
        let policy = policies[0]
        attributes = policy.attributes
        var constants = [Set<Double>](repeating: [], count: policy.attributes.count)
        func collect(_ e: CheckedExpression) {
            switch e {
            case .compare(_, .slot(let s), .constant(let c)), .compare(_, .constant(let c), .slot(let s)):
                if s < policy.attributes.count { constants[s].insert(c) }
            case .member(.slot(let s), let values):
                if s < policy.attributes.count { constants[s].formUnion(values) }
            default: break
            }
            switch e {
            case .not(let x), .negate(let x), .member(let x, _): collect(x)
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b): collect(a); collect(b)
            default: break
            }
        }
        for policy in policies {
            for d in policy.derived { collect(d.expression) }
            for e in policy.evidence { collect(e.condition.expression) }
            for r in policy.rows { if let c = r.condition { collect(c.expression) } }
            for o in policy.overrides { collect(o.condition.expression) }
        }
        cells = policy.attributes.enumerated().map { i, a in
            switch a.kind {
            case .level(let v), .enumeration(let v):
                return v.enumerated().map { Cell(representative: Double($0.offset), label: $0.element) }
            case .boolean:
                return [Cell(representative: 0, label: "false"), Cell(representative: 1, label: "true")]
            case .number(let lo, let hi):
                let low = lo ?? -Double.greatestFiniteMagnitude, high = hi ?? Double.greatestFiniteMagnitude
                let cuts = constants[i].filter { $0 >= low && $0 <= high }.sorted()
                func f(_ x: Double) -> String { PolicyFormat.number(x) }
                var out: [Cell] = []
                if cuts.isEmpty {
                    return [Cell(representative: lo ?? hi ?? 0, label: "any", isPoint: false)]
                }
                if cuts[0] > low { out.append(Cell(representative: lo.map { ($0 + cuts[0]) / 2 } ?? cuts[0] - 1, label: "< \(f(cuts[0]))", isPoint: false)) }
                for (k, c) in cuts.enumerated() {
                    out.append(Cell(representative: c, label: "= \(f(c))"))
                    if k + 1 < cuts.count {
                        out.append(Cell(representative: (c + cuts[k + 1]) / 2, label: "\(f(c)) … \(f(cuts[k + 1]))", isPoint: false))
                    }
                }
                if cuts[cuts.count - 1] < high {
                    out.append(Cell(representative: hi.map { ($0 + cuts[cuts.count - 1]) / 2 } ?? cuts[cuts.count - 1] + 1, label: "> \(f(cuts[cuts.count - 1]))", isPoint: false))
                }
                return out
            }
        }
    }

    /// The cell of attribute `a` that holds slot value `v`. Cells are in ascending order of
    /// their representatives, points and intervals alternating for numbers, so a value that is
    /// no cell's representative lies strictly between two neighbours and belongs to whichever of
    /// them is an interval. A value outside the attribute's range gets the nearest end cell.
    public func cell(of v: Double, attribute a: Int) -> Int {
        let cells = self.cells[a]
        if let exact = cells.firstIndex(where: { $0.representative == v }) { return exact }
        let j = cells.firstIndex { $0.representative > v } ?? cells.count
        if j < cells.count, !cells[j].isPoint { return j }
        if j > 0, !cells[j - 1].isPoint { return j - 1 }
        if j == 0 { return 0 }
        if j == cells.count { return cells.count - 1 }
        return v - cells[j - 1].representative <= cells[j].representative - v ? j - 1 : j
    }

    /// Number of cells in the whole space (saturating).
    public var size: Double { cells.reduce(1.0) { $0 * Double($1.count) } }
}

/// A box of the attribute space: for each attribute, a set of its cells (a bitmask).
struct Box: Hashable {
    var masks: [UInt64]

    func count(_ a: Int) -> Int { masks[a].nonzeroBitCount }

    /// Every cell of the space.
    init(all space: AttributeSpace) {
        masks = space.cells.map { $0.count == 64 ? UInt64.max : (UInt64(1) << UInt64($0.count)) - 1 }
    }

    init(masks: [UInt64]) { self.masks = masks }

    /// Cells in the box.
    var cells: Double { masks.reduce(1.0) { $0 * Double($1.nonzeroBitCount) } }

    /// The box cut in two along the candidate attribute with the most cells (the first such in
    /// schema order, so the analysis is deterministic); nil when none has more than one cell.
    func halved(along candidates: Set<Int>) -> (Box, Box)? { halved(along: candidates.sorted()) }

    /// The same, for candidates already in ascending order (no allocation).
    func halved(along candidates: [Int]) -> (Box, Box)? {
        var best = -1, bestCount = 1
        for a in candidates {
            let c = count(a)
            if c > bestCount { best = a; bestCount = c }
        }
        guard best >= 0 else { return nil }
        let a = best
        var low = self, high = self
        var m = masks[a]
        var taken: UInt64 = 0
        for _ in 0..<(m.nonzeroBitCount / 2) { let bit = m & (~m + 1); taken |= bit; m &= m - 1 }
        low.masks[a] = taken
        high.masks[a] = masks[a] & ~taken
        return (low, high)
    }
}
