/// A checked policy compiled to a flat form for fast evaluation: conditions become either a run
/// of simple tests (`slot op constant`, or a set-membership bitmask) or a short postfix program
/// over a small stack; everything lives in a few contiguous arrays. Deciding a unit allocates
/// nothing.
public struct CompiledPolicy: Sendable {
    public let policy: Policy
    /// Outcomes of the overrides, then of the rows.
    public let outcomes: [Outcome]

    struct Compiled: Sendable {
        enum Kind: UInt8, Sendable { case always, tests, program }
        var kind: Kind
        var start: Int32
        var end: Int32
    }

    struct Test: Sendable {
        enum Op: UInt8, Sendable { case eq, ne, lt, le, gt, ge, member, isTrue, isFalse }
        var slot: Int32
        var op: Op
        var constant: Double
        var mask: UInt64
    }

    struct Instruction: Sendable {
        enum Op: UInt8, Sendable {
            case constant, slot, fact, not, negate, and, or, eq, ne, lt, le, gt, ge, add, sub, mul, member
        }
        var op: Op
        var a: Int32 = 0
        var b: Int32 = 0
        var value: Double = 0
    }

    var tests: [Test] = []
    var code: [Instruction] = []
    var constants: [Double] = []
    var maxStack = 1

    var derived: [Compiled] = []
    var evidence: [Compiled] = []
    var evidenceWeights: [Double] = []
    var overrides: [Compiled] = []
    var rows: [Compiled] = []
    var rowIsOtherwise: [Bool] = []
    var rowPriority: [Double] = []
    var otherwiseRow: Int32 = -1
    let hitPolicy: HitPolicy
    let attributeCount: Int
    let slotCount: Int
    let leanSlot: Int
    /// Conjunct-level compiled conditions, for explanations: [rule][conjunct].
    var evidenceConjuncts: [[Compiled]] = []
    var rowConjuncts: [[Compiled]] = []
    var overrideConjuncts: [[Compiled]] = []
    var alerts: [Compiled] = []
    /// The constants the table compares the lean score with, ascending: the boundaries a
    /// margin is measured to.
    var leanThresholds: [Double] = []

    /// The attribute space cut into cells, for counterfactuals.
    public let space: AttributeSpace

