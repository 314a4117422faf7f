import Foundation
import TandemCore

/// How a key result's progress unfolds over its cycle.
enum TrajectoryShape: CaseIterable {
    case linear, sShaped, hockeyStick, frontLoaded, stalled, abandoned

    /// Share of the final progress reached at elapsed share t (0…1), for the smooth shapes.
    func curve(_ t: Double, steepness k: Double, pause: Double) -> Double {
        switch self {
        case .linear: return t
        case .sShaped:
            // A logistic curve rescaled to pass through (0, 0) and (1, 1).
            let lo = sigmoid(-k * 0.5), hi = sigmoid(k * 0.5)
            return (sigmoid(k * (t - 0.5)) - lo) / (hi - lo)
        case .hockeyStick: return power(t, k)
        case .frontLoaded: return 1 - power(1 - t, k)
        case .stalled, .abandoned: return min(t, pause) / pause
        }
    }
}

/// FNV-1a of a string: a seed that depends on the text only (Swift's `hashValue` is salted per run).
func stableHash(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return h
}

func power(_ x: Double, _ k: Double) -> Double {
    x <= 0 ? 0 : (k * x.logarithm).exponential
}

struct SimulatedKeyResult {
    var row: [String]
    var checkIns: [[String]]
}

extension DatasetGenerator {
    /// Simulates one key result: its target, its true path, the check-ins people file about it,
    /// and its final value once the cycle has closed.
    static func simulateKeyResult(
        id: String, objectiveID: String, unit: GeneratedUnit, cycle: Cycle, asOf: Day, isOpen: Bool,
        random: inout SeededRandom
    ) -> SimulatedKeyResult {
        let metric = random.pick(unit.metrics)
        let kind = pickKind(mode: unit.mode, milestone: metric.shape == .milestone, random: &random)
        let owner = random.pick(unit.owners)

        // Ambition: how far the target sits beyond what the unit would reach anyway.
        let ambition: Double = switch kind {
        case .aspirational: random.normal(1.6, 0.4)
        case .committed: random.normal(0.3, 0.25)
        case .kpi: random.normal(0.25, 0.2)
        }

        // Targets.
        let start: Double, originalTarget: Double
        if metric.shape == .milestone {
            start = 0
            originalTarget = Double(random.integer(3...5))
        } else {
            let base = random.uniform(metric.base.lowerBound, metric.base.upperBound)
            let change = base * random.uniform(metric.stretch.lowerBound, metric.stretch.upperBound)
                * (1 + 0.3 * max(-0.5, ambition))
            var target = metric.decreasing ? base - change : base + change
            if metric.shape == .percent { target = min(target, metric.decreasing ? 100 : 99.95) }
            start = round(base, metric.shape)
            originalTarget = round(target, metric.shape)
        }
        let adjustedTarget = originalTarget == start ? start + (metric.decreasing ? -1 : 1) * step(metric.shape) : originalTarget

        // The hidden truth: final progress, driven by skill, ambition and the fit of the
        // management mode to the unit's real uncertainty, plus luck.
        var finalProgress = 1.14 + 0.22 * unit.skill + 0.1 * owner.skill + modeFit(unit)
            - 0.28 * (ambition - 0.3) + random.normal(0, 0.24)
        // Committed targets and KPIs are often stopped once met: progress piles up at 1.
        if kind != .aspirational && finalProgress > 1 && random.chance(0.55) {
            finalProgress = 1 + random.uniform(0, 0.04)
        }
        let shape: TrajectoryShape = random.pick(weighted: [
            (.linear, 0.3), (.sShaped, 0.2), (.hockeyStick, 0.15), (.frontLoaded, 0.12),
            (.stalled, 0.14), (.abandoned, 0.06),
        ])
        let pause = random.uniform(0.3, 0.7)
        if shape == .stalled || shape == .abandoned { finalProgress = min(finalProgress, 0.9) * random.uniform(0.35, 0.8) }
        finalProgress = min(1.6, max(-0.25, finalProgress))
        let steepness = shape == .sShaped ? random.uniform(6, 12) : (shape == .hockeyStick ? random.uniform(2.5, 4.5) : random.uniform(1.8, 3))

        // Scope changes: a target cut (more often) or raised mid-cycle.
        var rescope: (share: Double, target: Double)?
        if random.chance(unit.mode == "kpi" ? 0.03 : 0.07) {
            let factor = random.chance(0.75) ? random.uniform(0.6, 0.85) : random.uniform(1.1, 1.3)
            var newTarget = round(start + (adjustedTarget - start) * factor, metric.shape)
            if metric.shape == .milestone { newTarget = max(1, newTarget) }
            if newTarget != start && newTarget != adjustedTarget {
                rescope = (random.uniform(0.35, 0.6), newTarget)
            }
        }
        let finalTarget = rescope?.target ?? adjustedTarget

        // The true value at elapsed share t, with a slowly wandering deviation.
        var wander = 0.0
        func trueValue(_ t: Double) -> Double {
            let progress = finalProgress * shape.curve(t, steepness: steepness, pause: pause)
            let value = start + (finalTarget - start) * (progress + (t < 1 ? wander * t * (1 - t) * 4 : 0))
            return value
        }

        // Check-ins: weekly or fortnightly, skipped at the unit's diligence, jittered a day or two.
        var rows: [[String]] = []
        let neverUpdated = random.chance(0.03)
        let lastDay = isOpen ? min(asOf, cycle.end) : cycle.end
        let stopShare = shape == .abandoned ? pause : 1.0
        var day = cycle.start.advanced(by: random.integer(4...12))
        var lastConfidence: Double?
        // Confidence is drawn from a stream of its own (seeded by the key result's id), so that
        // how people report it can change without moving any other number of the sample.
        var feeling = SeededRandom(seed: stableHash(id))
        let reportsHere = unit.reportsConfidence && feeling.chance(0.75)
        var reportedBefore = false
        var rescopeReported = false
        let threshold = kind.successThreshold
        while !neverUpdated && day <= lastDay {
            let t = cycle.elapsedShare(at: day)
            if t > stopShare + 0.02 { break }
            if random.chance(unit.diligence) {
                wander += random.normal(0, 0.06)
                var value = trueValue(t)
                if metric.shape == .milestone { value = max(0, value.rounded(.down)) } else { value = round(value, metric.shape) }
                var targetField = ""
                if let rescope, t >= rescope.share, !rescopeReported {
                    targetField = format(rescope.target, metric.shape)
                    rescopeReported = true
                }
                var confidenceField = ""
                // The draws the earlier confidence model made from the main stream, made still
                // (and unused) so that every other value of a generated history stays the same.
                if unit.reportsConfidence && random.chance(0.9) {
                    _ = random.normal(0, 0.9)
                    if reportedBefore { _ = random.chance(0.4) }
                    reportedBefore = true
                }
                if reportsHere && feeling.chance(0.8) {
                    // Confidence as people report it: from what they can see (progress against
                    // a straight line), optimistic, with a little inside knowledge late in the
                    // cycle; it rises at once but falls slowly, a point a check-in at most, and
                    // often not at all. It does not know the final outcome.
                    let seen = (value - start) / (finalTarget - start)
                    let signal = 1.2 + unit.optimism + 2.5 * (seen - t * threshold) + 0.8 * t * (finalProgress - threshold)
                        + feeling.normal(0, 0.7)
                    var c = (10 * sigmoid(signal)).rounded()
                    if let previous = lastConfidence, c < previous { c = feeling.chance(0.5) ? previous - 1 : previous }
                    lastConfidence = c
                    confidenceField = String(Int(c))
                }
                rows.append([id, day.description, format(value, metric.shape), confidenceField, targetField])
            }
            day = day.advanced(by: unit.checkInInterval + random.integer(-2...2))
        }
        // A closing check-in in the last days, sometimes filed just after the cycle ended.
        if !isOpen && !neverUpdated && shape != .abandoned && random.chance(unit.diligence) {
            let closing = random.chance(0.015) ? cycle.end.advanced(by: random.integer(1...4)) : cycle.end.advanced(by: -random.integer(0...3))
            if let last = rows.last, let lastDate = Day(iso: last[1]), closing > lastDate, closing <= asOf {
                var value = trueValue(1)
                if metric.shape == .milestone { value = max(0, value.rounded(.down)) } else { value = round(value, metric.shape) }
                rows.append([id, closing.description, format(value, metric.shape), "", ""])
            }
        }

        var finalField = ""
        if !isOpen {
            var value = trueValue(1)
            if metric.shape == .milestone { value = max(0, value.rounded(.down)) } else { value = round(value, metric.shape) }
            finalField = format(value, metric.shape)
        }
        let title = metric.title.replacingOccurrences(of: "{target}", with: format(adjustedTarget, metric.shape))
        let row = [id, objectiveID, unit.id, title, kind.rawValue, format(start, metric.shape),
                   format(adjustedTarget, metric.shape), cycle.start.description, cycle.end.description,
                   owner.name, finalField]
        return SimulatedKeyResult(row: row, checkIns: rows)
    }

