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
        public var outcome: String
        public var reason: String?
    }

    public struct Miss: Sendable, Codable {
        public var rule: RuleReference
        public var kind: String          // "row" or "override"
        /// The parts of its condition that are false, each with the values behind it.
        public var failed: [String]
        /// Set when the rule matched but another was preferred.
        public var note: String?
    }

    public struct OtherMode: Sendable, Codable {
        public var mode: String
        public var summary: String
        public var misses: [Miss]
    }

    public struct AttributeUse: Sendable, Codable {
        public var name: String
        public var value: String
        /// "own", "inherited" or "default".
        public var origin: String
        public var fromUnitID: String?
        public var fromUnitName: String?
    }

    public struct Margin: Sendable, Codable {
        /// How far the lean score is from the nearest boundary.
        public var distance: Double
        /// The lean score at that boundary.
        public var atLean: Double
        /// The mode on the other side.
        public var toMode: String
    }

    public var unitID: String
    public var unitName: String
    public var mode: String?
    public var outcome: String?
    /// "override", "row", "no-match" or "conflict".
    public var decidedBy: String
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
    public var attributes: [AttributeUse]

    /// The two or three reasons that weigh most: the override's, else the strongest evidence.
    public var topReasons: [String] {
        if let override { return [override.reason ?? ""] }
        let strongest = evidence.sorted { abs($0.weight) > abs($1.weight) }
        let aligned = strongest.filter { mode == "kpi" ? $0.weight < 0 : (mode == "okr" ? $0.weight > 0 : true) }
        return Array((aligned.isEmpty ? strongest : aligned).prefix(2).map(\.reason))
    }
}

extension CompiledPolicy {
    /// Explains the decision for one unit of a binding.
    public func explain(unit index: Int, in binding: OrganisationBinding) -> Explanation {
        let unit = binding.organisation.units[index]
        let origins = (0..<attributeCount).map { binding.origin(ofUnit: index, attribute: $0) }
        return explain(values: Array(binding.values(ofUnit: index)), unitID: unit.id, unitName: unit.name,
                       origins: origins, organisation: binding.organisation)
    }

    /// Explains the decision for attribute values.
    public func explain(values: [Double], unitID: String, unitName: String,
                        origins: [OrganisationBinding.Origin]? = nil, organisation: Organisation? = nil) -> Explanation {
        var slots = [Double](repeating: 0, count: slotCount)
        var stack = [Double](repeating: 0, count: maxStack)
        for i in 0..<attributeCount { slots[i] = values[i] }
        let decision = slots.withUnsafeMutableBufferPointer { s in
            stack.withUnsafeMutableBufferPointer { st in
                prepare(s.baseAddress!, stack: st.baseAddress!)
                return choose(s.baseAddress!, stack: st.baseAddress!)
            }
        }
        func run(_ c: Compiled) -> Bool {
            slots.withUnsafeMutableBufferPointer { s in
                stack.withUnsafeMutableBufferPointer { st in self.run(c, s.baseAddress!, facts: nil, stack: st.baseAddress!) != 0 }
            }
        }
        let p = policy
        func location(_ l: SourceLocation) -> String { "\(l.file):\(l.line)" }
        func rowReference(_ i: Int) -> Explanation.RuleReference {
            let row = p.rows[i]
            return .init(number: i + 1, location: location(row.location), condition: row.condition?.text ?? "otherwise",
                         outcome: row.outcomeText, reason: row.reason)
        }
        func overrideReference(_ i: Int) -> Explanation.RuleReference {
            let o = p.overrides[i]
            return .init(number: i + 1, location: location(o.location), condition: o.condition.text,
                         outcome: o.outcome.description, reason: o.reason)
        }
        func valuesBehind(_ e: CheckedExpression) -> String {
            var seen: [Int] = []
            func walk(_ e: CheckedExpression) {
                switch e {
                case .slot(let s) where s >= attributeCount && s < leanSlot:
                    // A derived value: show the attributes it is made of.
                    walk(p.derived[s - attributeCount].expression)
                case .slot(let s): if !seen.contains(s) { seen.append(s) }
                case .not(let x), .negate(let x): walk(x)
                case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b): walk(a); walk(b)
                case .member(let x, _): walk(x)
                default: break
                }
            }
            walk(e)
            return seen.map { s in
                if s == leanSlot { return "lean = \(signed(slots[s]))" }
                if s < attributeCount { return "\(p.attributes[s].name) = \(p.attributes[s].display(slots[s]))" }
                let d = p.derived[s - attributeCount]
                return "\(d.name) = \(d.type == .boolean ? (slots[s] != 0 ? "true" : "false") : PolicyFormat.number(slots[s]))"
            }.joined(separator: ", ")
        }
        func failedParts(_ conjuncts: [(text: String, expression: CheckedExpression)], _ compiled: [Compiled]) -> [String] {
            zip(conjuncts, compiled).compactMap { conjunct, c in
                run(c) ? nil : "\(conjunct.text) is false (\(valuesBehind(conjunct.expression)))"
            }
        }

        // Evidence.
        var contributions: [Explanation.Contribution] = []
        var towardOKR = 0.0, towardKPI = 0.0
        for (i, e) in p.evidence.enumerated() where run(evidence[i]) {
            contributions.append(.init(condition: e.condition.text, direction: e.direction.rawValue, weight: e.signedWeight,
                                       reason: e.reason, source: e.source, location: location(e.location)))
            if e.direction == .okr { towardOKR += e.weight } else { towardKPI += e.weight }
        }

