import TandemCore

/// A region of the attribute space, described and with an example unit.
public struct Region: Sendable, Codable {
    /// Conditions describing it, one per attribute that is restricted: `uncertainty ∈ {low, medium}`.
    public var conditions: [String]
    /// One unit of the region: a value for every attribute.
    public var example: [String: String]
    /// How many cells of the partitioned space it covers.
    public var cells: Double

    public var description: String { conditions.isEmpty ? "every unit" : conditions.joined(separator: ", ") }
}

/// What exact analysis of a policy's decision logic found.
public struct AnalysisReport: Sendable, Codable {
    public struct Overlap: Sendable, Codable { public var rows: [Int]; public var region: Region }
    public struct Shadowed: Sendable, Codable { public var row: Int; public var by: Int }

    /// Regions where no row (and no override) decides.
    public var gaps: [Region] = []
    public var gapCells: Double = 0
    /// Unique tables: regions where two rows match (row numbers from 1).
    public var overlaps: [Overlap] = []
    /// Rows whose condition holds for no unit the overrides leave to the table.
    public var deadRows: [Int] = []
    /// Rows that match somewhere, but never decide (first: an earlier row; priority: a higher one).
    public var shadowedRows: [Shadowed] = []
    public var deadEvidence: [Int] = []
    public var deadOverrides: [Int] = []
    /// Boxes examined; cells in the whole space.
    public var boxes: Int = 0
    public var spaceCells: Double = 0
    /// Some condition does arithmetic on numbers: results come from cell representatives.
    public var approximate = false
    /// Why no analysis was made at all (an attribute cut into more cells than the analysis
    /// handles), in words; nil when it was made.
    public var notAnalysed: String?
    /// The box budget ran out before the whole space was examined: gaps and overlaps listed were
    /// found in the part examined (they are real); dead and shadowed rows are not reported.
    public var stoppedEarly = false
    /// Cells of the space the analysis settled (all of them unless it stopped early).
    public var cellsExamined: Double = 0
    /// The box budget the analysis ran with.
    public var budget: Int = 0
}

/// Exact static analysis of a policy: gaps, overlaps, dead and shadowed rules.
///
/// The space is cut into cells (`AttributeSpace`); boxes of cells are split recursively until
/// every override and row has one answer on the whole box (three-valued evaluation; the lean score
/// as an interval), so the answers hold for every unit in it, without enumerating the space.
public struct PolicyAnalyser: Sendable {
    public let policy: Policy
    public let space: AttributeSpace
    let compiled: CompiledPolicy

    let evidencePrograms: [TriProgram]
    let evidenceWeights: [Double]
    let rowPrograms: [TriProgram?]
    let overridePrograms: [TriProgram]
    /// Attribute slots each row and override depends on (through derived values and the lean
    /// score), and each row directly; computed once, read for every box.
    let rowDependencies: [Set<Int>]
    let rowDirectDependencies: [[Int]]
    let overrideDependencies: [Set<Int>]

    public init(_ policy: Policy, space: AttributeSpace? = nil) {
        self.policy = policy
        let space = space ?? AttributeSpace(policy)
        self.space = space
        self.compiled = CompiledPolicy(policy)
        evidencePrograms = policy.evidence.map { TriProgram($0.condition.expression, policy: policy, space: space) }
        evidenceWeights = policy.evidence.map(\.signedWeight)
        rowPrograms = policy.rows.map { $0.condition.map { TriProgram($0.expression, policy: policy, space: space) } }
        overridePrograms = policy.overrides.map { TriProgram($0.condition.expression, policy: policy, space: space) }
        rowDependencies = policy.rows.map { $0.condition.map { Self.dependencies($0.expression, policy: policy, attributes: space.attributes.count) } ?? [] }
        rowDirectDependencies = policy.rows.map {
            $0.condition.map { Self.dependencies($0.expression, policy: policy, attributes: space.attributes.count, throughLean: false).sorted() } ?? []
        }
        overrideDependencies = policy.overrides.map { Self.dependencies($0.condition.expression, policy: policy, attributes: space.attributes.count) }
    }

