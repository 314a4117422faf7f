/// A condition compiled for three-valued evaluation over boxes: comparisons of an attribute with
/// a constant become bitmasks of the cells that satisfy them, so settling a comparison on a box is
/// one AND of two words. What does not compile (arithmetic, comparisons between expressions)
/// falls back to the tree evaluator.
struct TriProgram: Sendable {
    enum Op: Sendable {
        case atom(attribute: Int, mask: UInt64)
        case lean(ComparisonOperator, Double, leanOnLeft: Bool)
        case and, or, not
        /// Index into `generic`.
        case generic(Int)
    }

    var ops: [Op] = []
    /// Conditions the masks cannot express, evaluated by the tree evaluator.
    var generic: [CheckedExpression] = []

    init(_ e: CheckedExpression, policy: Policy, space: AttributeSpace) {
        compile(e, policy, space)
    }

    private mutating func compile(_ e: CheckedExpression, _ policy: Policy, _ space: AttributeSpace) {
        let count = space.attributes.count
        func mask(_ a: Int, _ test: (Double) -> Bool) -> UInt64 {
            var m: UInt64 = 0
            for (k, cell) in space.cells[a].enumerated() where test(cell.representative) { m |= 1 << UInt64(k) }
            return m
        }
        switch e {
        case .slot(let s) where s < count:
            ops.append(.atom(attribute: s, mask: mask(s) { $0 != 0 }))
        case .slot(let s) where s < policy.leanSlot && policy.derived[s - count].type == .boolean:
            compile(policy.derived[s - count].expression, policy, space)
        case .compare(let op, .slot(let s), .constant(let c)) where s < count:
            ops.append(.atom(attribute: s, mask: mask(s) { PolicyAnalyser.Evaluator.compare(op, $0, c) }))
        case .compare(let op, .constant(let c), .slot(let s)) where s < count:
            ops.append(.atom(attribute: s, mask: mask(s) { PolicyAnalyser.Evaluator.compare(op, c, $0) }))
        case .member(.slot(let s), let set) where s < count:
            ops.append(.atom(attribute: s, mask: mask(s) { set.contains($0) }))
        case .compare(let op, .slot(let s), .constant(let c)) where s == policy.leanSlot:
            ops.append(.lean(op, c, leanOnLeft: true))
        case .compare(let op, .constant(let c), .slot(let s)) where s == policy.leanSlot:
            ops.append(.lean(op, c, leanOnLeft: false))
        case .and(let a, let b):
            compile(a, policy, space); compile(b, policy, space); ops.append(.and)
        case .or(let a, let b):
            compile(a, policy, space); compile(b, policy, space); ops.append(.or)
        case .not(let x):
            compile(x, policy, space); ops.append(.not)
        case .constant(let c):
            ops.append(.atom(attribute: 0, mask: c != 0 ? UInt64.max : 0))
        default:
            ops.append(.generic(generic.count))
            generic.append(e)
        }
    }
}

extension PolicyAnalyser {
    /// Three-valued truth of a compiled condition on a box whose lean score lies in `lean`.
    func truth(_ program: TriProgram, _ box: Box, lean: Interval, stack: inout [Tri]) -> Tri {
        // The common case, one mask test, without the stack.
        if program.ops.count == 1, case .atom(let a, let mask) = program.ops[0] {
            let here = box.masks[a], hit = here & mask
            return hit == here ? .yes : (hit == 0 ? .no : .maybe)
        }
        stack.removeAll(keepingCapacity: true)
        for op in program.ops {
            switch op {
            case .atom(let a, let mask):
                let here = box.masks[a]
                let hit = here & mask
                stack.append(hit == here ? .yes : (hit == 0 ? .no : .maybe))
            case .lean(let op, let c, let leanOnLeft):
                let x = lean
                let t: Tri
                func cmp(_ l: Double, _ r: Double) -> Bool { Evaluator.compare(op, leanOnLeft ? l : r, leanOnLeft ? r : l) }
                if x.lo == x.hi {
                    t = cmp(x.lo, c) ? .yes : .no
                } else {
                    // Monotone in the lean score: settled when both ends agree (ends are attained).
                    let lo = cmp(x.lo, c), hi = cmp(x.hi, c)
                    switch op {
                    case .eq: t = (c < x.lo || c > x.hi) ? .no : .maybe
                    case .ne: t = (c < x.lo || c > x.hi) ? .yes : .maybe
                    default: t = lo == hi ? (lo ? .yes : .no) : .maybe
                    }
                }
                stack.append(t)
            case .and:
                let b = stack.removeLast(), a = stack.removeLast()
                stack.append(a == .no || b == .no ? .no : (a == .yes && b == .yes ? .yes : .maybe))
            case .or:
                let b = stack.removeLast(), a = stack.removeLast()
                stack.append(a == .yes || b == .yes ? .yes : (a == .no && b == .no ? .no : .maybe))
            case .not:
                let a = stack.removeLast()
                stack.append(a == .yes ? .no : (a == .no ? .yes : .maybe))
            case .generic(let k):
                var ev = Evaluator(policy: policy, space: space, box: box)
                ev.lean = lean
                stack.append(ev.truth(program.generic[k]))
            }
        }
        return stack.last ?? .maybe
    }
}
