import Foundation
import TandemCore

/// Settings of a generated dataset.
public struct GeneratorConfiguration: Sendable {
    public var seed: UInt64
    /// Number of units, the company included. Up to 42 units follow the template of 星海科技;
    /// beyond that, further business groups repeat its departments.
    public var units: Int
    /// Number of quarters; the last one is the quarter holding `asOf` and is still open.
    public var quarters: Int
    /// The day the data is exported: check-ins stop here and the current quarter is open.
    public var asOf: Day

    /// Every key result gets a cycle of its own (a start up to 60 days into its quarter, 10 to
    /// 180 days long) instead of its quarter: the staggered cycles of real histories.
    public var staggered = false

    public init(seed: UInt64 = 2026, units: Int = 42, quarters: Int = 5, asOf: Day = Day(year: 2026, month: 11, day: 18)!,
                staggered: Bool = false) {
        self.staggered = staggered
        self.seed = seed
        self.units = units
        self.quarters = quarters
        self.asOf = asOf
    }
}

/// The three canonical files of a generated dataset, as text.
public struct GeneratedDataset: Sendable {
    public var organisationYAML: String
    public var keyResultsCSV: String
    public var checkInsCSV: String
    public var unitCount: Int
    public var keyResultCount: Int
    public var checkInCount: Int

    /// Writes `org.yaml`, `krs.csv` and `checkins.csv` into a directory, creating it if needed.
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let url = URL(fileURLWithPath: directory)
        try Data(organisationYAML.utf8).write(to: url.appendingPathComponent("org.yaml"))
        try Data(keyResultsCSV.utf8).write(to: url.appendingPathComponent("krs.csv"))
        try Data(checkInsCSV.utf8).write(to: url.appendingPathComponent("checkins.csv"))
    }
}

/// Generates organisations and key-result histories that look like real OKR data rather than
/// like any model's assumptions. `datasets/README.md` documents the dynamics.
public enum DatasetGenerator {
    /// Generates a dataset; the same configuration always gives the same bytes.
    public static func generate(_ configuration: GeneratorConfiguration) -> GeneratedDataset {
        var random = SeededRandom(seed: configuration.seed)
        var stagger = SeededRandom(seed: configuration.seed ^ 0x5747_4745_5245_4421)
        let units = buildUnits(count: max(1, configuration.units), random: &random)
        let org = organisationYAML(units)
        var krs = CSVWriter(header: KeyResultLoader.columns)
        var checkins = CSVWriter(header: CheckInLoader.columns)
        var krCount = 0, checkInCount = 0
        let quarters = quarterCycles(count: max(1, configuration.quarters), endingWith: configuration.asOf)
        for (q, cycle) in quarters.enumerated() {
            let label = quarterLabel(cycle.start)
            let isOpen = q == quarters.count - 1 && cycle.contains(configuration.asOf)
            var objectiveSeq = 0, krSeq = 0
            for unit in units {
                let objectives = unit.isTeam ? random.integer(3...5) : random.integer(1...3)
                for _ in 0..<objectives {
                    objectiveSeq += 1
                    let objectiveID = "O-\(label)-\(pad(objectiveSeq, 4))"
                    for _ in 0..<random.integer(2...4) {
                        krSeq += 1
                        var own = cycle, ownIsOpen = isOpen
                        if configuration.staggered {
                            // From a stream of its own, so that the rest of the history is drawn as usual.
                            let start = min(configuration.asOf, cycle.start.advanced(by: stagger.integer(0...60)))
                            own = Cycle(start: start, end: start.advanced(by: stagger.integer(10...180) - 1))
                            ownIsOpen = own.end >= configuration.asOf
                        }
                        let kr = simulateKeyResult(
                            id: "KR-\(label)-\(pad(krSeq, 5))", objectiveID: objectiveID, unit: unit,
                            cycle: own, asOf: configuration.asOf, isOpen: ownIsOpen, random: &random)
                        krs.row(kr.row)
                        for row in kr.checkIns { checkins.row(row) }
                        krCount += 1
                        checkInCount += kr.checkIns.count
                    }
                }
            }
        }
        return GeneratedDataset(organisationYAML: org, keyResultsCSV: krs.text, checkInsCSV: checkins.text,
                                unitCount: units.count, keyResultCount: krCount, checkInCount: checkInCount)
    }

    // MARK: - Units

    /// A generated unit with the hidden factors that drive its results.
    struct GeneratedUnit {
        var id: String
        var name: String
        var gloss: String
        var parent: String?
        var attributes: [(String, String)]
        var isTeam: Bool
        var metrics: [MetricTemplate]
        /// The management mode the unit uses today (written to the file as `current_mode`).
        var mode: String
        // Hidden: never written to any file.
        var trueUncertainty: Double
        var skill: Double
        var diligence: Double
        var checkInInterval: Int
        var reportsConfidence: Bool
        var optimism: Double
        var owners: [(name: String, skill: Double)]
    }

    static let companyMetrics: [MetricTemplate] = [
        OrganisationTemplate.m("季度营业收入达到 {target} 万元", "万元", .money, base: 9000...15000, stretch: 0.08...0.2),
        OrganisationTemplate.m("毛利率提升到 {target}%", "%", .percent, base: 32...41, stretch: 0.03...0.08),
        OrganisationTemplate.m("员工敬业度提升到 {target} 分", "分", .count, base: 62...72, stretch: 0.04...0.1),
    ]

