/// What reading or checking produced, with the problems found on the way: the value (nil, for
/// an optional one, when an error stops it) and every diagnostic, located.
public struct Checked<Value> {
    public var value: Value
    public var diagnostics: [Diagnostic]

    public init(_ value: Value, _ diagnostics: [Diagnostic]) {
        self.value = value
        self.diagnostics = diagnostics
    }
}

extension Checked: Sendable where Value: Sendable {}
