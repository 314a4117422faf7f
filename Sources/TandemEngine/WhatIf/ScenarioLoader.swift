import TandemCore
import Yams

/// Reads a scenario file (YAML, or JSON as its subset):
///
/// ```yaml
/// as_of: 2026-11-18          # optional; --as-of wins
/// threshold: 0.05            # optional: smallest move of P(success) listed
/// correlation: 0.2           # optional: latent correlation within an objective
/// scenarios:
///   - name: 平台稳定后研发不确定性下降
///     description: the platform settles and R&D's uncertainty falls one level
///     changes:
///       - units: {subtree: rd}           # or {unit: rd}, {descendants: rd}, {where: {layer: back}}, all
///         shift: {uncertainty: -1}       # levels up (+) or down (−); numbers by an amount
///       - units: {unit: xh}
///         set: {stage: mature}
///   - name: 新政策
///     policy: ../../Models/selection.policy   # relative to this file
///   - name: 算法组关键结果
///     changes:
///       - kr: KR-26Q4-00012              # or krs: [A, B], krs: {unit: rd.algo}, {subtree: rd}, {owner: 张伟}
///         kind: aspirational             # committed | aspirational | kpi
///         deadline: +14                  # days (±N) or a date
///         target: 120                    # as if set so from the start of the cycle
///         pace: 2                        # the pace projected forward, × this
///         checkins:                      # hypothetical, after the baseline day
///           - {date: 2026-11-25, value: 40, confidence: 7}
/// ```
///
/// Shape errors are found here; names (units, key results, attributes) are checked against the
/// baseline by `WhatIf`.
public enum ScenarioLoader {
    static let topKeys = ["as_of", "threshold", "correlation", "scenarios"]
    static let scenarioKeys = ["name", "description", "policy", "changes"]
    static let changeKeys = ["units", "set", "shift", "kr", "krs", "target", "deadline", "kind", "pace", "checkins"]
    static let checkInKeys = ["date", "value", "confidence"]

    public static func load(_ source: SourceFile) -> Checked<ScenarioFile?> {
        let rootChecked = YAMLReader.compose(source, expecting: "a mapping with 'scenarios', a list of scenarios")
        let root = rootChecked.value, problems = rootChecked.diagnostics
        guard let root else { return Checked(nil, problems) }
        var reader = ScenarioReader(yaml: YAMLReader(path: source.path))
        let file = reader.file(root)
        let diagnostics = reader.yaml.diagnostics
        return Checked(diagnostics.hasErrors ? nil : file, diagnostics)
    }
}

private struct ScenarioReader {
    var yaml: YAMLReader

    mutating func add(_ message: some DiagnosticMessage, at node: Node, notes: [Diagnostic.Note] = []) {
        yaml.add(message, at: node, notes: notes)
    }

    func scalar(_ node: Node) -> String? {
        guard case .scalar(let s) = node, !yaml.isNull(s) else { return nil }
        return s.string
    }

    mutating func number(_ node: Node, key: String) -> Double? {
        guard let text = scalar(node), let v = Double(text), v.isFinite else {
            add(ScenarioDiagnostic.notANumber(key: key, found: yaml.describe(node)), at: node)
            return nil
        }
        // Values, targets and shifts beyond ±10^15 are no quantity a goal is set in, and sums of them
        // could overflow; the same bound keeps every number exactly printable.
        guard abs(v) <= ScenarioFile.largestNumber else {
            add(ScenarioDiagnostic.numberTooLarge(key: key, found: text), at: node)
            return nil
        }
        return v
    }

    mutating func day(_ node: Node, key: String) -> Day? {
        guard let text = scalar(node), let d = Day(iso: text) else {
            add(ScenarioDiagnostic.notADate(key: key, found: yaml.describe(node)), at: node)
            return nil
        }
        return d
    }

    mutating func mapping(_ node: Node, what: String) -> Node.Mapping? {
        guard case .mapping(let m) = node else {
            add(CoreDiagnostic.notAMapping(what, found: yaml.describe(node)), at: node)
            return nil
        }
        return m
    }

    mutating func file(_ root: Node) -> ScenarioFile? {
        guard let top = mapping(root, what: "a scenario file") else { return nil }
        yaml.checkKeys(top, allowed: ScenarioLoader.topKeys, what: "a scenario file")
        var file = ScenarioFile(path: yaml.path, scenarios: [])
        if let node = top["as_of"] {
            file.asOf = day(node, key: "as_of")
            file.asOfLocation = yaml.location(node)
        }
        if let node = top["threshold"], let t = number(node, key: "threshold") {
            if t <= 0 || t >= 1 { add(ScenarioDiagnostic.thresholdOutOfRange(found: scalar(node) ?? ""), at: node) }
            file.threshold = t
        }
        if let node = top["correlation"], let r = number(node, key: "correlation") {
            if r < 0 || r >= 1 { add(ScenarioDiagnostic.correlationOutOfRange(found: scalar(node) ?? ""), at: node) }
            file.correlation = r
        }
        guard let list = top["scenarios"] else {
            add(CoreDiagnostic.missingScenarios, at: root)
            return nil
        }
        guard case .sequence(let items) = list, !items.isEmpty else {
            add(CoreDiagnostic.scenariosNotAList(found: yaml.describe(list)), at: list)
            return nil
        }
        var names: [String: Node] = [:]
        for item in items {
            guard let s = scenario(item) else { continue }
            if let first = names[s.name], let node = item.mapping?["name"] {
                add(ScenarioDiagnostic.duplicateScenarioName(s.name), at: node,
                    notes: [.init("first used here", at: yaml.location(first), length: yaml.width(first))])
            } else if let node = item.mapping?["name"] {
                names[s.name] = node
            }
            file.scenarios.append(s)
        }
        return file
    }