    /// Splits a box along the first comparison of the condition that is undecided on it: the
    /// cells that satisfy it, and the others — after which that comparison is settled on both.
    func atomSplit(_ program: TriProgram, _ box: Box) -> (Box, Box)? {
        for op in program.ops {
            guard case .atom(let a, let mask) = op else { continue }
            let here = box.masks[a], hit = here & mask
            if hit != 0 && hit != here {
                var yes = box, no = box
                yes.masks[a] = hit
                no.masks[a] = here & ~mask
                return (yes, no)
            }
        }
        return nil
    }

    /// Splits on the undecided evidence rule of the greatest weight, to narrow the lean score's
    /// interval fastest.
    func leanSplit(_ box: Box, stack: inout [Tri]) -> (Box, Box)? {
        var best = -1, bestWeight = 0.0
        for (i, program) in evidencePrograms.enumerated() where abs(evidenceWeights[i]) > bestWeight {
            if truth(program, box, lean: Interval(lo: 0, hi: 0), stack: &stack) == .maybe {
                best = i
                bestWeight = abs(evidenceWeights[i])
            }
        }
        guard best >= 0 else { return nil }
        return atomSplit(evidencePrograms[best], box)
    }

    /// The lean score's interval over a box: each evidence rule adds its weight when it holds on
    /// the whole box, nothing when it holds nowhere, and either when it may.
    func leanInterval(_ box: Box, stack: inout [Tri]) -> Interval {
        var lo = 0.0, hi = 0.0
        for (i, program) in evidencePrograms.enumerated() {
            let w = evidenceWeights[i]
            switch truth(program, box, lean: Interval(lo: 0, hi: 0), stack: &stack) {
            case .yes: lo += w; hi += w
            case .no: break
            case .maybe: lo += min(0, w); hi += max(0, w)
            }
        }
        return Interval(lo: Lean.exact(lo), hi: Lean.exact(hi))
    }

    enum Tri { case yes, no, maybe }

    struct Interval {
        var lo: Double
        var hi: Double
        var isPoint: Bool { lo == hi }
    }

    // MARK: - Three-valued evaluation over a box

    struct Evaluator {
        let policy: Policy
        let space: AttributeSpace
        let box: Box
        var lean: Interval = Interval(lo: 0, hi: 0)
        var approximate = false

        func cellValues(_ a: Int) -> [Double] {
            var out: [Double] = []
            var m = box.masks[a]
            while m != 0 {
                let k = m.trailingZeroBitCount
                out.append(space.cells[a][k].representative)
                m &= m - 1
            }
            return out
        }

        mutating func truth(_ e: CheckedExpression) -> Tri {
            switch e {
            case .constant(let c): return c != 0 ? .yes : .no
            case .slot(let s) where s < space.attributes.count:
                return all(s) { $0 != 0 }
            case .slot(let s) where s < policy.leanSlot:
                return truth(policy.derived[s - space.attributes.count].expression)
            case .not(let x):
                switch truth(x) { case .yes: return .no; case .no: return .yes; case .maybe: return .maybe }
            case .and(let a, let b):
                let l = truth(a)
                if l == .no { return .no }
                let r = truth(b)
                if r == .no { return .no }
                return l == .yes && r == .yes ? .yes : .maybe
            case .or(let a, let b):
                let l = truth(a)
                if l == .yes { return .yes }
                let r = truth(b)
                if r == .yes { return .yes }
                return l == .no && r == .no ? .no : .maybe
            case .compare(let op, .slot(let s), .constant(let c)) where s < space.attributes.count:
                return all(s) { Self.compare(op, $0, c) }
            case .compare(let op, .constant(let c), .slot(let s)) where s < space.attributes.count:
                return all(s) { Self.compare(op, c, $0) }
            case .member(.slot(let s), let set) where s < space.attributes.count:
                return all(s) { set.contains($0) }
            case .compare(let op, let a, let b):
                guard let x = interval(a), let y = interval(b) else { return .maybe }
                if x.isPoint && y.isPoint { return Self.compare(op, x.lo, y.lo) ? .yes : .no }
                switch op {
                case .lt: return x.hi < y.lo ? .yes : (x.lo >= y.hi ? .no : .maybe)
                case .le: return x.hi <= y.lo ? .yes : (x.lo > y.hi ? .no : .maybe)
                case .gt: return x.lo > y.hi ? .yes : (x.hi <= y.lo ? .no : .maybe)
                case .ge: return x.lo >= y.hi ? .yes : (x.hi < y.lo ? .no : .maybe)
                case .eq: return (x.hi < y.lo || y.hi < x.lo) ? .no : .maybe
                case .ne: return (x.hi < y.lo || y.hi < x.lo) ? .yes : .maybe
                }
            case .member(let x, let set):
                guard let i = interval(x) else { return .maybe }
                if i.isPoint { return set.contains(i.lo) ? .yes : .no }
                return set.contains { $0 >= i.lo && $0 <= i.hi } ? .maybe : .no
            default:
                return .maybe
            }
        }

