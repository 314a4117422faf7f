/// An attribute value as written in the organisation file, with where it was written. Checking
/// it against a policy's schema (is `high` a level of `uncertainty`?) is the policy's job; here
/// it is kept raw, with its location, so that job can point back into the file.
public struct AttributeValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What the scalar looked like in the file.
    public enum Kind: String, Sendable, Hashable, Codable { case string, number, boolean }

    public var kind: Kind
    /// The scalar's text as written (`high`, `120`, `true`).
    public var text: String
    public var location: SourceLocation?

    public init(kind: Kind, text: String, location: SourceLocation? = nil) {
        self.kind = kind
        self.text = text
        self.location = location
    }

    /// The value as a number, when it is one.
    public var number: Double? { kind == .number ? Double(text) : nil }
    /// The value as a boolean, when it is one.
    public var boolean: Bool? { kind == .boolean ? ["true", "yes", "on"].contains(text.lowercased()) : nil }

    public var description: String { text }
}

/// One organisational unit: a company, business line, department or team.
public struct OrgUnit: Sendable, Hashable, Codable {
    public var id: String
    /// Display name, any Unicode (often Chinese).
    public var name: String
    /// Optional gloss in another language ("R&D Centre").
    public var gloss: String?
    /// Parent unit id; `nil` for a root.
    public var parentID: String?
    /// Attributes set on this unit itself (not inherited ones).
    public var attributes: [String: AttributeValue]
    /// Where the unit is declared.
    public var location: SourceLocation?

    public init(id: String, name: String, gloss: String? = nil, parentID: String? = nil,
                attributes: [String: AttributeValue] = [:], location: SourceLocation? = nil) {
        self.id = id
        self.name = name
        self.gloss = gloss
        self.parentID = parentID
        self.attributes = attributes
        self.location = location
    }
}

/// An attribute value as it applies to a unit, and where it came from.
public struct ResolvedAttribute: Sendable, Hashable {
    public var value: AttributeValue
    /// The unit on which the value is set: the unit itself, or the nearest ancestor that sets it.
    public var sourceUnitID: String
    /// Whether the value comes from an ancestor.
    public var isInherited: Bool
}

/// The unit tree of an organisation. Attributes are inherited from ancestors unless set on the
/// unit itself: a company's stage applies to all its units.
///
/// Built only from a validated list of units (unique ids, known parents, no cycles); the loader
/// guarantees this and reports located errors otherwise.
public struct Organisation: Sendable {
    /// Optional display name of the organisation as a whole.
    public var name: String?
    /// Units in file order.
    public let units: [OrgUnit]
    /// Unit index by id.
    public let index: [String: Int]
    /// Parent index of each unit, `nil` for roots.
    public let parents: [Int?]
    /// Child indices of each unit, in file order.
    public let children: [[Int]]
    /// Depth of each unit: 1 for a root.
    public let depths: [Int]

    /// Builds the tree.
    ///
    /// - Precondition: ids are unique, every parent exists, the parent relation has no cycle.
    public init(name: String? = nil, units: [OrgUnit]) {
        self.name = name
        self.units = units
        var index: [String: Int] = [:]
        for (i, unit) in units.enumerated() { index[unit.id] = i }
        self.index = index
        let parents: [Int?] = units.map { $0.parentID.flatMap { index[$0] } }
        self.parents = parents
        var children = [[Int]](repeating: [], count: units.count)
        for (i, parent) in parents.enumerated() { if let parent { children[parent].append(i) } }
        self.children = children
        // Depths without recursion; a parent chain longer than the number of units can only be
        // a cycle (which the loader rejects), and is cut there rather than looping.
        var depths = [Int](repeating: 0, count: units.count)
        for i in units.indices where depths[i] == 0 {
            var chain: [Int] = []
            var current: Int? = i
            while let c = current, depths[c] == 0, chain.count <= units.count {
                chain.append(c)
                current = parents[c]
            }
            var depth = current.map { depths[$0] } ?? 0
            for c in chain.reversed() {
                depth += 1
                depths[c] = depth
            }
        }
        self.depths = depths
    }

    /// The unit with this id.
    public subscript(id: String) -> OrgUnit? { index[id].map { units[$0] } }

    /// Indices of the roots.
    public var roots: [Int] { units.indices.filter { parents[$0] == nil } }

    /// Depth of the deepest unit (0 for an empty organisation).
    public var depth: Int { depths.max() ?? 0 }

    /// Ids of a unit's ancestors, nearest first.
    public func ancestors(of id: String) -> [String] {
        var result: [String] = []
        var current = index[id].flatMap { parents[$0] }
        while let i = current, result.count < units.count {
            result.append(units[i].id)
            current = parents[i]
        }
        return result
    }

    /// Ids of a unit and every unit below it, the unit first; empty for an unknown id.
    public func subtree(of id: String) -> Set<String> {
        guard let root = index[id] else { return [] }
        var result: Set<String> = [], stack = [root]
        while let i = stack.popLast(), result.count <= units.count {
            guard result.insert(units[i].id).inserted else { continue }
            stack += children[i]
        }
        return result
    }

    /// The value of an attribute for a unit, looked up on the unit and then on its ancestors.
    public func attribute(_ name: String, of id: String) -> ResolvedAttribute? {
        var current = index[id]
        var inherited = false
        while let i = current {
            if let value = units[i].attributes[name] {
                return ResolvedAttribute(value: value, sourceUnitID: units[i].id, isInherited: inherited)
            }
            inherited = true
            current = parents[i]
        }
        return nil
    }

    /// Every attribute that applies to a unit, with its source.
    public func resolvedAttributes(of id: String) -> [String: ResolvedAttribute] {
        var result: [String: ResolvedAttribute] = [:]
        var current = index[id]
        var inherited = false
        while let i = current {
            for (name, value) in units[i].attributes where result[name] == nil {
                result[name] = ResolvedAttribute(value: value, sourceUnitID: units[i].id, isInherited: inherited)
            }
            inherited = true
            current = parents[i]
        }
        return result
    }
}
