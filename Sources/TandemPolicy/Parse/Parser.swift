import TandemCore

/// Parses policy tokens into a `PolicyFileSyntax`, reporting every syntax error of the file in
/// one pass: after an error it skips to the next rule or declaration and goes on.
struct Parser {
    private let source: SourceFile
    private let tokens: [Token]
    private var index = 0
    private(set) var diagnostics: [Diagnostic] = []

    init(source: SourceFile, tokens: [Token]) {
        self.source = source
        self.tokens = tokens
    }

    /// Signals a syntax error already reported; the caller recovers.
    struct Recover: Error {}

    // MARK: - Tokens

    private var current: Token { tokens[index] }
    private var previous: Token { tokens[max(0, index - 1)] }
    private var atEnd: Bool { current.kind == .end }

    private mutating func advance() -> Token {
        let token = current
        if !atEnd { index += 1 }
        return token
    }

    private func location(_ offset: Int) -> SourceLocation { source.location(ofOffset: offset) }

    private func width(_ range: SourceRange) -> Int {
        guard range.end > range.start else { return 1 }
        let end = min(range.end, source.bytes.count)
        // Underline to the end of the first line only.
        var stop = range.start
        while stop < end && source.bytes[stop] != 0x0A && source.bytes[stop] != 0x0D { stop += 1 }
        return max(1, String(decoding: source.bytes[range.start..<stop], as: UTF8.self).displayWidth)
    }

    private mutating func error(_ message: PolicyDiagnostic, at range: SourceRange, notes: [Diagnostic.Note] = []) {
        diagnostics.append(Diagnostic(message, at: location(range.start), length: width(range), notes: notes))
    }

    private mutating func fail(_ message: PolicyDiagnostic, at token: Token? = nil, notes: [Diagnostic.Note] = []) -> Recover {
        var range = (token ?? current).range
        // Something was missing at the end of a line: point just after the line's last token.
        if token == nil && index > 0 && (current.startsLine || atEnd) {
            range = SourceRange(previous.range.end, previous.range.end)
        }
        error(message, at: range, notes: notes)
        return Recover()
    }

    /// How the current token reads in "found …": a token on the next line means the line ended.
    private var found: String {
        index > 0 && (current.startsLine || atEnd) ? "the end of the line" : current.display
    }

    private mutating func expectSymbol(_ symbol: String, _ what: String) throws(Recover) -> Token {
        if current.isSymbol(symbol) { return advance() }
        var notes: [Diagnostic.Note] = []
        if symbol == "=>" && (current.isSymbol("=") || current.isSymbol(">=")) { notes.append(.init("an outcome follows '=>'")) }
        throw fail(.expectedSymbol(symbol, what: what, found: found), notes: notes)
    }

    private mutating func expectName(_ what: String) throws(Recover) -> Name {
        guard let text = current.identifier else {
            throw fail(.expectedName(what: what, found: found))
        }
        let token = advance()
        return Name(text: text, range: token.range)
    }

    private mutating func expectString(_ what: String) throws(Recover) -> (String, SourceRange) {
        guard case .string(let text) = current.kind else {
            var notes: [Diagnostic.Note] = []
            if current.identifier != nil && !current.startsLine { notes.append(.init("words people read are written in double quotes: \"…\"")) }
            throw fail(.expectedString(what: what, found: found), notes: notes)
        }
        let token = advance()
        return (text, token.range)
    }

    private mutating func optionalString() -> String? {
        if case .string(let text) = current.kind {
            _ = advance()
            return text
        }
        return nil
    }

    /// A rule or declaration ends where its line ends.
    private mutating func expectEndOfRule(_ what: String) throws(Recover) {
        if current.startsLine || current.isSymbol("}") || atEnd { return }
        throw fail(.expectedEndOfLine(what: what, found: found),
                   notes: [.init("each rule and declaration stands on its own line")])
    }