    public init(_ policy: Policy) {
        self.policy = policy
        self.space = AttributeSpace(policy)
        self.hitPolicy = policy.hitPolicy
        self.attributeCount = policy.attributes.count
        self.slotCount = policy.slotCount
        self.leanSlot = policy.leanSlot
        self.outcomes = policy.overrides.map(\.outcome) + policy.rows.map(\.outcome)
        // A yes/no derived value that is a conjunction of simple tests runs as tests, like a condition.
        for d in policy.derived { derived.append(d.type == .boolean ? condition(d.expression) : program(d.expression)) }
        for e in policy.evidence {
            evidence.append(condition(e.condition.expression))
            evidenceWeights.append(e.signedWeight)
            evidenceConjuncts.append(e.condition.conjuncts.map { condition($0.expression) })
        }
        for o in policy.overrides {
            overrides.append(condition(o.condition.expression))
            overrideConjuncts.append(o.condition.conjuncts.map { condition($0.expression) })
        }
        for (i, r) in policy.rows.enumerated() {
            if let c = r.condition {
                rows.append(condition(c.expression))
                rowConjuncts.append(c.conjuncts.map { condition($0.expression) })
                rowIsOtherwise.append(false)
            } else {
                rows.append(Compiled(kind: .always, start: 0, end: 0))
                rowConjuncts.append([])
                rowIsOtherwise.append(true)
                if otherwiseRow < 0 { otherwiseRow = Int32(i) }
            }
            rowPriority.append(r.priority ?? -.infinity)
        }
        // Alert conditions always go through the postfix program: facts are not slots.
        for a in policy.alerts { alerts.append(program(a.condition.expression)) }
        var thresholds = Set<Double>()
        func collect(_ e: CheckedExpression) {
            switch e {
            case .compare(_, .slot(let s), .constant(let c)) where s == policy.leanSlot: thresholds.insert(c)
            case .compare(_, .constant(let c), .slot(let s)) where s == policy.leanSlot: thresholds.insert(c)
            case .not(let x), .negate(let x), .member(let x, _): collect(x)
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b):
                collect(a); collect(b)
            default: break
            }
        }
        for row in policy.rows { if let c = row.condition { collect(c.expression) } }
        leanThresholds = thresholds.sorted()
    }

    // MARK: - Compilation

    private mutating func condition(_ e: CheckedExpression) -> Compiled {
        var simple: [Test] = []
        if collectTests(e, into: &simple) {
            let start = Int32(tests.count)
            tests += simple
            return Compiled(kind: .tests, start: start, end: Int32(tests.count))
        }
        return program(e)
    }

    /// Whether `e` is a conjunction of simple tests; appends them.
    private func collectTests(_ e: CheckedExpression, into out: inout [Test]) -> Bool {
        switch e {
        case .and(let a, let b):
            return collectTests(a, into: &out) && collectTests(b, into: &out)
        case .slot(let s):
            out.append(Test(slot: Int32(s), op: .isTrue, constant: 0, mask: 0))
            return true
        case .not(.slot(let s)):
            out.append(Test(slot: Int32(s), op: .isFalse, constant: 0, mask: 0))
            return true
        case .compare(let op, .slot(let s), .constant(let c)):
            out.append(Test(slot: Int32(s), op: Self.code(op), constant: c, mask: 0))
            return true
        case .compare(let op, .constant(let c), .slot(let s)):
            out.append(Test(slot: Int32(s), op: Self.code(Self.flipped(op)), constant: c, mask: 0))
            return true
        case .member(.slot(let s), let values) where values.allSatisfy({ $0 >= 0 && $0 < 64 && $0 == $0.rounded() }):
            var mask: UInt64 = 0
            for v in values { mask |= 1 << UInt64(v) }
            out.append(Test(slot: Int32(s), op: .member, constant: 0, mask: mask))
            return true
        default:
            return false
        }
    }

    /// The compiled code of a comparison, for tests and for instructions alike.
    private static func code<Code: ComparisonCodes>(_ op: ComparisonOperator) -> Code {
        switch op {
        case .eq: .eq
        case .ne: .ne
        case .lt: .lt
        case .le: .le
        case .gt: .gt
        case .ge: .ge
        }
    }

    private static func flipped(_ op: ComparisonOperator) -> ComparisonOperator {
        switch op {
        case .lt: .gt
        case .le: .ge
        case .gt: .lt
        case .ge: .le
        default: op
        }
    }

    private mutating func program(_ e: CheckedExpression) -> Compiled {
        let start = Int32(code.count)
        var depth = 0, peak = 0
        func emit(_ i: Instruction, _ delta: Int) {
            code.append(i)
            depth += delta
            peak = max(peak, depth)
        }
        func walk(_ e: CheckedExpression) {
            switch e {
            case .constant(let v): emit(Instruction(op: .constant, value: v), 1)
            case .slot(let s): emit(Instruction(op: .slot, a: Int32(s)), 1)
            case .fact(let f): emit(Instruction(op: .fact, a: Int32(KeyResultFact.allCases.firstIndex(of: f)!)), 1)
            case .not(let x): walk(x); emit(Instruction(op: .not), 0)
            case .negate(let x): walk(x); emit(Instruction(op: .negate), 0)
            case .and(let a, let b): walk(a); walk(b); emit(Instruction(op: .and), -1)
            case .or(let a, let b): walk(a); walk(b); emit(Instruction(op: .or), -1)
            case .compare(let op, let a, let b):
                walk(a); walk(b)
                emit(Instruction(op: Self.code(op)), -1)
            case .arithmetic(let op, let a, let b):
                walk(a); walk(b)
                emit(Instruction(op: op == .add ? .add : (op == .sub ? .sub : .mul)), -1)
            case .member(let x, let values):
                walk(x)
                let s = Int32(constants.count)
                constants += values
                emit(Instruction(op: .member, a: s, b: Int32(constants.count)), 0)
            }
        }
        walk(e)
        maxStack = max(maxStack, peak)
        return Compiled(kind: .program, start: start, end: Int32(code.count))
    }

    // MARK: - Evaluation

    @inline(__always)
    func run(_ c: Compiled, _ slots: UnsafeMutablePointer<Double>, facts: UnsafePointer<Double>?,
             stack: UnsafeMutablePointer<Double>) -> Double {
        switch c.kind {
        case .always:
            return 1
        case .tests:
            return tests.withUnsafeBufferPointer { t in
                var i = Int(c.start)
                let end = Int(c.end)
                while i < end {
                    let test = t[i]
                    let v = slots[Int(test.slot)]
                    let pass: Bool
                    switch test.op {
                    case .eq: pass = v == test.constant
                    case .ne: pass = v != test.constant
                    case .lt: pass = v < test.constant
                    case .le: pass = v <= test.constant
                    case .gt: pass = v > test.constant
                    case .ge: pass = v >= test.constant
                    case .member: pass = v >= 0 && v < 64 && (test.mask >> UInt64(v)) & 1 == 1
                    case .isTrue: pass = v != 0
                    case .isFalse: pass = v == 0
                    }
                    if !pass { return 0 }
                    i += 1
                }
                return 1
            }
        case .program:
            return code.withUnsafeBufferPointer { code in
                var sp = 0
                var i = Int(c.start)
                let end = Int(c.end)
                while i < end {
                    let ins = code[i]
                    switch ins.op {
                    case .constant: stack[sp] = ins.value; sp += 1
                    case .slot: stack[sp] = slots[Int(ins.a)]; sp += 1
                    case .fact: stack[sp] = facts?[Int(ins.a)] ?? .nan; sp += 1
                    case .not: stack[sp - 1] = stack[sp - 1] == 0 ? 1 : 0
                    case .negate: stack[sp - 1] = -stack[sp - 1]
                    case .and: sp -= 1; stack[sp - 1] = (stack[sp - 1] != 0 && stack[sp] != 0) ? 1 : 0
                    case .or: sp -= 1; stack[sp - 1] = (stack[sp - 1] != 0 || stack[sp] != 0) ? 1 : 0
                    case .eq: sp -= 1; stack[sp - 1] = stack[sp - 1] == stack[sp] ? 1 : 0
                    case .ne: sp -= 1; stack[sp - 1] = stack[sp - 1] != stack[sp] ? 1 : 0
                    case .lt: sp -= 1; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0
                    case .le: sp -= 1; stack[sp - 1] = stack[sp - 1] <= stack[sp] ? 1 : 0
                    case .gt: sp -= 1; stack[sp - 1] = stack[sp - 1] > stack[sp] ? 1 : 0
                    case .ge: sp -= 1; stack[sp - 1] = stack[sp - 1] >= stack[sp] ? 1 : 0
                    case .add: sp -= 1; stack[sp - 1] += stack[sp]
                    case .sub: sp -= 1; stack[sp - 1] -= stack[sp]
                    case .mul: sp -= 1; stack[sp - 1] *= stack[sp]
                    case .member:
                        let v = stack[sp - 1]
                        var found = false
                        var k = Int(ins.a)
                        while k < Int(ins.b) {
                            if constants[k] == v { found = true; break }
                            k += 1
                        }
                        stack[sp - 1] = found ? 1 : 0
                    }
                    i += 1
                }
                return stack[0]
            }
        }
    }

    /// Fills derived values and the lean score into `slots` (attributes already there).
    @inline(__always)
    func prepare(_ slots: UnsafeMutablePointer<Double>, stack: UnsafeMutablePointer<Double>) {
        derived.withUnsafeBufferPointer { derived in
            for i in 0..<derived.count {
                slots[attributeCount + i] = run(derived[i], slots, facts: nil, stack: stack)
            }
        }
        var lean = 0.0
        evidence.withUnsafeBufferPointer { evidence in
            evidenceWeights.withUnsafeBufferPointer { weights in
                for i in 0..<evidence.count where run(evidence[i], slots, facts: nil, stack: stack) != 0 {
                    lean += weights[i]
                }
            }
        }
        slots[leanSlot] = Lean.exact(lean)
    }

    /// Chooses the row or override given prepared slots.
    @inline(__always)
    func choose(_ slots: UnsafeMutablePointer<Double>, stack: UnsafeMutablePointer<Double>) -> Decision {
        let lean = slots[leanSlot]
        for (i, o) in overrides.enumerated() where run(o, slots, facts: nil, stack: stack) != 0 {
            return Decision(outcome: Int32(i), lean: lean, origin: .override(Int32(i)))
        }
        let base = Int32(overrides.count)
        switch hitPolicy {
        case .first:
            let hit: Int? = rows.withUnsafeBufferPointer { rows in
                for i in 0..<rows.count where run(rows[i], slots, facts: nil, stack: stack) != 0 { return i }
                return nil
            }
            if let i = hit { return Decision(outcome: base + Int32(i), lean: lean, origin: .row(Int32(i))) }
        case .unique:
            var found: Int32 = -1
            for (i, r) in rows.enumerated() where !rowIsOtherwise[i] && run(r, slots, facts: nil, stack: stack) != 0 {
                if found >= 0 { return Decision(outcome: -1, lean: lean, origin: .conflict(found, Int32(i))) }
                found = Int32(i)
            }
            if found >= 0 { return Decision(outcome: base + found, lean: lean, origin: .row(found)) }
            if otherwiseRow >= 0 { return Decision(outcome: base + otherwiseRow, lean: lean, origin: .row(otherwiseRow)) }
        case .priority:
            var best: Int32 = -1
            for (i, r) in rows.enumerated() where !rowIsOtherwise[i] && run(r, slots, facts: nil, stack: stack) != 0 {
                if best < 0 || rowPriority[i] > rowPriority[Int(best)] { best = Int32(i) }
            }
            if best >= 0 { return Decision(outcome: base + best, lean: lean, origin: .row(best)) }
            if otherwiseRow >= 0 { return Decision(outcome: base + otherwiseRow, lean: lean, origin: .row(otherwiseRow)) }
        }
        return Decision(outcome: -1, lean: lean, origin: .noMatch)
    }

    /// Decides one unit from its attribute values (one per schema attribute, in order).
    ///
    /// - Precondition: `attributes.count == policy.attributes.count`.
    public func decide(_ attributes: UnsafeBufferPointer<Double>) -> Decision {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: slotCount) { slots in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStack) { stack in
                let s = slots.baseAddress!
                for i in 0..<attributeCount { s[i] = attributes[i] }
                prepare(s, stack: stack.baseAddress!)
                return choose(s, stack: stack.baseAddress!)
            }
        }
    }

    /// Decides one unit from its attribute values.
    public func decide(_ attributes: [Double]) -> Decision {
        attributes.withUnsafeBufferPointer { decide($0) }
    }

    /// The outcome a decision points to.
    public func outcome(of decision: Decision) -> Outcome? {
        decision.outcome >= 0 ? outcomes[Int(decision.outcome)] : nil
    }
}

