import Foundation
import TandemCore
import TandemForecast
import TandemPolicy

/// A replacement policy a scenario brings: loaded and compiled, or its diagnostics.
public struct ScenarioPolicy: Sendable {
    public var policy: CompiledPolicy?
    public var diagnostics: [Diagnostic]
    public var sources: [SourceFile]

    public init(policy: CompiledPolicy?, diagnostics: [Diagnostic], sources: [SourceFile]) {
        self.policy = policy
        self.diagnostics = diagnostics
        self.sources = sources
    }

    /// Reads, checks and compiles a policy file.
    public static func read(path: String) -> ScenarioPolicy {
        let r = PolicyLoader.load(path: path)
        return ScenarioPolicy(policy: r.policy.map(CompiledPolicy.init), diagnostics: r.diagnostics, sources: r.source.map { [$0] } ?? [])
    }
}

/// A scenario checked against the baseline: applied, or not (then `diagnostics` holds an error),
/// with every problem found located in the scenario file or in the policy it brings.
public struct ScenarioApplication: Sendable {
    /// The scenario applied; nil when a problem stops it.
    public var applied: AppliedScenario?
    public var diagnostics: [Diagnostic]
    /// The files the diagnostics point into, besides the scenario file (a policy it brings).
    public var sources: [SourceFile]
}

/// The key-result side of a scenario being applied: the table and log as changed so far, and
/// what the forecast is to do differently.
struct KeyResultEdit {
    var table: KeyResultTable
    var log: CheckInLog
    var forecastDay: [Int: Day] = [:]
    var pace: [Int: Double] = [:]
    var kinds: [Int: KeyResultKind] = [:]
    /// Key results whose data (target, deadline, check-ins) change.
    var changed = Set<Int>()
    var hypothetical: [Int: [CheckIn]] = [:]
    var retarget = Set<Int>()
}

extension WhatIfEngine {
    /// Checks a scenario against the baseline and applies it: the policy it brings, its attribute
    /// changes (then the organisation is bound again), its key-result changes, and the dataset
    /// those make. Every problem is reported, located in the scenario file (or in the policy it
    /// brings); nothing is applied when there is one.
    ///
    /// - Parameter loadPolicy: reads a replacement policy, given its path resolved against the
    ///   scenario file's folder.
    public func apply(_ scenario: Scenario, file: ScenarioFile,
                      loadPolicy: (String) -> ScenarioPolicy = { ScenarioPolicy.read(path: $0) }) -> ScenarioApplication {
        var result = ScenarioApplication(applied: nil, diagnostics: [], sources: [])
        var changes: [String] = []
        guard let policy = replacementPolicy(scenario, file: file, loadPolicy: loadPolicy, into: &result, changes: &changes) else { return result }
        let units = changedUnits(scenario, schema: policy.policy, diagnostics: &result.diagnostics, changes: &changes)
        var binding = base.binding
        if !scenario.attributeChanges.isEmpty || scenario.policy != nil {
            let boundChecked = OrganisationBinding.bind(Organisation(name: base.binding.organisation.name, units: units), to: policy.policy)
            let bound = boundChecked.value, found = boundChecked.diagnostics
            // Warnings about the baseline organisation itself (P0805) were shown with it already.
            result.diagnostics += found.filter { $0.severity == .error }.uniqued()
            // Without a binding the key-result changes are still checked, so every problem shows at once.
            if let bound { binding = bound }
        }
        var edit = KeyResultEdit(table: base.dataset.keyResults, log: base.dataset.checkIns)
        for change in scenario.keyResultChanges {
            changeKeyResults(change, edit: &edit, diagnostics: &result.diagnostics, changes: &changes)
        }
        if result.diagnostics.hasErrors { return result }
        result.applied = AppliedScenario(scenario: scenario, policy: policy, binding: binding,
                                         dataset: edit.changed.isEmpty ? nil : changedDataset(edit, organisation: binding.organisation),
                                         forecastDay: edit.forecastDay, pace: edit.pace, kind: edit.kinds, changed: edit.changed, changes: changes)
        return result
    }

