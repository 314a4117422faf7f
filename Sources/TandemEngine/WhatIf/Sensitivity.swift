import Foundation
import TandemCore
import TandemForecast
import TandemPolicy

/// How a unit's lean score and decision move across every value of every changeable attribute,
/// one attribute at a time (the others as they are): a tornado.
public struct UnitSensitivity: Sendable, Codable {
    public struct Value: Sendable, Codable {
        public var value: String
        public var lean: Double
        public var mode: Mode?
        public var outcome: OutcomeValue?
        public var isCurrent: Bool
    }
    public struct Row: Sendable, Codable {
        public var attribute: String
        public var description: String?
        public var current: String
        /// Where the current value comes from: "own", "inherited from X", "default".
        public var origin: String
        public var values: [Value]
        public var lowLean: Double
        public var highLean: Double
        /// Values at which the mode or the parameters change.
        public var decisionChangesAt: [String]
    }

    public var unitID: String
    public var unitName: String
    public var mode: Mode?
    public var outcome: OutcomeValue?
    public var lean: Double
    /// Changeable attributes, the widest swing of the lean score first.
    public var rows: [Row]

    /// - Precondition: `u` is a unit index of the binding.
    public init(unit u: Int, policy: CompiledPolicy, binding: OrganisationBinding) {
        let unit = binding.organisation.units[u]
        let values = Array(binding.values(ofUnit: u))
        let current = policy.decide(values)
        let currentOutcome = policy.outcome(of: current)
        var rows: [Row] = []
        for (a, definition) in policy.policy.attributes.enumerated() where definition.changeable {
            var row = Row(attribute: definition.name, description: definition.description, current: definition.display(values[a]),
                          origin: "", values: [], lowLean: current.lean, highLean: current.lean, decisionChangesAt: [])
            switch binding.origin(ofUnit: u, attribute: a) {
            case .own: row.origin = "own"
            case .inherited(let from): row.origin = "inherited from \(from)"
            case .defaultValue: row.origin = "default"
            }
            let cells = policy.space.cells[a]
            let currentCell = policy.space.cell(of: values[a], attribute: a)
            for (c, cell) in cells.enumerated() {
                var changed = values
                changed[a] = cell.representative
                let d = policy.decide(changed)
                let o = policy.outcome(of: d)
                row.values.append(Value(value: cell.label, lean: d.lean, mode: o?.mode, outcome: o.map(OutcomeValue.init), isCurrent: c == currentCell))
                row.lowLean = min(row.lowLean, d.lean)
                row.highLean = max(row.highLean, d.lean)
                if o?.description != currentOutcome?.description { row.decisionChangesAt.append(cell.label) }
            }
            rows.append(row)
        }
        rows.sort { ($0.highLean - $0.lowLean, $0.decisionChangesAt.count) > ($1.highLean - $1.lowLean, $1.decisionChangesAt.count) }
        self.init(unitID: unit.id, unitName: unit.name, mode: currentOutcome?.mode, outcome: currentOutcome.map(OutcomeValue.init),
                  lean: current.lean, rows: rows)
    }

    init(unitID: String, unitName: String, mode: Mode?, outcome: OutcomeValue?, lean: Double, rows: [Row]) {
        self.unitID = unitID
        self.unitName = unitName
        self.mode = mode
        self.outcome = outcome
        self.lean = lean
        self.rows = rows
    }
}

/// A key result's probability of success against a pace multiplier and a deadline shift.
public struct KeyResultSensitivity: Sendable, Codable {
    public var krID: String
    public var title: String
    public var unitID: String
    public var asOf: String
    public var deadline: String
    public var probability: Double
    public var paces: [Double]
    public var deadlineShifts: [Int]
    /// grid[s][p]: P(success) with deadline shift s and pace multiplier p.
    public var grid: [[Double]]

    public static let defaultPaces: [Double] = [0.5, 0.75, 1, 1.25, 1.5, 2, 3]
    public static let defaultShifts: [Int] = [-14, -7, 0, 7, 14, 28]

