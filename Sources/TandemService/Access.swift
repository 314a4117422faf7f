import Foundation
import TandemCore
import TandemEngine
import TandemPolicy
import TandemStore

/// What deciding who sees what needs to know of an organisation: its units, its key results
/// (without check-ins) and the latest run's modes. Built once per import or run (its
/// ``stamp``), not per request.
public struct Catalogue: Sendable {
    public let stamp: CatalogueStamp
    public let units: [UnitCard]
    public let unitByID: [String: UnitCard]
    public let children: [String: [String]]
    public let keyResults: [KeyResultCard]
    public let keyResultByID: [String: KeyResultCard]
    public let keyResultsByUnit: [String: [KeyResultCard]]
    public let keyResultsByObjective: [String: [KeyResultCard]]
    /// The roots and the units one and two levels below them, at most 200, in order: the
    /// inbox's unit suggestions.
    public let topUnits: [UnitCard]
    public let modes: [String: Mode]
    /// The P(success) lines of the alert rules in force (the latest run's policy).
    public let thresholds: [AlertThreshold]
    /// The units with their attributes, for explaining decisions.
    public let organisation: Organisation
    /// The policy versions the runs used, oldest first; the one in force is the latest run's.
    public let policyVersions: [StoredPolicyVersion]

    public var policyInForce: StoredPolicyVersion? {
        guard let latest = stamp.latestRun else { return nil }
        return policyVersions.last { $0.lastRun == latest }
    }

    public init(stamp: CatalogueStamp, organisation: Organisation, keyResults: [KeyResultCard], modes: [String: Mode],
                policyVersions: [StoredPolicyVersion] = []) {
        self.stamp = stamp
        self.organisation = organisation
        self.policyVersions = policyVersions
        let units = organisation.units.map { UnitCard(id: $0.id, name: $0.name, parentID: $0.parentID) }
        var thresholds: [AlertThreshold] = []
        if let latest = stamp.latestRun, let text = policyVersions.last(where: { $0.lastRun == latest })?.text {
            thresholds = PolicyLoader.alertThresholds(text: text)
        }
        self.thresholds = thresholds
        self.units = units
        self.keyResults = keyResults
        self.modes = modes
        var byID: [String: UnitCard] = [:], children: [String: [String]] = [:]
        for u in units {
            byID[u.id] = u
            if let p = u.parentID { children[p, default: []].append(u.id) }
        }
        unitByID = byID
        self.children = children
        var krByID: [String: KeyResultCard] = [:], byUnit: [String: [KeyResultCard]] = [:], byObjective: [String: [KeyResultCard]] = [:]
        for k in keyResults {
            krByID[k.id] = k
            byUnit[k.unitID, default: []].append(k)
            byObjective[k.objectiveID, default: []].append(k)
        }
        keyResultByID = krByID
        keyResultsByUnit = byUnit
        var top: [UnitCard] = []
        for u in units where top.count < 200 {
            let parent = u.parentID.flatMap { byID[$0] }
            if parent == nil || parent?.parentID.flatMap({ byID[$0] }) == nil { top.append(u) }
        }
        topUnits = top
        keyResultsByObjective = byObjective
    }

    /// Reads the catalogue of a store.
    public static func load(store: any Store) throws(ServiceError) -> Catalogue {
        try storeCall { () throws(StoreError) in
            Catalogue(stamp: try store.catalogueStamp(), organisation: try store.organisationTree(), keyResults: try store.keyResultCards(),
                      modes: try store.latestModes(), policyVersions: try store.policyVersionTexts())
        }
    }

    /// A unit and every unit below it.
    public func subtree(of unit: String) -> Set<String> {
        var seen: Set<String> = [unit], stack = [unit]
        while let u = stack.popLast() {
            for c in children[u] ?? [] where seen.insert(c).inserted { stack.append(c) }
        }
        return seen
    }