    /// The scenario's policy: the baseline's, or the one it brings (nil, with diagnostics, when that does not check).
    func replacementPolicy(_ scenario: Scenario, file: ScenarioFile, loadPolicy: (String) -> ScenarioPolicy,
                           into result: inout ScenarioApplication, changes: inout [String]) -> CompiledPolicy? {
        guard let (path, location) = scenario.policy else { return base.policy }
        let folder = (file.path as NSString).deletingLastPathComponent
        let resolved = path.hasPrefix("/") || folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
        let loaded = loadPolicy(FileManager.default.fileExists(atPath: resolved) ? resolved : path)
        result.sources += loaded.sources
        if let p = loaded.policy {
            changes.append("policy replaced by '\(p.policy.name)'\(p.policy.version.map { " version \($0)" } ?? "") (\(path))")
            return p
        }
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        if errors.allSatisfy({ $0.id == CoreDiagnostic.unreadableFileID }) {
            result.diagnostics.append(Diagnostic(ScenarioDiagnostic.policyFileNotFound(path: path, resolved: resolved),
                                                 at: location, length: path.displayWidth))
        } else {
            result.diagnostics += loaded.diagnostics
            result.diagnostics.append(Diagnostic(ScenarioDiagnostic.policyHasErrors(scenario: scenario.name),
                                                 at: location, length: path.displayWidth))
        }
        return nil
    }

    /// The organisation's units with the scenario's attribute changes (`set` and `shift`) made.
    func changedUnits(_ scenario: Scenario, schema: Policy, diagnostics: inout [Diagnostic], changes: inout [String]) -> [OrgUnit] {
        let org = base.binding.organisation
        var units = org.units
        for change in scenario.attributeChanges {
            let current = Organisation(name: org.name, units: units)
            guard let targets = select(change.units, at: change.unitsLocation, in: current, schema: schema, diagnostics: &diagnostics) else { continue }
            let where_ = change.units.description
            for (name, value) in change.set {
                guard let (_, a) = attribute(name, at: value.location, length: name.displayWidth, schema: schema, diagnostics: &diagnostics) else { continue }
                // Checked here, where it is written: a later change to the same attribute must not
                // hide a bad value from the binding of the final state.
                if case .failure(let problem) = OrganisationBinding.convert(value, a) {
                    diagnostics.append(problem)
                    continue
                }
                for u in targets { units[u].attributes[name] = value }
                changes.append("\(name) = \(value.text) on \(describe(targets, where_, org))")
            }
            for (name, by, location) in change.shift {
                guard let (_, a) = attribute(name, at: location, length: name.displayWidth, schema: schema, diagnostics: &diagnostics) else { continue }
                var clamped = 0
                switch a.kind {
                case .level(let levels):
                    for u in targets {
                        let text = current.attribute(name, of: units[u].id)?.value.text ?? a.defaultValue.map { a.display($0) } ?? levels[0]
                        guard let i = levels.firstIndex(of: text) else { continue }  // an invalid value: the binding reports it
                        // In Double, so that no shift can overflow an Int (the loader bounds it too).
                        let wanted = Double(i) + by.rounded()
                        let j = Int(min(Double(levels.count - 1), max(0, wanted)))
                        if Double(j) != wanted { clamped += 1 }
                        units[u].attributes[name] = AttributeValue(kind: .string, text: levels[j], location: location)
                    }
                case .number(let lo, let hi):
                    for u in targets {
                        let v = current.attribute(name, of: units[u].id)?.value.number ?? a.defaultValue ?? 0
                        var w = v + by
                        if let lo, w < lo { w = lo; clamped += 1 }
                        if let hi, w > hi { w = hi; clamped += 1 }
                        units[u].attributes[name] = AttributeValue(kind: .number, text: PolicyFormat.number(w), location: location)
                    }
                case .enumeration, .boolean:
                    diagnostics.append(Diagnostic(ScenarioDiagnostic.unorderedShift(name),
                                                  at: location, notes: [.init("'\(name)' is declared here as \(a.type)", at: a.location, length: name.displayWidth)]))
                    continue
                }
                let steps = PolicyFormat.number(by)
                changes.append("\(name) shifted \(by > 0 ? "+" : "")\(steps) on \(describe(targets, where_, org))"
                               + (clamped > 0 ? " (\(clamped) already at the end of the range, kept there)" : ""))
            }
        }
        return units
    }

