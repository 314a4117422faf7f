import TandemCore

/// The whole story of one decision: the evidence and its lean score, the row or override that
/// decided, the margin to the nearest boundary, why each other mode was not chosen, and where
/// each attribute value came from.
public struct Explanation: Sendable, Codable {
    public struct Contribution: Sendable, Codable {
        public var condition: String
        public var direction: String
        /// Signed: positive toward OKR, negative toward KPI.
        public var weight: Double
        public var reason: String
        public var source: String?
        public var location: String
    }

    public struct RuleReference: Sendable, Codable {
        /// 1-based row number in the table, or 1-based override number.
        public var number: Int
        public var location: String
        public var condition: String
        /// The outcome the rule gives, structured (defaults filled in).
        public var outcome: OutcomeValue
        /// The outcome as the rule is written.
        public var outcomeText: String
        public var reason: String?
    }

    public struct Miss: Sendable, Codable {
        public var rule: RuleReference
        public var kind: RuleKind
        /// The parts of its condition that are false, each with the values behind it.
        public var failed: [String]
        /// Set when the rule matched but another was preferred.
        public var note: String?
    }

    public struct OtherMode: Sendable, Codable {
        public var mode: Mode
        public var summary: String
        public var misses: [Miss]
    }

    public struct AttributeUse: Sendable, Codable {
        public var name: String
        public var value: String
        /// "own", "inherited" or "default".
        public var origin: AttributeOrigin
        public var fromUnitID: String?
        public var fromUnitName: String?
    }

    /// The smallest change of changeable attributes (one, else two) that gives another mode.
    public struct Counterfactual: Sendable, Codable {
        public struct Change: Sendable, Codable {
            public var attribute: String
            public var from: String
            public var to: String
        }

        public var mode: Mode
        /// Empty when no change of one or two changeable attributes leads to this mode.
        public var changes: [Change]
        /// "would be okr if uncertainty were high (now medium)".
        public var text: String
    }

    public struct Margin: Sendable, Codable {
        /// How far the lean score is from the nearest boundary.
        public var distance: Double
        /// The lean score at that boundary.
        public var atLean: Double
        /// The mode on the other side.
        public var toMode: Mode
    }

    public var unitID: String
    public var unitName: String
    /// Nil when the unit gets no decision.
    public var mode: Mode?
    public var outcome: OutcomeValue?
    public var decidedBy: DecisionOrigin
    public var row: RuleReference?
    public var override: RuleReference?
    public var overrideSource: String?
    /// The row the table would have chosen had the override not applied.
    public var tableWouldChoose: RuleReference?
    public var conflicting: [RuleReference]
    public var lean: Double
    public var leanTowardOKR: Double
    public var leanTowardKPI: Double
    public var evidence: [Contribution]
    public var margin: Margin?
    public var otherModes: [OtherMode]
    public var counterfactuals: [Counterfactual] = []
    public var attributes: [AttributeUse]

    /// The two or three reasons that weigh most: the override's, else the strongest evidence.
    public var topReasons: [String] {
        if let override { return [override.reason ?? ""] }
        let strongest = evidence.sorted { abs($0.weight) > abs($1.weight) }
        let aligned = strongest.filter { mode == .kpi ? $0.weight < 0 : (mode == .okr ? $0.weight > 0 : true) }
        return Array((aligned.isEmpty ? strongest : aligned).prefix(2).map(\.reason))
    }
}

/// What an explanation is made of, as indices and numbers: computed without building any
/// text, into buffers that are reused from one unit to the next. `Explanation` turns it into
/// words.
public struct DecisionTrace: Sendable {
    public struct Miss: Sendable {
        public var isOverride: Bool
        public var index: Int32
        /// Bit k set: conjunct k of the rule's condition is false (up to 64 conjuncts).
        public var failed: UInt64
    }