        /// Whether `test` holds for every cell of attribute `a` in the box, for none, or for some.
        @inline(__always)
        func all(_ a: Int, _ test: (Double) -> Bool) -> Tri {
            var yes = false, no = false
            var m = box.masks[a]
            let cells = space.cells[a]
            while m != 0 {
                if test(cells[m.trailingZeroBitCount].representative) { yes = true } else { no = true }
                if yes && no { return .maybe }
                m &= m - 1
            }
            return yes ? .yes : .no
        }

        static func compare(_ op: ComparisonOperator, _ x: Double, _ y: Double) -> Bool {
            switch op {
            case .eq: x == y
            case .ne: x != y
            case .lt: x < y
            case .le: x <= y
            case .gt: x > y
            case .ge: x >= y
            }
        }

        mutating func interval(_ e: CheckedExpression) -> Interval? {
            switch e {
            case .constant(let c): return Interval(lo: c, hi: c)
            case .slot(let s) where s < space.attributes.count:
                let v = cellValues(s)
                guard let lo = v.min(), let hi = v.max() else { return nil }
                return Interval(lo: lo, hi: hi)
            case .slot(let s) where s == policy.leanSlot: return lean
            case .slot(let s):
                let derived = policy.derived[s - space.attributes.count]
                if derived.type == .boolean {
                    switch truth(derived.expression) { case .yes: return Interval(lo: 1, hi: 1); case .no: return Interval(lo: 0, hi: 0); case .maybe: return Interval(lo: 0, hi: 1) }
                }
                return interval(derived.expression)
            case .negate(let x):
                return interval(x).map { Interval(lo: -$0.hi, hi: -$0.lo) }
            case .arithmetic(let op, let a, let b):
                approximate = true
                guard let x = interval(a), let y = interval(b) else { return nil }
                switch op {
                case .add: return Interval(lo: x.lo + y.lo, hi: x.hi + y.hi)
                case .sub: return Interval(lo: x.lo - y.hi, hi: x.hi - y.lo)
                case .mul:
                    let p = [x.lo * y.lo, x.lo * y.hi, x.hi * y.lo, x.hi * y.hi]
                    return Interval(lo: p.min()!, hi: p.max()!)
                }
            default:
                switch truth(e) { case .yes: return Interval(lo: 1, hi: 1); case .no: return Interval(lo: 0, hi: 0); case .maybe: return Interval(lo: 0, hi: 1) }
            }
        }
    }

    /// Attribute slots an expression depends on (through derived values; lean → every evidence).
    func dependencies(_ e: CheckedExpression, throughLean: Bool = true) -> Set<Int> {
        Self.dependencies(e, policy: policy, attributes: space.attributes.count, throughLean: throughLean)
    }

