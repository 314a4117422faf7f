import TandemCore

/// Another tool's export, translated into Tandem's terms but not yet checked: the units it
/// names, its key results and check-ins as the text of Tandem's own columns, each value with the
/// place in the export it came from. ``Lowering`` writes it as Tandem's canonical files, which
/// the canonical loaders then check exactly as they check files on disk; their diagnostics are
/// taken back to the export's lines and columns.
public struct ImportDraft: Sendable {
    /// One value and where it was read.
    public struct Field: Sendable, Hashable {
        public var text: String
        /// Where in the export; nil for a value the importer supplied (a constant, a default).
        public var at: SourceLocation?
        /// The export's name for it (a column, a JSON key), for the messages.
        public var source: String?

        public init(_ text: String, at: SourceLocation? = nil, source: String? = nil) {
            self.text = text
            self.at = at
            self.source = source
        }
    }

    /// A unit the export names (a Jira project, an Asana team, a Lattice department).
    public struct Unit: Sendable, Hashable {
        /// The importer's key for it (what key results refer to).
        public var key: String
        public var name: String
        /// The id it gets when the store has no unit of that id or name.
        public var suggestedID: String
        public var at: SourceLocation?

        /// The key of the company as a whole (an organisation-wide goal): the store's root unit.
        public static let root = "@root"

        public init(key: String, name: String, suggestedID: String, at: SourceLocation?) {
            self.key = key
            self.name = name
            self.suggestedID = suggestedID
            self.at = at
        }
    }

    public struct KeyResult: Sendable {
        public var id: Field
        public var objective: Field
        /// A ``Unit/key``, or (with `--unit`) ignored.
        public var unit: Field
        public var title: Field
        public var kind: Field
        public var start: Field
        public var target: Field
        public var cycleStart: Field
        public var cycleEnd: Field
        public var owner: Field?
        public var final: Field?
        /// The record it came from.
        public var at: SourceLocation?

        public init(id: Field, objective: Field, unit: Field, title: Field, kind: Field, start: Field, target: Field,
                    cycleStart: Field, cycleEnd: Field, owner: Field? = nil, final: Field? = nil, at: SourceLocation?) {
            self.id = id
            self.objective = objective
            self.unit = unit
            self.title = title
            self.kind = kind
            self.start = start
            self.target = target
            self.cycleStart = cycleStart
            self.cycleEnd = cycleEnd
            self.owner = owner
            self.final = final
            self.at = at
        }
    }

    public struct CheckIn: Sendable {
        public var keyResult: Field
        public var date: Field
        public var value: Field
        public var confidence: Field?
        /// A new target from that day (the key result was re-scoped).
        public var target: Field?
        public var at: SourceLocation?

        public init(keyResult: Field, date: Field, value: Field, confidence: Field? = nil, target: Field? = nil, at: SourceLocation?) {
            self.keyResult = keyResult
            self.date = date
            self.value = value
            self.confidence = confidence
            self.target = target
            self.at = at
        }
    }

    public var units: [Unit] = []
    public var keyResults: [KeyResult] = []
    public var checkIns: [CheckIn] = []
    public var report = MappingReport()

    public init() {}

    /// Adds a unit once (by key).
    public mutating func unit(_ unit: Unit) {
        if !units.contains(where: { $0.key == unit.key }) { units.append(unit) }
    }
}

/// What an importer did with the export: what it mapped to what, and what it left out and why.
public struct MappingReport: Sendable, Equatable {
    public struct Skipped: Sendable, Equatable {
        /// What was left out ("goal 'Grow ARR'", "sprint 'Sprint 7'").
        public var what: String
        public var why: String
        public var at: SourceLocation?
    }

    /// Lines such as "214 goals → key results", in the order the importer said them.
    public var mapped: [(from: String, to: String, count: Int)] = []
    public var skipped: [Skipped] = []
    /// How each of the export's values was read, where it is not obvious (a documented mapping).
    public var notes: [String] = []

    public init() {}

    public mutating func count(_ from: String, as to: String, _ n: Int = 1) {
        if let i = mapped.firstIndex(where: { $0.from == from && $0.to == to }) { mapped[i].count += n } else { mapped.append((from, to, n)) }
    }

    public mutating func skip(_ what: String, _ why: String, at: SourceLocation?) {
        skipped.append(Skipped(what: what, why: why, at: at))
    }

    public static func == (a: MappingReport, b: MappingReport) -> Bool {
        a.mapped.map { "\($0.from)|\($0.to)|\($0.count)" } == b.mapped.map { "\($0.from)|\($0.to)|\($0.count)" } && a.skipped == b.skipped && a.notes == b.notes
    }
}