    /// Makes one key-result change (kind, target, deadline, pace, hypothetical check-ins) on the
    /// key results it selects.
    func changeKeyResults(_ change: KeyResultChange, edit: inout KeyResultEdit, diagnostics: inout [Diagnostic], changes: inout [String]) {
        let day = base.day
        let selected = selectKeyResults(change.keyResults, at: change.location, diagnostics: &diagnostics)
        if selected.isEmpty { return }
        var parts: [String] = []
        for k in selected {
            var kr = edit.table.keyResults[k]
            if let (kind, _) = change.kind, kind != kr.kind { edit.kinds[k] = kind }
            if let (value, location) = change.target {
                if value == kr.startValue {
                    diagnostics.append(Diagnostic(ScenarioDiagnostic.targetEqualsStart(keyResult: kr.id, start: kr.startValue), at: location))
                    continue
                }
                kr.targetValue = value
                edit.retarget.insert(k)
            }
            if let (deadline, location) = change.deadline {
                let end: Day
                switch deadline {
                case .shift(let n): end = kr.cycle.end.advanced(by: n)
                case .date(let d): end = d
                }
                if end < day || end <= kr.cycle.start {
                    diagnostics.append(Diagnostic(ScenarioDiagnostic.deadlineOutOfRange(keyResult: kr.id, deadline: end, start: kr.cycle.start, baseline: day), at: location))
                } else {
                    kr.cycle = Cycle(start: kr.cycle.start, end: end)
                }
            }
            if let (multiplier, _) = change.pace { edit.pace[k] = multiplier }
            // Kind and pace act on the forecast only; target, deadline and check-ins change the data.
            if change.target != nil || change.deadline != nil || !change.checkIns.isEmpty { edit.changed.insert(k) }
            var latest = day
            for c in change.checkIns {
                let existing = base.dataset.checkIns.checkIns(ofKeyResult: k)
                if c.date <= day {
                    diagnostics.append(Diagnostic(ScenarioDiagnostic.checkInNotAfterBaseline(baseline: day, date: c.date), at: c.location, length: 10))
                } else if c.date > kr.cycle.end {
                    diagnostics.append(Diagnostic(ScenarioDiagnostic.checkInOutsideCycle(keyResult: kr.id, cycle: kr.cycle, date: c.date), at: c.location, length: 10))
                } else if existing.contains(where: { $0.date == c.date }) || edit.hypothetical[k, default: []].contains(where: { $0.date == c.date }) {
                    diagnostics.append(Diagnostic(ScenarioDiagnostic.duplicateCheckIn(keyResult: kr.id, date: c.date), at: c.location, length: 10))
                } else {
                    edit.hypothetical[k, default: []].append(CheckIn(keyResultID: kr.id, date: c.date, value: c.value, confidence: c.confidence))
                    latest = max(latest, c.date)
                }
            }
            if !change.checkIns.isEmpty { edit.forecastDay[k] = max(edit.forecastDay[k] ?? day, latest) }
            edit.table.keyResults[k] = kr
        }
        if let (kind, _) = change.kind { parts.append("kind \(kind.rawValue)") }
        if let (value, _) = change.target { parts.append("target \(PolicyFormat.number(value))") }
        if let (deadline, _) = change.deadline {
            switch deadline {
            case .shift(let n): parts.append("deadline \(n >= 0 ? "+" : "")\(n) days")
            case .date(let d): parts.append("deadline \(d)")
            }
        }
        if let (m, _) = change.pace { parts.append("pace ×\(PolicyFormat.number(m)) from now on") }
        if !change.checkIns.isEmpty {
            parts.append("\(change.checkIns.count) hypothetical check-in\(change.checkIns.count == 1 ? "" : "s") to \(change.checkIns.map(\.date).max()!)")
        }
        let what: String
        if case .ids(let ids) = change.keyResults, ids.count == 1, let k = selected.first {
            what = "\(ids[0].id) (\(edit.table.keyResults[k].title))"
        } else {
            what = "\(change.keyResults) (\(selected.count))"
        }
        changes.append("\(what): \(parts.joined(separator: ", "))")
    }

