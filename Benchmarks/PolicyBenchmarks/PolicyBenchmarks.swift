import Benchmark
import Foundation
import TandemCore
import TandemPolicy

/// A 50-rule policy (36 evidence rules, 2 overrides, 12 table rows) over the default policy's
/// schema, and 100,000 units with attribute values drawn from that schema.
struct PolicyWorkload {
    static let unitCount = 100_000
    let policy: CompiledPolicy
    /// Row-major attribute values, `unitCount × attributes`.
    let values: [Double]
    let attributeCount: Int

    static let shared = make(changed: false)
    /// The next version of that policy: two lean thresholds moved (for the per-unit diff).
    static let changed = make(changed: true)

    static func make(changed: Bool) -> PolicyWorkload {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models/selection.policy")
        let base = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        // The schema and derived values of the default policy, then 50 rules written here.
        let schemaEnd = base.range(of: "# ── Evidence")!.lowerBound
        var text = String(base[..<schemaEnd])
        let levels = ["low", "medium", "high"]
        let levelAttributes = ["uncertainty", "talent_autonomy", "trial_cost", "survival_pressure"]
        text += "evidence {\n"
        var rules = 0
        for (i, a) in levelAttributes.enumerated() {
            for (j, level) in levels.enumerated() {
                text += "  \(a) == \(level) and layer != middle => \((i + j) % 2 == 0 ? "okr" : "kpi") +\(1 + (i + j) % 3) \"\(a) \(level)\"\n"
                text += "  \(a) >= \(level) and stage in {startup, growth} => \((i + j) % 2 == 1 ? "okr" : "kpi") +1 \"\(a) at least \(level)\"\n"
                rules += 2
            }
        }
        for f in ["rd", "product", "lab", "hr", "finance", "operations", "production", "sales", "delivery", "it", "legal", "marketing"] {
            text += "  function == \(f) and (headcount > 20 or stable_operations) => \(f.count % 2 == 0 ? "okr" : "kpi") +1 \"\(f)\"\n"
            rules += 1
        }
        text += "}\n"
        text += """
        override "a" when under_survival_pressure and innovation_core => okr(cycle: monthly, rollout: pilot) because "pilot"
        override "b" when under_survival_pressure => kpi(cycle: monthly) because "survive"
        decide first {
          when layer == middle and lean >= 2 => hybrid(kpi: 40%, okr: 60%)
          when layer == middle and lean <= -2 => hybrid(kpi: 70%, okr: 30%)
          when layer == middle => hybrid(kpi: 60%, okr: 40%)
          when lean >= 6 and current_mode == kpi => okr(rollout: pilot)
          when lean >= 6 => okr(cycle: quarterly)
          when lean >= 3 and innovation_core => okr(cycle: bimonthly)
          when lean >= 3 => hybrid(kpi: 30%, okr: 70%)
          when lean <= -6 => kpi(cycle: annual)
          when lean <= -3 and layer == back => kpi(cycle: quarterly)
          when lean <= -3 => hybrid(kpi: 70%, okr: 30%)
          when layer == back => hybrid(kpi: 80%, okr: 20%, rollout: project)
          otherwise => hybrid(kpi: 50%, okr: 50%)
        }

        """
        rules += 2 + 12
        precondition(rules == 50, "the benchmark policy must have 50 rules, has \(rules)")
        if changed {
            for (from, to) in [("when lean >= 6 => okr(cycle: quarterly)", "when lean >= 5 => okr(cycle: quarterly)"),
                               ("when lean <= -3 => hybrid(kpi: 70%, okr: 30%)", "when lean <= -2 => hybrid(kpi: 70%, okr: 30%)")] {
                precondition(text.contains(from))
                text = text.replacingOccurrences(of: from, with: to)
            }
        }
        let result = PolicyLoader.load(SourceFile(path: "benchmark.policy", text: text))
        guard let policy = result.policy else {
            fatalError(DiagnosticRenderer(sources: [result.source!]).render(result.diagnostics))
        }
        var random = SeededRandom(seed: 7)
        var values: [Double] = []
        values.reserveCapacity(unitCount * policy.attributes.count)
        for _ in 0..<unitCount {
            for a in policy.attributes {
                switch a.kind {
                case .level(let v), .enumeration(let v): values.append(Double(Int(random.next() % UInt64(v.count))))
                case .boolean: values.append(Double(random.next() % 2))
                case .number: values.append(Double(random.next() % 60))
                }
            }
        }
        return PolicyWorkload(policy: CompiledPolicy(policy), values: values, attributeCount: policy.attributes.count)
    }
}


