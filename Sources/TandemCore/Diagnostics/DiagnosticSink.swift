/// Collects the diagnostics of one file, turning byte offsets into locations as they are added.
struct DiagnosticSink {
    let source: SourceFile
    var diagnostics: [Diagnostic] = []

    init(source: SourceFile) { self.source = source }

    func location(_ offset: Int) -> SourceLocation { source.location(ofOffset: offset) }

    /// A location for the file as a whole (line 0: rendered without line and column).
    var fileLocation: SourceLocation { SourceLocation(file: source.path, line: 0, column: 0) }

    mutating func add(_ severity: Severity, _ id: String, _ message: String, offset: Int?,
                      length: Int = 1, notes: [Diagnostic.Note] = []) {
        diagnostics.append(Diagnostic(severity, id, message, at: offset.map(location) ?? fileLocation,
                                      length: length, notes: notes))
    }

    mutating func error(_ id: String, _ message: String, offset: Int?, length: Int = 1,
                        notes: [Diagnostic.Note] = []) {
        add(.error, id, message, offset: offset, length: length, notes: notes)
    }

    mutating func warning(_ id: String, _ message: String, offset: Int?, length: Int = 1,
                          notes: [Diagnostic.Note] = []) {
        add(.warning, id, message, offset: offset, length: length, notes: notes)
    }

    var hasErrors: Bool { diagnostics.hasErrors }
}
