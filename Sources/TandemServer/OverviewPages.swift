import Foundation
import HTTPTypes
import Hummingbird
import TandemCore
import TandemPolicy
import TandemService
import TandemStore

/// The organisation overview, the runs and the policy: the strategy team's pages.
enum OverviewPages {
    static func add(to router: Router<TandemContext>, state: ServerState) {
        router.get("/units") { request, context in try await overview(request, context, state) }
        router.get("/runs") { request, context in try await runs(request, context, state) }
        router.get("/policy") { request, context in try await policy(request, context, state) }
    }

    /// Live alerts by severity and open key results, of one unit and the units below it.
    struct Tally {
        var critical = 0, warning = 0, info = 0, keyResults = 0

        mutating func add(_ t: Tally) {
            critical += t.critical
            warning += t.warning
            info += t.info
            keyResults += t.keyResults
        }

        /// 0 (nothing at risk) to 5 (more than half of the open key results at risk).
        var level: Int {
            let atRisk = critical + warning
            guard atRisk > 0 else { return 0 }
            let share = keyResults > 0 ? Double(atRisk) / Double(keyResults) : 1
            switch share {
            case ..<0.05: return 1
            case ..<0.15: return 2
            case ..<0.30: return 3
            case ..<0.50: return 4
            default: return 5
            }
        }
    }

    /// Each unit's tally, its subtree included, as the viewer may count.
    static func tallies(_ catalogue: Catalogue, _ viewer: Viewer, marks: [AlertMark]) -> [String: Tally] {
        var own: [String: Tally] = [:]
        let day = catalogue.stamp.latestRun
        for k in catalogue.keyResults where day.map({ k.cycleStart <= $0 && $0 <= k.cycleEnd }) ?? true {
            if viewer.seesAggregates || viewer.seesDetails(of: k, in: catalogue) { own[k.unitID, default: Tally()].keyResults += 1 }
        }
        for m in marks {
            if !viewer.seesAggregates {
                guard let k = catalogue.keyResultByID[m.keyResultID], viewer.seesDetails(of: k, in: catalogue) else { continue }
            }
            switch m.severity {
            case .critical: own[m.unitID, default: Tally()].critical += 1
            case .warning: own[m.unitID, default: Tally()].warning += 1
            case .info: own[m.unitID, default: Tally()].info += 1
            }
        }
        // Children before parents: a unit's subtree adds up once its children's have.
        var total: [String: Tally] = [:]
        func sum(_ id: String, _ seen: inout Set<String>) -> Tally {
            if let t = total[id] { return t }
            guard seen.insert(id).inserted else { return Tally() }
            var t = own[id] ?? Tally()
            for c in catalogue.children[id] ?? [] { t.add(sum(c, &seen)) }
            total[id] = t
            return t
        }
        var seen = Set<String>()
        for u in catalogue.units { _ = sum(u.id, &seen) }
        return total
    }

    static func overview(_ request: Request, _ context: TandemContext, _ state: ServerState) async throws -> Response {
        let (viewer, catalogue) = try context.signedIn(request)
        let store = state.store
        let marks = try await serviceCall { () throws(ServiceError) in try storeCall { () throws(StoreError) in try store.liveAlertMarks() } }
        let tally = tallies(catalogue, viewer, marks: marks)
        // Depth-first from the roots, to three levels below them, at most 500 rows.
        var rows: [[String: Any]] = [], hidden = 0
        func walk(_ id: String, _ depth: Int) {
            guard let u = catalogue.unitByID[id] else { return }
            if depth > 3 || rows.count >= 500 {
                hidden += 1
            } else {
                let t = tally[id] ?? Tally()
                rows.append(["idPath": Views.percentEncoded(id), "name": u.name, "depth": depth, "mode": catalogue.modes[id]?.rawValue.uppercased() ?? "—",
                             "critical": t.critical, "warning": t.warning, "info": t.info, "keyResults": t.keyResults])
            }
            for c in catalogue.children[id] ?? [] { walk(c, depth + 1) }
        }
        let roots = catalogue.units.filter { $0.parentID == nil || catalogue.unitByID[$0.parentID ?? ""] == nil }
        for r in roots { walk(r.id, 0) }
        // The heat map: the shallowest levels that fit in 120 cells.
        var level = roots.map(\.id), cells: [String] = []
        while !level.isEmpty, cells.count + level.count <= 120 {
            cells += level
            level = level.flatMap { catalogue.children[$0] ?? [] }
        }
        if cells.isEmpty { cells = Array(level.prefix(120)) }
        let heat: [[String: Any]] = cells.compactMap { id in
            guard let u = catalogue.unitByID[id] else { return nil }
            let t = tally[id] ?? Tally()
            return ["idPath": Views.percentEncoded(id), "name": u.name, "level": t.level, "critical": t.critical, "warning": t.warning, "keyResults": t.keyResults]
        }
        var values: [String: Any] = ["rows": rows, "heat": heat, "aggregates": viewer.seesAggregates]
        if let day = catalogue.stamp.latestRun { values["day"] = day.description }
        if hidden > 0 { values["more"] = "\(hidden) deeper unit\(hidden == 1 ? " is" : "s are") on \(hidden == 1 ? "its parent's page" : "their parents' pages")." }
        return Views.html(Views.page("overview", title: "Organisation", values, viewer: viewer, session: context.session, nav: "units"))
    }

