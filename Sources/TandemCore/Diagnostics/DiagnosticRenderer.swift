/// Renders diagnostics as text editors and people understand:
///
/// ```
/// datasets/checkins.csv:418:17: error: value must be a number, found 'abc' [C0110]
///    418 | KR-1,2026-01-05,abc
///        |                 ^~~
/// note: did you mean 'value'?
/// ```
///
/// The caret is placed by display width, so it stays under the right character when the line
/// holds Chinese text.
public struct DiagnosticRenderer: Sendable {
    /// Longest excerpt shown, in Unicode scalars.
    static let maximumExcerpt = 120
    private var sources: [String: SourceFile]

    /// A renderer that can quote lines from these files.
    public init(sources: [SourceFile]) {
        var map: [String: SourceFile] = [:]
        for source in sources { map[source.path] = source }
        self.sources = map
    }

    /// The full text of one diagnostic, ending with a newline.
    public func render(_ diagnostic: Diagnostic) -> String {
        var out = ""
        if let location = diagnostic.location {
            out += location.line > 0 ? "\(location): " : "\(location.file): "
        }
        out += "\(diagnostic.severity.rawValue): \(diagnostic.message) [\(diagnostic.id)]\n"
        if let location = diagnostic.location {
            out += excerpt(at: location, length: diagnostic.length)
        }
        for note in diagnostic.notes {
            if let location = note.location, location.line > 0 {
                out += "\(location): note: \(note.message)\n"
                out += excerpt(at: location, length: note.length)
            } else {
                out += "note: \(note.message)\n"
            }
        }
        return out
    }

    /// All diagnostics, in order of location.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.sortedByLocation().map(render).joined()
    }

    private func excerpt(at location: SourceLocation, length: Int) -> String {
        guard let source = sources[location.file], !source.bytes.isEmpty,
              location.line >= 1, location.line <= source.lineCount
        else { return "" }
        var text = source.text(ofLine: location.line).replacingTabs()
        var column = location.column
        // A very long line (minified JSON, a mangled file) is shown as a window around the caret.
        let scalars = Array(text.unicodeScalars)
        if scalars.count > Self.maximumExcerpt {
            let start = max(0, min(column - 1 - Self.maximumExcerpt / 3, scalars.count - Self.maximumExcerpt))
            let end = min(scalars.count, start + Self.maximumExcerpt)
            var window = String(String.UnicodeScalarView(scalars[start..<end]))
            if start > 0 { window = "…" + window; column = column - start + 1 }
            if end < scalars.count { window += "…" }
            text = window
        }
        let gutter = String(location.line)
        let width = max(5, gutter.count + 1)
        let prefix = text.unicodeScalars.prefix(max(0, column - 1))
        let indent = prefix.reduce(0) { $0 + $1.displayWidth }
        let underline = "^" + String(repeating: "~", count: max(0, min(length, Self.maximumExcerpt) - 1))
        return gutter.padded(toWidth: width, alignRight: true) + " | " + text + "\n"
            + String(repeating: " ", count: width) + " | "
            + String(repeating: " ", count: indent) + underline + "\n"
    }
}

extension String {
    /// Tabs become single spaces so that columns and carets stay in step.
    fileprivate func replacingTabs() -> String {
        String(unicodeScalars.map { $0 == "\t" ? " " : Character($0) })
    }
}
