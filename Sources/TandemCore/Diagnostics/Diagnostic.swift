/// How serious a diagnostic is.
public enum Severity: String, Sendable, Codable, Comparable {
    case error, warning, note

    public static func < (a: Severity, b: Severity) -> Bool {
        let order: [Severity] = [.error, .warning, .note]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }
}

/// One problem found in an input, located in its file, in the style of a compiler diagnostic.
///
/// Detection builds these values; `DiagnosticRenderer` turns them into text. Messages follow the
/// house wording: one lowercase phrase, no final period, stated as a rule, names in quotes.
public struct Diagnostic: Sendable, Hashable, Codable {
    /// A located remark attached to a diagnostic ("first defined here").
    public struct Note: Sendable, Hashable, Codable {
        public var message: String
        public var location: SourceLocation?
        public var length: Int

        public init(_ message: String, at location: SourceLocation? = nil, length: Int = 1) {
            self.message = message
            self.location = location
            self.length = length
        }
    }

    public var severity: Severity
    /// Stable identifier from the catalogue, e.g. `C0110`.
    public var id: String
    public var message: String
    /// Where the problem starts; `nil` for problems with a file as a whole that has no lines.
    public var location: SourceLocation?
    /// How many display cells to underline from the location (at least 1).
    public var length: Int
    public var notes: [Note]

    public init(
        _ severity: Severity, _ id: String, _ message: String,
        at location: SourceLocation?, length: Int = 1, notes: [Note] = []
    ) {
        self.severity = severity
        self.id = id
        self.message = message
        self.location = location
        self.length = max(1, length)
        self.notes = notes
    }
}

extension Array where Element == Diagnostic {
    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Number of errors and of warnings.
    public var counts: (errors: Int, warnings: Int) {
        (filter { $0.severity == .error }.count, filter { $0.severity == .warning }.count)
    }

    /// Each problem once: later copies of an identical diagnostic (same id, message, place and
    /// notes) dropped, the order kept. One value applied to many units is one problem.
    public func uniqued() -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        return filter { seen.insert($0).inserted }
    }

    /// Sorted by file, line and column; problems without a location first within their file.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { lhs, rhs in
            let a = lhs.element.location, b = rhs.element.location
            switch (a, b) {
            case let (a?, b?): return a == b ? lhs.offset < rhs.offset : a < b
            case (nil, _?): return true
            case (_?, nil): return false
            case (nil, nil): return lhs.offset < rhs.offset
            }
        }.map(\.element)
    }
}

extension Diagnostic: Error {}
