import TandemCore

/// Resolves names, checks types and outcomes, and builds a `Policy`. Reports every problem of
/// the file in one pass; an expression with an error gets no type, so one mistake does not
/// cascade into several reports.
struct PolicyChecker {
    let source: SourceFile
    private(set) var diagnostics: [Diagnostic] = []

    init(source: SourceFile) { self.source = source }

    // MARK: - Reporting

    func location(_ range: SourceRange) -> SourceLocation { source.location(ofOffset: range.start) }

    func text(_ range: SourceRange) -> String {
        String(decoding: source.bytes[max(0, range.start)..<min(range.end, source.bytes.count)], as: UTF8.self)
    }

    func width(_ range: SourceRange) -> Int {
        let t = text(range)
        let firstLine = t.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return max(1, firstLine.displayWidth)
    }

    /// Adds a catalogue entry located at a range of the policy, underlined to the end of its first line.
    mutating func add(_ message: PolicyDiagnostic, at range: SourceRange, notes: [Diagnostic.Note] = []) {
        diagnostics.append(Diagnostic(message, at: location(range), length: width(range), notes: notes))
    }

    func declaredHere(_ what: String, _ range: SourceRange) -> Diagnostic.Note {
        Diagnostic.Note("\(what) here", at: location(range), length: width(range))
    }

    func didYouMean(_ word: String, _ candidates: some Sequence<String>) -> [Diagnostic.Note] {
        Suggestion.closest(to: word, among: candidates).map { [Diagnostic.Note("did you mean '\($0)'?")] } ?? []
    }

    // MARK: - Names in scope

    enum Scope {
        case derived(upTo: Int)
        case rule          // evidence, overrides
        case table         // + lean
        case alert         // + key-result facts
    }

    struct Variable {
        var slot: Int
        var type: ValueType
        var range: SourceRange
    }

    private var attributeDefs: [AttributeDefinition] = []
    private var attributeRanges: [SourceRange] = []
    private var variables: [String: Variable] = [:]
    private var derivedOrder: [String] = []

    // MARK: - Check

    private var laterDerived: [String: SourceRange] = [:]

    mutating func check(_ file: PolicyFileSyntax) -> Policy? {
        for d in file.derived where laterDerived[d.name.text] == nil { laterDerived[d.name.text] = d.name.range }
        if file.name == nil {
            diagnostics.append(Diagnostic(PolicyDiagnostic.missingPolicyName,
                                          at: SourceLocation(file: source.path, line: 1, column: 1)))
        }
        checkAttributes(file.attributes)
        var derived: [(name: String, type: ValueType, expression: CheckedExpression, location: SourceLocation)] = []
        for (i, d) in file.derived.enumerated() {
            if reservedWords.contains(d.name.text) {
                add(.reservedWordAsDerivedName(d.name.text), at: d.name.range)
                continue
            }
            if let existing = variables[d.name.text] {
                add(.duplicateName(d.name.text), at: d.name.range,
                    notes: [declaredHere("first declared", existing.range)])
                continue
            }
            guard let (expression, type) = checkExpression(d.value, scope: .derived(upTo: i)) else {
                // Declare it anyway, untyped uses are then not reported as unknown names.
                variables[d.name.text] = Variable(slot: attributeDefs.count + derived.count, type: .boolean, range: d.name.range)
                derived.append((d.name.text, .boolean, .constant(0), location(d.name.range)))
                derivedOrder.append(d.name.text)
                continue
            }
            variables[d.name.text] = Variable(slot: attributeDefs.count + derived.count, type: type, range: d.name.range)
            derived.append((d.name.text, type, expression, location(d.name.range)))
            derivedOrder.append(d.name.text)
        }

        var evidence: [EvidenceRule] = []
        for e in file.evidence {
            let condition = checkCondition(e.condition, scope: .rule)
            if e.weight <= 0 {
                add(.nonPositiveEvidenceWeight(e.weight), at: e.weightRange)
            }
            guard let condition else { continue }
            evidence.append(EvidenceRule(condition: condition, direction: e.direction.text == "okr" ? .okr : .kpi,
                                         weight: e.weight, reason: e.reason, source: e.source, location: location(e.range)))
        }

        var overrides: [Override] = []
        for o in file.overrides {
            let condition = checkCondition(o.condition, scope: .rule)
            let outcome = checkOutcome(o.outcome)
            guard let condition, let outcome else { continue }
            overrides.append(Override(title: o.title, condition: condition, outcome: outcome, reason: o.reason,
                                      source: o.source, location: location(o.range)))
        }

        let (hitPolicy, rows) = checkTables(file.tables)

        var alerts: [AlertRule] = []
        for a in file.alerts {
            let severity = AlertSeverity(rawValue: a.severity.text)
            if severity == nil {
                add(.unknownAlertSeverity(a.severity.text), at: a.severity.range,
                    notes: didYouMean(a.severity.text, AlertSeverity.allCases.map(\.rawValue)))
            }
            let condition = checkCondition(a.condition, scope: .alert)
            guard let severity, let condition else { continue }
            alerts.append(AlertRule(title: a.title, severity: severity, condition: condition, reason: a.reason,
                                    location: location(a.range)))
        }

        var expectations: [Expectation] = []
        var titles: [String: SourceRange] = [:]
        for x in file.expectations {
            if let first = titles[x.title] {
                add(.duplicateExpectation(x.title), at: x.titleRange,
                    notes: [declaredHere("first used", first)])
            }
            titles[x.title] = x.titleRange
            if let expectation = checkExpectation(x) { expectations.append(expectation) }
        }

        if diagnostics.hasErrors { return nil }
        return Policy(name: file.name?.0 ?? source.path, version: file.version?.0, path: source.path,
                      attributes: attributeDefs, derived: derived, evidence: evidence, hitPolicy: hitPolicy ?? .unique,
                      rows: rows, overrides: overrides, alerts: alerts, expectations: expectations)
    }