/// A 200-row first-hit table over 10 attributes (levels, enumerations, numbers, yes/no), with
/// 20 evidence rules, for the static analysis; and a changed copy, for diffs.
enum AnalysisWorkload {
    static func text(changed: Bool) -> String {
        var random = SeededRandom(seed: 11)
        var t = "policy \"analysis benchmark\" version \"1\"\n"
        var conditions: [String] = []
        for i in 0..<10 {
            switch i % 4 {
            case 0:
                t += "attribute a\(i): level l0 < l1 < l2 < l3\n"
                conditions += (0..<4).map { "a\(i) >= l\($0)" } + (0..<4).map { "a\(i) == l\($0)" }
            case 1:
                t += "attribute a\(i): enum e0 | e1 | e2 | e3 | e4\n"
                conditions += (0..<5).map { "a\(i) == e\($0)" } + ["a\(i) in {e0, e2}", "a\(i) != e4"]
            case 2:
                t += "attribute a\(i): number 0..100\n"
                conditions += [10, 25, 50, 75, 90].map { "a\(i) < \($0)" }
            default:
                t += "attribute a\(i): bool\n"
                conditions += ["a\(i)", "not a\(i)"]
            }
        }
        t += "evidence {\n"
        for k in 0..<20 { t += "  \(random.pick(conditions)) => \(k % 2 == 0 ? "okr" : "kpi") +\(1 + k % 3) \"e\(k)\"\n" }
        t += "}\ndecide first {\n"
        for r in 0..<199 {
            var parts = [random.pick(conditions)]
            if random.chance(0.7) { parts.append(random.pick(conditions)) }
            if random.chance(0.4) { parts.append("lean \(random.pick([">=", "<="])) \(random.integer(-4...4) + (changed && r % 7 == 0 ? 1 : 0))") }
            t += "  when \(parts.joined(separator: " and ")) => \(random.pick(["okr", "kpi", "hybrid(kpi: 50%, okr: 50%)"]))\n"
        }
        t += "  otherwise => hybrid(kpi: 60%, okr: 40%)\n}\n"
        return t
    }

    static let old = PolicyLoader.load(SourceFile(path: "old.policy", text: text(changed: false))).policy!
    static let new = PolicyLoader.load(SourceFile(path: "new.policy", text: text(changed: true))).policy!

    /// The reported hang: a unique table of 20 rows, each three comparisons over 10 numbers.
    static let blowUp = numbers(rows: 20, hit: "unique")
    /// Its bigger cousin from the adversarial review: 100 rows, first hit.
    static let path100 = numbers(rows: 100, hit: "first")

    static func numbers(rows: Int, hit: String) -> Policy {
        var random = SeededRandom(seed: 20)
        var t = "policy \"blow-up\" version \"1\"\n"
        for i in 0..<10 { t += "attribute n\(i): number 0..1000, default 0\n" }
        t += "decide \(hit) {\n"
        for _ in 0..<rows {
            let a = (0..<3).map { _ in random.integer(0...9) }
            t += "  when n\(a[0]) > \(random.integer(0...1000)) and n\(a[1]) < \(random.integer(0...1000)) and n\(a[2]) >= \(random.integer(0...1000)) => okr\n"
        }
        t += "  otherwise => kpi\n}\n"
        return PolicyLoader.load(SourceFile(path: "blow-up.policy", text: t)).policy!
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 30
    )

    // One iteration decides all 100,000 units: derived values, 36 evidence rules, 2 overrides
    // and a first-hit table of 12 rows, through the compiled flat form.
    Benchmark("decide 100k units, 50-rule policy") { benchmark in
        let w = PolicyWorkload.shared
        benchmark.startMeasurement()
        var okr = 0
        w.values.withUnsafeBufferPointer { all in
            for u in 0..<PolicyWorkload.unitCount {
                let d = w.policy.decide(UnsafeBufferPointer(rebasing: all[(u * w.attributeCount)..<((u + 1) * w.attributeCount)]))
                if d.outcome >= 0 && w.policy.outcomes[Int(d.outcome)].mode == .okr { okr += 1 }
            }
        }
        benchmark.stopMeasurement()
        blackHole(okr)
    }

