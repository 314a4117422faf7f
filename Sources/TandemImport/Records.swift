import Foundation
import TandemCore
import Yams

/// A value of an export with where it is.
public struct Located: Sendable {
    public var text: String
    public var at: SourceLocation
    /// The export's name for it (a column, a JSON key path).
    public var name: String

    public func field(_ text: String? = nil) -> ImportDraft.Field { ImportDraft.Field(text ?? self.text, at: at, source: name) }
}

/// The records of an export, CSV or JSON, read field by field by name: a column of a CSV file,
/// a key path (`metric.target_number_value`) within a JSON object.
public protocol RecordList {
    var count: Int { get }
    /// Where record `i` starts.
    func location(_ i: Int) -> SourceLocation
    /// Record `i`'s value of `name`; nil when the record has none (an empty or null one included).
    func value(_ i: Int, _ name: String) -> Located?
    /// Whether the export has the field at all (a CSV column; any record with the key path).
    func has(_ name: String) -> Bool
    /// Names the export has that are close to `name`, for a did-you-mean.
    func names() -> [String]
}

/// The records of a CSV export. Header names are matched trimmed and without case; a name the
/// header repeats (Jira's `Sprint`) gives the first non-empty of its columns (``values`` gives all).
public struct CSVRecords: RecordList {
    public let table: CSVTable
    private let positions: [String: [Int]]

    public init(_ table: CSVTable) {
        self.table = table
        var positions: [String: [Int]] = [:]
        for (i, cell) in table.header.enumerated() {
            positions[cell.trimmed.lowercased(), default: []].append(i)
        }
        self.positions = positions
    }

    public var count: Int { table.records.count }
    public func location(_ i: Int) -> SourceLocation { table.location(table.recordOffsets[i]) }
    public func has(_ name: String) -> Bool { positions[name.trimmingCharacters(in: .whitespaces).lowercased()] != nil }
    public func names() -> [String] { table.header.map(\.trimmed).filter { !$0.isEmpty } }

    public func value(_ i: Int, _ name: String) -> Located? { values(i, name).first }

    /// Every non-empty value of the columns with this name.
    public func values(_ i: Int, _ name: String) -> [Located] {
        (positions[name.trimmingCharacters(in: .whitespaces).lowercased()] ?? []).compactMap { column in
            guard let cell = table.cell(i, column), !cell.isBlank else { return nil }
            return Located(text: cell.trimmed, at: table.location(cell.offset), name: table.header[column].trimmed)
        }
    }
}

/// The records of a JSON export: the objects of a list (at a key path of the document, or the
/// document itself), read with Yams so that every value keeps its line and column.
public struct JSONRecords: RecordList {
    public let path: String
    public let records: [Node]

    public init(path: String, records: [Node]) {
        self.path = path
        self.records = records
    }

    /// Reads the list at `at` (a dot path; empty: the document, or its only list-valued key
    /// `data`, as REST APIs wrap their answers).
    public static func read(_ source: SourceFile, at: String = "") -> Checked<JSONRecords?> {
        let composed = YAMLReader.compose(source, expecting: "a JSON list of records")
        guard let root = composed.value else { return Checked(nil, composed.diagnostics) }
        var node: Node? = root
        if !at.isEmpty { node = lookup(root, at) } else if case .mapping = root, let data = root["data"], case .sequence = data { node = data }
        guard let node, case .sequence(let list) = node else {
            let reader = YAMLReader(path: source.path)
            let found = node.map { reader.describe($0) } ?? "nothing there"
            let expected = at.isEmpty ? "a list of records (or an object whose 'data' is one)" : "a list of records at '\(at)'"
            return Checked(nil, [Diagnostic(ImportDiagnostic.unexpectedShape(expected: expected, found: found), at: reader.location(node ?? root))])
        }
        return Checked(JSONRecords(path: source.path, records: Array(list)), [])
    }

    public var count: Int { records.count }
    public func location(_ i: Int) -> SourceLocation { Self.location(records[i], path) }
    public func has(_ name: String) -> Bool { records.contains { Self.lookup($0, name) != nil } }
    public func names() -> [String] {
        guard case .mapping(let m)? = records.first else { return [] }
        return m.compactMap { $0.key.string }
    }

    public func value(_ i: Int, _ name: String) -> Located? {
        guard let node = Self.lookup(records[i], name), let text = Self.text(node) else { return nil }
        return Located(text: text, at: Self.location(node, path), name: name)
    }

    /// The node at a dot path (`a.b.0.c`: a number indexes a list).
    public static func lookup(_ node: Node, _ path: String) -> Node? {
        var current: Node? = node
        for part in path.split(separator: ".") {
            guard let c = current else { return nil }
            switch c {
            case .mapping(let m): current = m[String(part)]
            case .sequence(let s): current = Int(part).flatMap { $0 >= 0 && $0 < s.count ? s[$0] : nil }
            default: return nil
            }
        }
        return current
    }

    /// A scalar's text; nil for null, an empty string, a list or an object.
    public static func text(_ node: Node) -> String? {
        guard case .scalar(let s) = node else { return nil }
        if s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string) { return nil }
        let t = s.string.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? nil : t
    }

    public static func location(_ node: Node, _ path: String) -> SourceLocation {
        node.mark.map { SourceLocation(file: path, line: $0.line, column: $0.column) } ?? SourceLocation(file: path, line: 0, column: 0)
    }
}