    // MARK: - Schema

    private mutating func checkAttributes(_ list: [AttributeSyntax]) {
        for a in list {
            if reservedWords.contains(a.name.text) {
                add(.reservedWordAsAttributeName(a.name.text), at: a.name.range)
                continue
            }
            if let existing = variables[a.name.text] {
                add(.duplicateAttribute(a.name.text), at: a.name.range,
                    notes: [declaredHere("first declared", existing.range)])
                continue
            }
            let kind: AttributeDefinition.Kind
            switch a.type {
            case .level(let names), .enumeration(let names):
                var seen: [String: SourceRange] = [:]
                var ok = true
                for n in names {
                    if let first = seen[n.text] {
                        add(.duplicateValue(n.text, attribute: a.name.text), at: n.range,
                            notes: [declaredHere("first listed", first)])
                        ok = false
                    }
                    seen[n.text] = n.range
                    if reservedWords.contains(n.text) || n.text == "true" || n.text == "false" {
                        add(.reservedWordAsValue(n.text), at: n.range)
                        ok = false
                    }
                }
                if names.count < 2 {
                    add(.tooFewValues(attribute: a.name.text), at: a.typeRange)
                    ok = false
                }
                if names.count > 64 {
                    add(.tooManyValues(attribute: a.name.text), at: a.typeRange)
                    ok = false
                }
                // Declared anyway, with each value once, so that its uses are still checked.
                var unique: [String] = []
                for n in names where !unique.contains(n.text) { unique.append(n.text) }
                if !ok && unique.count < 2 { continue }
                if case .level = a.type { kind = .level(unique) } else { kind = .enumeration(unique) }
            case .number(let min, let max, let range):
                if let min, let max, min > max, let range {
                    add(.reversedRange(min: min, max: max), at: range)
                    continue
                }
                kind = .number(min: min, max: max)
            case .boolean:
                kind = .boolean
            }
            var definition = AttributeDefinition(name: a.name.text, kind: kind, defaultValue: nil,
                                                 changeable: a.changeable ?? true, description: a.description,
                                                 location: location(a.name.range))
            if let d = a.defaultValue {
                definition.defaultValue = literal(d, for: definition, context: "default of '\(a.name.text)'")
            }
            variables[a.name.text] = Variable(slot: attributeDefs.count, type: definition.type, range: a.name.range)
            attributeDefs.append(definition)
            attributeRanges.append(a.name.range)
        }
    }