    /// The dataset with the changed targets, deadlines and hypothetical check-ins.
    func changedDataset(_ edit: KeyResultEdit, organisation: Organisation) -> Dataset {
        var log = edit.log
        if !edit.hypothetical.isEmpty || !edit.retarget.isEmpty {
            var checkIns: [CheckIn] = []
            checkIns.reserveCapacity(log.checkIns.count + edit.hypothetical.values.reduce(0) { $0 + $1.count })
            var ranges: [Range<Int>] = []
            ranges.reserveCapacity(log.ranges.count)
            for k in log.ranges.indices {
                let start = checkIns.count
                if edit.retarget.contains(k) {
                    // The changed target holds from the start of the cycle.
                    checkIns += log.checkIns(ofKeyResult: k).map { var c = $0; c.target = nil; return c }
                } else {
                    checkIns += log.checkIns(ofKeyResult: k)
                }
                if let extra = edit.hypothetical[k] { checkIns += extra.sorted { $0.date < $1.date } }
                ranges.append(start..<checkIns.count)
            }
            log = CheckInLog(checkIns: checkIns, ranges: ranges)
        }
        return Dataset(organisation: organisation, keyResults: edit.table, checkIns: log)
    }

    /// Units a selector picks, in file order; nil (with a diagnostic) when it names what does not exist.
    func select(_ selector: UnitSelector, at location: SourceLocation, in org: Organisation, schema: Policy,
                diagnostics: inout [Diagnostic]) -> [Int]? {
        func unit(_ id: String) -> Int? {
            if let u = org.index[id] { return u }
            let notes = Suggestion.closest(to: id, among: org.units.map(\.id)).map { [Diagnostic.Note("did you mean '\($0)'?")] } ?? []
            diagnostics.append(Diagnostic(ScenarioDiagnostic.unknownUnit(id), at: location,
                                          length: id.displayWidth, notes: notes))
            return nil
        }
        func below(_ u: Int) -> [Int] {
            var result: [Int] = [], stack = org.children[u].reversed() as [Int]
            while let c = stack.popLast() {
                result.append(c)
                stack += org.children[c].reversed()
            }
            return result
        }
        switch selector {
        case .all: return Array(org.units.indices)
        case .unit(let id): return unit(id).map { [$0] }
        case .subtree(let id): return unit(id).map { [$0] + below($0) }
        case .descendants(let id): return unit(id).map(below)
        case .matching(let pairs):
            var checks: [(Int, Double)] = []
            for (name, value, where_) in pairs {
                guard let (index, definition) = attribute(name, at: where_, length: name.displayWidth, schema: schema, diagnostics: &diagnostics, forChange: false) else { return nil }
                let av = AttributeValue(kind: Double(value) != nil ? .number : (["true", "false"].contains(value) ? .boolean : .string), text: value, location: where_)
                switch OrganisationBinding.convert(av, definition) {
                case .success(let v): checks.append((index, v))
                case .failure(let d): diagnostics.append(d); return nil
                }
            }
            // `where` reads each unit's value as it stands (inherited and default values included).
            let picked = org.units.indices.filter { u in
                checks.allSatisfy { a, v in
                    let definition = schema.attributes[a]
                    guard let resolved = org.attribute(definition.name, of: org.units[u].id) else { return definition.defaultValue == v }
                    if case .success(let w) = OrganisationBinding.convert(resolved.value, definition) { return w == v }
                    return false
                }
            }
            if picked.isEmpty {
                diagnostics.append(Diagnostic(ScenarioDiagnostic.selectsNoUnit(selector), at: location))
            }
            return picked
        }
    }