/// The result of deciding one unit: which outcome, from where, and the lean score.
public struct Decision: Sendable, Hashable {
    public enum Origin: Sendable, Hashable {
        /// A hard constraint decided (index into `policy.overrides`).
        case override(Int32)
        /// A table row decided (index into `policy.rows`).
        case row(Int32)
        /// No row matched and the table has no `otherwise`: a gap in the policy.
        case noMatch
        /// Two rows of a unique table matched: an overlap in the policy.
        case conflict(Int32, Int32)
    }

    /// Index into `CompiledPolicy.outcomes`, or -1.
    public var outcome: Int32
    /// Sum of the evidence: positive leans toward OKR, negative toward KPI.
    public var lean: Double
    public var origin: Origin
}

extension CompiledPolicy {
    /// The alert rules that fire for one key result: its unit's attribute values and the
    /// key-result facts (one value per `KeyResultFact`, in its case order; NaN when unknown, and
    /// a comparison with NaN is false, so a rule on a missing fact does not fire).
    ///
    /// - Returns: indices into `policy.alerts`.
    public func firingAlerts(attributes: UnsafeBufferPointer<Double>, facts: UnsafeBufferPointer<Double>) -> [Int] {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: slotCount) { slotBuffer in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStack) { stackBuffer in
                let slots = slotBuffer.baseAddress!, stack = stackBuffer.baseAddress!
                for i in 0..<attributeCount { slots[i] = attributes[i] }
                prepare(slots, stack: stack)
                var firing: [Int] = []
                for (i, a) in alerts.enumerated() where run(a, slots, facts: facts.baseAddress, stack: stack) != 0 {
                    firing.append(i)
                }
                return firing
            }
        }
    }
}

/// Op-code enumerations with a case for each comparison (enum cases meet the requirements).
protocol ComparisonCodes {
    static var eq: Self { get }
    static var ne: Self { get }
    static var lt: Self { get }
    static var le: Self { get }
    static var gt: Self { get }
    static var ge: Self { get }
}

extension CompiledPolicy.Test.Op: ComparisonCodes {}
extension CompiledPolicy.Instruction.Op: ComparisonCodes {}

/// The lean score is a sum of decimal weights, and binary floating point gets such sums a few
/// units in the last place wrong (0.3 − 0.1 − 0.2 is −2.8e-17, not 0), which would tip a
/// comparison with a threshold the wrong way. Sums are rounded to a millionth: exact for
/// weights written with up to six decimals (every weight is at most 1000, so even ten thousand
/// of them stay far inside a double's exact integers once scaled).
enum Lean {
    @inline(__always)
    static func exact(_ sum: Double) -> Double {
        let r = (sum * 1e6).rounded() / 1e6
        return r == 0 ? 0 : r  // never −0, which prints as "-0"
    }
}