    /// A literal value for an attribute (defaults, expectation values), as a slot value.
    mutating func literal(_ e: ExpressionSyntax, for attribute: AttributeDefinition, context: String) -> Double? {
        switch (attribute.kind, e) {
        case (.level(let values), .name(let n)), (.enumeration(let values), .name(let n)):
            if let i = values.firstIndex(of: n.text) { return Double(i) }
            add(.notAValue(n.text, attribute: attribute.name, listing: attribute.type.symbolListing), at: n.range,
                notes: didYouMean(n.text, values))
            return nil
        case (.number(let min, let max), .number(let v, let r)), (.number(let min, let max), .percent(let v, let r)):
            var value = v
            if case .percent = e { value = v / 100 }
            if let min, value < min { add(.literalBelowMinimum(context: context, minimum: min, found: value), at: r); return nil }
            if let max, value > max { add(.literalAboveMaximum(context: context, maximum: max, found: value), at: r); return nil }
            return value
        case (.number, .unary("-", .number(let v, _), let r)):
            return literal(.number(-v, r), for: attribute, context: context)
        case (.boolean, .boolean(let b, _)):
            return b ? 1 : 0
        default:
            add(.literalOfWrongType(context: context, type: attribute.type, found: text(e.range)), at: e.range)
            return nil
        }
    }

    // MARK: - Expressions

    mutating func checkCondition(_ e: ExpressionSyntax, scope: Scope) -> Condition? {
        guard let (expression, type) = checkExpression(e, scope: scope) else { return nil }
        guard type == .boolean else {
            add(.conditionNotBoolean(expression: text(e.range), type: type), at: e.range)
            return nil
        }
        var conjuncts: [(String, CheckedExpression)] = []
        func flatten(_ s: ExpressionSyntax, _ x: CheckedExpression) {
            if case .binary("and", _, let l, let r) = s, case .and(let xl, let xr) = x {
                flatten(l, xl)
                flatten(r, xr)
            } else {
                conjuncts.append((text(s.range), x))
            }
        }
        flatten(e, expression)
        return Condition(text: text(e.range), expression: expression, conjuncts: conjuncts)
    }

    private func isVariable(_ name: String, _ scope: Scope) -> Bool {
        if name == "lean" { if case .table = scope { return true } else { return false } }
        guard let v = variables[name] else { return false }
        if case .derived(let upTo) = scope, v.slot >= attributeDefs.count {
            return v.slot - attributeDefs.count < upTo
        }
        return true
    }