    static func runs(_ request: Request, _ context: TandemContext, _ state: ServerState) async throws -> Response {
        let (viewer, _) = try context.signedIn(request)
        let store = state.store
        struct Runs: Sendable { var runs: [RunSummary]; var counts: [Day: [LedgerEventKind: Int]] }
        let found = try await serviceCall { () throws(ServiceError) in
            try storeCall { () throws(StoreError) in Runs(runs: try store.runs(), counts: try store.eventCountsByDay()) }
        }
        let rows: [[String: Any]] = found.runs.sorted { $0.day > $1.day }.map { r in
            let c = found.counts[r.day] ?? [:]
            return ["day": r.day.description, "policy": URL(fileURLWithPath: r.policy).lastPathComponent,
                    "model": URL(fileURLWithPath: r.model).lastPathComponent, "open": r.openKeyResults, "events": r.events,
                    "opened": c[.opened] ?? 0, "escalated": c[.escalated] ?? 0, "improved": c[.improved] ?? 0, "resolved": c[.resolved] ?? 0,
                    "acked": c[.acked] ?? 0, "undoable": r.undoable ? "yes" : "no"]
        }
        return Views.html(Views.page("runs", title: "Weekly runs", ["runs": rows, "hasRuns": !rows.isEmpty], viewer: viewer, session: context.session, nav: "runs"))
    }

    static func policy(_ request: Request, _ context: TandemContext, _ state: ServerState) async throws -> Response {
        let (viewer, catalogue) = try context.signedIn(request)
        var values: [String: Any] = [:]
        if let inForce = catalogue.policyInForce {
            let versions = catalogue.policyVersions
            let previous = versions.firstIndex(of: inForce).flatMap { $0 > 0 ? versions[$0 - 1] : nil }
            let organisation = catalogue.organisation
            let stamp = catalogue.stamp
            let cached = state.policyCache.withLock { $0?.stamp == stamp ? $0?.value : nil }
            let found: PolicyFindings
            if let cached { found = cached } else { found = try await serviceCall { () throws(ServiceError) -> PolicyFindings in
                let source = SourceFile(path: inForce.name, bytes: Array(inForce.text.utf8))
                let check = PolicyService.check(source: source)
                let renderer = DiagnosticRenderer(sources: check.source.map { [$0] } ?? [])
                let lines = check.diagnostics.map { renderer.render([$0]) }
                var diff: PolicyComparison?
                if let previous {
                    diff = try PolicyService.diff(old: SourceFile(path: previous.name + (previous.version.map { " " + $0 } ?? ""), bytes: Array(previous.text.utf8)),
                                                  new: SourceFile(path: inForce.name + (inForce.version.map { " " + $0 } ?? ""), bytes: Array(inForce.text.utf8)),
                                                  organisation: organisation)
                }
                return PolicyFindings(check: lines, diff: diff)
            } }
            state.policyCache.withLock { $0 = (stamp, found) }
            values["inForce"] = ["name": inForce.name, "version": inForce.version ?? "", "runs": inForce.runs, "plural": inForce.runs == 1 ? "" : "s",
                                 "firstRun": inForce.firstRun.description, "digest": String(inForce.digest.prefix(12)), "text": inForce.text,
                                 "findings": found.check, "hasFindings": !found.check.isEmpty].filter { !(($0.value as? String)?.isEmpty ?? false) }
            if let diff = found.diff, let previous {
                let summary = diff.units.isEmpty
                    ? "Over the \(diff.unitsCompared) units of the organisation, both versions decide alike."
                    : "\(diff.units.count) of \(diff.unitsCompared) units are decided otherwise: "
                        + diff.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + "."
                values["diff"] = [
                    "previous": "\(previous.name)\(previous.version.map { " " + $0 } ?? ""), \(previous.runs) run\(previous.runs == 1 ? "" : "s") from \(previous.firstRun)",
                    "summary": summary, "hasChanges": !diff.units.isEmpty,
                    "changes": diff.units.prefix(500).map { c -> [String: Any] in
                        ["idPath": Views.percentEncoded(c.unitID), "name": c.name, "old": c.old?.text ?? "no decision", "new": c.new?.text ?? "no decision", "rule": c.newRule]
                    },
                ] as [String: Any]
            } else {
                values["noPrevious"] = true
            }
        }
        return Views.html(Views.page("policy", title: "Policy", values, viewer: viewer, session: context.session, nav: "policy"))
    }
}