    /// - Parameters:
    ///   - k: the key result's index; it must be open on `day`.
    ///   - shifts: deadline shifts in days; shifts that would end the cycle before `day` are left out.
    public init(keyResult k: Int, dataset: Dataset, model: ForecastModel, day: Day,
                paces: [Double] = defaultPaces, shifts: [Int] = defaultShifts) {
        let kr = dataset.keyResults.keyResults[k]
        let feasible = shifts.filter { kr.cycle.end.advanced(by: $0) >= day && kr.cycle.end.advanced(by: $0) > kr.cycle.start }
        var grid: [[Double]] = []
        var base = 0.0
        for shift in feasible {
            var table = dataset.keyResults
            table.keyResults[k].cycle = Cycle(start: kr.cycle.start, end: kr.cycle.end.advanced(by: shift))
            let history = History(shift == 0 ? dataset : Dataset(organisation: dataset.organisation, keyResults: table, checkIns: dataset.checkIns))
            let snapshot = history.snapshot(k, asOf: day)
            grid.append(paces.map { model.probability(snapshot, pace: $0) })
            if shift == 0 { base = model.probability(snapshot) }
        }
        self.init(krID: kr.id, title: kr.title, unitID: kr.unitID, asOf: day.description, deadline: kr.cycle.end.description,
                  probability: base, paces: paces, deadlineShifts: feasible, grid: grid)
    }

    init(krID: String, title: String, unitID: String, asOf: String, deadline: String, probability: Double, paces: [Double],
         deadlineShifts: [Int], grid: [[Double]]) {
        self.krID = krID
        self.title = title
        self.unitID = unitID
        self.asOf = asOf
        self.deadline = deadline
        self.probability = probability
        self.paces = paces
        self.deadlineShifts = deadlineShifts
        self.grid = grid
    }
}

extension UnitSensitivity {
    public func section() -> ReportSection {
        var s = ReportSection(title: "Sensitivity of \(unitID) \(unitName): now \(outcome?.text ?? "undecided"), lean \(Self.signed(lean))",
                              lines: ["one changeable attribute at a time, the others as they are; lean > 0 leans to OKR, < 0 to KPI; * marks the current value"],
                              columns: [.init("attribute"), .init("now"), .init("lean range", numeric: true), .init("swing", numeric: true), .init("lean at each value"), .init("decision changes at")])
        for r in rows {
            let each = r.values.map { "\($0.value)\($0.isCurrent ? "*" : "") \(Self.signed($0.lean))" }.joined(separator: ", ")
            let changes = r.decisionChangesAt.isEmpty ? "–" : r.decisionChangesAt.map { label in
                let v = r.values.first { $0.value == label }
                return "\(label) → \(v?.mode?.rawValue ?? "undecided")"
            }.joined(separator: ", ")
            s.rows.append(["\(r.attribute)\(r.description.map { " (\($0))" } ?? "")", "\(r.current) (\(r.origin))",
                           "\(Self.signed(r.lowLean)) … \(Self.signed(r.highLean))", Self.number(r.highLean - r.lowLean), each, changes])
        }
        return s
    }

    public func chart() -> String {
        SVGChart.tornado(title: "\(unitID) \(unitName): lean score across each attribute's values", baseline: lean,
                         rows: rows.filter { $0.highLean > $0.lowLean }.map { ($0.attribute, $0.lowLean, $0.highLean) }, valueTitle: "lean")
    }

    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x) }
    static func signed(_ x: Double) -> String { (x > 0 ? "+" : "") + number(x) }
}

extension KeyResultSensitivity {
    public func section() -> ReportSection {
        var s = ReportSection(title: "Sensitivity of \(krID) \(title) (unit \(unitID)): P(success) \(String(format: "%.2f", probability)) as of \(asOf), deadline \(deadline)",
                              lines: ["rows: the deadline moved by that many days; columns: the pace from now on, as a multiple of the pace so far"],
                              columns: [.init("deadline")] + paces.map { .init("pace ×\(String(format: "%g", $0))", numeric: true) })
        for (i, shift) in deadlineShifts.enumerated() {
            s.rows.append([shift == 0 ? "as is" : String(format: "%+d days", shift)] + grid[i].map { String(format: "%.2f", $0) })
        }
        return s
    }

    public func chart() -> String {
        SVGChart.lines(title: "\(krID) \(title): P(success) against the pace from now on", xTitle: "pace from now on (× the pace so far)",
                       xs: paces, series: deadlineShifts.enumerated().map { (i, shift) in
                           (shift == 0 ? "deadline as is" : String(format: "deadline %+d days", shift), grid[i])
                       }, xFormat: { "×" + String(format: "%g", $0) })
    }
}