    /// Skips to the next token that begins a line (or a closing brace, or the end).
    private mutating func skipToNextLine() {
        _ = advance()
        while !atEnd && !current.startsLine && !current.isSymbol("}") { _ = advance() }
    }

    /// Skips to the next declaration keyword at the start of a line.
    private mutating func skipToNextDeclaration() {
        _ = advance()
        while !atEnd {
            if current.startsLine, let word = current.identifier, declarationKeywords.contains(word) { return }
            _ = advance()
        }
    }

    // MARK: - File

    mutating func parseFile() -> PolicyFileSyntax {
        var file = PolicyFileSyntax()
        while !atEnd {
            let start = index
            do throws(Recover) {
                guard let word = current.identifier, declarationKeywords.contains(word) else {
                    var notes: [Diagnostic.Note] = []
                    if let word = current.identifier, let guess = Suggestion.closest(to: word, among: declarationKeywords) {
                        notes.append(.init("did you mean '\(guess)'?"))
                    }
                    throw fail(.expectedDeclaration(found: current.display), at: current, notes: notes)
                }
                switch word {
                case "policy":
                    _ = advance()
                    file.name = try expectString("the policy's name")
                    if current.isWord("version") {
                        _ = advance()
                        file.version = try expectString("the policy's version")
                    }
                    try expectEndOfRule("policy line")
                case "attribute": file.attributes.append(try parseAttribute())
                case "let": file.derived.append(try parseDerived())
                case "evidence": file.evidence += parseEvidenceBlock()
                case "decide": file.tables.append(try parseTable())
                case "override": file.overrides.append(try parseOverride())
                case "alert": file.alerts.append(try parseAlert())
                default: file.expectations.append(try parseExpectation())
                }
            } catch {
                if index == start { _ = advance() }
                if !(current.startsLine && current.identifier.map(declarationKeywords.contains) == true) {
                    skipToNextDeclaration()
                }
            }
        }
        return file
    }

    // MARK: - Declarations

    private mutating func parseAttribute() throws(Recover) -> AttributeSyntax {
        let keyword = advance()
        let name = try expectName("an attribute name")
        _ = try expectSymbol(":", "after the attribute name")
        let typeStart = current.range.start
        guard let typeWord = current.identifier else {
            throw fail(.expectedAttributeType(found: found))
        }
        let type: AttributeSyntax.TypeSyntax
        switch typeWord {
        case "level":
            _ = advance()
            var levels = [try expectName("a level name")]
            while current.isSymbol("<") {
                _ = advance()
                levels.append(try expectName("a level name after '<'"))
            }
            if current.isSymbol(">") || current.isSymbol("|") {
                throw fail(.levelsNotOrdered(found: found))
            }
            type = .level(levels)
        case "enum":
            _ = advance()
            var values = [try expectName("a value name")]
            while current.isSymbol("|") {
                _ = advance()
                values.append(try expectName("a value name after '|'"))
            }
            if current.isSymbol("<") || current.isSymbol(",") && tokens[index + 1].identifier.map({ !["default", "changeable", "fixed"].contains($0) }) == true {
                throw fail(.enumerationNotSeparated(found: found))
            }
            type = .enumeration(values)
        case "number":
            _ = advance()
            if case .number = current.kind {} else if current.isSymbol("-") {} else {
                type = .number(min: nil, max: nil, range: nil)
                break
            }
            let rangeStart = current.range.start
            let low = try parseSignedNumber("the lowest value")
            _ = try expectSymbol("..", "between the lowest and highest value (as in 'number 0..100')")
            let high = try parseSignedNumber("the highest value")
            type = .number(min: low, max: high, range: SourceRange(rangeStart, previous.range.end))
        case "bool":
            _ = advance()
            type = .boolean
        default:
            var notes: [Diagnostic.Note] = []
            if let guess = Suggestion.closest(to: typeWord, among: ["level", "enum", "number", "bool"]) {
                notes.append(.init("did you mean '\(guess)'?"))
            }
            throw fail(.unknownAttributeType(typeWord), notes: notes)
        }
        var attribute = AttributeSyntax(name: name, type: type, typeRange: SourceRange(typeStart, previous.range.end),
                                        range: keyword.range.union(previous.range))
        while current.isSymbol(",") {
            _ = advance()
            guard let word = current.identifier else {
                throw fail(.expectedAttributeOption(found: found))
            }
            switch word {
            case "default":
                _ = advance()
                attribute.defaultValue = try parsePrimary()
            case "changeable", "fixed":
                let token = advance()
                if attribute.changeable != nil {
                    error(.repeatedChangeability, at: token.range)
                }
                attribute.changeable = word == "changeable"
                attribute.modifierRange = token.range
            default:
                var notes: [Diagnostic.Note] = []
                if let guess = Suggestion.closest(to: word, among: ["default", "changeable", "fixed"]) {
                    notes.append(.init("did you mean '\(guess)'?"))
                }
                throw fail(.unknownAttributeOption(word), notes: notes)
            }
        }
        attribute.description = optionalString()
        attribute.range = keyword.range.union(previous.range)
        try expectEndOfRule("attribute declaration")
        return attribute
    }

