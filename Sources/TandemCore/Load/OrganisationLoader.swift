import Yams

/// Reads an organisation file, YAML or JSON (JSON is read as the YAML it is a subset of, so both
/// get the same located diagnostics):
///
/// ```yaml
/// organisation: 星海科技
/// units:
///   - id: xinghai
///     name: 星海科技
///     gloss: Xinghai Technology
///     attributes: { stage: growth }
///   - id: rd
///     name: 研发中心
///     parent: xinghai
///     attributes: { layer: front, uncertainty: high }
/// ```
///
/// Checks: the document's shape, required keys, unknown keys (with did-you-mean), duplicate unit
/// ids, unknown parents, cycles in the unit tree, attribute values that are not scalars.
public enum OrganisationLoader {
    static let unitKeys = ["id", "name", "gloss", "parent", "attributes"]
    static let topKeys = ["organisation", "units"]

    /// Reads and checks an organisation file.
    ///
    /// - Returns: the organisation when the file has no error, and every problem found.
    public static func load(_ source: SourceFile) -> (organisation: Organisation?, diagnostics: [Diagnostic]) {
        var sink = DiagnosticSink(source: source)
        let bomLength = source.hasByteOrderMark ? 3 : 0
        if source.bytes[bomLength...].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            sink.error("C0002", "file is empty; expected a mapping with 'units', a list of units", offset: nil)
            return (nil, sink.diagnostics)
        }
        let invalid = source.bytes.withUnsafeBufferPointer { UTF8Validation.invalidOffsets(in: $0) }
        if !invalid.isEmpty {
            for offset in invalid {
                sink.error("C0003", "file must be UTF-8 text; byte 0x\(String(source.bytes[offset], radix: 16, uppercase: true)) is not valid UTF-8",
                           offset: offset)
            }
            return (nil, sink.diagnostics)
        }
        let text = String(decoding: source.bytes[bomLength...], as: UTF8.self)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                sink.error("C0002", "file is empty; expected a mapping with 'units', a list of units", offset: nil)
                return (nil, sink.diagnostics)
            }
            root = node
        } catch let error as YamlError {
            sink.diagnostics.append(diagnostic(for: error, path: source.path))
            return (nil, sink.diagnostics)
        } catch {
            sink.error("C0201", "file must be valid YAML or JSON: \(error)", offset: nil)
            return (nil, sink.diagnostics)
        }

        var reader = NodeReader(path: source.path)
        let organisation = reader.organisation(root)
        return (reader.diagnostics.hasErrors ? nil : organisation, reader.diagnostics)
    }

    static func diagnostic(for error: YamlError, path: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: path, line: mark.line, column: mark.column) }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            var notes: [Diagnostic.Note] = []
            if let context { notes.append(Diagnostic.Note(context.text, at: at(context.mark))) }
            return Diagnostic(.error, "C0201", "file must be valid YAML or JSON: \(problem)", at: at(mark), notes: notes)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return Diagnostic(.error, "C0209", "a key must appear once in a mapping; \(keys) appears more than once",
                              at: at(context.mark))
        default:
            return Diagnostic(.error, "C0201", "file must be valid YAML or JSON: \(error)",
                              at: SourceLocation(file: path, line: 0, column: 0))
        }
    }
}

/// Walks the YAML node tree, collecting diagnostics.
private struct NodeReader {
    let path: String
    var diagnostics: [Diagnostic] = []

    init(path: String) { self.path = path }

    func location(_ node: Node) -> SourceLocation {
        node.mark.map { SourceLocation(file: path, line: $0.line, column: $0.column) }
            ?? SourceLocation(file: path, line: 0, column: 0)
    }

    func width(_ node: Node) -> Int {
        guard case .scalar(let scalar) = node else { return 1 }
        let quotes = scalar.style == .singleQuoted || scalar.style == .doubleQuoted ? 2 : 0
        return max(1, scalar.string.displayWidth + quotes)
    }

    mutating func error(_ id: String, _ message: String, at node: Node, notes: [Diagnostic.Note] = []) {
        diagnostics.append(Diagnostic(.error, id, message, at: location(node), length: width(node), notes: notes))
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// A scalar string, or a diagnostic saying what was expected.
    mutating func string(_ node: Node, key: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error("C0202", "'\(key)' must be a text value, found \(describe(node))", at: node)
            return nil
        }
        if scalar.string.isEmpty || isNull(scalar) {
            error("C0106", "'\(key)' must not be empty", at: node)
            return nil
        }
        return scalar.string
    }

    /// A plain `~`, `null` or empty scalar: YAML's null.
    func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    mutating func checkKeys(_ mapping: Node.Mapping, allowed: [String], what: String) {
        for (key, _) in mapping {
            guard case .scalar(let k) = key else {
                error("C0202", "keys of \(what) must be text, found \(describe(key))", at: key)
                continue
            }
            if !allowed.contains(k.string) {
                var notes = [Diagnostic.Note]()
                if let guess = Suggestion.closest(to: k.string, among: allowed) {
                    notes.append(Diagnostic.Note("did you mean '\(guess)'?"))
                } else {
                    notes.append(Diagnostic.Note("\(what) may have: \(allowed.joined(separator: ", "))"))
                }
                error("C0204", "unknown key '\(k.string)' in \(what)", at: key, notes: notes)
            }
        }
    }