    /// The unit and the units above it, root first.
    public func path(to unit: String) -> [UnitCard] {
        var path: [UnitCard] = [], seen = Set<String>(), at: String? = unit
        while let id = at, let u = unitByID[id], seen.insert(id).inserted {
            path.append(u)
            at = u.parentID
        }
        return path.reversed()
    }

    /// Whether a key result's details are confidential: a KPI, or a committed key result of a
    /// unit the policy manages by KPI (DESIGN.md, "Who sees what").
    public func isConfidential(_ k: KeyResultCard) -> Bool {
        k.kind == .kpi || (k.kind == .committed && modes[k.unitID] == .kpi)
    }
}

/// A signed-in account with what its role and units let it see and do, over one catalogue.
/// Every page, API route and export asks it; nothing is filtered only in a template.
public struct Viewer: Sendable {
    public let account: Account
    /// The units whose confidential details the account sees and whose alerts it acts on (a
    /// lead's subtrees); empty for other roles.
    public let led: Set<String>

    public init(account: Account, catalogue: Catalogue) {
        self.account = account
        var led = Set<String>()
        if account.role == .lead {
            for u in account.units where catalogue.unitByID[u] != nil { led.formUnion(catalogue.subtree(of: u)) }
        }
        self.led = led
    }

    public var role: Role { account.role }
    /// HR and admins see and act on everything.
    public var seesEverything: Bool { role == .hr || role == .admin }

    func owns(_ owner: String?) -> Bool {
        guard let person = account.person, let owner else { return false }
        return person == owner
    }

    /// Whether the account sees a key result's details (values, targets, forecasts, alerts).
    public func seesDetails(of k: KeyResultCard, in catalogue: Catalogue) -> Bool {
        seesEverything || !catalogue.isConfidential(k) || owns(k.owner) || led.contains(k.unitID)
    }

    /// Whether the account sees an alert (the details of its key result).
    public func sees(_ a: Alert, in catalogue: Catalogue) -> Bool {
        guard let k = catalogue.keyResultByID[a.keyResultID] else { return seesEverything }
        return seesDetails(of: k, in: catalogue)
    }

    /// Whether the account may acknowledge or snooze an alert: HR and admins any; a lead those
    /// of their subtree; a member those of their own key results; strategy none.
    public func mayAct(on a: Alert, in catalogue: Catalogue) -> Bool {
        guard sees(a, in: catalogue) else { return false }
        switch role {
        case .hr, .admin: return true
        case .lead: return led.contains(a.unitID) || owns(a.owner)
        case .member: return owns(a.owner)
        case .strategy: return false
        }
    }

    /// Whether the account sees every decision and explanation (all but members and leads see
    /// them; those see their own units' and the units above).
    public var seesAllDecisions: Bool { role != .member && role != .lead }

    /// Whether the account sees a unit's whole decision story (evidence, attributes): strategy,
    /// HR and admins every unit's; a lead their subtree's and the units above; a member the
    /// units of their own key results and the units above.
    public func seesExplanation(of unit: String, in catalogue: Catalogue) -> Bool {
        switch role {
        case .strategy, .hr, .admin: return true
        case .lead:
            if led.contains(unit) { return true }
            return led.contains { catalogue.path(to: $0).contains { $0.id == unit } }
        case .member:
            guard let person = account.person else { return false }
            return catalogue.keyResults.contains { $0.owner == person && catalogue.path(to: $0.unitID).contains { $0.id == unit } }
        }
    }

    /// Whether the account may record check-ins of a key result: HR and admins any; a lead
    /// those of their subtree (and their own); a member their own; strategy none.
    public func mayCheckIn(_ k: KeyResultCard) -> Bool {
        switch role {
        case .hr, .admin: return true
        case .lead: return led.contains(k.unitID) || owns(k.owner)
        case .member: return owns(k.owner)
        case .strategy: return false
        }
    }

    /// Whether the account runs what-if scenarios (strategy, HR, admins): a scenario's report
    /// shows every unit's decision and chances in aggregate.
    public var mayUseWhatIf: Bool { role == .strategy || role == .hr || role == .admin }

    /// Whether confidential key results count in the aggregates the account is shown.
    public var seesAggregates: Bool { role != .member }
}