    static func dependencies(_ e: CheckedExpression, policy: Policy, attributes: Int, throughLean: Bool = true) -> Set<Int> {
        var out = Set<Int>()
        var leanWalked = false
        func walk(_ e: CheckedExpression) {
            switch e {
            case .slot(let s) where s < attributes: out.insert(s)
            case .slot(let s) where s == policy.leanSlot:
                // The evidence once, however often the lean score is named.
                if throughLean && !leanWalked {
                    leanWalked = true
                    for ev in policy.evidence { walk(ev.condition.expression) }
                }
            case .slot(let s): walk(policy.derived[s - attributes].expression)
            case .not(let x), .negate(let x), .member(let x, _): walk(x)
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b): walk(a); walk(b)
            default: break
            }
        }
        walk(e)
        return out
    }

    // MARK: - Analysis

    /// The work an analysis may do before it stops and says so, in rule evaluations (a box
    /// costs one evaluation per evidence rule, override and row): about a second on this
    /// project's machine whatever the policy's size (`PolicyBenchmarks`).
    public static let defaultBudget = 10_000_000

    /// What examining one box costs against the budget.
    var boxCost: Int { max(1, policy.evidence.count + policy.overrides.count + policy.rows.count) }

    /// The most cells one attribute may be cut into (a box holds each attribute's cells as the
    /// bits of a 64-bit mask).
    public static let maximumCells = 64

    /// Why the space cannot be analysed (an attribute with too many cells), or nil.
    public var unanalysable: String? {
        for (a, cells) in space.cells.enumerated() where cells.count > Self.maximumCells {
            return "attribute '\(space.attributes[a].name)' is compared with so many different constants that it falls into \(cells.count) cells; the analysis handles at most \(Self.maximumCells) per attribute"
        }
        return nil
    }

    /// Analyses the decision logic. `maximumExamples` bounds the regions listed per finding;
    /// `budget` the boxes examined (the analysis then stops, and the report says so).
    public func analyse(maximumExamples: Int = 5, budget: Int = PolicyAnalyser.defaultBudget) -> AnalysisReport {
        var walk = AnalysisWalk(self, maximumExamples: maximumExamples, budget: budget)
        guard walk.report.notAnalysed == nil, space.cells.allSatisfy({ !$0.isEmpty }) else { return walk.report }
        walk.run()
        walk.nameDeadAndShadowedRows()
        return walk.finish()
    }

    /// Whether some unit makes the condition true; nil when `budget` boxes did not tell.
    func satisfiable(_ e: CheckedExpression, budget: Int = PolicyAnalyser.defaultBudget) -> Bool? {
        let deps = dependencies(e)
        let program = TriProgram(e, policy: policy, space: space)
        var stack = [Box(all: space)]
        var triStack: [Tri] = []
        var boxes = 0
        let maximumBoxes = max(1, budget / boxCost)
        while let box = stack.popLast() {
            boxes += 1
            if boxes > maximumBoxes { return nil }
            let lean = leanInterval(box, stack: &triStack)
            switch truth(program, box, lean: lean, stack: &triStack) {
            case .yes: return true
            case .no: continue
            case .maybe:
                guard let (low, high) = atomSplit(program, box) ?? leanSplit(box, stack: &triStack) ?? box.halved(along: deps) else { return true }
                stack.append(low)
                stack.append(high)
            }
        }
        return false
    }

    /// An evaluator for a box, with the lean score's interval over the evidence.
    func evaluator(for box: Box) -> Evaluator {
        var ev = Evaluator(policy: policy, space: space, box: box)
        var lo = 0.0, hi = 0.0
        for e in policy.evidence {
            switch ev.truth(e.condition.expression) {
            case .yes: lo += e.signedWeight; hi += e.signedWeight
            case .no: break
            case .maybe: lo += min(0, e.signedWeight); hi += max(0, e.signedWeight)
            }
        }
        ev.lean = Interval(lo: Lean.exact(lo), hi: Lean.exact(hi))
        return ev
    }

    /// The cells of a number attribute as ranges, neighbouring cells merged:
    /// `n < 32 or 223 ≤ n < 481 or n = 615`.
    static func ranges(_ name: String, _ indices: [Int], _ cells: [AttributeSpace.Cell]) -> String {
        func f(_ x: Double) -> String { PolicyFormat.number(x) }
        var runs: [(Int, Int)] = []
        for i in indices {
            if let last = runs.last, last.1 == i - 1 { runs[runs.count - 1].1 = i } else { runs.append((i, i)) }
        }
        return runs.map { i, j in
            if i == j, cells[i].isPoint { return "\(name) = \(f(cells[i].representative))" }
            // Cells alternate points and open intervals: an interval's bounds are its neighbours.
            let lower: String? = cells[i].isPoint ? "\(f(cells[i].representative)) ≤ " : (i > 0 ? "\(f(cells[i - 1].representative)) < " : nil)
            let upper: String? = cells[j].isPoint ? " ≤ \(f(cells[j].representative))" : (j + 1 < cells.count ? " < \(f(cells[j + 1].representative))" : nil)
            switch (lower, upper) {
            case (nil, nil): return "\(name) any"
            case (let l?, nil): return "\(name) " + (l.hasSuffix("≤ ") ? "≥ " : "> ") + l.dropLast(3)  // "32 ≤ " → "n ≥ 32"
            case (nil, let u?): return name + u
            case (let l?, let u?): return l + name + u
            }
        }.joined(separator: " or ")
    }

    /// Describes a box: the restricted attributes, and an example unit.
    func region(_ box: Box) -> Region {
        var conditions: [String] = [], example: [String: String] = [:]
        for (a, attribute) in space.attributes.enumerated() {
            let all = space.cells[a]
            var chosen: [AttributeSpace.Cell] = [], indices: [Int] = []
            var m = box.masks[a]
            while m != 0 { indices.append(m.trailingZeroBitCount); chosen.append(all[m.trailingZeroBitCount]); m &= m - 1 }
            example[attribute.name] = attribute.display(chosen[0].representative)
            if chosen.count < all.count {
                if case .number = attribute.kind {
                    conditions.append(Self.ranges(attribute.name, indices, all))
                } else if chosen.count == 1 {
                    conditions.append("\(attribute.name) = \(chosen[0].label)")
                } else {
                    conditions.append("\(attribute.name) ∈ {\(chosen.map(\.label).joined(separator: ", "))}")
                }
            }
        }
        return Region(conditions: conditions, example: example, cells: box.cells)
    }
}