    mutating func scenario(_ node: Node) -> Scenario? {
        guard let map = mapping(node, what: "each scenario") else { return nil }
        yaml.checkKeys(map, allowed: ScenarioLoader.scenarioKeys, what: "a scenario")
        guard let nameNode = map["name"] else {
            add(CoreDiagnostic.scenarioWithoutName, at: node)
            return nil
        }
        guard let name = yaml.string(nameNode, key: "name") else { return nil }
        var s = Scenario(name: name, description: map["description"].flatMap { yaml.string($0, key: "description") },
                         location: yaml.location(nameNode), policy: nil, attributeChanges: [], keyResultChanges: [])
        if let p = map["policy"], let path = yaml.string(p, key: "policy") { s.policy = (path, yaml.location(p)) }
        if let changes = map["changes"] {
            guard case .sequence(let items) = changes else {
                add(CoreDiagnostic.changesNotAList(found: yaml.describe(changes)), at: changes)
                return s
            }
            for item in items { change(item, into: &s) }
        }
        // A scenario whose changes were all refused has been reported where they are written.
        if s.policy == nil && s.attributeChanges.isEmpty && s.keyResultChanges.isEmpty && map["changes"] == nil {
            add(ScenarioDiagnostic.scenarioChangesNothing(name), at: nameNode)
        }
        return s
    }