    /// How much the unit's management mode suits its real uncertainty, in units of progress:
    /// a highly uncertain unit held to KPI loses most; a stable unit run purely by OKR loses some
    /// discipline; a hybrid is never far off.
    static func modeFit(_ unit: GeneratedUnit) -> Double {
        let u = unit.trueUncertainty
        switch unit.mode {
        case "kpi": return -1.0 * max(0, u - 0.35)
        case "okr": return -0.6 * max(0, 0.35 - u)
        default: return -0.25 * abs(u - 0.5)
        }
    }

    static func pickKind(mode: String, milestone: Bool, random: inout SeededRandom) -> KeyResultKind {
        switch mode {
        case "kpi": return random.pick(weighted: [(.kpi, 0.7), (.committed, 0.25), (.aspirational, 0.05)])
        case "okr": return random.pick(weighted: [(.committed, 0.45), (.aspirational, 0.5), (.kpi, milestone ? 0 : 0.05)])
        default: return random.pick(weighted: [(.kpi, 0.35), (.committed, 0.35), (.aspirational, 0.3)])
        }
    }

    static func step(_ shape: MetricTemplate.Shape) -> Double {
        switch shape {
        case .percent, .duration: 0.1
        default: 1
        }
    }

    static func round(_ value: Double, _ shape: MetricTemplate.Shape) -> Double {
        switch shape {
        case .percent: (value * 100).rounded() / 100
        case .duration: (value * 10).rounded() / 10
        case .count, .money, .milestone: value.rounded()
        }
    }

    static func format(_ value: Double, _ shape: MetricTemplate.Shape) -> String {
        switch shape {
        case .percent: String(format: "%.2f", value)
        case .duration: String(format: "%.1f", value)
        case .count, .money, .milestone: String(Int(value.rounded()))
        }
    }
}
