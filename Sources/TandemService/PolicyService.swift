import TandemCore
import TandemPolicy

/// What a checked policy holds, in counts.
public struct PolicySummary: Sendable, Codable {
    public var name: String
    public var version: String?
    public var attributes: Int
    public var derived: Int
    public var evidence: Int
    public var overrides: Int
    public var rows: Int
    public var hitPolicy: String
    public var alerts: Int
    public var expectations: Int

    public init(_ p: Policy) {
        name = p.name
        version = p.version
        attributes = p.attributes.count
        derived = p.derived.count
        evidence = p.evidence.count
        overrides = p.overrides.count
        rows = p.rows.count
        hitPolicy = p.hitPolicy.rawValue
        alerts = p.alerts.count
        expectations = p.expectations.count
    }
}

/// A policy checked: its diagnostics (the analysis's included), and the policy when it has no error.
public struct PolicyCheck: Sendable {
    public var path: String
    public var policy: Policy?
    public var diagnostics: [Diagnostic]
    public var source: SourceFile?
    public var summary: PolicySummary? { policy.map(PolicySummary.init) }
    public var errors: Int { diagnostics.counts.errors }
    public var warnings: Int { diagnostics.counts.warnings }
}

/// One expectation of a policy, decided.
public struct ExpectationResult: Sendable {
    public var title: String
    public var location: SourceLocation
    /// The expected outcome as the policy writes it.
    public var expected: String
    /// The actual outcome; nil when no row decides the example.
    public var actual: OutcomeValue?
    public var passed: Bool
    /// The actual decision's whole story, for a failed expectation.
    public var explanation: Explanation?
}

/// Which rules a policy's expectations exercise.
public struct RuleCoverage: Sendable {
    public var evidenceFired: Int
    public var evidence: Int
    public var rowsDeciding: Int
    public var rows: Int
    public var overridesDeciding: Int
    public var overrides: Int
    /// Rules never exercised, in words with their location: "evidence at file:line: condition — reason".
    public var neverFired: [String]
    public var neverDeciding: [String]

    public var covered: Int { evidenceFired + rowsDeciding + overridesDeciding }
    public var total: Int { evidence + rows + overrides }
}

/// A policy's expectations run, with the coverage they give.
public struct PolicyTestReport: Sendable {
    public var policy: LoadedPolicy
    public var results: [ExpectationResult]
    public var coverage: RuleCoverage
    public var passed: Int { results.filter(\.passed).count }
    public var failed: Int { results.count - passed }
}

/// One unit whose decision a new policy version changes.
public struct UnitDecisionChange: Sendable, Codable {
    public var unitID: String
    public var name: String
    /// The outcomes under the old and new versions (nil: no decision).
    public var old: OutcomeValue?
    public var new: OutcomeValue?
    /// The rules responsible, in words with their location.
    public var oldRule: String
    public var newRule: String
    /// "okr → hybrid", or "okr: parameters" when only the parameters change.
    public var change: String
}

/// What a new version of a policy changes: for an organisation, and over the attribute space.
public struct PolicyComparison: Sendable, Codable {
    public var old: String
    public var new: String
    public var units: [UnitDecisionChange]
    public var unitsCompared: Int
    /// Changed units by kind of change.
    public var counts: [String: Int]
    public var regions: RegionDiff
}

/// The policy author's use cases: check, test, compare versions.
public enum PolicyService {
    /// Checks a policy: syntax, names, types, outcomes, and (unless `analyse` is false) the exact
    /// analysis of gaps, overlaps, dead and shadowed rules within `budget` rule evaluations.
    public static func check(_ path: String, analyse: Bool = true, budget: Int = PolicyAnalyser.defaultBudget) -> PolicyCheck {
        check(PolicyLoader.load(path: path), path: path, analyse: analyse, budget: budget)
    }

    /// Checks a policy's text (a version a store keeps), named `path` in its findings.
    public static func check(source: SourceFile, analyse: Bool = true, budget: Int = PolicyAnalyser.defaultBudget) -> PolicyCheck {
        check(PolicyLoader.load(source), path: source.path, analyse: analyse, budget: budget)
    }

    static func check(_ loaded: PolicyLoader.Result, path: String, analyse: Bool, budget: Int) -> PolicyCheck {
        var result = loaded
        if let policy = result.policy, analyse {
            let analyser = PolicyAnalyser(policy)
            result.diagnostics += analyser.diagnostics(analyser.analyse(budget: budget))
        }
        return PolicyCheck(path: path, policy: result.policy, diagnostics: result.diagnostics, source: result.source)
    }

