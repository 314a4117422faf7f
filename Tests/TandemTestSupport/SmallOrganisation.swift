import TandemCore
import TandemStore

/// The small organisation the dashboard's and the notifications' tests share, with a key
/// result of every kind where the rights care:
///
///     co 星海 ─ sales 销售部 ─ sales.east 华东大区
///            └ rd 研发中心 ─ rd.app 应用组 (managed by KPI)
public enum SmallOrganisation {
    public static let units = [OrgUnit(id: "co", name: "星海"), OrgUnit(id: "sales", name: "销售部", parentID: "co"),
                               OrgUnit(id: "sales.east", name: "华东大区", parentID: "sales"), OrgUnit(id: "rd", name: "研发中心", parentID: "co"),
                               OrgUnit(id: "rd.app", name: "应用组", parentID: "rd")]

    /// Key results: id → (unit, kind, owner).
    public static let keyResults: [(id: String, unit: String, kind: KeyResultKind, owner: String)] = [
        ("E-OKR", "sales.east", .committed, "张伟"),      // public
        ("E-KPI", "sales.east", .kpi, "张伟"),            // confidential, 张伟's own
        ("S-KPI", "sales", .kpi, "王芳"),                 // confidential, above sales.east
        ("A-OKR", "rd.app", .aspirational, "李娜"),       // public
        ("A-COM", "rd.app", .committed, "李娜"),          // confidential: rd.app is managed by KPI
        ("R-KPI", "rd", .kpi, "赵强"),                    // confidential, unrelated to sales
    ]

    /// The units and these key results (titled `目标 <id>`, 0 → 100 over 2026-Q4), no check-in.
    public static func dataset(_ keyResults: [(id: String, unit: String, kind: KeyResultKind, owner: String)]) -> Dataset {
        let cycle = Cycle(start: Day(iso: "2026-10-01")!, end: Day(iso: "2026-12-31")!)
        var table = KeyResultTable(keyResults: [], index: [:], locations: [])
        for k in keyResults {
            table.index[k.id] = table.keyResults.count
            table.keyResults.append(KeyResult(id: k.id, objectiveID: "O-\(k.unit)", unitID: k.unit, title: "目标 \(k.id)", kind: k.kind,
                                              startValue: 0, targetValue: 100, cycle: cycle, owner: k.owner))
            table.locations.append(SourceLocation(file: "t", line: 0, column: 0))
        }
        return Dataset(organisation: Organisation(units: units), keyResults: table,
                       checkIns: CheckInLog(checkIns: [], ranges: Array(repeating: 0..<0, count: table.keyResults.count)))
    }
}