/// The dashboard's use cases, each asked as one viewer: the same rules for pages, API and exports.
public enum AccessService {
    /// One page of the inbox as the viewer may see it. A unit the viewer may not know of is
    /// not found.
    public static func inbox(store: any Store, catalogue: Catalogue, viewer: Viewer, query: AlertPageQuery) throws(ServiceError) -> AlertPage {
        if let unit = query.unit, catalogue.unitByID[unit] == nil { throw .notFound("no unit '\(unit)'") }
        var query = query
        if let unit = query.unit { query.subtreeIsLarge = catalogue.subtree(of: unit).count * 20 > catalogue.units.count }
        let sized = query
        return try storeCall { () throws(StoreError) in
            try store.alertPage(sized) { viewer.sees($0, in: catalogue) }
        }
    }

    /// A key result the viewer may see, or nil (as if it did not exist).
    public static func keyResult(_ id: String, catalogue: Catalogue, viewer: Viewer) -> KeyResultCard? {
        guard let k = catalogue.keyResultByID[id], viewer.seesDetails(of: k, in: catalogue) else { return nil }
        return k
    }

    /// An alert the viewer may see, or nil.
    public static func alert(_ id: Int64, store: any Store, catalogue: Catalogue, viewer: Viewer) throws(ServiceError) -> Alert? {
        guard let a = try storeCall({ () throws(StoreError) in try store.alert(id: id) }), viewer.sees(a, in: catalogue) else { return nil }
        return a
    }

    /// Acknowledges an alert as the viewer: not found when they may not see it, refused when
    /// they see it but may not act on it. Audited.
    public static func acknowledge(store: any Store, catalogue: Catalogue, viewer: Viewer, alert id: Int64, note: String,
                                   address: String?) throws(ServiceError) -> Alert {
        try mayAct(store: store, catalogue: catalogue, viewer: viewer, alert: id)
        let audit = AuditEntry(at: AccountService.now(), actor: viewer.account.email, action: "ack", target: "alert \(id)", detail: note, address: address)
        return try LedgerService.acknowledge(store: store, alert: id, note: note, day: nil, audit: audit).alert
    }

    /// Snoozes an alert until a day, as the viewer (the same rights as acknowledging). Audited.
    public static func snooze(store: any Store, catalogue: Catalogue, viewer: Viewer, alert id: Int64, until: Day, note: String,
                              address: String?) throws(ServiceError) -> Alert {
        try mayAct(store: store, catalogue: catalogue, viewer: viewer, alert: id)
        let audit = AuditEntry(at: AccountService.now(), actor: viewer.account.email, action: "snooze", target: "alert \(id)",
                               detail: "until \(until)" + (note.isEmpty ? "" : ": \(note)"), address: address)
        return try LedgerService.snooze(store: store, alert: id, until: until, note: note, day: nil, audit: audit).alert
    }

    static func mayAct(store: any Store, catalogue: Catalogue, viewer: Viewer, alert id: Int64) throws(ServiceError) {
        guard let a = try alert(id, store: store, catalogue: catalogue, viewer: viewer) else {
            throw .notFound("no alert \(id)")
        }
        guard viewer.mayAct(on: a, in: catalogue) else {
            throw .forbidden("you may not act on alert \(id): \(actRule(viewer.role))")
        }
    }

    static func actRule(_ role: Role) -> String {
        switch role {
        case .hr, .admin: "HR and admins act on every alert"
        case .lead: "a lead acts on the alerts of the units they lead and the units below"
        case .member: "a member acts on the alerts of their own key results"
        case .strategy: "strategy reads alerts but does not act on them"
        }
    }
}

