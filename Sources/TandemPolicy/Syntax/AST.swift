/// The syntax tree of a policy file, as written: names are unresolved and types unchecked.
/// `PolicyChecker` turns it into a `Policy`.
struct PolicyFileSyntax: Sendable {
    var name: (String, SourceRange)?
    var version: (String, SourceRange)?
    var attributes: [AttributeSyntax] = []
    var derived: [DerivedSyntax] = []
    var evidence: [EvidenceSyntax] = []
    var tables: [TableSyntax] = []
    var overrides: [OverrideSyntax] = []
    var alerts: [AlertSyntax] = []
    var expectations: [ExpectationSyntax] = []
}

struct Name: Sendable, Hashable {
    var text: String
    var range: SourceRange
}

struct AttributeSyntax: Sendable {
    enum TypeSyntax: Sendable {
        case level([Name])
        case enumeration([Name])
        case number(min: Double?, max: Double?, range: SourceRange?)
        case boolean
    }

    var name: Name
    var type: TypeSyntax
    var typeRange: SourceRange
    var defaultValue: ExpressionSyntax?
    var changeable: Bool?
    var modifierRange: SourceRange?
    var description: String?
    var range: SourceRange
}

struct DerivedSyntax: Sendable {
    var name: Name
    var value: ExpressionSyntax
    var range: SourceRange
}

indirect enum ExpressionSyntax: Sendable {
    case number(Double, SourceRange)
    case percent(Double, SourceRange)
    case boolean(Bool, SourceRange)
    case name(Name)
    /// `kr.progress`, `unit.mode`.
    case member(Name, Name)
    case unary(op: String, ExpressionSyntax, SourceRange)
    case binary(op: String, opRange: SourceRange, ExpressionSyntax, ExpressionSyntax)
    case membership(ExpressionSyntax, [ExpressionSyntax], SourceRange)

    var range: SourceRange {
        switch self {
        case .number(_, let r), .percent(_, let r), .boolean(_, let r): return r
        case .name(let n): return n.range
        case .member(let a, let b): return a.range.union(b.range)
        case .unary(_, let e, let r): return r.union(e.range)
        case .binary(_, _, let a, let b): return a.range.union(b.range)
        case .membership(let e, _, let r): return e.range.union(r)
        }
    }
}

struct EvidenceSyntax: Sendable {
    /// The largest weight one evidence rule may carry.
    static let largestWeight = 1000.0
    var condition: ExpressionSyntax
    var direction: Name            // okr | kpi
    var weight: Double
    var weightRange: SourceRange
    var reason: String
    var source: String?
    var range: SourceRange
}

struct OutcomeSyntax: Sendable {
    struct Parameter: Sendable {
        var name: Name
        var value: ParameterValueSyntax
    }

    var mode: Name
    var parameters: [Parameter]
    var range: SourceRange
}

indirect enum ParameterValueSyntax: Sendable {
    case percent(Double, SourceRange)
    case number(Double, SourceRange)
    case word(Name)
    case call(Name, ParameterValueSyntax)   // partial(30%)

    var range: SourceRange {
        switch self {
        case .percent(_, let r), .number(_, let r): return r
        case .word(let n): return n.range
        case .call(let n, let v): return n.range.union(v.range)
        }
    }
}

struct RowSyntax: Sendable {
    var condition: ExpressionSyntax?   // nil: otherwise
    var conditionRange: SourceRange
    var outcome: OutcomeSyntax
    var priority: (Double, SourceRange)?
    var reason: String?
    var range: SourceRange
}

struct TableSyntax: Sendable {
    var hitPolicy: Name?
    var rows: [RowSyntax]
    var range: SourceRange
}

struct OverrideSyntax: Sendable {
    var title: String?
    var condition: ExpressionSyntax
    var outcome: OutcomeSyntax
    var reason: String
    var source: String?
    var range: SourceRange
}

struct AlertSyntax: Sendable {
    var title: String
    var severity: Name
    var condition: ExpressionSyntax
    var reason: String?
    var range: SourceRange
}

struct ExpectationSyntax: Sendable {
    var title: String
    var titleRange: SourceRange
    var values: [(Name, ExpressionSyntax)]
    var outcome: OutcomeSyntax
    var range: SourceRange
}