    /// Checks an expression; `hint` resolves bare value names (`high` in `uncertainty == high`).
    mutating func checkExpression(_ e: ExpressionSyntax, scope: Scope, hint: SymbolSet? = nil) -> (CheckedExpression, ValueType)? {
        switch e {
        case .number(let v, _):
            return (.constant(v), .number)
        case .percent(let v, _):
            return (.constant(v / 100), .number)
        case .boolean(let b, _):
            return (.constant(b ? 1 : 0), .boolean)
        case .name(let n):
            return resolveName(n, scope: scope, hint: hint)
        case .member(let base, let member):
            let full = "\(base.text).\(member.text)"
            guard base.text == "kr" || base.text == "unit" else {
                add(.unknownDottedName(full), at: e.range,
                    notes: [.init("only key-result facts are written with a dot, as in kr.progress or unit.mode")])
                return nil
            }
            guard case .alert = scope else {
                add(.factOutsideAlert(full), at: e.range)
                return nil
            }
            guard let fact = KeyResultFact(rawValue: full) else {
                var notes = didYouMean(full, KeyResultFact.allCases.map(\.rawValue))
                notes.append(.init("facts: \(KeyResultFact.allCases.map(\.rawValue).joined(separator: ", "))"))
                add(.unknownFact(full), at: e.range, notes: notes)
                return nil
            }
            return (.fact(fact), fact.type)
        case .unary(let op, let inner, let r):
            guard let (x, type) = checkExpression(inner, scope: scope, hint: hint) else { return nil }
            if op == "not" {
                guard type == .boolean else {
                    add(.notNeedsBoolean(expression: text(inner.range), type: type), at: r.union(inner.range))
                    return nil
                }
                return (.not(x), .boolean)
            }
            guard type == .number else {
                add(.negationNeedsNumber(expression: text(inner.range), type: type), at: r.union(inner.range))
                return nil
            }
            if case .constant(let c) = x { return (.constant(-c), .number) }  // fold: `lean <= -3` compares with a constant
            return (.negate(x), .number)
        case .binary(let op, let opRange, let l, let r):
            if op == "and" || op == "or" {
                let left = checkExpression(l, scope: scope)
                let right = checkExpression(r, scope: scope)
                guard let (lx, lt) = left, let (rx, rt) = right else { return nil }
                for (side, t) in [(l, lt), (r, rt)] where t != .boolean {
                    add(.logicalOperatorNeedsBoolean(operator: op, expression: text(side.range), type: t), at: side.range)
                    return nil
                }
                return (op == "and" ? .and(lx, rx) : .or(lx, rx), .boolean)
            }
            if ["+", "-", "*"].contains(op) {
                let left = checkExpression(l, scope: scope)
                let right = checkExpression(r, scope: scope)
                guard let (lx, lt) = left, let (rx, rt) = right else { return nil }
                for (side, t) in [(l, lt), (r, rt)] where t != .number {
                    add(.arithmeticNeedsNumbers(operator: op, expression: text(side.range), type: t), at: side.range)
                    return nil
                }
                let aop: ArithmeticOperator = op == "+" ? .add : (op == "-" ? .sub : .mul)
                if case .constant(let a) = lx, case .constant(let b) = rx {
                    return (.constant(aop == .add ? a + b : (aop == .sub ? a - b : a * b)), .number)
                }
                return (.arithmetic(aop, lx, rx), .number)
            }
            // A comparison: resolve a bare value name against the other side's type.
            var left: (CheckedExpression, ValueType)?, right: (CheckedExpression, ValueType)?
            if case .name(let n) = l, !isVariable(n.text, scope), !(e.isValueNameCandidate(r, variables: variables)) {
                right = checkExpression(r, scope: scope)
                guard let right else { return nil }
                left = checkExpression(l, scope: scope, hint: right.1.symbolSet)
            } else {
                left = checkExpression(l, scope: scope)
                guard let left else { return nil }
                right = checkExpression(r, scope: scope, hint: left.1.symbolSet)
            }
            guard let (lx, lt) = left, let (rx, rt) = right else { return nil }
            let cop = ComparisonOperator(rawValue: op)!
            if lt != rt {
                add(.incomparableTypes(lt, rt), at: e.range)
                return nil
            }
            if cop != .eq && cop != .ne {
                switch lt {
                case .boolean:
                    add(.orderingBooleans(operator: op), at: opRange)
                    return nil
                case .symbol(let set) where !set.ordered:
                    add(.orderingEnumeration(operator: op, enumeration: set.name),
                        at: opRange)
                    return nil
                default: break
                }
            }
            return (.compare(cop, lx, rx), .boolean)
        case .membership(let l, let items, _):
            guard let (lx, lt) = checkExpression(l, scope: scope) else { return nil }
            var values: [Double] = []
            for item in items {
                guard let (ix, it) = checkExpression(item, scope: scope, hint: lt.symbolSet) else { return nil }
                guard it == lt, case .constant(let v) = ix else {
                    add(.mixedTypesInSet(expression: text(l.range), type: lt), at: item.range)
                    return nil
                }
                values.append(v)
            }
            if lt == .boolean {
                add(.membershipOfBoolean, at: e.range)
                return nil
            }
            return (.member(lx, values), .boolean)
        }
    }