    private mutating func parseSignedNumber(_ what: String) throws(Recover) -> Double {
        var sign = 1.0
        if current.isSymbol("-") {
            _ = advance()
            sign = -1
        }
        guard case .number(let value) = current.kind else {
            throw fail(.expectedNumber(what: what, found: found))
        }
        _ = advance()
        return sign * value
    }

    private mutating func parseDerived() throws(Recover) -> DerivedSyntax {
        let keyword = advance()
        let name = try expectName("a name for the derived value")
        _ = try expectSymbol("=", "after the derived value's name")
        let value = try parseExpression()
        try expectEndOfRule("derived value")
        return DerivedSyntax(name: name, value: value, range: keyword.range.union(previous.range))
    }

    private mutating func parseEvidenceBlock() -> [EvidenceSyntax] {
        _ = advance()
        var rules: [EvidenceSyntax] = []
        do throws(Recover) {
            _ = try expectSymbol("{", "to open the evidence block")
        } catch {
            skipToNextDeclaration()
            return []
        }
        while !current.isSymbol("}") && !atEnd {
            // Declaration keywords are reserved, so a line starting with one is never a rule.
            if current.startsLine, let word = current.identifier, declarationKeywords.contains(word) {
                error(.unclosedEvidenceBlock(beforeDeclaration: true), at: current.range)
                return rules
            }
            do throws(Recover) {
                let start = current.range
                let condition = try parseExpression()
                _ = try expectSymbol("=>", "between the evidence's condition and its direction")
                let direction = try expectName("'okr' or 'kpi'")
                guard direction.text == "okr" || direction.text == "kpi" else {
                    var notes: [Diagnostic.Note] = []
                    if direction.text == "hybrid" { notes.append(.init("evidence leans toward okr or kpi; a hybrid is decided by the table")) }
                    throw fail(.unknownEvidenceDirection(direction.text),
                               at: Token(kind: .identifier(direction.text), range: direction.range, startsLine: false), notes: notes)
                }
                var weightStart = current.range
                if current.isSymbol("+") {
                    _ = advance()
                } else if current.isSymbol("-") {
                    throw fail(.negativeEvidenceWeight)
                }
                weightStart = weightStart.union(current.range)
                guard case .number(let weight) = current.kind else {
                    throw fail(.expectedEvidenceWeight(found: found))
                }
                // Leans are sums of weights; a cap keeps them readable and far from overflow.
                guard weight <= EvidenceSyntax.largestWeight else {
                    throw fail(.evidenceWeightTooLarge(weight))
                }
                _ = advance()
                let (reason, _) = try expectString("the evidence's reason")
                var sourceText: String?
                if current.isWord("source") {
                    _ = advance()
                    sourceText = try expectString("the source").0
                }
                try expectEndOfRule("evidence rule")
                rules.append(EvidenceSyntax(condition: condition, direction: direction, weight: weight,
                                            weightRange: weightStart, reason: reason, source: sourceText,
                                            range: start.union(previous.range)))
            } catch {
                skipToNextLine()
            }
        }
        if current.isSymbol("}") { _ = advance() } else {
            error(.unclosedEvidenceBlock(beforeDeclaration: false), at: current.range)
        }
        return rules
    }

