import TandemCore

/// An organisation's units with their attribute values in the policy's schema: one row of
/// slot values per unit, ready for `CompiledPolicy.decide`.
public struct OrganisationBinding: Sendable {
    /// Where a unit's value of an attribute comes from.
    public enum Origin: Sendable, Hashable {
        case own
        case inherited(fromUnitID: String)
        case defaultValue
    }

    public let organisation: Organisation
    /// `units × attributes` values, row-major: unit u's values start at `u * attributeCount`.
    public let values: [Double]
    public let attributeCount: Int
    /// Origin of each value, parallel to `values`.
    public let origins: [Origin]

    /// Values of unit `index`.
    public func values(ofUnit index: Int) -> ArraySlice<Double> {
        values[(index * attributeCount)..<((index + 1) * attributeCount)]
    }

    public func origin(ofUnit index: Int, attribute: Int) -> Origin { origins[index * attributeCount + attribute] }

    /// Checks every unit's attribute values against the policy's schema and binds them.
    ///
    /// Errors point into the organisation file, at the value (or at the unit that lacks one);
    /// a value set on an ancestor is reported once, not for every descendant.
    ///
    /// - Returns: the binding when there is no error, and the diagnostics.
    public static func bind(_ organisation: Organisation, to policy: Policy) -> Checked<OrganisationBinding?> {
        var diagnostics: [Diagnostic] = []
        var reported = Set<String>()
        let count = policy.attributes.count
        var values = [Double](repeating: 0, count: organisation.units.count * count)
        var origins = [Origin](repeating: .defaultValue, count: organisation.units.count * count)
        let known = Set(policy.attributes.map(\.name))

        for (u, unit) in organisation.units.enumerated() {
            // Attributes the schema does not know: a likely misspelling, reported where set.
            for (name, value) in unit.attributes where !known.contains(name) {
                var notes = Suggestion.closest(to: name, among: known).map { [Diagnostic.Note("did you mean '\($0)'?")] } ?? []
                notes.append(.init("the policy '\(policy.name)' ignores attributes it does not declare"))
                diagnostics.append(Diagnostic(PolicyDiagnostic.attributeNotInSchema(name),
                                              at: value.location, length: value.text.displayWidth, notes: notes))
            }
            let resolved = organisation.resolvedAttributes(of: unit.id)
            for (a, attribute) in policy.attributes.enumerated() {
                let slot = u * count + a
                guard let r = resolved[attribute.name] else {
                    if let d = attribute.defaultValue {
                        values[slot] = d
                        origins[slot] = .defaultValue
                    } else {
                        diagnostics.append(Diagnostic(
                            PolicyDiagnostic.missingAttributeValue(unit: unit.id, attribute: attribute.name),
                            at: unit.location, length: unit.id.displayWidth,
                            notes: [.init("'\(attribute.name)' is declared here without a default", at: attribute.location,
                                          length: attribute.name.displayWidth)]))
                    }
                    continue
                }
                origins[slot] = r.isInherited ? .inherited(fromUnitID: r.sourceUnitID) : .own
                switch convert(r.value, attribute) {
                case .success(let v):
                    values[slot] = v
                case .failure(let d):
                    if reported.insert("\(r.sourceUnitID)\u{0}\(attribute.name)").inserted {
                        diagnostics.append(d)
                    }
                }
            }
        }
        if diagnostics.hasErrors { return Checked(nil, diagnostics) }
        return Checked(OrganisationBinding(organisation: organisation, values: values, attributeCount: count, origins: origins), diagnostics)
    }

    /// Converts one value to its slot value, or a diagnostic at the value.
    public static func convert(_ value: AttributeValue, _ attribute: AttributeDefinition) -> Result<Double, Diagnostic> {
        let declared = Diagnostic.Note("'\(attribute.name)' is declared here", at: attribute.location,
                                       length: attribute.name.displayWidth)
        func fail(_ message: PolicyDiagnostic, _ notes: [Diagnostic.Note] = []) -> Result<Double, Diagnostic> {
            .failure(Diagnostic(message, at: value.location, length: value.text.displayWidth, notes: notes + [declared]))
        }
        switch attribute.kind {
        case .level(let names), .enumeration(let names):
            if let i = names.firstIndex(of: value.text) { return .success(Double(i)) }
            let listing = attribute.type.symbolSet?.listing ?? ""
            let notes = Suggestion.closest(to: value.text, among: names).map { [Diagnostic.Note("did you mean '\($0)'?")] } ?? []
            return fail(.invalidAttributeValue(value.text, attribute: attribute.name, isLevel: attribute.kind.isLevel, listing: listing), notes)
        case .number(let min, let max):
            guard let v = value.number, v.isFinite else { return fail(.attributeValueNotANumber(attribute: attribute.name, found: value.text)) }
            guard abs(v) <= Token.largestNumber else {
                return fail(.attributeValueTooLarge(attribute: attribute.name, found: value.text))
            }
            if let min, v < min { return fail(.attributeValueBelowMinimum(attribute: attribute.name, minimum: min, found: value.text)) }
            if let max, v > max { return fail(.attributeValueAboveMaximum(attribute: attribute.name, maximum: max, found: value.text)) }
            return .success(v)
        case .boolean:
            guard let b = value.boolean else { return fail(.attributeValueNotBoolean(attribute: attribute.name, found: value.text)) }
            return .success(b ? 1 : 0)
        }
    }
}

extension AttributeDefinition.Kind {
    var isLevel: Bool {
        if case .level = self { return true }
        return false
    }
}