    public var decision = Decision(outcome: -1, lean: 0, origin: .noMatch)
    /// Indices of the evidence rules that fired.
    public var firedEvidence: [Int32] = []
    /// Rules leading to another mode than the one chosen, with what failed.
    public var misses: [Miss] = []
    public var margin: (distance: Double, atLean: Double, toMode: Mode)?
    /// For an override: the row the table alone would have chosen.
    public var tableWouldChoose: Int32 = -1

    public init() {}
}

extension CompiledPolicy {
    /// Traces the decision for one unit: the fired evidence, the deciding rule, for every rule
    /// leading to another mode which parts of its condition are false, and the margin. Reuses
    /// `trace`'s buffers, so a loop over many units does not allocate.
    public func trace(_ attributes: UnsafeBufferPointer<Double>, into trace: inout DecisionTrace) {
        trace.firedEvidence.removeAll(keepingCapacity: true)
        trace.misses.removeAll(keepingCapacity: true)
        trace.margin = nil
        trace.tableWouldChoose = -1
        withUnsafeTemporaryAllocation(of: Double.self, capacity: slotCount) { slotBuffer in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStack) { stackBuffer in
                let slots = slotBuffer.baseAddress!, stack = stackBuffer.baseAddress!
                for i in 0..<attributeCount { slots[i] = attributes[i] }
                prepare(slots, stack: stack)
                let decision = choose(slots, stack: stack)
                trace.decision = decision
                for (i, e) in evidence.enumerated() where run(e, slots, facts: nil, stack: stack) != 0 {
                    trace.firedEvidence.append(Int32(i))
                }
                let chosenMode = decision.outcome >= 0 ? outcomes[Int(decision.outcome)].mode : nil
                var chosenRow: Int32 = -1
                if case .row(let r) = decision.origin { chosenRow = r }
                func failedMask(_ conjuncts: [Compiled]) -> UInt64 {
                    var mask: UInt64 = 0
                    for (k, c) in conjuncts.prefix(64).enumerated() where run(c, slots, facts: nil, stack: stack) == 0 {
                        mask |= 1 << UInt64(k)
                    }
                    return mask
                }
                for (i, o) in policy.overrides.enumerated() where o.outcome.mode != chosenMode {
                    trace.misses.append(.init(isOverride: true, index: Int32(i), failed: failedMask(overrideConjuncts[i])))
                }
                for (i, r) in policy.rows.enumerated() where r.outcome.mode != chosenMode && Int32(i) != chosenRow {
                    trace.misses.append(.init(isOverride: false, index: Int32(i), failed: failedMask(rowConjuncts[i])))
                }
                if case .override = decision.origin {
                    // What the table alone would say: skip the overrides.
                    var copy = self
                    copy.overrides = []
                    if case .row(let r) = copy.choose(slots, stack: stack).origin { trace.tableWouldChoose = r }
                } else if case .row = decision.origin, let mode = chosenMode {
                    // Margin: try the boundaries nearest to the lean score first.
                    let lean = decision.lean
                    var tried: UInt64 = 0
                    let count = min(64, leanThresholds.count)
                    search: for _ in 0..<count {
                        var best = -1
                        for k in 0..<count where tried & (1 << UInt64(k)) == 0 {
                            if best < 0 || abs(leanThresholds[k] - lean) < abs(leanThresholds[best] - lean) { best = k }
                        }
                        tried |= 1 << UInt64(best)
                        let t = leanThresholds[best]
                        let step = 1e-9 * max(1, abs(t))
                        for candidate in [t, t - step, t + step] where (candidate - lean) * (t - lean) >= 0 && candidate != lean {
                            slots[leanSlot] = candidate
                            let other = choose(slots, stack: stack)
                            if other.outcome >= 0, outcomes[Int(other.outcome)].mode != mode {
                                trace.margin = (abs(t - lean), t, outcomes[Int(other.outcome)].mode)
                                break search
                            }
                        }
                    }
                    slots[leanSlot] = lean
                }
            }
        }
    }

    /// Explains the decision for one unit of a binding.
    public func explain(unit index: Int, in binding: OrganisationBinding) -> Explanation {
        let unit = binding.organisation.units[index]
        let origins = (0..<attributeCount).map { binding.origin(ofUnit: index, attribute: $0) }
        return explain(values: Array(binding.values(ofUnit: index)), unitID: unit.id, unitName: unit.name,
                       origins: origins, organisation: binding.organisation)
    }

    /// Explains the decision for attribute values, in words.
    public func explain(values: [Double], unitID: String, unitName: String,
                        origins: [OrganisationBinding.Origin]? = nil, organisation: Organisation? = nil) -> Explanation {
        var t = DecisionTrace()
        values.withUnsafeBufferPointer { trace($0, into: &t) }
        var explanation = Explanation(t, policy: self, values: values, unitID: unitID, unitName: unitName, origins: origins,
                                      organisation: organisation)
        explanation.counterfactuals = counterfactuals(values)
        return explanation
    }
}