    // The same units with full explanations computed: the fired evidence, the deciding rule,
    // for every rule of another mode which parts of its condition fail, the margin to the
    // nearest boundary (re-deciding the table across each lean threshold). Buffers reused.
    Benchmark("trace 100k units (full explanation content), 50-rule policy") { benchmark in
        let w = PolicyWorkload.shared
        var trace = DecisionTrace()
        benchmark.startMeasurement()
        var evidence = 0
        w.values.withUnsafeBufferPointer { all in
            for u in 0..<PolicyWorkload.unitCount {
                w.policy.trace(UnsafeBufferPointer(rebasing: all[(u * w.attributeCount)..<((u + 1) * w.attributeCount)]), into: &trace)
                evidence += trace.firedEvidence.count + trace.misses.count + (trace.margin == nil ? 0 : 1)
            }
        }
        benchmark.stopMeasurement()
        blackHole(evidence)
    }

    // Static analysis of a 200-row table over 10 attributes: gaps, overlaps, dead and shadowed
    // rows, dead evidence, exactly, by box splitting.
    Benchmark("analyse a 200-row table over 10 attributes") { benchmark in
        let policy = AnalysisWorkload.old
        precondition(policy.rows.count == 200 && policy.attributes.count == 10)
        benchmark.startMeasurement()
        let report = PolicyAnalyser(policy).analyse()
        benchmark.stopMeasurement()
        blackHole(report)
    }

    // The per-unit half of `tandem diff`: 10,000 units decided by both versions (the 50-rule
    // policy and its next version, two thresholds moved), compared.
    Benchmark("diff 10,000 units between two policy versions") { benchmark in
        let old = PolicyWorkload.shared.policy, new = PolicyWorkload.changed.policy
        let w = PolicyWorkload.shared
        benchmark.startMeasurement()
        var changed = 0
        w.values.withUnsafeBufferPointer { all in
            for u in 0..<10_000 {
                let v = UnsafeBufferPointer(rebasing: all[(u * w.attributeCount)..<((u + 1) * w.attributeCount)])
                let a = old.decide(v), b = new.decide(v)
                if old.outcome(of: a) != new.outcome(of: b) { changed += 1 }
            }
        }
        benchmark.stopMeasurement()
        precondition(changed > 0, "the two versions must decide some units differently")
        blackHole(changed)
    }

    // The other half of `tandem diff`: the regions of the whole attribute space where the
    // 200-row table and its changed copy (every 7th row's lean threshold moved) decide
    // differently, by box splitting within the default budget.
    Benchmark("region diff of two 200-row tables over 10 attributes") { benchmark in
        benchmark.startMeasurement()
        let regions = PolicyAnalyser.diff(AnalysisWorkload.old, AnalysisWorkload.new)
        benchmark.stopMeasurement()
        precondition(regions.changedCells > 0 && !regions.stoppedEarly, "the versions must differ somewhere, and the diff be complete")
        blackHole(regions)
    }

    // The analysis of tables whose rows cut the space into more pieces than the budget allows
    // (rows of three comparisons over 10 numbers): bounded by the budget, not by the policy.
    Benchmark("analyse a 20-row unique table over 10 numbers (stops at the budget)") { benchmark in
        let policy = AnalysisWorkload.blowUp
        benchmark.startMeasurement()
        let report = PolicyAnalyser(policy).analyse()
        benchmark.stopMeasurement()
        precondition(report.stoppedEarly && report.boxes == PolicyAnalyser.defaultBudget / 21)
        blackHole(report)
    }

    // The same kind of rows, 100 of them in a first-hit table (the adversarial review's case):
    // the budget, counted in rule evaluations, bounds it as well, complete or not.
    Benchmark("analyse a 100-row first table over 10 numbers") { benchmark in
        let policy = AnalysisWorkload.path100
        benchmark.startMeasurement()
        let report = PolicyAnalyser(policy).analyse()
        benchmark.stopMeasurement()
        precondition(report.boxes * 100 <= PolicyAnalyser.defaultBudget)
        blackHole(report)
    }

    // And put into words: every reason, condition text and value behind a failing condition
    // as strings (what `diagnose --format json` encodes).
    Benchmark("explain 100k units in words, 50-rule policy") { benchmark in
        let w = PolicyWorkload.shared
        benchmark.startMeasurement()
        var evidence = 0
        for u in 0..<PolicyWorkload.unitCount {
            let values = Array(w.values[(u * w.attributeCount)..<((u + 1) * w.attributeCount)])
            let e = w.policy.explain(values: values, unitID: "u", unitName: "unit")
            evidence += e.evidence.count + e.otherModes.count
        }
        benchmark.stopMeasurement()
        blackHole(evidence)
    }
}