    static func buildUnits(count: Int, random: inout SeededRandom) -> [GeneratedUnit] {
        var units: [GeneratedUnit] = []
        func owners(_ random: inout SeededRandom, _ n: Int) -> [(String, Double)] {
            (0..<n).map { _ in
                (random.pick(OrganisationTemplate.surnames) + random.pick(OrganisationTemplate.givenNames), random.normal(0, 1))
            }
        }
        let company = OrganisationTemplate.company
        units.append(GeneratedUnit(
            id: company.id, name: company.name, gloss: company.gloss, parent: nil,
            attributes: [("stage", "growth"), ("survival_pressure", "low"), ("stable_operations", "true"),
                         ("innovation_ceiling", "false")],
            isTeam: false, metrics: companyMetrics, mode: "hybrid", trueUncertainty: 0.5,
            skill: 0.3, diligence: 0.8, checkInInterval: 7, reportsConfidence: true, optimism: 0.6,
            owners: owners(&random, 3)))
        var group = 1
        while units.count < count {
            var groupID = company.id
            if group > 1 {
                groupID = "bg\(group)"
                let stage = random.pick(["startup", "transformation", "growth", "mature"])
                units.append(GeneratedUnit(
                    id: groupID, name: "第\(group)事业群", gloss: "Business Group \(group)", parent: company.id,
                    attributes: [("stage", stage)], isTeam: false, metrics: companyMetrics, mode: "hybrid",
                    trueUncertainty: 0.5, skill: random.normal(0, 0.5), diligence: 0.8, checkInInterval: 7,
                    reportsConfidence: true, optimism: 0.5, owners: owners(&random, 2)))
            }
            for department in OrganisationTemplate.departments {
                guard units.count < count else { break }
                let departmentID = group == 1 ? department.id : "\(groupID).\(department.id)"
                let departmentTruth = ["low": 0.2, "medium": 0.5, "high": 0.8][department.uncertainty] ?? 0.5
                units.append(GeneratedUnit(
                    id: departmentID, name: department.name, gloss: department.gloss, parent: groupID,
                    attributes: [("layer", department.layer), ("function", department.function),
                                 ("uncertainty", department.uncertainty), ("talent_autonomy", department.autonomy),
                                 ("trial_cost", department.trialCost), ("current_mode", department.mode)],
                    isTeam: department.teams.isEmpty, metrics: department.metrics, mode: department.mode,
                    trueUncertainty: departmentTruth, skill: random.normal(0, 0.6),
                    diligence: random.uniform(0.6, 0.95), checkInInterval: 7,
                    reportsConfidence: random.chance(0.75), optimism: random.normal(0.6, 0.5),
                    owners: owners(&random, department.teams.isEmpty ? 4 : 2)))
                for team in department.teams {
                    guard units.count < count else { break }
                    var attributes: [(String, String)] = []
                    if let u = team.uncertainty { attributes.append(("uncertainty", u)) }
                    if let a = team.autonomy { attributes.append(("talent_autonomy", a)) }
                    if let c = team.trialCost { attributes.append(("trial_cost", c)) }
                    if team.mode != department.mode { attributes.append(("current_mode", team.mode)) }
                    attributes.append(("headcount", String(team.headcount)))
                    units.append(GeneratedUnit(
                        id: "\(departmentID).\(team.id)", name: team.name, gloss: team.gloss, parent: departmentID,
                        attributes: attributes, isTeam: true, metrics: department.metrics, mode: team.mode,
                        trueUncertainty: min(1, max(0, team.trueUncertainty + (group > 1 ? random.normal(0, 0.1) : 0))),
                        skill: random.normal(0, 1), diligence: random.uniform(0.45, 0.95),
                        checkInInterval: random.chance(0.2) ? 14 : 7, reportsConfidence: random.chance(0.7),
                        optimism: random.normal(0.6, 0.6), owners: owners(&random, random.integer(2...5))))
                }
            }
            group += 1
        }
        return units
    }

    static func organisationYAML(_ units: [GeneratedUnit]) -> String {
        var out = """
        # 星海科技 (Xinghai Technology): a generated sample organisation.
        # Generated by `tandem generate`; see datasets/README.md for the dynamics behind it.
        organisation: 星海科技
        units:

        """
        for unit in units {
            out += "  - id: \(unit.id)\n"
            out += "    name: \(unit.name)\n"
            out += "    gloss: \(unit.gloss)\n"
            if let parent = unit.parent { out += "    parent: \(parent)\n" }
            if !unit.attributes.isEmpty {
                out += "    attributes:\n"
                for (key, value) in unit.attributes { out += "      \(key): \(value)\n" }
            }
        }
        return out
    }

    // MARK: - Calendar

    static func quarterCycles(count: Int, endingWith day: Day) -> [Cycle] {
        let (year, month, _) = day.components
        var q = (year * 4) + (month - 1) / 3
        q -= count - 1
        return (0..<count).map { i in
            let index = q + i
            let y = index / 4, startMonth = (index % 4) * 3 + 1
            let start = Day(year: y, month: startMonth, day: 1)!
            let endMonth = startMonth + 2
            let end = Day(year: y, month: endMonth, day: Day.daysIn(month: endMonth, year: y))!
            return Cycle(start: start, end: end)
        }
    }

    static func quarterLabel(_ start: Day) -> String {
        let (y, m, _) = start.components
        return "\(y % 100)Q\((m - 1) / 3 + 1)"
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}

/// Writes RFC 4180 CSV, quoting only the fields that need it.
struct CSVWriter {
    private(set) var text: String

    init(header: [String]) {
        text = header.joined(separator: ",") + "\n"
    }

    mutating func row(_ fields: [String]) {
        var first = true
        for field in fields {
            if !first { text += "," }
            first = false
            if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                text += "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            } else {
                text += field
            }
        }
        text += "\n"
    }
}