extension CompiledPolicy {
    /// For each mode the unit does not get: the smallest change of changeable attributes that
    /// gives it — one attribute if possible (the nearest level first), else two. Fixed attributes
    /// are never proposed. Candidate values are the cells of the attribute space, so every
    /// distinct answer of the policy is tried.
    public func counterfactuals(_ values: [Double]) -> [Explanation.Counterfactual] {
        let current = outcome(of: decide(values))?.mode
        let changeable = policy.attributes.indices.filter { policy.attributes[$0].changeable }
        func cellIndex(_ a: Int, _ v: Double) -> Int { space.cell(of: v, attribute: a) }
        func label(_ a: Int, _ v: Double) -> String {
            if case .number = policy.attributes[a].kind { return space.cells[a][cellIndex(a, v)].label }
            return policy.attributes[a].display(v)
        }
        func mode(_ changed: [(Int, Double)]) -> Mode? {
            var v = values
            for (a, x) in changed { v[a] = x }
            return outcome(of: decide(v))?.mode
        }
        var found: [Mode: [(Int, Double)]] = [:]
        var singles: [(Int, Double, Int)] = []   // attribute, value, distance in cells
        for a in changeable {
            let here = cellIndex(a, values[a])
            for (k, cell) in space.cells[a].enumerated() where k != here {
                singles.append((a, cell.representative, abs(k - here)))
            }
        }
        for (a, v, _) in singles.sorted(by: { $0.2 < $1.2 }) {
            if let m = mode([(a, v)]), m != current, found[m] == nil { found[m] = [(a, v)] }
        }
        let missing = Mode.allCases.filter { $0 != current && found[$0] == nil }
        if !missing.isEmpty {
            search: for (i, first) in singles.sorted(by: { $0.2 < $1.2 }).enumerated() {
                for second in singles.sorted(by: { $0.2 < $1.2 }).dropFirst(i + 1) where second.0 != first.0 {
                    if let m = mode([(first.0, first.1), (second.0, second.1)]), m != current, found[m] == nil {
                        found[m] = [(first.0, first.1), (second.0, second.1)]
                        if Mode.allCases.allSatisfy({ $0 == current || found[$0] != nil }) { break search }
                    }
                }
            }
        }
        return Mode.allCases.filter { $0 != current }.map { m in
            guard let changes = found[m] else {
                return .init(mode: m, changes: [], text: "no change of one or two changeable attributes gives \(m.rawValue)")
            }
            let list = changes.map { a, v in
                Explanation.Counterfactual.Change(attribute: policy.attributes[a].name, from: label(a, values[a]), to: label(a, v))
            }
            let words = list.map { "\($0.attribute) were \($0.to) (now \($0.from))" }
            return .init(mode: m, changes: list, text: "would be \(m.rawValue) if " + words.joined(separator: " and "))
        }
    }
}

