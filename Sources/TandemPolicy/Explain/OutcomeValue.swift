import TandemCore

/// An outcome as output writes it: the mode, each parameter as a value, and the text in the
/// policy's own syntax, side by side (`{"mode": "okr", "parameters": {"cycle": "quarterly", …},
/// "text": "okr(cycle: quarterly, …)"}`).
public struct OutcomeValue: Sendable, Codable, Hashable {
    /// The parameters; those that do not apply to the mode are absent.
    public struct Parameters: Sendable, Codable, Hashable {
        /// The KPI or OKR cycle (kpi, okr).
        public var cycle: CycleLength?
        /// Hybrid's two cycles.
        public var kpiCycle: CycleLength?
        public var okrCycle: CycleLength?
        /// Share of committed key results, 0–1.
        public var committed: Double?
        /// separate, partial or full.
        public var pay: String?
        /// With pay partial: the OKR score's share of the appraisal, 0–1.
        public var payShare: Double?
        public var rollout: Rollout
        /// Hybrid weights, 0–1.
        public var kpiWeight: Double?
        public var okrWeight: Double?
    }

    public var mode: Mode
    public var parameters: Parameters
    public var text: String

    public init(_ o: Outcome) {
        mode = o.mode
        text = o.description
        var p = Parameters(rollout: o.rollout)
        switch o.mode {
        case .kpi: p.cycle = o.kpiCycle ?? .quarterly
        case .okr: p.cycle = o.okrCycle ?? .quarterly
        case .hybrid:
            p.kpiCycle = o.kpiCycle ?? .quarterly
            p.okrCycle = o.okrCycle ?? .quarterly
            p.kpiWeight = o.kpiWeight
            p.okrWeight = o.okrWeight
        }
        p.committed = o.committedShare
        switch o.pay {
        case .separate?: p.pay = "separate"
        case .full?: p.pay = "full"
        case .partial(let share)?: p.pay = "partial"; p.payShare = share
        case nil: break
        }
        parameters = p
    }
}

/// What decided a unit.
public enum DecisionOrigin: String, Sendable, Codable, Hashable {
    /// An override (it wins over the table).
    case override
    /// A row of the decision table.
    case row
    /// No row matches: the unit gets no decision.
    case noMatch = "no-match"
    /// Two rows of a unique table match: the unit gets no decision.
    case conflict
}

/// Where a unit's attribute value comes from.
public enum AttributeOrigin: String, Sendable, Codable, Hashable {
    /// Set on the unit itself.
    case own
    /// Inherited from the nearest ancestor that sets it.
    case inherited
    /// The policy's default.
    case `default`
}

/// The kind of a rule an explanation refers to.
public enum RuleKind: String, Sendable, Codable, Hashable {
    case row
    case override
}