/// One analysis of a policy's decision logic, as the pipeline it is: walk the attribute space box
/// by box, settling the overrides and then the table on each (splitting a box where an answer is
/// open), then name the rows that never decide (dead or shadowed), the overrides and evidence that
/// never fire.
struct AnalysisWalk {
    typealias Tri = PolicyAnalyser.Tri
    typealias Interval = PolicyAnalyser.Interval
    typealias Evaluator = PolicyAnalyser.Evaluator

    let analyser: PolicyAnalyser
    let maximumExamples: Int
    let budget: Int
    var report = AnalysisReport()
    // Per row: ever true on a box, ever the winner, shadowed by which row; per override: fires.
    var everTrue: [Bool]
    var everWins: [Bool]
    var shadowedBy: [Int?]
    var overrideFires: [Bool]
    var overlapSeen = Set<[Int]>()
    let rowDeps: [[Int]]
    /// Rows in the order they are tried: table order, or by priority (highest first, ties in
    /// table order) with 'otherwise' last; and each row's position in it.
    let order: [Int]
    var positionInOrder: [Int?]
    /// Boxes left, each with the position (in `order`) of the first row not known to be false
    /// on it: rows false on a box are false on its parts, so the parts start there.
    var stack: [(Box, Int)] = []
    var triStack: [Tri] = []

    var policy: Policy { analyser.policy }

    init(_ analyser: PolicyAnalyser, maximumExamples: Int, budget: Int) {
        self.analyser = analyser
        self.maximumExamples = maximumExamples
        self.budget = budget
        let policy = analyser.policy
        report.spaceCells = analyser.space.size
        report.budget = budget
        report.notAnalysed = analyser.unanalysable
        everTrue = [Bool](repeating: false, count: policy.rows.count)
        everWins = everTrue
        shadowedBy = [Int?](repeating: nil, count: policy.rows.count)
        overrideFires = [Bool](repeating: false, count: policy.overrides.count)
        rowDeps = analyser.rowDependencies.map { $0.sorted() }
        order = policy.hitPolicy == .priority
            ? policy.rows.indices.sorted { a, b in
                let pa = policy.rows[a].condition == nil ? -Double.infinity : (policy.rows[a].priority ?? 0)
                let pb = policy.rows[b].condition == nil ? -Double.infinity : (policy.rows[b].priority ?? 0)
                return pa != pb ? pa > pb : a < b
            }
            : Array(policy.rows.indices)
        positionInOrder = [Int?](repeating: nil, count: policy.rows.count)
        for (k, i) in order.enumerated() { positionInOrder[i] = k }
        triStack.reserveCapacity(32)
    }

    /// Walks the space within the budget, box by box.
    mutating func run() {
        stack = [(Box(all: analyser.space), 0)]
        let maximumBoxes = max(1, budget / analyser.boxCost)
        while let (box, firstOpen) = stack.popLast() {
            if report.boxes >= maximumBoxes {
                report.stoppedEarly = true
                report.cellsExamined = report.spaceCells - stack.reduce(box.cells) { $0 + $1.0.cells }
                break
            }
            report.boxes += 1
            let lean = analyser.leanInterval(box, stack: &triStack)
            guard settleOverrides(box, firstOpen: firstOpen, lean: lean) else { continue }
            if policy.hitPolicy != .unique {
                settleFirstHit(box, firstOpen: firstOpen, lean: lean)
            } else {
                settleUnique(box, lean: lean)
            }
        }
        if !report.stoppedEarly { report.cellsExamined = report.spaceCells }
    }

