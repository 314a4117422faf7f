import TandemCore

/// A byte range in a policy file.
public struct SourceRange: Sendable, Hashable {
    public var start: Int
    public var end: Int

    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = end
    }

    /// The range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(min(start, other.start), max(end, other.end))
    }
}

/// A lexical token of the policy language.
struct Token: Sendable, Equatable {
    /// The largest number a policy may write (10^15).
    static let largestNumber = 1e15
    enum Kind: Sendable, Equatable {
        case identifier(String)
        case number(Double)
        case percent(Double)       // 40% → 40
        case string(String)
        case symbol(String)        // : , { } ( ) => == != <= >= < > = | . + - * ..
        case end
    }

    var kind: Kind
    var range: SourceRange
    /// Whether a line break separates this token from the previous one.
    var startsLine: Bool

    var identifier: String? {
        if case .identifier(let name) = kind { return name }
        return nil
    }

    func isSymbol(_ s: String) -> Bool { kind == .symbol(s) }
    func isWord(_ w: String) -> Bool { kind == .identifier(w) }

    /// How the token reads in a message.
    var display: String {
        switch kind {
        case .identifier(let name): return "'\(name)'"
        case .number(let n): return "number \(PolicyFormat.number(n))"
        case .percent(let p): return "'\(PolicyFormat.number(p))%'"
        case .string: return "a string"
        case .symbol(let s): return "'\(s)'"
        case .end: return "the end of the file"
        }
    }
}

/// Words that cannot name an attribute or a derived value.
let reservedWords: Set<String> = [
    "and", "or", "not", "in", "true", "false", "when", "otherwise", "let", "attribute", "evidence",
    "decide", "override", "alert", "expect", "policy", "because", "lean", "kr", "unit",
]

/// Words that start a declaration.
let declarationKeywords = ["policy", "attribute", "let", "evidence", "decide", "override", "alert", "expect"]

public enum PolicyFormat {
    /// A share as a percentage, rounded to a millionth of a percent: 0.6 + 0.5 → "110%".
    public static func percent(_ share: Double) -> String { number((share * 100 * 1e6).rounded() / 1e6) + "%" }

    /// A number without a trailing `.0`.
    public static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
