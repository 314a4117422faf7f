import Foundation

/// Scores of probabilistic forecasts of a binary outcome.
public struct Metrics: Sendable, Codable, Equatable {
    public var auc: Double
    public var brier: Double
    public var logLoss: Double
    /// Expected calibration error over 10 equal-width bins.
    public var ece: Double

    enum CodingKeys: String, CodingKey { case auc, brier, logLoss = "log_loss", ece }

    /// A metric that is not defined (AUC with one outcome only, anything of no forecasts at all)
    /// is NaN in memory and `null` in JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func put(_ v: Double, _ key: CodingKeys) throws { if v.isFinite { try c.encode(v, forKey: key) } else { try c.encodeNil(forKey: key) } }
        try put(auc, .auc); try put(brier, .brier); try put(logLoss, .logLoss); try put(ece, .ece)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get(_ key: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: key) ?? .nan }
        auc = try get(.auc); brier = try get(.brier); logLoss = try get(.logLoss); ece = try get(.ece)
    }

    /// Computes the metrics of probabilities `p` for outcomes `y` (1 = success).
    public init(probabilities p: [Double], outcomes y: [Bool]) {
        auc = Metrics.auc(p, y)
        var brier = 0.0, logLoss = 0.0
        for (pi, yi) in zip(p, y) {
            let o = yi ? 1.0 : 0.0
            brier += (pi - o) * (pi - o)
            let q = min(1 - 1e-15, max(1e-15, pi))
            logLoss -= yi ? log(q) : log(1 - q)
        }
        guard !p.isEmpty else {
            // Nothing to score: no figure, rather than a perfect-looking 0.
            (self.brier, self.logLoss, self.ece) = (.nan, .nan, .nan)
            return
        }
        let n = Double(p.count)
        self.brier = brier / n
        self.logLoss = logLoss / n
        ece = Reliability(probabilities: p, outcomes: y).bins.reduce(0) { $0 + Double($1.count) / n * abs($1.meanProbability - $1.observedRate) }
    }

    /// Area under the ROC curve by the rank-sum statistic, ties counting one half.
    public static func auc(_ p: [Double], _ y: [Bool]) -> Double {
        let order = p.indices.sorted { p[$0] < p[$1] }
        var ranks = [Double](repeating: 0, count: p.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && p[order[j + 1]] == p[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        let positives = y.filter { $0 }.count, negatives = y.count - positives
        guard positives > 0 && negatives > 0 else { return .nan }
        var sum = 0.0
        for (r, yi) in zip(ranks, y) where yi { sum += r }
        return (sum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
    }
}

/// A reliability table: forecasts grouped in 10 equal-width bins of probability.
public struct Reliability: Sendable, Codable, Equatable {
    public struct Bin: Sendable, Codable, Equatable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        public var meanProbability: Double
        public var observedRate: Double

        enum CodingKeys: String, CodingKey { case lower, upper, count, meanProbability = "mean_probability", observedRate = "observed_rate" }
    }

    public var bins: [Bin]

    public init(probabilities p: [Double], outcomes y: [Bool], binCount: Int = 10) {
        var count = [Int](repeating: 0, count: binCount), sumP = [Double](repeating: 0, count: binCount)
        var sumY = [Double](repeating: 0, count: binCount)
        for (pi, yi) in zip(p, y) {
            // A forecaster's probabilities are finite by construction; a NaN would still not trap here.
            let b = pi.isNaN ? binCount / 2 : min(binCount - 1, max(0, Int(min(1, max(0, pi)) * Double(binCount))))
            count[b] += 1
            sumP[b] += pi
            sumY[b] += yi ? 1 : 0
        }
        bins = (0..<binCount).compactMap { b in
            guard count[b] > 0 else { return nil }
            return Bin(lower: Double(b) / Double(binCount), upper: Double(b + 1) / Double(binCount), count: count[b],
                       meanProbability: sumP[b] / Double(count[b]), observedRate: sumY[b] / Double(count[b]))
        }
    }
}