    mutating func organisation(_ root: Node) -> Organisation? {
        guard case .mapping(let top) = root else {
            error("C0202", "organisation file must be a mapping with 'units', found \(describe(root))", at: root)
            return nil
        }
        checkKeys(top, allowed: OrganisationLoader.topKeys, what: "the organisation file")
        var name: String?
        if let node = top["organisation"] { name = string(node, key: "organisation") }
        guard let unitsNode = top["units"] else {
            error("C0203", "organisation file must have 'units', a list of units", at: root)
            return nil
        }
        guard case .sequence(let list) = unitsNode else {
            error("C0202", "'units' must be a list of units, found \(describe(unitsNode))", at: unitsNode)
            return nil
        }
        var units: [OrgUnit] = []
        var idNodes: [String: Node] = [:]
        var parentNodes: [String: Node] = [:]
        for item in list {
            guard let (unit, idNode, parentNode) = self.unit(item) else { continue }
            if let first = idNodes[unit.id] {
                error("C0205", "unit id '\(unit.id)' must be unique", at: idNode,
                      notes: [Diagnostic.Note("first used here", at: location(first), length: width(first))])
                continue
            }
            idNodes[unit.id] = idNode
            if let parentNode { parentNodes[unit.id] = parentNode }
            units.append(unit)
        }
        if list.isEmpty {
            error("C0203", "'units' must list at least one unit", at: unitsNode)
        }
        // Parents must exist.
        let ids = Set(units.map(\.id))
        for unit in units {
            guard let parent = unit.parentID, let node = parentNodes[unit.id] else { continue }
            if !ids.contains(parent) {
                var notes = [Diagnostic.Note]()
                if let guess = Suggestion.closest(to: parent, among: ids) {
                    notes.append(Diagnostic.Note("did you mean '\(guess)'?"))
                }
                error("C0206", "parent '\(parent)' of unit '\(unit.id)' must be a unit of this file", at: node, notes: notes)
            }
        }
        // The parent relation must be a forest: find each cycle once.
        let parentOf = Dictionary(uniqueKeysWithValues: units.compactMap { u in u.parentID.map { (u.id, $0) } })
        var state: [String: Int] = [:]  // 1 = on the current path, 2 = done
        for unit in units where state[unit.id] == nil {
            var path: [String] = []
            var current: String? = unit.id
            while let id = current, state[id] == nil, ids.contains(id) {
                state[id] = 1
                path.append(id)
                current = parentOf[id]
            }
            if let id = current, state[id] == 1, let start = path.firstIndex(of: id) {
                let cycle = Array(path[start...])
                let chain = (cycle + [cycle[0]]).map { "'\($0)'" }.joined(separator: " → ")
                let notes = cycle.dropFirst().compactMap { member -> Diagnostic.Note? in
                    guard let node = parentNodes[member] else { return nil }
                    return Diagnostic.Note("'\(member)' names '\(parentOf[member] ?? "")' as its parent here",
                                           at: location(node), length: width(node))
                }
                if let node = parentNodes[cycle[0]] {
                    error("C0207", "units must form a tree, but parents go round in a cycle: \(chain)", at: node, notes: notes)
                }
            }
            for id in path { state[id] = 2 }
        }
        return diagnostics.hasErrors ? nil : Organisation(name: name, units: units)
    }

    mutating func unit(_ node: Node) -> (OrgUnit, Node, Node?)? {
        guard case .mapping(let map) = node else {
            error("C0202", "each unit must be a mapping with 'id' and 'name', found \(describe(node))", at: node)
            return nil
        }
        checkKeys(map, allowed: OrganisationLoader.unitKeys, what: "a unit")
        guard let idNode = map["id"] else {
            error("C0203", "unit must have an 'id'", at: node)
            return nil
        }
        guard let id = string(idNode, key: "id") else { return nil }
        var name = id
        if let nameNode = map["name"] {
            name = string(nameNode, key: "name") ?? id
        } else {
            error("C0203", "unit '\(id)' must have a 'name'", at: node)
        }
        let gloss = map["gloss"].flatMap { string($0, key: "gloss") }
        var parent: String?
        let parentNode = map["parent"]
        if let parentNode {
            if case .scalar(let s) = parentNode, isNull(s) {
                parent = nil  // `parent: ~` marks a root explicitly
            } else {
                parent = string(parentNode, key: "parent")
            }
        }
        var attributes: [String: AttributeValue] = [:]
        if let attributesNode = map["attributes"] {
            switch attributesNode {
            case .mapping(let attributeMap):
                for (key, value) in attributeMap {
                    guard case .scalar(let k) = key else {
                        error("C0202", "attribute names must be text, found \(describe(key))", at: key)
                        continue
                    }
                    guard case .scalar(let v) = value else {
                        error("C0208", "attribute '\(k.string)' must have a single value (text, number or true/false), found \(describe(value))",
                              at: value)
                        continue
                    }
                    let kind: AttributeValue.Kind
                    let resolved: Tag.Name = v.style == .plain ? Resolver.default.resolveTag(of: value) : .str
                    if resolved == .int || resolved == .float {
                        kind = Double(v.string) != nil ? .number : .string
                    } else if resolved == .bool {
                        kind = .boolean
                    } else if isNull(v) {
                        error("C0106", "attribute '\(k.string)' must have a value", at: value)
                        continue
                    } else {
                        kind = .string
                    }
                    attributes[k.string] = AttributeValue(kind: kind, text: v.string, location: location(value))
                }
            case .scalar(let s) where isNull(s):
                break
            default:
                error("C0202", "'attributes' must be a mapping of names to values, found \(describe(attributesNode))",
                      at: attributesNode)
            }
        }
        return (OrgUnit(id: id, name: name, gloss: gloss, parentID: parent, attributes: attributes,
                        location: location(idNode)), idNode, parentNode)
    }
}
