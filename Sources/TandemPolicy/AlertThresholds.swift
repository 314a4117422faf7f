import TandemCore

/// A P(success) line an alert rule draws: the rule fires (other conditions permitting) below
/// it, for key results of the given kinds. Charts draw these across a key result's forecasts.
public struct AlertThreshold: Sendable, Hashable {
    public var severity: AlertSeverity
    public var title: String
    /// The kinds the rule names (`kr.kind == …` or `kr.kind in {…}`); nil when it names none.
    public var kinds: Set<String>?
    public var pSuccess: Double

    /// Whether the rule concerns a key result of this kind.
    public func applies(to kind: String) -> Bool { kinds?.contains(kind) ?? true }
}

extension PolicyLoader {
    /// The P(success) thresholds of a policy's alert rules: each rule's `kr.p_success < c` (or
    /// `<= c`) among the conditions it joins with `and`. A policy that does not parse has none.
    public static func alertThresholds(text: String) -> [AlertThreshold] {
        let source = SourceFile(path: "policy", bytes: Array(text.utf8))
        var lexer = Lexer(source: source)
        var parser = Parser(source: source, tokens: lexer.tokenize())
        let syntax = parser.parseFile()
        var found: [AlertThreshold] = []
        for alert in syntax.alerts {
            guard let severity = AlertSeverity(rawValue: alert.severity.text) else { continue }
            var kinds: Set<String>?, threshold: Double?
            func walk(_ e: ExpressionSyntax) {
                switch e {
                case .binary(let op, _, let a, let b) where op == "and":
                    walk(a)
                    walk(b)
                case .binary(let op, _, .member(let o, let m), .number(let c, _)) where o.text == "kr" && m.text == "p_success" && (op == "<" || op == "<="):
                    threshold = c
                case .binary(let op, _, .member(let o, let m), .percent(let c, _)) where o.text == "kr" && m.text == "p_success" && (op == "<" || op == "<="):
                    threshold = c / 100
                case .binary(let op, _, .member(let o, let m), .name(let n)) where o.text == "kr" && m.text == "kind" && op == "==":
                    kinds = [n.text]
                case .membership(.member(let o, let m), let list, _) where o.text == "kr" && m.text == "kind":
                    kinds = Set(list.compactMap { if case .name(let n) = $0 { n.text } else { nil } })
                default:
                    break
                }
            }
            walk(alert.condition)
            if let threshold, threshold.isFinite { found.append(AlertThreshold(severity: severity, title: alert.title, kinds: kinds, pSuccess: threshold)) }
        }
        return found
    }
}