    private mutating func parseTable() throws(Recover) -> TableSyntax {
        let keyword = advance()
        var hitPolicy: Name?
        if let word = current.identifier, !current.isSymbol("{") {
            hitPolicy = Name(text: word, range: advance().range)
        }
        _ = try expectSymbol("{", "to open the decision table")
        var rows: [RowSyntax] = []
        while !current.isSymbol("}") && !atEnd {
            if current.startsLine, let word = current.identifier, declarationKeywords.contains(word) {
                error(.unclosedDecisionTable(beforeDeclaration: true), at: current.range)
                return TableSyntax(hitPolicy: hitPolicy, rows: rows, range: keyword.range)
            }
            do throws(Recover) {
                let start = current.range
                var condition: ExpressionSyntax?
                var conditionRange = current.range
                if current.isWord("otherwise") {
                    _ = advance()
                } else if current.isWord("when") {
                    _ = advance()
                    let c = try parseExpression()
                    condition = c
                    conditionRange = c.range
                } else {
                    var notes: [Diagnostic.Note] = []
                    if let word = current.identifier, let guess = Suggestion.closest(to: word, among: ["when", "otherwise"]) {
                        notes.append(.init("did you mean '\(guess)'?"))
                    }
                    throw fail(.expectedRow(found: current.display), at: current, notes: notes)
                }
                _ = try expectSymbol("=>", "between the row's condition and its outcome")
                let outcome = try parseOutcome()
                var priority: (Double, SourceRange)?
                if current.isWord("priority") {
                    _ = advance()
                    guard case .number(let p) = current.kind else {
                        throw fail(.expectedPriority(found: found))
                    }
                    priority = (p, advance().range)
                }
                let reason = optionalString()
                try expectEndOfRule("row")
                rows.append(RowSyntax(condition: condition, conditionRange: conditionRange, outcome: outcome,
                                      priority: priority, reason: reason, range: start.union(previous.range)))
            } catch {
                // A row may span lines: skip to the next line that starts a row.
                skipToNextLine()
                while !atEnd && !current.isSymbol("}") && !(current.startsLine && (current.isWord("when") || current.isWord("otherwise")
                        || current.identifier.map(declarationKeywords.contains) == true)) {
                    _ = advance()
                }
            }
        }
        if current.isSymbol("}") { _ = advance() } else {
            error(.unclosedDecisionTable(beforeDeclaration: false), at: current.range)
        }
        return TableSyntax(hitPolicy: hitPolicy, rows: rows, range: keyword.range)
    }

    private mutating func parseOutcome() throws(Recover) -> OutcomeSyntax {
        let mode = try expectName("an outcome (kpi, okr or hybrid)")
        var parameters: [OutcomeSyntax.Parameter] = []
        if current.isSymbol("(") {
            _ = advance()
            if !current.isSymbol(")") {
                repeat {
                    if current.isSymbol(",") { _ = advance() }
                    let name = try expectName("a parameter name")
                    _ = try expectSymbol(":", "after the parameter name")
                    parameters.append(.init(name: name, value: try parseParameterValue()))
                } while current.isSymbol(",")
            }
            _ = try expectSymbol(")", "to close the outcome's parameters")
        }
        return OutcomeSyntax(mode: mode, parameters: parameters, range: mode.range.union(previous.range))
    }

