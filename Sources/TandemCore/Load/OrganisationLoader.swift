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
    public static func load(_ source: SourceFile) -> Checked<Organisation?> {
        let rootChecked = YAMLReader.compose(source, expecting: "a mapping with 'units', a list of units")
        let root = rootChecked.value, problems = rootChecked.diagnostics
        guard let root else { return Checked(nil, problems) }
        var reader = YAMLReader(path: source.path)
        let organisation = reader.organisation(root)
        return Checked(reader.diagnostics.hasErrors ? nil : organisation, reader.diagnostics)
    }
}

extension YAMLReader {
    fileprivate mutating func organisation(_ root: Node) -> Organisation? {
        guard case .mapping(let top) = root else {
            add(CoreDiagnostic.organisationNotAMapping(found: describe(root)), at: root)
            return nil
        }
        checkKeys(top, allowed: OrganisationLoader.topKeys, what: "the organisation file")
        var name: String?
        if let node = top["organisation"] { name = string(node, key: "organisation") }
        guard let unitsNode = top["units"] else {
            add(CoreDiagnostic.missingUnits, at: root)
            return nil
        }
        guard case .sequence(let list) = unitsNode else {
            add(CoreDiagnostic.unitsNotAList(found: describe(unitsNode)), at: unitsNode)
            return nil
        }
        var units: [OrgUnit] = []
        var idNodes: [String: Node] = [:]
        var parentNodes: [String: Node] = [:]
        for item in list {
            guard let (unit, idNode, parentNode) = self.unit(item) else { continue }
            if let first = idNodes[unit.id] {
                add(CoreDiagnostic.duplicateUnit(unit.id), at: idNode,
                    notes: [Diagnostic.Note("first used here", at: location(first), length: width(first))])
                continue
            }
            idNodes[unit.id] = idNode
            if let parentNode { parentNodes[unit.id] = parentNode }
            units.append(unit)
        }
        if list.isEmpty {
            add(CoreDiagnostic.noUnits, at: unitsNode)
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
                add(CoreDiagnostic.unknownParent(parent, unit: unit.id), at: node, notes: notes)
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
                let notes = cycle.dropFirst().compactMap { member -> Diagnostic.Note? in
                    guard let node = parentNodes[member] else { return nil }
                    return Diagnostic.Note("'\(member)' names '\(parentOf[member] ?? "")' as its parent here",
                                           at: location(node), length: width(node))
                }
                if let node = parentNodes[cycle[0]] {
                    add(CoreDiagnostic.parentCycle(units: cycle), at: node, notes: notes)
                }
            }
            for id in path { state[id] = 2 }
        }
        return diagnostics.hasErrors ? nil : Organisation(name: name, units: units)
    }

    fileprivate mutating func unit(_ node: Node) -> (OrgUnit, Node, Node?)? {
        guard case .mapping(let map) = node else {
            add(CoreDiagnostic.unitNotAMapping(found: describe(node)), at: node)
            return nil
        }
        checkKeys(map, allowed: OrganisationLoader.unitKeys, what: "a unit")
        guard let idNode = map["id"] else {
            add(CoreDiagnostic.unitWithoutID, at: node)
            return nil
        }
        guard let id = string(idNode, key: "id") else { return nil }
        var name = id
        if let nameNode = map["name"] {
            name = string(nameNode, key: "name") ?? id
        } else {
            add(CoreDiagnostic.unitWithoutName(id: id), at: node)
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
                        add(CoreDiagnostic.attributeNameNotText(found: describe(key)), at: key)
                        continue
                    }
                    guard case .scalar(let v) = value else {
                        add(CoreDiagnostic.attributeNotScalar(name: k.string, found: describe(value)), at: value)
                        continue
                    }
                    guard let attribute = attributeValue(value, v, name: k.string) else { continue }
                    attributes[k.string] = attribute
                }
            case .scalar(let s) where isNull(s):
                break
            default:
                add(CoreDiagnostic.attributesNotAMapping(found: describe(attributesNode)), at: attributesNode)
            }
        }
        return (OrgUnit(id: id, name: name, gloss: gloss, parentID: parent, attributes: attributes,
                        location: location(idNode)), idNode, parentNode)
    }
}
