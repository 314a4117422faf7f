import Foundation

/// Small self-contained SVG charts for reports: no script, no external font or file; text in
/// the page's font, so Chinese labels render.
public enum SVGChart {
    static let palette = ["#8c959f", "#1f6feb", "#d97706", "#2da44e", "#a371f7", "#cf222e"]

    static func n(_ x: Double) -> String { String(format: "%.1f", x) }
    static func label(_ s: String, _ maxWidth: Int = 28) -> String {
        HTML.escape(s.displayWidth <= maxWidth ? s : String(s.prefix(maxWidth / 2)) + "…")
    }

    static func legend(_ names: [String], x: Double, y: Double) -> String {
        var out = "", cx = x
        for (i, name) in names.enumerated() {
            out += "<rect x=\"\(n(cx))\" y=\"\(n(y - 9))\" width=\"10\" height=\"10\" fill=\"\(palette[i % palette.count])\"/>"
            out += "<text x=\"\(n(cx + 14))\" y=\"\(n(y))\" font-size=\"11\">\(label(name, 30))</text>"
            cx += 24 + Double(min(name.displayWidth, 30)) * 6.5
        }
        return out
    }

    /// Horizontal grouped bars: one group per label, one bar per series.
    public static func bars(title: String, labels: [String], series: [(name: String, values: [Double])], format: (Double) -> String = { String(format: "%.1f", $0) }) -> String {
        let barH = 12.0, gap = 10.0, left = 190.0, width = 760.0, plotW = width - left - 70
        let groupH = Double(series.count) * barH + gap
        let height = 46 + Double(labels.count) * groupH + 10
        let maxValue = max(1e-9, series.flatMap(\.values).max() ?? 1)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<text x=\"0\" y=\"14\" font-size=\"13\" font-weight=\"600\">\(HTML.escape(title))</text>"
        out += legend(series.map(\.name), x: left, y: 32)
        for (g, name) in labels.enumerated() {
            let y0 = 44 + Double(g) * groupH
            out += "<text x=\"\(n(left - 6))\" y=\"\(n(y0 + groupH / 2))\" font-size=\"11\" text-anchor=\"end\">\(label(name))</text>"
            for (s, serie) in series.enumerated() where g < serie.values.count {
                let v = serie.values[g], w = max(0, v / maxValue * plotW), y = y0 + Double(s) * barH
                out += "<rect x=\"\(n(left))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(barH - 2))\" fill=\"\(palette[s % palette.count])\"/>"
                out += "<text x=\"\(n(left + w + 4))\" y=\"\(n(y + barH - 3))\" font-size=\"10\">\(HTML.escape(format(v)))</text>"
            }
        }
        return out + "</svg>"
    }

