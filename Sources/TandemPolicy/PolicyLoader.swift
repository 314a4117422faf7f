import TandemCore

/// Reads, parses and checks a policy file.
public enum PolicyLoader {
    /// The outcome of loading: the checked policy when there is no error, every diagnostic, and
    /// the source for rendering them.
    public struct Result: Sendable {
        public var policy: Policy?
        public var diagnostics: [Diagnostic]
        public var source: SourceFile?
    }

    /// Loads a policy from a file.
    public static func load(path: String) -> Result {
        switch DatasetLoader.read(path) {
        case .success(let source): return load(source)
        case .failure(let list): return Result(policy: nil, diagnostics: list.diagnostics, source: nil)
        }
    }

    /// Loads a policy from source text.
    public static func load(_ source: SourceFile) -> Result {
        let invalid = source.bytes.withUnsafeBufferPointer { UTF8Validation.invalidOffsets(in: $0) }
        if !invalid.isEmpty {
            return Result(policy: nil, diagnostics: invalid.map {
                Diagnostic(PolicyDiagnostic.invalidUTF8(byte: source.bytes[$0]), at: source.location(ofOffset: $0))
            }, source: source)
        }
        var lexer = Lexer(source: source)
        let tokens = lexer.tokenize()
        var parser = Parser(source: source, tokens: tokens)
        let syntax = parser.parseFile()
        var checker = PolicyChecker(source: source)
        var diagnostics = lexer.diagnostics + parser.diagnostics
        // Names and types are checked even after syntax errors, to report everything at once;
        // a policy with any error is not returned.
        let policy = checker.check(syntax)
        diagnostics += checker.diagnostics
        // A number too large is read as 0 so that the rest still checks; what follows from that
        // 0 (a weight that must be positive, say) is the same problem, reported once.
        let tooLarge = diagnostics.filter { $0.id == PolicyDiagnostic.numberTooLargeID }.compactMap { d in d.location.map { ($0, d.length) } }
        if !tooLarge.isEmpty {
            diagnostics.removeAll { d in
                guard d.id != PolicyDiagnostic.numberTooLargeID, let at = d.location else { return false }
                return tooLarge.contains { big, length in
                    big.line == at.line && at.column >= big.column - 1 && at.column < big.column + max(length, 1)
                }
            }
        }
        return Result(policy: diagnostics.hasErrors ? nil : policy, diagnostics: diagnostics, source: source)
    }
}