    private mutating func parseParameterValue() throws(Recover) -> ParameterValueSyntax {
        switch current.kind {
        case .percent(let p):
            return .percent(p, advance().range)
        case .number(let n):
            return .number(n, advance().range)
        case .identifier(let word):
            let name = Name(text: word, range: advance().range)
            if current.isSymbol("(") {
                _ = advance()
                let inner = try parseParameterValue()
                _ = try expectSymbol(")", "to close '\(word)('")
                return .call(name, inner)
            }
            return .word(name)
        default:
            throw fail(.expectedParameterValue(found: found))
        }
    }

    private mutating func parseOverride() throws(Recover) -> OverrideSyntax {
        let keyword = advance()
        let title = optionalString()
        guard current.isWord("when") else {
            throw fail(.expectedOverrideCondition(found: found))
        }
        _ = advance()
        let condition = try parseExpression()
        _ = try expectSymbol("=>", "between the override's condition and its outcome")
        let outcome = try parseOutcome()
        guard current.isWord("because") else {
            throw fail(.overrideWithoutReason(found: found),
                       notes: [.init("a hard constraint wins over every table row, so its reason is shown in every explanation it decides")])
        }
        _ = advance()
        let (reason, _) = try expectString("the override's reason")
        var sourceText: String?
        if current.isWord("source") {
            _ = advance()
            sourceText = try expectString("the source").0
        }
        try expectEndOfRule("override")
        return OverrideSyntax(title: title, condition: condition, outcome: outcome, reason: reason, source: sourceText,
                              range: keyword.range.union(previous.range))
    }

    private mutating func parseAlert() throws(Recover) -> AlertSyntax {
        let keyword = advance()
        let (title, _) = try expectString("the alert's title")
        let severity = try expectName("a severity (info, warning, critical)")
        guard current.isWord("when") else {
            throw fail(.expectedAlertCondition(found: found))
        }
        _ = advance()
        let condition = try parseExpression()
        var reason: String?
        if current.isWord("because") {
            _ = advance()
            reason = try expectString("the alert's reason").0
        }
        try expectEndOfRule("alert")
        return AlertSyntax(title: title, severity: severity, condition: condition, reason: reason,
                           range: keyword.range.union(previous.range))
    }

    private mutating func parseExpectation() throws(Recover) -> ExpectationSyntax {
        let keyword = advance()
        let (title, titleRange) = try expectString("the expectation's name")
        _ = try expectSymbol("{", "to open the example unit's attribute values")
        var values: [(Name, ExpressionSyntax)] = []
        while !current.isSymbol("}") && !atEnd {
            if current.isSymbol(",") {
                _ = advance()
                continue
            }
            let name = try expectName("an attribute name")
            _ = try expectSymbol(":", "after '\(name.text)'")
            values.append((name, try parsePrimary()))
        }
        _ = try expectSymbol("}", "to close the example unit")
        _ = try expectSymbol("=>", "between the example unit and the decision it must get")
        let outcome = try parseOutcome()
        try expectEndOfRule("expectation")
        return ExpectationSyntax(title: title, titleRange: titleRange, values: values, outcome: outcome,
                                 range: keyword.range.union(previous.range))
    }

    // MARK: - Expressions

    /// Nesting depth of the expression being parsed; bounded so that no input can exhaust the stack.
    private var depth = 0
    static let maximumDepth = 100

    /// Operators in the expression being parsed: a long chain builds a deep tree too.
    private var operators = 0
    static let maximumOperators = 500

    private mutating func countOperator() throws(Recover) {
        operators += 1
        if operators > Self.maximumOperators {
            throw fail(.tooManyOperators(maximum: Self.maximumOperators))
        }
    }

    mutating func parseExpression() throws(Recover) -> ExpressionSyntax {
        if depth == 0 { operators = 0 }
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth {
            throw fail(.nestedTooDeeply(maximum: Self.maximumDepth))
        }
        return try parseOr()
    }