    mutating func change(_ node: Node, into s: inout Scenario) {
        guard let map = mapping(node, what: "each change") else { return }
        yaml.checkKeys(map, allowed: ScenarioLoader.changeKeys, what: "a change")
        let hasUnits = map["units"] != nil, hasKRs = map["kr"] != nil || map["krs"] != nil
        let unitKeys = ["set", "shift"], krKeys = ["target", "deadline", "kind", "pace", "checkins"]
        if hasUnits == hasKRs {
            add(ScenarioDiagnostic.changeNeedsUnitsOrKeyResults, at: node)
            return
        }
        if hasUnits {
            for key in krKeys { if let k = map.keys.first(where: { scalar($0) == key }) { add(ScenarioDiagnostic.keyResultKeyInUnitChange(key), at: k) } }
            guard let unitsNode = map["units"], let selector = unitSelector(unitsNode) else { return }
            var change = AttributeChange(units: selector, unitsLocation: yaml.location(unitsNode), set: [], shift: [])
            if let setNode = map["set"], let m = mapping(setNode, what: "'set'") {
                for (k, v) in m {
                    guard let name = scalar(k) else { add(CoreDiagnostic.attributeNameNotText(found: nil), at: k); continue }
                    guard case .scalar(let sv) = v else {
                        add(CoreDiagnostic.attributeNotScalar(name: name, found: yaml.describe(v)), at: v)
                        continue
                    }
                    if let value = yaml.attributeValue(v, sv, name: name) { change.set.append((name, value)) }
                }
            }
            if let shiftNode = map["shift"], let m = mapping(shiftNode, what: "'shift'") {
                for (k, v) in m {
                    guard let name = scalar(k) else { add(CoreDiagnostic.attributeNameNotText(found: nil), at: k); continue }
                    guard let by = number(v, key: name) else { continue }
                    change.shift.append((name, by, yaml.location(v)))
                }
            }
            // Only when none was written: a refused value has been reported where it is.
            if change.set.isEmpty && change.shift.isEmpty && map["set"] == nil && map["shift"] == nil {
                add(ScenarioDiagnostic.emptyUnitChange, at: node)
                return
            }
            s.attributeChanges.append(change)
        } else {
            for key in unitKeys { if let k = map.keys.first(where: { scalar($0) == key }) { add(ScenarioDiagnostic.unitKeyInKeyResultChange(key), at: k) } }
            guard let selector = keyResultSelector(map) else { return }
            var change = KeyResultChange(keyResults: selector, location: yaml.location(node), checkIns: [])
            if let t = map["target"], let v = number(t, key: "target") { change.target = (v, yaml.location(t)) }
            if let d = map["deadline"] {
                let text = scalar(d) ?? ""
                if let date = Day(iso: text) {
                    change.deadline = (.date(date), yaml.location(d))
                } else if let n = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) {
                    // A century either way is more than any cycle moves, and keeps every day a date.
                    if n >= -36_500 && n <= 36_500 {  // not abs(n): abs(Int.min) traps
                        change.deadline = (.shift(days: n), yaml.location(d))
                    } else {
                        add(ScenarioDiagnostic.deadlineShiftTooLarge(found: text), at: d)
                    }
                } else {
                    add(ScenarioDiagnostic.invalidDeadline(found: yaml.describe(d)), at: d)
                }
            }
            if let k = map["kind"] {
                if let text = scalar(k), let kind = KeyResultKind(rawValue: text) {
                    change.kind = (kind, yaml.location(k))
                } else {
                    add(ScenarioDiagnostic.unknownKind(found: yaml.describe(k)), at: k,
                        notes: Suggestion.closest(to: scalar(k) ?? "", among: KeyResultKind.allCases.map(\.rawValue)).map { [.init("did you mean '\($0)'?")] } ?? [])
                }
            }
            if let p = map["pace"], let v = number(p, key: "pace") {
                if v <= 0 || v > 20 {
                    add(ScenarioDiagnostic.paceOutOfRange(found: scalar(p) ?? ""), at: p)
                } else {
                    change.pace = (v, yaml.location(p))
                }
            }
            if let c = map["checkins"] {
                guard case .sequence(let items) = c else {
                    add(CoreDiagnostic.checkInsNotAList(found: yaml.describe(c)), at: c)
                    return
                }
                for item in items {
                    guard let m = mapping(item, what: "each check-in") else { continue }
                    yaml.checkKeys(m, allowed: ScenarioLoader.checkInKeys, what: "a check-in")
                    guard let dn = m["date"], let vn = m["value"] else {
                        add(CoreDiagnostic.checkInWithoutDateOrValue, at: item)
                        continue
                    }
                    guard let date = day(dn, key: "date"), let value = number(vn, key: "value") else { continue }
                    var confidence: Double?
                    if let cn = m["confidence"], let cv = number(cn, key: "confidence") {
                        if cv < 0 || cv > 10 { add(ScenarioDiagnostic.confidenceOutOfRange(found: scalar(cn) ?? ""), at: cn) }
                        confidence = cv
                    }
                    change.checkIns.append(.init(date: date, value: value, confidence: confidence, location: yaml.location(dn)))
                }
            }
            if change.target == nil && change.deadline == nil && change.kind == nil && change.pace == nil && change.checkIns.isEmpty
                && !krKeys.contains(where: { map[$0] != nil }) {
                add(ScenarioDiagnostic.emptyKeyResultChange, at: node)
                return
            }
            s.keyResultChanges.append(change)
        }
    }

    mutating func unitSelector(_ node: Node) -> UnitSelector? {
        if let text = scalar(node) { return text == "all" ? .all : .unit(text) }
        guard let map = mapping(node, what: "'units'") else { return nil }
        let keys = ["unit", "subtree", "descendants", "where"]
        yaml.checkKeys(map, allowed: keys, what: "'units'")
        guard map.count == 1, let (k, v) = map.first(where: { _ in true }), let key = scalar(k) else {
            add(ScenarioDiagnostic.ambiguousUnitSelector, at: node)
            return nil
        }
        switch key {
        case "unit", "subtree", "descendants":
            guard let id = yaml.string(v, key: key) else { return nil }
            return key == "unit" ? .unit(id) : (key == "subtree" ? .subtree(id) : .descendants(id))
        case "where":
            guard let m = mapping(v, what: "'where'") else { return nil }
            var pairs: [(String, String, SourceLocation)] = []
            for (an, av) in m {
                guard let name = scalar(an), let value = scalar(av) else {
                    add(CoreDiagnostic.whereNotScalar, at: av)
                    continue
                }
                pairs.append((name, value, yaml.location(an)))
            }
            return pairs.isEmpty ? nil : .matching(pairs)
        default:
            return nil
        }
    }

    mutating func keyResultSelector(_ map: Node.Mapping) -> KeyResultSelector? {
        if map["kr"] != nil && map["krs"] != nil {
            add(ScenarioDiagnostic.keyResultsNamedTwice, at: map["krs"]!)
            return nil
        }
        if let node = map["kr"] {
            guard let id = yaml.string(node, key: "kr") else { return nil }
            return .ids([(id, yaml.location(node))])
        }
        guard let node = map["krs"] else { return nil }
        switch node {
        case .sequence(let items):
            var ids: [(String, SourceLocation)] = []
            for item in items { if let id = yaml.string(item, key: "krs") { ids.append((id, yaml.location(item))) } }
            if ids.isEmpty { add(ScenarioDiagnostic.emptyKeyResultList, at: node); return nil }
            return .ids(ids)
        case .mapping(let m):
            yaml.checkKeys(m, allowed: ["unit", "subtree", "owner"], what: "'krs'")
            guard m.count == 1, let (k, v) = m.first(where: { _ in true }), let key = scalar(k), let value = yaml.string(v, key: key) else {
                add(ScenarioDiagnostic.ambiguousKeyResultSelector, at: node)
                return nil
            }
            switch key {
            case "unit": return .unit(value, subtree: false)
            case "subtree": return .unit(value, subtree: true)
            case "owner": return .owner(value)
            default: return nil
            }
        default:
            add(CoreDiagnostic.keyResultsNotAListOrSelector(found: yaml.describe(node)), at: node)
            return nil
        }
    }
}