extension Explanation {
    /// Puts a trace into words: the evidence that fired, what decided, why each other mode was
    /// not chosen, and where each attribute value came from.
    public init(_ trace: DecisionTrace, policy compiled: CompiledPolicy, values: [Double], unitID: String, unitName: String,
                origins: [OrganisationBinding.Origin]? = nil, organisation: Organisation? = nil) {
        let words = ExplanationWords(compiled, values: values)
        let (contributions, towardOKR, towardKPI) = words.evidence(trace)
        let chosen = compiled.outcome(of: trace.decision)
        self.init(unitID: unitID, unitName: unitName, mode: chosen?.mode, outcome: chosen.map(OutcomeValue.init),
                  decidedBy: .noMatch, row: nil, override: nil, overrideSource: nil, tableWouldChoose: nil, conflicting: [],
                  lean: trace.decision.lean, leanTowardOKR: Lean.exact(towardOKR), leanTowardKPI: Lean.exact(towardKPI), evidence: contributions,
                  margin: trace.margin.map { .init(distance: $0.distance, atLean: $0.atLean, toMode: $0.toMode) },
                  otherModes: [], attributes: [])
        words.describeDecision(trace, into: &self)
        otherModes = Mode.allCases.filter { $0 != chosen?.mode }.map { words.whyNot($0, trace) }
        attributes = words.attributeUses(values, origins: origins, organisation: organisation)
    }
}

/// The words of an explanation, from one policy and one unit's values.
struct ExplanationWords {
    let compiled: CompiledPolicy
    let p: Policy
    /// Slot values (attributes, derived, lean), for showing the values behind a condition.
    let slots: [Double]

    init(_ compiled: CompiledPolicy, values: [Double]) {
        self.compiled = compiled
        p = compiled.policy
        var slots = values + [Double](repeating: 0, count: compiled.policy.derived.count + 1)
        slots.withUnsafeMutableBufferPointer { s in
            var stack = [Double](repeating: 0, count: compiled.maxStack)
            stack.withUnsafeMutableBufferPointer { st in compiled.prepare(s.baseAddress!, stack: st.baseAddress!) }
        }
        self.slots = slots
    }

    func location(_ l: SourceLocation) -> String { "\(l.file):\(l.line)" }

    func rowReference(_ i: Int) -> Explanation.RuleReference {
        let row = p.rows[i]
        return .init(number: i + 1, location: location(row.location), condition: row.condition?.text ?? "otherwise",
                     outcome: OutcomeValue(row.outcome), outcomeText: row.outcomeText, reason: row.reason)
    }

    func overrideReference(_ i: Int) -> Explanation.RuleReference {
        let o = p.overrides[i]
        return .init(number: i + 1, location: location(o.location), condition: o.condition.text,
                     outcome: OutcomeValue(o.outcome), outcomeText: o.outcome.description, reason: o.reason)
    }