    /// The schema attribute with this name, checked to be changeable; nil with a diagnostic otherwise.
    func attribute(_ name: String, at location: SourceLocation?, length: Int, schema: Policy, diagnostics: inout [Diagnostic],
                   forChange: Bool = true) -> (index: Int, definition: AttributeDefinition)? {
        guard let i = schema.attributeIndex(name) else {
            let notes = Suggestion.closest(to: name, among: schema.attributes.map(\.name)).map { [Diagnostic.Note("did you mean '\($0)'?")] }
                ?? [.init("the policy '\(schema.name)' declares: \(schema.attributes.map(\.name).joined(separator: ", "))")]
            diagnostics.append(Diagnostic(ScenarioDiagnostic.unknownAttribute(name), at: location, length: length, notes: notes))
            return nil
        }
        let a = schema.attributes[i]
        if forChange && !a.changeable {
            diagnostics.append(Diagnostic(ScenarioDiagnostic.fixedAttribute(name),
                                          at: location, length: length,
                                          notes: [.init("'\(name)' is declared 'fixed' here", at: a.location, length: name.displayWidth)]))
            return nil
        }
        return (i, a)
    }

    /// Open key results a selector picks.
    func selectKeyResults(_ selector: KeyResultSelector, at location: SourceLocation, diagnostics: inout [Diagnostic]) -> [Int] {
        let table = base.dataset.keyResults
        let openSet = Set(open)
        switch selector {
        case .ids(let ids):
            var result: [Int] = []
            for (id, where_) in ids {
                guard let k = table.index[id] else {
                    let notes = Suggestion.closest(to: id, among: open.map { table.keyResults[$0].id }).map { [Diagnostic.Note("did you mean '\($0)'?")] } ?? []
                    diagnostics.append(Diagnostic(ScenarioDiagnostic.unknownKeyResult(id), at: where_, length: id.displayWidth, notes: notes))
                    continue
                }
                guard openSet.contains(k) else {
                    let kr = table.keyResults[k]
                    diagnostics.append(Diagnostic(ScenarioDiagnostic.keyResultNotOpen(id, baseline: base.day, finalValue: kr.finalValue, cycle: kr.cycle),
                                                  at: where_, length: id.displayWidth))
                    continue
                }
                result.append(k)
            }
            return result
        case .unit(let id, let subtree):
            let org = base.binding.organisation
            guard let u = org.index[id] else {
                let notes = Suggestion.closest(to: id, among: org.units.map(\.id)).map { [Diagnostic.Note("did you mean '\($0)'?")] } ?? []
                diagnostics.append(Diagnostic(ScenarioDiagnostic.unknownUnit(id), at: location, notes: notes))
                return []
            }
            var units: Set<String> = [id]
            if subtree {
                var stack = org.children[u]
                while let c = stack.popLast() { units.insert(org.units[c].id); stack += org.children[c] }
            }
            let picked = open.filter { units.contains(table.keyResults[$0].unitID) }
            if picked.isEmpty { diagnostics.append(Diagnostic(ScenarioDiagnostic.selectsNoKeyResult(selector, day: base.day), at: location)) }
            return picked
        case .owner(let name):
            let picked = open.filter { table.keyResults[$0].owner == name }
            if picked.isEmpty { diagnostics.append(Diagnostic(ScenarioDiagnostic.selectsNoKeyResult(selector, day: base.day), at: location)) }
            return picked
        }
    }

    func describe(_ targets: [Int], _ selector: String, _ org: Organisation) -> String {
        if targets.count == 1 { return "\(org.units[targets[0]].id) (\(org.units[targets[0]].name))" }
        return "\(targets.count) units (\(selector))"
    }
}