    /// The overrides on a box, in order: the first that holds decides. False when the box is
    /// done with (an override decides it, or it was split), true when the table is to decide.
    mutating func settleOverrides(_ box: Box, firstOpen: Int, lean: Interval) -> Bool {
        var pending = Set<Int>()
        var decidedByOverride: Int?
        for i in policy.overrides.indices {
            let t = analyser.truth(analyser.overridePrograms[i], box, lean: lean, stack: &triStack)
            if t == .yes { decidedByOverride = i; break }
            if t == .maybe { pending.formUnion(analyser.overrideDependencies[i]); break }
        }
        if !pending.isEmpty {
            let blocking = analyser.overridePrograms.indices.first { analyser.truth(analyser.overridePrograms[$0], box, lean: lean, stack: &triStack) == .maybe }
            if let (a, b) = blocking.flatMap({ analyser.atomSplit(analyser.overridePrograms[$0], box) }) ?? box.halved(along: pending) {
                stack.append((a, firstOpen)); stack.append((b, firstOpen))
                return false
            }
        }
        if let i = decidedByOverride, pending.isEmpty {
            overrideFires[i] = true
            return false
        }
        return true
    }

    /// A first-hit (or priority) table on a box: the first row that holds decides, so rows after
    /// it need no answer on this box.
    mutating func settleFirstHit(_ box: Box, firstOpen: Int, lean: Interval) {
        var winner: Int?
        var blocked: Int?
        var position = firstOpen
        while position < order.count {
            let i = order[position]
            let t = analyser.rowPrograms[i].map { analyser.truth($0, box, lean: lean, stack: &triStack) } ?? .yes
            if t == .yes { winner = i; break }
            if t == .maybe { blocked = i; break }
            position += 1
        }
        if let b = blocked {
            // Split first on what the row tests directly; the lean score only after.
            if let (x, y) = analyser.atomSplit(analyser.rowPrograms[b]!, box) ?? analyser.leanSplit(box, stack: &triStack)
                ?? box.halved(along: analyser.rowDirectDependencies[b]) ?? box.halved(along: rowDeps[b]) {
                stack.append((x, position))
                stack.append((y, position))
                return
            }
            // A single cell three-valued evaluation cannot settle: decide it concretely.
            report.approximate = true
            if case .row(let r) = analyser.compiled.decide(representative(box)).origin { winner = Int(r) }
        }
        guard let w = winner else {
            recordGap(box)
            return
        }
        everWins[w] = true
        everTrue[w] = true
        // Rows tried after the winner that hold on the whole box are shadowed by it (checked
        // until each such row has a witness, so the cost fades out).
        if let position = positionInOrder[w] {
            for j in order[(position + 1)...] where !everTrue[j] && policy.rows[j].condition != nil {
                if analyser.truth(analyser.rowPrograms[j]!, box, lean: lean, stack: &triStack) == .yes {
                    everTrue[j] = true
                    shadowedBy[j] = w
                }
            }
        }
    }