    /// The attribute values a condition reads (a derived value shown by what it is made of).
    func valuesBehind(_ e: CheckedExpression) -> String {
        var seen: [Int] = []
        func walk(_ e: CheckedExpression) {
            switch e {
            case .slot(let s) where s >= p.attributes.count && s < p.leanSlot:
                walk(p.derived[s - p.attributes.count].expression)
            case .slot(let s): if !seen.contains(s) { seen.append(s) }
            case .not(let x), .negate(let x): walk(x)
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b): walk(a); walk(b)
            case .member(let x, _): walk(x)
            default: break
            }
        }
        walk(e)
        return seen.map { s in
            s == p.leanSlot ? "lean = \(signed(slots[s]))" : "\(p.attributes[s].name) = \(p.attributes[s].display(slots[s]))"
        }.joined(separator: ", ")
    }

    /// The conjuncts of a condition that are false (bit k of `mask`), with the values behind each.
    func failedParts(_ conjuncts: [(text: String, expression: CheckedExpression)], _ mask: UInt64) -> [String] {
        conjuncts.prefix(64).enumerated().compactMap { k, conjunct in
            mask & (1 << UInt64(k)) == 0 ? nil : "\(conjunct.text) is false (\(valuesBehind(conjunct.expression)))"
        }
    }

    /// The evidence that fired, and the lean toward each side.
    func evidence(_ trace: DecisionTrace) -> ([Explanation.Contribution], okr: Double, kpi: Double) {
        var contributions: [Explanation.Contribution] = []
        var towardOKR = 0.0, towardKPI = 0.0
        for i in trace.firedEvidence {
            let e = p.evidence[Int(i)]
            contributions.append(.init(condition: e.condition.text, direction: e.direction.rawValue, weight: e.signedWeight,
                                       reason: e.reason, source: e.source, location: location(e.location)))
            if e.direction == .okr { towardOKR += e.weight } else { towardKPI += e.weight }
        }
        return (contributions, towardOKR, towardKPI)
    }

    /// What decided: the override (and the row the table alone would have chosen), the row, or
    /// the two rows in conflict.
    func describeDecision(_ trace: DecisionTrace, into e: inout Explanation) {
        switch trace.decision.origin {
        case .override(let i):
            e.decidedBy = .override
            e.override = overrideReference(Int(i))
            e.overrideSource = p.overrides[Int(i)].source
            if trace.tableWouldChoose >= 0 { e.tableWouldChoose = rowReference(Int(trace.tableWouldChoose)) }
        case .row(let i):
            e.decidedBy = .row
            e.row = rowReference(Int(i))
        case .noMatch:
            e.decidedBy = .noMatch
        case .conflict(let a, let b):
            e.decidedBy = .conflict
            e.conflicting = [rowReference(Int(a)), rowReference(Int(b))]
        }
    }

    /// Why `mode` was not chosen: each rule leading to it, with what of its condition is false.
    func whyNot(_ mode: Mode, _ trace: DecisionTrace) -> Explanation.OtherMode {
        var misses: [Explanation.Miss] = []
        for m in trace.misses {
            let i = Int(m.index)
            if m.isOverride {
                let o = p.overrides[i]
                guard o.outcome.mode == mode else { continue }
                let failed = failedParts(o.condition.conjuncts, m.failed)
                misses.append(.init(rule: overrideReference(i), kind: .override, failed: failed,
                                    note: failed.isEmpty ? "matches, but an earlier override decides" : nil))
            } else {
                let r = p.rows[i]
                guard r.outcome.mode == mode else { continue }
                let failed = r.condition.map { failedParts($0.conjuncts, m.failed) } ?? []
                var note: String?
                if failed.isEmpty {
                    switch (trace.decision.origin, compiled.hitPolicy) {
                    case (.override, _): note = "matches, but an override decides"
                    case (_, .first): note = r.condition == nil ? "'otherwise' applies only when no row above matches" : "matches, but an earlier row comes first"
                    case (_, .priority): note = r.condition == nil ? "'otherwise' applies only when no row matches" : "matches, but a row of higher priority wins"
                    default: note = r.condition == nil ? "'otherwise' applies only when no other row matches" : "matches too: the unique table is in conflict"
                    }
                }
                misses.append(.init(rule: rowReference(i), kind: .row, failed: failed, note: note))
            }
        }
        let summary: String
        if misses.isEmpty {
            summary = "no rule of this policy leads to \(mode.rawValue)"
        } else if case .override = trace.decision.origin {
            summary = "an override decides, whatever the table says"
        } else {
            summary = misses.count == 1 ? "its rule does not apply" : "none of its \(misses.count) rules applies"
        }
        return .init(mode: mode, summary: summary, misses: misses)
    }

    /// Each attribute's value and where it comes from: the unit, an ancestor, or the default.
    func attributeUses(_ values: [Double], origins: [OrganisationBinding.Origin]?, organisation: Organisation?) -> [Explanation.AttributeUse] {
        p.attributes.enumerated().map { a, attribute in
            var use = Explanation.AttributeUse(name: attribute.name, value: attribute.display(values[a]), origin: .own)
            switch origins?[a] {
            case .inherited(let from)?:
                use.origin = .inherited
                use.fromUnitID = from
                use.fromUnitName = organisation?[from]?.name
            case .defaultValue?: use.origin = .default
            default: break
            }
            return use
        }
    }
}

func signed(_ x: Double) -> String { (x > 0 ? "+" : "") + PolicyFormat.number(x) }
