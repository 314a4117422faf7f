/// A diagnostic's stable id, severity and message, defined once in its module's catalogue
/// (`CoreDiagnostic`, `PolicyDiagnostic`, `ScenarioDiagnostic`), the way swift-syntax's
/// `DiagnosticMessage` is.
///
/// Detection code names the problem (`CoreDiagnostic.emptyValue(key: "kr_id")`) and says where it
/// is; the wording and the id live in the catalogue only, so that each id keeps one meaning and
/// every message the house wording.
public protocol DiagnosticMessage: Sendable {
    /// Stable identifier, e.g. `C0110`: a letter for the module, four digits.
    var id: String { get }
    var severity: Severity { get }
    /// One lowercase phrase, no final period, stated as a rule.
    var message: String { get }
}

extension Diagnostic {
    /// A diagnostic from a catalogue entry, located in its file.
    public init(_ message: some DiagnosticMessage, at location: SourceLocation?, length: Int = 1, notes: [Note] = []) {
        self.init(message.severity, message.id, message.message, at: location, length: length, notes: notes)
    }
}
