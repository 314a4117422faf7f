/// Collects the diagnostics of one file, turning byte offsets into locations as they are added.
struct DiagnosticSink {
    let source: SourceFile
    var diagnostics: [Diagnostic] = []

    init(source: SourceFile) { self.source = source }

    func location(_ offset: Int) -> SourceLocation { source.location(ofOffset: offset) }

    /// A location for the file as a whole (line 0: rendered without line and column).
    var fileLocation: SourceLocation { SourceLocation(file: source.path, line: 0, column: 0) }

    /// Adds a catalogue entry at a byte offset, or for the file as a whole when `offset` is nil.
    mutating func add(_ message: some DiagnosticMessage, offset: Int?, length: Int = 1,
                      notes: [Diagnostic.Note] = []) {
        diagnostics.append(Diagnostic(message, at: offset.map(location) ?? fileLocation, length: length, notes: notes))
    }

    var hasErrors: Bool { diagnostics.hasErrors }
}