    private mutating func parseOr() throws(Recover) -> ExpressionSyntax {
        var left = try parseAnd()
        while current.isWord("or") {
            try countOperator()
            let op = advance()
            left = .binary(op: "or", opRange: op.range, left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws(Recover) -> ExpressionSyntax {
        var left = try parseNot()
        while current.isWord("and") {
            try countOperator()
            let op = advance()
            left = .binary(op: "and", opRange: op.range, left, try parseNot())
        }
        return left
    }

    private mutating func parseNot() throws(Recover) -> ExpressionSyntax {
        if current.isWord("not") {
            let op = advance()
            depth += 1
            defer { depth -= 1 }
            if depth > Self.maximumDepth { throw fail(.nestedTooDeeply(maximum: Self.maximumDepth)) }
            return .unary(op: "not", try parseNot(), op.range)
        }
        return try parseComparison()
    }

    private static let comparisons = ["==", "!=", "<", "<=", ">", ">="]

    private mutating func parseComparison() throws(Recover) -> ExpressionSyntax {
        let left = try parseSum()
        if case .symbol(let s) = current.kind, Self.comparisons.contains(s) {
            let op = advance()
            let right = try parseSum()
            if case .symbol(let next) = current.kind, Self.comparisons.contains(next) {
                throw fail(.chainedComparison)
            }
            return .binary(op: s, opRange: op.range, left, right)
        }
        if current.isSymbol("=") {
            throw fail(.assignmentInCondition)
        }
        if current.isWord("in") {
            let op = advance()
            _ = try expectSymbol("{", "after 'in' (as in 'stage in {startup, growth}')")
            var items: [ExpressionSyntax] = []
            repeat {
                if current.isSymbol(",") { _ = advance() }
                items.append(try parsePrimary())
            } while current.isSymbol(",")
            let close = try expectSymbol("}", "to close the set")
            return .membership(left, items, op.range.union(close.range))
        }
        return left
    }

    private mutating func parseSum() throws(Recover) -> ExpressionSyntax {
        var left = try parseProduct()
        while current.isSymbol("+") || current.isSymbol("-") {
            try countOperator()
            let op = advance()
            left = .binary(op: op.isSymbol("+") ? "+" : "-", opRange: op.range, left, try parseProduct())
        }
        return left
    }

    private mutating func parseProduct() throws(Recover) -> ExpressionSyntax {
        var left = try parseUnary()
        while current.isSymbol("*") {
            try countOperator()
            let op = advance()
            left = .binary(op: "*", opRange: op.range, left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(Recover) -> ExpressionSyntax {
        if current.isSymbol("-") {
            let op = advance()
            depth += 1
            defer { depth -= 1 }
            if depth > Self.maximumDepth { throw fail(.nestedTooDeeply(maximum: Self.maximumDepth)) }
            return .unary(op: "-", try parseUnary(), op.range)
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(Recover) -> ExpressionSyntax {
        let token = current
        switch token.kind {
        case .number(let n):
            _ = advance()
            return .number(n, token.range)
        case .percent(let p):
            _ = advance()
            return .percent(p, token.range)
        case .identifier(let word):
            _ = advance()
            if word == "true" || word == "false" { return .boolean(word == "true", token.range) }
            let name = Name(text: word, range: token.range)
            if current.isSymbol(".") {
                _ = advance()
                let member = try expectName("a name after '.'")
                return .member(name, member)
            }
            return .name(name)
        case .symbol("("):
            _ = advance()
            let inner = try parseExpression()
            _ = try expectSymbol(")", "to close '('")
            return inner
        case .symbol("-"):
            _ = advance()
            guard case .number(let n) = current.kind else {
                throw fail(.expectedValue(found: found))
            }
            let end = advance()
            return .number(-n, token.range.union(end.range))
        default:
            var notes: [Diagnostic.Note] = []
            if case .string = token.kind { notes.append(.init("quoted text is for reasons and names; values such as levels are written bare: uncertainty == high")) }
            throw fail(.expectedValue(found: token.display), notes: notes)
        }
    }
}