        let chosen = outcome(of: decision)
        var explanation = Explanation(
            unitID: unitID, unitName: unitName, mode: chosen?.mode.rawValue, outcome: chosen?.description,
            decidedBy: "no-match", row: nil, override: nil, overrideSource: nil, tableWouldChoose: nil, conflicting: [],
            lean: decision.lean, leanTowardOKR: towardOKR, leanTowardKPI: towardKPI, evidence: contributions,
            margin: nil, otherModes: [], attributes: [])

        var chosenRow: Int?
        switch decision.origin {
        case .override(let i):
            explanation.decidedBy = "override"
            explanation.override = overrideReference(Int(i))
            explanation.overrideSource = p.overrides[Int(i)].source
            // What the table alone would have said.
            var copy = self
            copy.overrides = []
            let tableDecision = copy.decide(values)
            if case .row(let r) = tableDecision.origin { explanation.tableWouldChoose = rowReference(Int(r)) }
        case .row(let i):
            explanation.decidedBy = "row"
            explanation.row = rowReference(Int(i))
            chosenRow = Int(i)
        case .noMatch:
            explanation.decidedBy = "no-match"
        case .conflict(let a, let b):
            explanation.decidedBy = "conflict"
            explanation.conflicting = [rowReference(Int(a)), rowReference(Int(b))]
        }

        // Margin: move the lean score across each boundary the table draws on it.
        if case .row = decision.origin, let mode = chosen?.mode {
            var thresholds = Set<Double>()
            func collect(_ e: CheckedExpression) {
                switch e {
                case .compare(_, .slot(let s), .constant(let c)) where s == leanSlot: thresholds.insert(c)
                case .compare(_, .constant(let c), .slot(let s)) where s == leanSlot: thresholds.insert(c)
                case .not(let x), .negate(let x), .member(let x, _): collect(x)
                case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b):
                    collect(a); collect(b)
                default: break
                }
            }
            for row in p.rows { if let c = row.condition { collect(c.expression) } }
            let lean = decision.lean
            let ordered = thresholds.sorted { abs($0 - lean) < abs($1 - lean) }
            search: for t in ordered {
                let step = 1e-9 * max(1, abs(t))
                for candidate in [t, t - step, t + step] where (candidate - lean) * (t - lean) >= 0 && candidate != lean {
                    slots[leanSlot] = candidate
                    let other = slots.withUnsafeMutableBufferPointer { s in
                        stack.withUnsafeMutableBufferPointer { st in choose(s.baseAddress!, stack: st.baseAddress!) }
                    }
                    if let o = outcome(of: other), o.mode != mode {
                        explanation.margin = .init(distance: abs(t - lean), atLean: t, toMode: o.mode.rawValue)
                        break search
                    }
                }
            }
            slots[leanSlot] = lean
        }

        // Why not each other mode.
        for mode in Mode.allCases where mode != chosen?.mode {
            var misses: [Explanation.Miss] = []
            for (i, o) in p.overrides.enumerated() where o.outcome.mode == mode {
                let failed = failedParts(o.condition.conjuncts, overrideConjuncts[i])
                misses.append(.init(rule: overrideReference(i), kind: "override", failed: failed,
                                    note: failed.isEmpty ? "matches, but an earlier override decides" : nil))
            }
            for (i, r) in p.rows.enumerated() where r.outcome.mode == mode && i != chosenRow {
                let failed = r.condition.map { failedParts($0.conjuncts, rowConjuncts[i]) } ?? []
                var note: String?
                if failed.isEmpty {
                    switch (decision.origin, hitPolicy) {
                    case (.override, _): note = "matches, but an override decides"
                    case (_, .first): note = r.condition == nil ? "'otherwise' applies only when no row above matches" : "matches, but an earlier row comes first"
                    case (_, .priority): note = r.condition == nil ? "'otherwise' applies only when no row matches" : "matches, but a row of higher priority wins"
                    default: note = r.condition == nil ? "'otherwise' applies only when no other row matches" : "matches too: the unique table is in conflict"
                    }
                }
                misses.append(.init(rule: rowReference(i), kind: "row", failed: failed, note: note))
            }
            let summary: String
            if misses.isEmpty {
                summary = "no rule of this policy leads to \(mode.rawValue)"
            } else if case .override = decision.origin {
                summary = "an override decides, whatever the table says"
            } else {
                summary = misses.count == 1 ? "its rule does not apply" : "none of its \(misses.count) rules applies"
            }
            explanation.otherModes.append(.init(mode: mode.rawValue, summary: summary, misses: misses))
        }

        // Attribute values and where they came from.
        for (a, attribute) in p.attributes.enumerated() {
            var use = Explanation.AttributeUse(name: attribute.name, value: attribute.display(values[a]), origin: "own")
            switch origins?[a] {
            case .inherited(let from)?:
                use.origin = "inherited"
                use.fromUnitID = from
                use.fromUnitName = organisation?[from]?.name
            case .defaultValue?: use.origin = "default"
            default: break
            }
            explanation.attributes.append(use)
        }
        return explanation
    }
}

func signed(_ x: Double) -> String { (x > 0 ? "+" : "") + PolicyFormat.number(x) }
