import Yams

/// Walks a YAML node tree (organisation files, scenario files), collecting located diagnostics
/// in the house wording.
public struct YAMLReader {
    public let path: String
    public var diagnostics: [Diagnostic] = []

    public init(path: String) { self.path = path }

    /// Composes a file into a node tree: refuses an empty file, bytes that are not UTF-8 and YAML
    /// syntax errors, each with its location.
    ///
    /// - Parameter expecting: what the file should hold, for the "file is empty" message.
    public static func compose(_ source: SourceFile, expecting: String) -> Checked<Node?> {
        var sink = DiagnosticSink(source: source)
        let bomLength = source.hasByteOrderMark ? 3 : 0
        if source.bytes[bomLength...].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            sink.add(CoreDiagnostic.emptyFile(expecting: expecting), offset: nil)
            return Checked(nil, sink.diagnostics)
        }
        let invalid = source.bytes.withUnsafeBufferPointer { UTF8Validation.invalidOffsets(in: $0) }
        if !invalid.isEmpty {
            for offset in invalid {
                sink.add(CoreDiagnostic.invalidUTF8(byte: source.bytes[offset]), offset: offset)
            }
            return Checked(nil, sink.diagnostics)
        }
        let text = joiningSurrogateEscapes(String(decoding: source.bytes[bomLength...], as: UTF8.self))
        do {
            guard let node = try Yams.compose(yaml: text) else {
                sink.add(CoreDiagnostic.emptyFile(expecting: expecting), offset: nil)
                return Checked(nil, sink.diagnostics)
            }
            return Checked(node, [])
        } catch let error as YamlError {
            return Checked(nil, [diagnostic(for: error, path: source.path)])
        } catch {
            sink.add(CoreDiagnostic.invalidYAML(problem: String(describing: error)), offset: nil)
            return Checked(nil, sink.diagnostics)
        }
    }

    /// JSON writes a character beyond the Basic Multilingual Plane (an emoji) as two escapes,
    /// `\ud83d\ude80`, as Python's and PHP's encoders do by default; libYAML takes each escape
    /// alone and refuses the pair. Each such pair becomes its character before composing (a
    /// value after it on the same line is then reported a few columns early).
    static func joiningSurrogateEscapes(_ text: String) -> String {
        guard text.contains("\\u") || text.contains("\\U") else { return text }
        var scalars = Array(text.unicodeScalars), out = String.UnicodeScalarView(), i = 0
        func hex(_ at: Int) -> UInt32? {
            guard at + 6 <= scalars.count, scalars[at] == "\\", scalars[at + 1] == "u" || scalars[at + 1] == "U" else { return nil }
            return UInt32(String(String.UnicodeScalarView(scalars[(at + 2)..<(at + 6)])), radix: 16)
        }
        while i < scalars.count {
            if scalars[i] == "\\", let high = hex(i), (0xD800...0xDBFF).contains(high), let low = hex(i + 6), (0xDC00...0xDFFF).contains(low),
               let joined = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) {
                out.append(joined)
                i += 12
                continue
            }
            // A backslash escaping a backslash is kept with it (`\\ud83d` is not an escape of ours).
            if scalars[i] == "\\", i + 1 < scalars.count, scalars[i + 1] == "\\" {
                out.append(scalars[i])
                out.append(scalars[i + 1])
                i += 2
                continue
            }
            out.append(scalars[i])
            i += 1
        }
        scalars = []
        return String(out)
    }

    static func diagnostic(for error: YamlError, path: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: path, line: mark.line, column: mark.column) }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            var notes: [Diagnostic.Note] = []
            if let context { notes.append(Diagnostic.Note(context.text, at: at(context.mark))) }
            return Diagnostic(CoreDiagnostic.invalidYAML(problem: problem), at: at(mark), notes: notes)
        case let .duplicatedKeysInMapping(duplicates, context):
            return Diagnostic(CoreDiagnostic.duplicateKeys(duplicates), at: at(context.mark))
        default:
            return Diagnostic(CoreDiagnostic.invalidYAML(problem: String(describing: error)),
                              at: SourceLocation(file: path, line: 0, column: 0))
        }
    }

    public func location(_ node: Node) -> SourceLocation {
        node.mark.map { SourceLocation(file: path, line: $0.line, column: $0.column) }
            ?? SourceLocation(file: path, line: 0, column: 0)
    }

    /// Display width of a scalar as written (quotes included), for the caret underline.
    public func width(_ node: Node) -> Int {
        guard case .scalar(let scalar) = node else { return 1 }
        let quotes = scalar.style == .singleQuoted || scalar.style == .doubleQuoted ? 2 : 0
        return max(1, scalar.string.displayWidth + quotes)
    }

    /// Adds a catalogue entry located at a node, underlining the node's scalar as written.
    public mutating func add(_ message: some DiagnosticMessage, at node: Node, notes: [Diagnostic.Note] = []) {
        diagnostics.append(Diagnostic(message, at: location(node), length: width(node), notes: notes))
    }

    public func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// A scalar string, or a diagnostic saying what was expected.
    public mutating func string(_ node: Node, key: String) -> String? {
        guard case .scalar(let scalar) = node else {
            add(CoreDiagnostic.notText(key: key, found: describe(node)), at: node)
            return nil
        }
        if scalar.string.isEmpty || isNull(scalar) {
            add(CoreDiagnostic.emptyValue(key: key), at: node)
            return nil
        }
        return scalar.string
    }

    /// A plain `~`, `null` or empty scalar: YAML's null.
    public func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    public mutating func checkKeys(_ mapping: Node.Mapping, allowed: [String], what: String) {
        for (key, _) in mapping {
            guard case .scalar(let k) = key else {
                add(CoreDiagnostic.keyNotText(in: what, found: describe(key)), at: key)
                continue
            }
            if !allowed.contains(k.string) {
                var notes = [Diagnostic.Note]()
                if let guess = Suggestion.closest(to: k.string, among: allowed) {
                    notes.append(Diagnostic.Note("did you mean '\(guess)'?"))
                } else {
                    notes.append(Diagnostic.Note("\(what) may have: \(allowed.joined(separator: ", "))"))
                }
                add(CoreDiagnostic.unknownKey(k.string, in: what), at: key, notes: notes)
            }
        }
    }

    /// An attribute value as written (text, number or boolean, by YAML's own typing), with its
    /// location; a diagnostic when it is null.
    public mutating func attributeValue(_ node: Node, _ v: Node.Scalar, name: String) -> AttributeValue? {
        let kind: AttributeValue.Kind
        let resolved: Tag.Name = v.style == .plain ? Resolver.default.resolveTag(of: node) : .str
        if resolved == .int || resolved == .float {
            kind = Double(v.string) != nil ? .number : .string
        } else if resolved == .bool {
            kind = .boolean
        } else if isNull(v) {
            add(CoreDiagnostic.attributeWithoutValue(name: name), at: node)
            return nil
        } else {
            kind = .string
        }
        return AttributeValue(kind: kind, text: v.string, location: location(node))
    }
}