    /// Before → after on a 0–1 axis, one row per item (P(success) moves).
    public static func dumbbell(title: String, items: [(label: String, before: Double, after: Double)]) -> String {
        let rowH = 20.0, left = 260.0, width = 760.0, plotW = width - left - 30
        let height = 50 + Double(items.count) * rowH + 20
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<text x=\"0\" y=\"14\" font-size=\"13\" font-weight=\"600\">\(HTML.escape(title))</text>"
        out += legend(["baseline", "scenario"], x: left, y: 32)
        let top = 44.0, bottom = top + Double(items.count) * rowH
        for t in stride(from: 0.0, through: 1.0, by: 0.25) {
            let x = left + t * plotW
            out += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(bottom))\" stroke=\"#d8dee4\"/>"
            out += "<text x=\"\(n(x))\" y=\"\(n(bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(Int(t * 100))%</text>"
        }
        for (i, item) in items.enumerated() {
            let y = top + Double(i) * rowH + rowH / 2
            let xa = left + min(1, max(0, item.before)) * plotW, xb = left + min(1, max(0, item.after)) * plotW
            out += "<text x=\"\(n(left - 8))\" y=\"\(n(y + 4))\" font-size=\"11\" text-anchor=\"end\">\(label(item.label, 40))</text>"
            out += "<line x1=\"\(n(xa))\" y1=\"\(n(y))\" x2=\"\(n(xb))\" y2=\"\(n(y))\" stroke=\"\(item.after >= item.before ? "#2da44e" : "#cf222e")\" stroke-width=\"3\"/>"
            out += "<circle cx=\"\(n(xa))\" cy=\"\(n(y))\" r=\"4.5\" fill=\"\(palette[0])\"/><circle cx=\"\(n(xb))\" cy=\"\(n(y))\" r=\"4.5\" fill=\"\(palette[1])\"/>"
        }
        return out + "</svg>"
    }

    /// Lines over a numeric x axis; y in 0…1 (probabilities).
    public static func lines(title: String, xTitle: String, xs: [Double], series: [(name: String, values: [Double])],
                             xFormat: (Double) -> String = { String(format: "%g", $0) }) -> String {
        let width = 760.0, height = 340.0, left = 56.0, right = 20.0, top = 46.0, bottom = 44.0
        let plotW = width - left - right, plotH = height - top - bottom
        let lo = xs.min() ?? 0, hi = max((xs.max() ?? 1), lo + 1e-9)
        func px(_ x: Double) -> Double { left + (x - lo) / (hi - lo) * plotW }
        func py(_ y: Double) -> Double { top + (1 - min(1, max(0, y))) * plotH }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<text x=\"0\" y=\"14\" font-size=\"13\" font-weight=\"600\">\(HTML.escape(title))</text>"
        out += legend(series.map(\.name), x: left, y: 32)
        for t in stride(from: 0.0, through: 1.0, by: 0.25) {
            out += "<line x1=\"\(n(left))\" y1=\"\(n(py(t)))\" x2=\"\(n(left + plotW))\" y2=\"\(n(py(t)))\" stroke=\"#d8dee4\"/>"
            out += "<text x=\"\(n(left - 6))\" y=\"\(n(py(t) + 4))\" font-size=\"10\" text-anchor=\"end\">\(Int(t * 100))%</text>"
        }
        for x in xs {
            out += "<text x=\"\(n(px(x)))\" y=\"\(n(top + plotH + 14))\" font-size=\"10\" text-anchor=\"middle\">\(HTML.escape(xFormat(x)))</text>"
        }
        out += "<text x=\"\(n(left + plotW / 2))\" y=\"\(n(height - 6))\" font-size=\"11\" text-anchor=\"middle\">\(HTML.escape(xTitle))</text>"
        for (s, serie) in series.enumerated() {
            let points = zip(xs, serie.values).map { "\(n(px($0))),\(n(py($1)))" }.joined(separator: " ")
            out += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(palette[(s + 1) % palette.count])\" stroke-width=\"2\"/>"
            for (x, y) in zip(xs, serie.values) {
                out += "<circle cx=\"\(n(px(x)))\" cy=\"\(n(py(y)))\" r=\"2.5\" fill=\"\(palette[(s + 1) % palette.count])\"/>"
            }
        }
        return out + "</svg>"
    }

    /// A tornado: for each row, the range of a value (low…high) around a baseline, widest first.
    public static func tornado(title: String, baseline: Double, rows: [(label: String, low: Double, high: Double)], valueTitle: String) -> String {
        let rowH = 22.0, left = 200.0, width = 760.0, plotW = width - left - 60, top = 40.0
        let height = top + Double(rows.count) * rowH + 40
        let lo = min(baseline, rows.map(\.low).min() ?? baseline) - 0.5, hi = max(baseline, rows.map(\.high).max() ?? baseline) + 0.5
        func px(_ v: Double) -> Double { left + (v - lo) / max(1e-9, hi - lo) * plotW }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<text x=\"0\" y=\"14\" font-size=\"13\" font-weight=\"600\">\(HTML.escape(title))</text>"
        for (i, r) in rows.enumerated() {
            let y = top + Double(i) * rowH
            out += "<text x=\"\(n(left - 8))\" y=\"\(n(y + 14))\" font-size=\"11\" text-anchor=\"end\">\(label(r.label))</text>"
            if r.low < baseline { out += "<rect x=\"\(n(px(r.low)))\" y=\"\(n(y + 3))\" width=\"\(n(px(baseline) - px(r.low)))\" height=\"15\" fill=\"#d97706\"/>" }
            if r.high > baseline { out += "<rect x=\"\(n(px(baseline)))\" y=\"\(n(y + 3))\" width=\"\(n(px(r.high) - px(baseline)))\" height=\"15\" fill=\"#1f6feb\"/>" }
            out += "<text x=\"\(n(px(r.high) + 4))\" y=\"\(n(y + 14))\" font-size=\"10\">\(HTML.escape(String(format: "%+g … %+g", r.low, r.high)))</text>"
        }
        let bottom = top + Double(rows.count) * rowH
        out += "<line x1=\"\(n(px(baseline)))\" y1=\"\(n(top - 4))\" x2=\"\(n(px(baseline)))\" y2=\"\(n(bottom + 4))\" stroke=\"#1d2430\" stroke-dasharray=\"3,2\"/>"
        out += "<text x=\"\(n(px(baseline)))\" y=\"\(n(bottom + 18))\" font-size=\"10\" text-anchor=\"middle\">\(HTML.escape(valueTitle)) now \(String(format: "%+g", baseline)) (KPI ← → OKR)</text>"
        return out + "</svg>"
    }

    /// Vertical bars of distributions over 0…n (how many key results achieved), one colour per series.
    public static func distribution(title: String, series: [(name: String, pmf: [Double])]) -> String {
        let width = 760.0, height = 240.0, left = 46.0, top = 44.0, bottom = 36.0, plotH = height - top - bottom
        let count = series.map(\.pmf.count).max() ?? 1
        let slot = (width - left - 10) / Double(count), barW = max(1, slot / Double(series.count + 1))
        let peak = max(1e-9, series.flatMap(\.pmf).max() ?? 1)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<text x=\"0\" y=\"14\" font-size=\"13\" font-weight=\"600\">\(HTML.escape(title))</text>"
        out += legend(series.map(\.name), x: left, y: 32)
        for k in 0..<count {
            out += "<text x=\"\(n(left + Double(k) * slot + slot / 2))\" y=\"\(n(height - bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(k)</text>"
            for (s, serie) in series.enumerated() where k < serie.pmf.count {
                let h = serie.pmf[k] / peak * plotH
                out += "<rect x=\"\(n(left + Double(k) * slot + Double(s) * barW + barW / 2))\" y=\"\(n(top + plotH - h))\" width=\"\(n(barW))\" height=\"\(n(h))\" fill=\"\(palette[s % palette.count])\"/>"
            }
        }
        out += "<text x=\"\(n(left + (width - left) / 2))\" y=\"\(n(height - 4))\" font-size=\"11\" text-anchor=\"middle\">key results achieved</text>"
        return out + "</svg>"
    }
}