extension AccessService {
    /// Imports check-ins sent as CSV text (`kr_id,date,value[,confidence]`), checked exactly as
    /// the CLI's loader checks a file, all or nothing. Key results the viewer may not record
    /// check-ins of are unknown to the loader: a row naming one is a located error, like a row
    /// naming a key result that does not exist.
    public static func importCheckIns(_ source: SourceFile, store: any Store, catalogue: Catalogue, viewer: Viewer,
                                      address: String?) throws(ServiceError) -> ImportOutcome {
        var table = KeyResultTable(keyResults: [], index: [:], locations: [])
        for k in catalogue.keyResults where viewer.mayCheckIn(k) {
            table.index[k.id] = table.keyResults.count
            table.keyResults.append(KeyResult(id: k.id, objectiveID: k.objectiveID, unitID: k.unitID, title: k.title, kind: k.kind,
                                              startValue: k.startValue, targetValue: k.targetValue, cycle: Cycle(start: k.cycleStart, end: k.cycleEnd),
                                              owner: k.owner, finalValue: k.finalValue))
            table.locations.append(SourceLocation(file: "store", line: 0, column: 0))
        }
        let checked = CheckInLoader.load(source, keyResults: table, inStore: true)
        if checked.diagnostics.hasErrors {
            throw .invalidInput(InputProblems(diagnostics: checked.diagnostics, sources: [source], consequence: "nothing imported"))
        }
        let dataset = Dataset(organisation: nil, keyResults: KeyResultTable(keyResults: [], index: [:], locations: []), checkIns: checked.value)
        let actor = viewer.account.email
        let summary = try storeCall { () throws(StoreError) in
            try store.importDataset(dataset, files: [source.path]) { summary in
                AuditEntry(at: AccountService.now(), actor: actor, action: "checkins", target: source.path,
                           detail: "check-ins +\(summary.checkInsAdded) ~\(summary.checkInsChanged)", address: address)
            }
        }
        let counts = try storeCall { () throws(StoreError) in try store.counts() }
        return ImportOutcome(summary: summary, counts: counts, warnings: checked.diagnostics, sources: [source])
    }
}

extension AccessService {
    /// A what-if report as the viewer may read it: for one who does not see everything (strategy),
    /// the rows about key results whose details they may not see, and objectives holding one, are
    /// left out; totals and units stay (aggregates). How many rows were left out is returned.
    public static func visible(_ report: WhatIfReport, viewer: Viewer, catalogue: Catalogue) -> (report: WhatIfReport, hidden: Int) {
        guard !viewer.seesEverything else { return (report, 0) }
        func sees(_ id: String) -> Bool { catalogue.keyResultByID[id].map { viewer.seesDetails(of: $0, in: catalogue) } ?? false }
        var out = report, hidden = 0
        for i in out.scenarios.indices {
            let moves = out.scenarios[i].keyResultMoves.filter { sees($0.krID) }
            let changes = out.scenarios[i].alertChanges.filter { sees($0.krID) }
            hidden += out.scenarios[i].keyResultMoves.count - moves.count + out.scenarios[i].alertChanges.count - changes.count
            out.scenarios[i].keyResultMoves = moves
            out.scenarios[i].alertChanges = changes
        }
        let objectives = out.objectives.filter { row in (catalogue.keyResultsByObjective[row.objectiveID] ?? []).allSatisfy { viewer.seesDetails(of: $0, in: catalogue) } }
        hidden += out.objectives.count - objectives.count
        out.objectives = objectives
        return (out, hidden)
    }
}

extension LedgerService {
    /// Snoozes a live alert until `until`, dated `day` or, by default, the latest run.
    /// Its audit line, when given, is written in the same transaction.
    public static func snooze(store: any Store, alert id: Int64, until: Day, note: String, day: Day?,
                              audit: AuditEntry? = nil) throws(ServiceError) -> Acknowledgement {
        if let why = AlertNotes.problem(note) { throw .invalidRequest(why) }
        return try record(store: store, alert: id, day: day, operation: "snooze an alert in", audit: audit) { (basis, day) throws(ServiceError) in
            do {
                return try Ledger.snooze(basis.alert, until: until, note: note, day: day, latestRun: basis.latestRun, lastEventDay: basis.lastEventDay)
            } catch {
                throw .invalidRequest("\(error)")
            }
        }
    }
}