    private mutating func resolveName(_ n: Name, scope: Scope, hint: SymbolSet?) -> (CheckedExpression, ValueType)? {
        if n.text == "lean" {
            if case .table = scope { return (.slot(attributeDefs.count + derivedOrder.count), .number) }
            add(.leanOutsideTable, at: n.range)
            return nil
        }
        if let hint, let index = hint.index(of: n.text), !isVariable(n.text, scope) {
            return (.constant(Double(index)), .symbol(hint))
        }
        if let v = variables[n.text] {
            if case .derived(let upTo) = scope, v.slot >= attributeDefs.count, v.slot - attributeDefs.count >= upTo {
                add(.derivedUsedBeforeDefinition(n.text), at: n.range,
                    notes: [declaredHere("defined", v.range)])
                return nil
            }
            return (.slot(v.slot), v.type)
        }
        if let later = laterDerived[n.text], case .derived = scope {
            add(.derivedUsedBeforeDefinition(n.text), at: n.range,
                notes: [declaredHere("defined", later)])
            return nil
        }
        if let hint {
            add(.notInSet(n.text, set: hint), at: n.range,
                notes: didYouMean(n.text, hint.values))
            return nil
        }
        // Is it a value used without an attribute to compare with?
        if let owner = attributeDefs.first(where: { $0.type.symbolSet?.values.contains(n.text) == true }) {
            add(.valueWithoutAttribute(n.text, attribute: owner.name),
                at: n.range)
            return nil
        }
        var candidates = Array(variables.keys)
        if case .table = scope { candidates.append("lean") }
        var notes = didYouMean(n.text, candidates)
        if notes.isEmpty, let keyword = Suggestion.closest(to: n.text, among: ["and", "or", "not", "in", "true", "false"]) {
            notes.append(.init("did you mean '\(keyword)'?"))
        }
        add(.unknownName(n.text, derivedValuesExist: candidates.count > attributeDefs.count),
            at: n.range, notes: notes)
        return nil
    }

    // MARK: - Outcomes

    static let parametersByMode: [Mode: [String]] = [
        .kpi: ["cycle", "pay", "rollout"],
        .okr: ["cycle", "committed", "aspirational", "pay", "rollout"],
        .hybrid: ["kpi", "okr", "kpi_cycle", "okr_cycle", "committed", "aspirational", "pay", "rollout"],
    ]

    /// Checks an outcome and fills in the documented defaults.
    mutating func checkOutcome(_ o: OutcomeSyntax) -> Outcome? {
        guard let partial = checkOutcomeParameters(o) else { return nil }
        var outcome = Outcome(mode: partial.mode, kpiCycle: partial.kpiCycle, okrCycle: partial.okrCycle,
                              committedShare: partial.committedShare, pay: partial.pay,
                              rollout: partial.rollout ?? .full, kpiWeight: partial.kpiWeight, okrWeight: partial.okrWeight)
        switch outcome.mode {
        case .kpi:
            outcome.kpiCycle = outcome.kpiCycle ?? .quarterly
            outcome.pay = outcome.pay ?? .full
        case .okr:
            outcome.okrCycle = outcome.okrCycle ?? .quarterly
            outcome.committedShare = outcome.committedShare ?? 0.6
            outcome.pay = outcome.pay ?? .separate
        case .hybrid:
            if outcome.kpiWeight == nil || outcome.okrWeight == nil {
                add(.hybridWithoutWeights, at: o.range)
                return nil
            }
            outcome.kpiCycle = outcome.kpiCycle ?? .quarterly
            outcome.okrCycle = outcome.okrCycle ?? .quarterly
            outcome.committedShare = outcome.committedShare ?? 0.6
            outcome.pay = outcome.pay ?? .partial(0.3)
        }
        return outcome
    }

