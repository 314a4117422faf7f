import Foundation
import TandemCore
import Yams

/// One JSON object of an export, read by key path with every value's location, and the
/// diagnostics of the values that are not what the format documents.
struct JSONObject {
    let node: Node
    let path: String

    var location: SourceLocation { JSONRecords.location(node, path) }

    func node(_ key: String) -> Node? { JSONRecords.lookup(node, key) }

    func object(_ key: String) -> JSONObject? {
        guard let n = node(key), case .mapping = n else { return nil }
        return JSONObject(node: n, path: path)
    }

    func list(_ key: String) -> [JSONObject] {
        guard let n = node(key), case .sequence(let s) = n else { return [] }
        return s.map { JSONObject(node: $0, path: path) }
    }

    func text(_ key: String) -> Located? {
        guard let n = node(key), let t = JSONRecords.text(n) else { return nil }
        return Located(text: t, at: JSONRecords.location(n, path), name: key)
    }

    /// A number, or nil when absent or null; a diagnostic when present but not a number.
    func number(_ key: String, _ diagnostics: inout [Diagnostic]) -> (Double, Located)? {
        guard let v = text(key) else { return nil }
        guard let x = Double(v.text), x.isFinite else {
            diagnostics.append(Diagnostic(ImportDiagnostic.notANumber(field: key, found: v.text, reading: "a JSON number"), at: v.at))
            return nil
        }
        return (x, v)
    }

    /// A day (ISO 8601, date or date-time), or nil when absent; a diagnostic when present but not one.
    func day(_ key: String, _ diagnostics: inout [Diagnostic]) -> (Day, Located)? {
        guard let v = text(key) else { return nil }
        guard let d = DateReading().read(v.text) else {
            diagnostics.append(Diagnostic(ImportDiagnostic.notADate(field: key, found: v.text, formats: "YYYY-MM-DD or an ISO 8601 date-time"), at: v.at))
            return nil
        }
        return (d, v)
    }

    /// A day from Unix seconds (Lattice's timestamps), in UTC.
    func unixDay(_ key: String, _ diagnostics: inout [Diagnostic]) -> (Day, Located)? {
        guard let v = text(key) else { return nil }
        guard let seconds = Double(v.text), seconds.isFinite, abs(seconds) < 1e11 else {
            diagnostics.append(Diagnostic(ImportDiagnostic.notADate(field: key, found: v.text, formats: "Unix seconds"), at: v.at))
            return nil
        }
        // Day ordinals count from 1970-01-01, as Unix time does.
        return (Day(ordinal: Int32((seconds / 86_400).rounded(.down))), v)
    }
}

/// The records of a JSON export file: the list under `data` (REST APIs' envelope), or `data`
/// itself when it is one object, or the document when it is a list or one object.
func jsonObjects(_ source: SourceFile) -> Checked<[JSONObject]?> {
    let composed = YAMLReader.compose(source, expecting: "a JSON export")
    guard let root = composed.value else { return Checked(nil, composed.diagnostics) }
    var node = root
    if case .mapping = root, let data = root["data"] { node = data }
    switch node {
    case .sequence(let list): return Checked(list.map { JSONObject(node: $0, path: source.path) }, [])
    case .mapping: return Checked([JSONObject(node: node, path: source.path)], [])
    default:
        let reader = YAMLReader(path: source.path)
        return Checked(nil, [Diagnostic(ImportDiagnostic.unexpectedShape(expected: "a JSON object or list (or one under 'data')", found: reader.describe(node)),
                                        at: reader.location(node))])
    }
}

/// The objects of an export's JSON files sorted into a format's two kinds: its goals and their
/// updates (`isUpdate` true or false); an object of neither (nil) is an error at it, saying what
/// was expected and what the object says it is (`describe`).
func goalsAndUpdates(_ files: [SourceFile], expected: String, describe: (JSONObject) -> String,
                     isUpdate: (JSONObject) -> Bool?) -> (goals: [JSONObject], updates: [JSONObject], diagnostics: [Diagnostic]) {
    var goals: [JSONObject] = [], updates: [JSONObject] = [], diagnostics: [Diagnostic] = []
    for file in files {
        let read = jsonObjects(file)
        diagnostics += read.diagnostics
        for o in read.value ?? [] {
            switch isUpdate(o) {
            case true?: updates.append(o)
            case false?: goals.append(o)
            case nil: diagnostics.append(Diagnostic(ImportDiagnostic.unexpectedShape(expected: expected, found: describe(o)), at: o.location))
            }
        }
    }
    return (goals, updates, diagnostics)
}