    /// Decides each expectation of the policy and measures which rules they exercise.
    public static func test(_ path: String) throws(ServiceError) -> PolicyTestReport {
        let loaded = try Inputs.policy(path)
        let policy = loaded.policy, compiled = loaded.compiled
        let results = policy.expectations.map { x in
            let actual = compiled.outcome(of: compiled.decide(x.values))
            let passed = actual.map { x.expected.matches($0) } ?? false
            return ExpectationResult(title: x.title, location: x.location, expected: x.expected.text, actual: actual.map(OutcomeValue.init),
                                     passed: passed,
                                     explanation: passed ? nil : compiled.explain(values: x.values, unitID: "example", unitName: x.title))
        }
        return PolicyTestReport(policy: loaded, results: results, coverage: coverage(of: loaded))
    }

    static func coverage(of loaded: LoadedPolicy) -> RuleCoverage {
        let policy = loaded.policy
        var fired = Set<Int>(), rows = Set<Int>(), overrides = Set<Int>()
        var trace = DecisionTrace()
        for x in policy.expectations {
            x.values.withUnsafeBufferPointer { loaded.compiled.trace($0, into: &trace) }
            fired.formUnion(trace.firedEvidence.map(Int.init))
            switch trace.decision.origin {
            case .row(let r): rows.insert(Int(r))
            case .override(let o): overrides.insert(Int(o))
            default: break
            }
        }
        var neverFired: [String] = [], neverDeciding: [String] = []
        for (i, e) in policy.evidence.enumerated() where !fired.contains(i) {
            neverFired.append("evidence at \(e.location.file):\(e.location.line): \(e.condition.text) — \(e.reason)")
        }
        for (i, r) in policy.rows.enumerated() where !rows.contains(i) {
            neverDeciding.append("row \(i + 1) at \(r.location.file):\(r.location.line): \(r.condition?.text ?? "otherwise")")
        }
        for (i, o) in policy.overrides.enumerated() where !overrides.contains(i) {
            neverDeciding.append("override #\(i + 1) at \(o.location.file):\(o.location.line): \(o.condition.text)")
        }
        return RuleCoverage(evidenceFired: fired.count, evidence: policy.evidence.count, rowsDeciding: rows.count, rows: policy.rows.count,
                            overridesDeciding: overrides.count, overrides: policy.overrides.count,
                            neverFired: neverFired, neverDeciding: neverDeciding)
    }

    /// Compares two versions of a policy: every unit of the organisation decided by both, and the
    /// regions of the attribute space where they decide differently (within `budget`).
    public static func diff(old oldPath: String, new newPath: String, organisation orgPath: String,
                            budget: Int = PolicyAnalyser.defaultBudget) throws(ServiceError) -> PolicyComparison {
        let load = DatasetLoader.load(org: orgPath, krs: nil, checkins: nil)
        return try diff(old: PolicyLoader.load(path: oldPath), new: PolicyLoader.load(path: newPath), oldName: oldPath, newName: newPath,
                        organisation: load.dataset?.organisation, diagnostics: load.diagnostics, sources: load.sources, budget: budget)
    }

    /// Compares two policy texts (versions a store keeps) over an organisation the store holds.
    public static func diff(old: SourceFile, new: SourceFile, organisation: Organisation,
                            budget: Int = PolicyAnalyser.defaultBudget) throws(ServiceError) -> PolicyComparison {
        try diff(old: PolicyLoader.load(old), new: PolicyLoader.load(new), oldName: old.path, newName: new.path,
                 organisation: organisation, diagnostics: [], sources: [], budget: budget)
    }

    static func diff(old: PolicyLoader.Result, new: PolicyLoader.Result, oldName oldPath: String, newName newPath: String,
                     organisation: Organisation?, diagnostics found: [Diagnostic], sources loaded: [SourceFile],
                     budget: Int) throws(ServiceError) -> PolicyComparison {
        var diagnostics = old.diagnostics + new.diagnostics + found
        let sources = loaded + [old.source, new.source].compactMap { $0 }
        var bindings: [OrganisationBinding] = []
        if let o = old.policy, let n = new.policy, let organisation {
            for p in [o, n] {
                let bChecked = OrganisationBinding.bind(organisation, to: p)
                let b = bChecked.value, d = bChecked.diagnostics
                diagnostics += d
                if let b { bindings.append(b) }
            }
        }
        guard let oldPolicy = old.policy, let newPolicy = new.policy, bindings.count == 2 else {
            throw .invalidInput(InputProblems(diagnostics: diagnostics.filter { $0.severity == .error }, sources: sources, consequence: "cannot diff"))
        }
        let a = CompiledPolicy(oldPolicy), b = CompiledPolicy(newPolicy)
        var changes: [UnitDecisionChange] = [], counts: [String: Int] = [:]
        let units = bindings[0].organisation.units
        for u in units.indices {
            let da = a.decide(Array(bindings[0].values(ofUnit: u))), db = b.decide(Array(bindings[1].values(ofUnit: u)))
            let oa = a.outcome(of: da), ob = b.outcome(of: db)
            guard oa != ob else { continue }
            let kind = oa?.mode == ob?.mode ? "\(oa?.mode.rawValue ?? "none"): parameters" : "\(oa?.mode.rawValue ?? "none") → \(ob?.mode.rawValue ?? "none")"
            counts[kind, default: 0] += 1
            changes.append(UnitDecisionChange(unitID: units[u].id, name: units[u].name, old: oa.map(OutcomeValue.init), new: ob.map(OutcomeValue.init),
                                              oldRule: rule(a, da), newRule: rule(b, db), change: kind))
        }
        return PolicyComparison(old: oldPath, new: newPath, units: changes, unitsCompared: units.count, counts: counts,
                                regions: PolicyAnalyser.diff(oldPolicy, newPolicy, budget: budget))
    }