    /// Checks the parameters an outcome gives, without defaults (expectations match on these).
    mutating func checkOutcomeParameters(_ o: OutcomeSyntax) -> ExpectedOutcome? {
        guard let mode = Mode(rawValue: o.mode.text) else {
            add(.unknownMode(o.mode.text), at: o.mode.range,
                notes: didYouMean(o.mode.text, Mode.allCases.map(\.rawValue)))
            return nil
        }
        var result = ExpectedOutcome(mode: mode, text: text(o.range))
        let allowed = Self.parametersByMode[mode]!
        var seen: [String: SourceRange] = [:]
        var ok = true
        var aspirational: (Double, SourceRange)?
        var committedRange: SourceRange?
        for p in o.parameters {
            let name = p.name.text
            guard allowed.contains(name) else {
                var notes = didYouMean(name, allowed)
                notes.append(.init("\(mode.rawValue)(…) takes \(allowed.joined(separator: ", "))"))
                if mode != .hybrid && (name == "kpi_cycle" || name == "okr_cycle") {
                    notes = [.init("\(mode.rawValue)(…) has one cycle: write 'cycle: …'")]
                }
                add(.unknownParameter(name, mode: mode), at: p.name.range, notes: notes)
                ok = false
                continue
            }
            if let first = seen[name] {
                add(.duplicateParameter(name), at: p.name.range, notes: [declaredHere("first given", first)])
                ok = false
                continue
            }
            seen[name] = p.name.range
            switch name {
            case "cycle", "kpi_cycle", "okr_cycle":
                guard case .word(let w) = p.value, let cycle = CycleLength(rawValue: w.text) else {
                    var notes: [Diagnostic.Note] = []
                    if case .word(let w) = p.value { notes = didYouMean(w.text, CycleLength.allCases.map(\.rawValue)) }
                    add(.unknownCycle(parameter: name, found: text(p.value.range)),
                        at: p.value.range, notes: notes)
                    ok = false
                    continue
                }
                if name == "okr_cycle" || (name == "cycle" && mode == .okr) { result.okrCycle = cycle } else { result.kpiCycle = cycle }
            case "committed", "aspirational", "kpi", "okr":
                guard let share = percent(p.value, name) else { ok = false; continue }
                switch name {
                case "committed": result.committedShare = share; committedRange = p.value.range
                case "aspirational": aspirational = (share, p.value.range)
                case "kpi": result.kpiWeight = share
                default: result.okrWeight = share
                }
            case "pay":
                switch p.value {
                case .word(let w) where w.text == "separate": result.pay = .separate
                case .word(let w) where w.text == "full": result.pay = .full
                case .call(let f, let inner) where f.text == "partial":
                    guard let share = percent(inner, "partial") else { ok = false; continue }
                    if share == 0 || share == 1 {
                        add(.partialIsWhole(share: share), at: p.value.range)
                    }
                    result.pay = .partial(share)
                default:
                    var notes: [Diagnostic.Note] = []
                    if case .word(let w) = p.value { notes = didYouMean(w.text, ["separate", "full", "partial"]) }
                    if case .word(let w) = p.value, w.text == "partial" { notes = [.init("give the share: partial(30%)")] }
                    add(.unknownPay(text(p.value.range)), at: p.value.range, notes: notes)
                    ok = false
                }
            default: // rollout
                guard case .word(let w) = p.value, let rollout = Rollout(rawValue: w.text) else {
                    var notes: [Diagnostic.Note] = []
                    if case .word(let w) = p.value { notes = didYouMean(w.text, Rollout.allCases.map(\.rawValue)) }
                    add(.unknownRollout(text(p.value.range)), at: p.value.range, notes: notes)
                    ok = false
                    continue
                }
                result.rollout = rollout
            }
        }
        if let (a, range) = aspirational {
            if let c = result.committedShare {
                if abs(c + a - 1) > 1e-9 {
                    add(.sharesNotWhole(committed: c, aspirational: a),
                        at: range, notes: committedRange.map { [declaredHere("committed share given", $0)] } ?? [])
                    ok = false
                }
            } else {
                result.committedShare = 1 - a
            }
        }
        if mode == .hybrid, let k = result.kpiWeight, let w = result.okrWeight, abs(k + w - 1) > 1e-9 {
            add(.hybridWeightsNotWhole(kpi: k, okr: w),
                at: o.range)
            ok = false
        }
        return ok ? result : nil
    }

    private mutating func percent(_ v: ParameterValueSyntax, _ name: String) -> Double? {
        switch v {
        case .percent(let p, let r):
            guard p >= 0 && p <= 100 else {
                add(.percentageOutOfRange(parameter: name, found: p), at: r)
                return nil
            }
            return p / 100
        case .number(let n, let r):
            add(.numberForPercentage(parameter: name, number: n), at: r)
            return nil
        default:
            add(.expectedPercentage(parameter: name, found: text(v.range)), at: v.range)
            return nil
        }
    }

    // MARK: - Tables

