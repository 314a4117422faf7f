import TandemCore

/// The human-readable summary printed by `tandem validate`.
enum SummaryPrinter {
    static func render(_ summary: DatasetSummary, paths: (org: String?, krs: String?, checkins: String?)) -> String {
        var lines: [String] = []
        if let units = summary.units, let path = paths.org {
            lines.append("Organisation  \(path)")
            let levels = units.perLevel.map { $0.grouped }.joined(separator: " · ")
            lines.append("  units       \(units.count.grouped) in \(count(units.roots, "tree")), depth \(units.depth) (per level: \(levels))")
            lines.append("  attributes  \(units.attributes.isEmpty ? "(none)" : units.attributes.joined(separator: ", "))")
        }
        if let krs = summary.keyResults, let path = paths.krs {
            lines.append("Key results   \(path)")
            lines.append("  total       \(krs.count.grouped) in \(count(krs.objectives, "objective")), \(count(krs.owners, "owner")); \(krs.open.grouped) open, \(krs.closed.grouped) closed; \(krs.decreasing.grouped) decreasing")
            var table = TextTable(columns: [
                .init("  kind"), .init("total", alignRight: true), .init("open", alignRight: true),
                .init("closed", alignRight: true), .init("achieved", alignRight: true),
            ])
            for kind in krs.byKind {
                let rate = kind.closed > 0 ? "\(kind.achieved.grouped) (\(percent(kind.achieved, kind.closed)))" : "–"
                table.append(["  \(kind.kind)", kind.total.grouped, (kind.total - kind.closed).grouped, kind.closed.grouped, rate])
            }
            lines.append(contentsOf: table.render().split(separator: "\n").map(String.init))
            if krs.cycles.count <= 6 {
                lines.append("  cycles      \(krs.cycles.count): \(krs.cycles.joined(separator: ", "))")
            } else {
                // Staggered cycles (real histories have one per key result): a summary, not a list.
                let spans = krs.cycles.compactMap { text -> Cycle? in
                    let ends = text.components(separatedBy: "…")
                    guard ends.count == 2, let a = Day(iso: ends[0]), let b = Day(iso: ends[1]) else { return nil }
                    return Cycle(start: a, end: b)
                }
                let days = spans.map(\.days).sorted()
                let range = spans.isEmpty ? "" : ", from \(spans.map(\.start).min()!) to \(spans.map(\.end).max()!)"
                let lengths = days.isEmpty ? "" : "; \(days[0])–\(days[days.count - 1]) days long (median \(days[days.count / 2]))"
                lines.append("  cycles      \(krs.cycles.count.grouped) distinct\(range)\(lengths)")
            }
        }
        if let c = summary.checkIns, let path = paths.checkins {
            lines.append("Check-ins     \(path)")
            let dates = c.firstDate.map { "\($0) to \(c.lastDate.map(\.description) ?? "")" } ?? "none"
            lines.append("  total       \(c.count.grouped), dated \(dates)")
            lines.append("  per KR      min \(c.perKeyResultMin) · median \(trim(c.perKeyResultMedian)) · mean \(trim(c.perKeyResultMean)) · max \(c.perKeyResultMax); \(c.keyResultsWithout.grouped) KRs have none")
            lines.append("  confidence  on \(c.withConfidence.grouped) (\(percent(c.withConfidence, c.count))); re-scoped targets: \(c.rescoped.grouped)")
        }
        return lines.joined(separator: "\n")
    }

    static func percent(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "–" : "\(Int((Double(part) / Double(whole) * 100).rounded()))%"
    }

    static func trim(_ x: Double) -> String {
        let rounded = (x * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