    /// The rule that decided, in words with its location.
    static func rule(_ p: CompiledPolicy, _ d: Decision) -> String {
        switch d.origin {
        case .row(let r): "row \(r + 1) (\(p.policy.path):\(p.policy.rows[Int(r)].location.line))"
        case .override(let o): "override #\(o + 1) (\(p.policy.path):\(p.policy.overrides[Int(o)].location.line))"
        case .noMatch: "no row matches"
        case .conflict(let x, let y): "rows \(x + 1) and \(y + 1) conflict"
        }
    }
}

/// A diagnosis: every unit of an organisation decided by a policy, with its explanation.
public struct Diagnosis: Sendable {
    public var policy: LoadedPolicy
    public var binding: OrganisationBinding
    /// One per unit, in the organisation's order.
    public var explanations: [Explanation]
    /// Warnings of the files (errors stop a diagnosis), and the files to render them against.
    public var warnings: [Diagnostic]
    public var sources: [SourceFile]

    /// Units that get no decision (no row matches, or two rows of a unique table).
    public var undecided: [Explanation] { explanations.filter { $0.mode == nil } }
}

/// The strategy team's use case: KPI, OKR or hybrid for every unit, with reasons.
public enum DecisionService {
    /// Decides every unit of the organisation in `orgPath` by the policy in `policyPath`.
    ///
    /// - Parameter unit: only this unit (its id), for one decision's whole story.
    public static func diagnose(organisation orgPath: String, policyPath: String, unit: String? = nil) throws(ServiceError) -> Diagnosis {
        let load = DatasetLoader.load(org: orgPath, krs: nil, checkins: nil)
        return try diagnose(PolicyLoader.load(path: policyPath), policyPath: policyPath, organisation: load.dataset?.organisation,
                            diagnostics: load.diagnostics, sources: load.sources, unit: unit)
    }

    /// Decides the units of an organisation a store holds by a policy text it keeps (the
    /// version its latest run used).
    public static func diagnose(organisation: Organisation, policy: SourceFile, unit: String? = nil) throws(ServiceError) -> Diagnosis {
        try diagnose(PolicyLoader.load(policy), policyPath: policy.path, organisation: organisation, diagnostics: [], sources: [], unit: unit)
    }

    static func diagnose(_ policyResult: PolicyLoader.Result, policyPath: String, organisation: Organisation?, diagnostics found: [Diagnostic],
                         sources loaded: [SourceFile], unit: String?) throws(ServiceError) -> Diagnosis {
        var diagnostics = policyResult.diagnostics + found
        let sources = loaded + (policyResult.source.map { [$0] } ?? [])
        var binding: OrganisationBinding?
        if let policy = policyResult.policy, let organisation {
            let boundChecked = OrganisationBinding.bind(organisation, to: policy)
            let bound = boundChecked.value, found = boundChecked.diagnostics
            binding = bound
            diagnostics += found
        }
        guard let policy = policyResult.policy, let source = policyResult.source, let binding else {
            throw .invalidInput(InputProblems(diagnostics: diagnostics, sources: sources, consequence: "cannot diagnose"))
        }
        let loaded = LoadedPolicy(policy: policy, compiled: CompiledPolicy(policy), path: policyPath,
                                  text: String(decoding: source.bytes, as: UTF8.self), diagnostics: policyResult.diagnostics, source: source)
        let units = binding.organisation.units
        let indices: [Int]
        if let unit {
            guard let index = binding.organisation.index[unit] else {
                let guess = Suggestion.closest(to: unit, among: units.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""
                throw .invalidRequest("unknown unit '\(unit)'\(guess)")
            }
            indices = [index]
        } else {
            indices = Array(units.indices)
        }
        return Diagnosis(policy: loaded, binding: binding, explanations: indices.map { loaded.compiled.explain(unit: $0, in: binding) },
                         warnings: diagnostics, sources: sources)
    }
}