    private mutating func checkTables(_ tables: [TableSyntax]) -> (HitPolicy?, [DecisionRow]) {
        guard let table = tables.first else {
            diagnostics.append(Diagnostic(PolicyDiagnostic.missingDecisionTable,
                                          at: SourceLocation(file: source.path, line: 1, column: 1)))
            return (nil, [])
        }
        for extra in tables.dropFirst() {
            add(.secondDecisionTable, at: extra.range,
                notes: [declaredHere("first table", table.range)])
        }
        var hitPolicy = HitPolicy.unique
        if let name = table.hitPolicy {
            if let h = HitPolicy(rawValue: name.text) { hitPolicy = h } else {
                add(.unknownHitPolicy(name.text), at: name.range,
                    notes: didYouMean(name.text, HitPolicy.allCases.map(\.rawValue)))
            }
        }
        if table.rows.isEmpty {
            add(.emptyDecisionTable, at: table.range)
        }
        var rows: [DecisionRow] = []
        var otherwise: SourceRange?
        for row in table.rows {
            if row.condition == nil {
                if let first = otherwise {
                    add(.secondOtherwise, at: row.conditionRange, notes: [declaredHere("first 'otherwise'", first)])
                }
                otherwise = row.conditionRange
            } else if let o = otherwise, hitPolicy == .first {
                add(.rowAfterOtherwise, at: row.conditionRange,
                    notes: [declaredHere("'otherwise'", o)])
            }
            if hitPolicy == .priority && row.priority == nil && row.condition != nil {
                add(.rowWithoutPriority, at: row.range)
            }
            if hitPolicy != .priority, let (_, r) = row.priority {
                add(.priorityOutsidePriorityTable, at: r)
            }
            let condition = row.condition.flatMap { checkCondition($0, scope: .table) }
            let outcome = checkOutcome(row.outcome)
            guard let outcome, row.condition == nil || condition != nil else { continue }
            rows.append(DecisionRow(condition: condition, outcome: outcome, priority: row.priority?.0, reason: row.reason,
                                    location: location(row.range), outcomeText: text(row.outcome.range)))
        }
        return (hitPolicy, rows)
    }

    // MARK: - Expectations

    private mutating func checkExpectation(_ x: ExpectationSyntax) -> Expectation? {
        var values = attributeDefs.map(\.defaultValue)
        var given: [String: SourceRange] = [:]
        var ok = true
        for (name, value) in x.values {
            guard let index = attributeDefs.firstIndex(where: { $0.name == name.text }) else {
                var notes = didYouMean(name.text, attributeDefs.map(\.name))
                if derivedOrder.contains(name.text) { notes = [.init("'\(name.text)' is derived from the attributes; give those instead")] }
                add(.unknownAttributeInExpectation(name.text), at: name.range, notes: notes)
                ok = false
                continue
            }
            if let first = given[name.text] {
                add(.attributeGivenTwice(name.text), at: name.range, notes: [declaredHere("first given", first)])
                ok = false
            }
            given[name.text] = name.range
            if let v = literal(value, for: attributeDefs[index], context: "'\(name.text)'") { values[index] = v } else { ok = false }
        }
        let missing = attributeDefs.indices.filter { values[$0] == nil && given[attributeDefs[$0].name] == nil }
        if !missing.isEmpty {
            add(.expectationMissingAttributes(missing.map { attributeDefs[$0].name }),
                at: x.titleRange)
            ok = false
        }
        let expected = checkOutcomeParameters(x.outcome)
        guard ok, let expected else { return nil }
        return Expectation(title: x.title, values: values.map { $0 ?? 0 }, expected: expected, location: location(x.titleRange))
    }
}

extension ValueType {
    var symbolSet: SymbolSet? {
        if case .symbol(let s) = self { return s }
        return nil
    }

    var symbolListing: String { symbolSet?.listing ?? "" }
}

extension ExpressionSyntax {
    /// In `a == b`, whether `b` is a bare name that is not a variable (so `b` is the value and
    /// `a` must be checked first).
    func isValueNameCandidate(_ other: ExpressionSyntax, variables: [String: PolicyChecker.Variable]) -> Bool {
        if case .name(let n) = other, variables[n.text] == nil, n.text != "lean" { return true }
        return false
    }
}