    /// A unique table on a box: every row needs its answer (overlaps are what is looked for).
    mutating func settleUnique(_ box: Box, lean: Interval) {
        var truths: [Tri] = []
        var unknown = Set<Int>()
        var firstUnknown: Int?
        for i in policy.rows.indices {
            let t = analyser.rowPrograms[i].map { analyser.truth($0, box, lean: lean, stack: &triStack) } ?? .yes
            truths.append(t)
            if t == .maybe {
                unknown.formUnion(rowDeps[i])
                if firstUnknown == nil { firstUnknown = i }
            }
        }
        if truths.contains(.maybe) {
            // Split on one comparison the first undecided row makes (that row is then settled
            // on both parts), else on the lean score, else in half.
            if let (a, b) = firstUnknown.flatMap({ analyser.atomSplit(analyser.rowPrograms[$0]!, box) }) ?? analyser.leanSplit(box, stack: &triStack)
                ?? box.halved(along: unknown) {
                stack.append((a, 0)); stack.append((b, 0))
                return
            }
            settleConcretely(box, &truths)
        }
        // Every row has one answer on this box.
        let matching = policy.rows.indices.filter { truths[$0] == .yes && policy.rows[$0].condition != nil }
        let otherwise = policy.rows.indices.first { policy.rows[$0].condition == nil }
        for i in matching { everTrue[i] = true }
        if matching.count >= 2, overlapSeen.insert(matching).inserted, report.overlaps.count < maximumExamples * 4 {
            report.overlaps.append(.init(rows: matching.map { $0 + 1 }, region: analyser.region(box)))
        }
        let winner = matching.count == 1 ? matching[0] : (matching.isEmpty ? otherwise : nil)
        if let w = winner {
            everWins[w] = true
            if policy.rows[w].condition == nil { everTrue[w] = true }
        } else if matching.isEmpty {
            recordGap(box)
        }
    }

    /// A single cell that three-valued evaluation cannot settle (arithmetic): its representative
    /// unit decided concretely.
    mutating func settleConcretely(_ box: Box, _ truths: inout [Tri]) {
        report.approximate = true
        var slots = representative(box) + [Double](repeating: 0, count: policy.derived.count + 1)
        slots.withUnsafeMutableBufferPointer { s in
            var stack = [Double](repeating: 0, count: analyser.compiled.maxStack)
            stack.withUnsafeMutableBufferPointer { st in analyser.compiled.prepare(s.baseAddress!, stack: st.baseAddress!) }
        }
        for (i, row) in policy.rows.enumerated() where truths[i] == .maybe {
            var exact = Evaluator(policy: policy, space: analyser.space, box: box)
            exact.lean = Interval(lo: slots[policy.leanSlot], hi: slots[policy.leanSlot])
            truths[i] = exact.truth(row.condition!.expression) == .yes ? .yes : .no
        }
    }

    /// The attribute values of a box's representative unit.
    func representative(_ box: Box) -> [Double] {
        (0..<analyser.space.attributes.count).map { analyser.space.cells[$0][box.masks[$0].trailingZeroBitCount].representative }
    }

    mutating func recordGap(_ box: Box) {
        report.gapCells += box.cells
        if report.gaps.count < maximumExamples { report.gaps.append(analyser.region(box)) }
    }

    /// Rows that never decide: dead (no unit makes them true) or shadowed (earlier rows decide
    /// wherever they hold). Stopped early, only a row whose condition holds for no unit at all
    /// is surely dead: a row not seen to decide may decide in the part not examined.
    mutating func nameDeadAndShadowedRows() {
        for (i, row) in policy.rows.enumerated() {
            guard let condition = row.condition else { continue }
            if report.stoppedEarly {
                if !everTrue[i], analyser.satisfiable(condition.expression, budget: budget) == false { report.deadRows.append(i + 1) }
                continue
            }
            if policy.hitPolicy == .unique {
                if !everTrue[i] { report.deadRows.append(i + 1) }
                continue
            }
            guard !everWins[i] else { continue }
            if let by = shadowedBy[i] {
                report.shadowedRows.append(.init(row: i + 1, by: by + 1))
            } else if analyser.satisfiable(condition.expression, budget: budget) == false {
                report.deadRows.append(i + 1)
            } else {
                // It holds only on boxes where it was never settled alone: the rows above decide
                // there. Name the last winning row tried before it.
                let earlier = order.prefix { $0 != i }.filter { everWins[$0] }
                report.shadowedRows.append(.init(row: i + 1, by: (earlier.last ?? i) + 1))
            }
        }
    }

    /// Overrides and evidence that never fire (satisfiability on its own), and the report.
    mutating func finish() -> AnalysisReport {
        for i in policy.overrides.indices where !overrideFires[i] {
            if analyser.satisfiable(policy.overrides[i].condition.expression, budget: budget) == false { report.deadOverrides.append(i + 1) }
        }
        for (i, e) in policy.evidence.enumerated() where analyser.satisfiable(e.condition.expression, budget: budget) == false {
            report.deadEvidence.append(i + 1)
        }
        report.overlaps = Array(report.overlaps.prefix(maximumExamples * 4))
        return report
    }
}
