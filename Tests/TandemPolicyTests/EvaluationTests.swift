import Foundation
import Testing
import TandemCore
@testable import TandemPolicy

func policy(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> CompiledPolicy {
    let result = PolicyLoader.load(SourceFile(path: "test.policy", text: text))
    let rendered = DiagnosticRenderer(sources: result.source.map { [$0] } ?? []).render(result.diagnostics)
    guard let p = result.policy else {
        Issue.record("policy has errors:\n\(rendered)")
        throw DiagnosticList(result.diagnostics)
    }
    return CompiledPolicy(p)
}

let schema = """
policy "t" version "1"
attribute u: level low < medium < high
attribute s: enum a | b | c
attribute n: number 0..100, default 50
attribute f: bool, default false

"""

@Suite("Evaluation semantics")
struct EvaluationTests {
    @Test func evidenceSumsToLeanAndTableDecides() throws {
        let p = try policy(schema + """
        evidence {
          u == high => okr +2 "uncertain"
          s in {a, b} => okr +1.5 "early"
          f => kpi +1 "flagged"
        }
        decide unique {
          when lean >= 2 => okr
          when lean <= -1 => kpi(cycle: annual)
          otherwise => hybrid(kpi: 70%, okr: 30%)
        }
        """)
        let d1 = p.decide([2, 0, 50, 0])
        #expect(d1.lean == 3.5)
        #expect(p.outcome(of: d1)?.mode == .okr)
        #expect(d1.origin == .row(0))
        let d2 = p.decide([0, 2, 50, 1])
        #expect(d2.lean == -1)
        #expect(p.outcome(of: d2)?.kpiCycle == .annual)
        let d3 = p.decide([1, 0, 50, 0])
        #expect(d3.lean == 1.5)
        #expect(p.outcome(of: d3)?.kpiWeight == 0.7)
        #expect(d3.origin == .row(2))
    }

    @Test func uniqueTableReportsConflictsAndGaps() throws {
        let p = try policy(schema + """
        decide unique {
          when u >= medium => okr
          when n > 40 => kpi
        }
        """)
        #expect(p.decide([2, 0, 60, 0]).origin == .conflict(0, 1))
        #expect(p.decide([0, 0, 10, 0]).origin == .noMatch)
        #expect(p.outcome(of: p.decide([0, 0, 10, 0])) == nil)
        #expect(p.decide([0, 0, 60, 0]).origin == .row(1))
    }

    @Test func firstAndPriorityHitPolicies() throws {
        let first = try policy(schema + """
        decide first {
          when u >= medium => okr
          when n > 40 => kpi
          otherwise => hybrid(kpi: 50%, okr: 50%)
        }
        """)
        #expect(first.decide([2, 0, 60, 0]).origin == .row(0))
        #expect(first.decide([0, 0, 10, 0]).origin == .row(2))
        let priority = try policy(schema + """
        decide priority {
          when u >= medium => okr priority 1
          when n > 40 => kpi priority 5
          otherwise => hybrid(kpi: 50%, okr: 50%)
        }
        """)
        #expect(priority.decide([2, 0, 60, 0]).origin == .row(1))
        #expect(priority.decide([2, 0, 10, 0]).origin == .row(0))
        #expect(priority.decide([0, 0, 10, 0]).origin == .row(2))
    }

    @Test func overridesWinAndSaySo() throws {
        let p = try policy(schema + """
        evidence {
          u == high => okr +5 "uncertain"
        }
        override "flag" when f and s == c => kpi(cycle: monthly) because "hard rule" source "policy manual §1"
        decide unique {
          when lean >= 2 => okr
          otherwise => kpi
        }
        """)
        let d = p.decide([2, 2, 50, 1])
        #expect(d.origin == .override(0))
        #expect(p.outcome(of: d)?.kpiCycle == .monthly)
        let e = p.explain(values: [2, 2, 50, 1], unitID: "u1", unitName: "单元")
        #expect(e.decidedBy == .override)
        #expect(e.override?.reason == "hard rule")
        #expect(e.overrideSource == "policy manual §1")
        #expect(e.tableWouldChoose?.number == 1)
        #expect(e.margin == nil)
    }

    @Test func derivedValuesAndArithmetic() throws {
        let p = try policy(schema + """
        let big = n * 2 - 10 >= 100
        let early = s in {a, b} and not f
        evidence {
          big => kpi +1 "big"
          early => okr +1 "early"
        }
        decide first {
          when lean > 0 => okr
          when lean < 0 => kpi
          otherwise => hybrid(kpi: 50%, okr: 50%)
        }
        """)
        #expect(p.decide([0, 0, 55, 0]).lean == 0)     // 100 ≥ 100 and early
        #expect(p.decide([0, 0, 54, 0]).lean == 1)     // 98 < 100
        #expect(p.decide([0, 2, 90, 1]).lean == -1)
    }

    @Test func explanationListsWhyNotAndMargin() throws {
        let p = try policy(schema + """
        evidence {
          u == high => okr +2 "uncertain"
          n >= 80 => kpi +1 "large"
        }
        decide unique {
          when lean >= 2 => okr
          when lean <= -1 => kpi
          otherwise => hybrid(kpi: 50%, okr: 50%)
        }
        """)
        let e = p.explain(values: [2, 0, 90, 0], unitID: "x", unitName: "x")
        #expect(e.mode == .hybrid)
        #expect(e.lean == 1)
        #expect(e.leanTowardOKR == 2 && e.leanTowardKPI == 1)
        #expect(e.margin?.toMode == .okr)
        #expect(e.margin?.distance == 1)
        let whyNotKPI = try #require(e.otherModes.first { $0.mode == .kpi })
        #expect(whyNotKPI.misses.first?.failed == ["lean <= -1 is false (lean = +1)"])
    }
}

/// A direct, tree-walking evaluation of the checked policy: the reference the flat compiled
/// form must agree with.
func referenceDecide(_ p: Policy, _ values: [Double]) -> (Int?, Double) {
    var slots = values + [Double](repeating: 0, count: p.derived.count + 1)
    func eval(_ e: CheckedExpression) -> Double {
        switch e {
        case .constant(let c): return c
        case .slot(let s): return slots[s]
        case .fact: return .nan
        case .not(let x): return eval(x) == 0 ? 1 : 0
        case .negate(let x): return -eval(x)
        case .and(let a, let b): return eval(a) != 0 && eval(b) != 0 ? 1 : 0
        case .or(let a, let b): return eval(a) != 0 || eval(b) != 0 ? 1 : 0
        case .compare(let op, let a, let b):
            let (x, y) = (eval(a), eval(b))
            switch op {
            case .eq: return x == y ? 1 : 0
            case .ne: return x != y ? 1 : 0
            case .lt: return x < y ? 1 : 0
            case .le: return x <= y ? 1 : 0
            case .gt: return x > y ? 1 : 0
            case .ge: return x >= y ? 1 : 0
            }
        case .arithmetic(let op, let a, let b):
            let (x, y) = (eval(a), eval(b))
            return op == .add ? x + y : (op == .sub ? x - y : x * y)
        case .member(let x, let set): return set.contains(eval(x)) ? 1 : 0
        }
    }
    for (i, d) in p.derived.enumerated() { slots[p.attributes.count + i] = eval(d.expression) }
    var lean = 0.0
    for e in p.evidence where eval(e.condition.expression) != 0 { lean += e.signedWeight }
    slots[p.leanSlot] = lean
    for (i, o) in p.overrides.enumerated() where eval(o.condition.expression) != 0 { return (i, lean) }
    let matches = p.rows.indices.filter { p.rows[$0].condition.map { eval($0.expression) != 0 } ?? false }
    let otherwise = p.rows.firstIndex { $0.condition == nil }
    switch p.hitPolicy {
    case .first:
        let first = p.rows.indices.first { p.rows[$0].condition.map { eval($0.expression) != 0 } ?? true }
        return (first.map { $0 + p.overrides.count }, lean)
    case .unique:
        if matches.count > 1 { return (nil, lean) }
        return ((matches.first ?? otherwise).map { $0 + p.overrides.count }, lean)
    case .priority:
        let best = matches.max { (p.rows[$0].priority ?? 0, -$0) < (p.rows[$1].priority ?? 0, -$1) }
        return ((best ?? otherwise).map { $0 + p.overrides.count }, lean)
    }
}

@Suite("The default selection policy")
struct SelectionPolicyTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Models/selection.policy").standardized.path

    @Test func checksCleanAndEveryExpectationHolds() throws {
        let result = PolicyLoader.load(path: Self.path)
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer(sources: result.source.map { [$0] } ?? []).render(result.diagnostics))")
        let p = try #require(result.policy)
        #expect(p.expectations.count >= 7)
        let compiled = CompiledPolicy(p)
        for x in p.expectations {
            let outcome = compiled.outcome(of: compiled.decide(x.values))
            #expect(outcome.map(x.expected.matches) == true, "\(x.title): got \(outcome?.description ?? "nothing")")
        }
        // Every rule carries a reason naming its source.
        #expect(p.evidence.allSatisfy { !$0.reason.isEmpty && $0.source != nil })
        #expect(p.overrides.allSatisfy { $0.source != nil })
    }

    @Test func flatFormAgreesWithReferenceOnRandomUnits() throws {
        let p = try #require(PolicyLoader.load(path: Self.path).policy)
        let compiled = CompiledPolicy(p)
        var random = SeededRandom(seed: 3)
        for _ in 0..<20_000 {
            let values = p.attributes.map { a -> Double in
                switch a.kind {
                case .level(let v), .enumeration(let v): return Double(Int.random(in: 0..<v.count, using: &random))
                case .boolean: return Double(Int.random(in: 0...1, using: &random))
                case .number(let lo, let hi): return Double(Int.random(in: Int(lo ?? 0)...Int(hi ?? 1000), using: &random))
                }
            }
            let d = compiled.decide(values)
            let (reference, lean) = referenceDecide(p, values)
            #expect(d.lean == lean)
            #expect((d.outcome >= 0 ? Int(d.outcome) : nil) == reference)
        }
    }
}

