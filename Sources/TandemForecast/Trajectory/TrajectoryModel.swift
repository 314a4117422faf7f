import Foundation

/// The per-key-result trajectory model: conjugate Bayesian linear regression of progress on
/// elapsed share, with recency weights, giving a predictive distribution of progress at cycle
/// end. A prior centred on the linear pace (intercept 0, slope 1) keeps it sensible with one
/// check-in or none.
///
/// Model: pᵢ = a + b·tᵢ + εᵢ, εᵢ ~ N(0, σ²/wᵢ), (a, b) | σ² ~ N(m₀, σ²V₀), σ² ~ InvGamma(α₀, β₀),
/// with m₀ = (0, 1), V₀ = diag(1, 64), α₀ = 3, β₀ = 0.02 (prior noise sd about 0.1, prior slope
/// sd about 0.8) and weights wᵢ = exp(−(t − tᵢ)/0.3). The predictive at t = 1 is a Student t with
/// 2α degrees of freedom, widened by a drift variance for the part of the cycle still to come;
/// it is summarised by a normal of the same mean and variance.
public struct TrajectoryModel: Sendable {
    public struct Prediction: Sendable, Equatable {
        /// Predictive mean and standard deviation of progress at cycle end.
        public var mean: Double
        public var sd: Double
        /// Posterior mean and sd of the slope (progress per cycle).
        public var slope: Double
        public var slopeSD: Double
        /// P(progress at cycle end ≥ threshold).
        public var probability: Double
    }

    public static let priorMean = (intercept: 0.0, slope: 1.0)
    public static let priorScale = (intercept: 1.0, slope: 64.0)
    public static let priorShape = 3.0
    public static let priorRate = 0.02
    public static let recency = 0.3
    /// Variance of the progress still to come, per unit of remaining cycle: a trend seen so far
    /// is not a promise (random-walk drift of sd about 0.4 over a whole cycle).
    public static let drift = 0.16

    /// Predicts from observations (elapsed share, progress) made up to elapsed share `now`.
    public static func predict(times: [Double], progress: [Double], now: Double, threshold: Double) -> Prediction {
        // Prior precision V₀⁻¹ (diagonal) and V₀⁻¹m₀.
        var p00 = 1 / priorScale.intercept, p01 = 0.0, p11 = 1 / priorScale.slope
        var r0 = priorMean.intercept / priorScale.intercept, r1 = priorMean.slope / priorScale.slope
        var sw = 0.0, yWy = 0.0
        for (t, p) in zip(times, progress) {
            let w = exp(-(now - t) / recency)
            p00 += w
            p01 += w * t
            p11 += w * t * t
            r0 += w * p
            r1 += w * t * p
            sw += w
            yWy += w * p * p
        }
        // Vₙ = (V₀⁻¹ + XᵀWX)⁻¹ (2 × 2), mₙ = Vₙ(V₀⁻¹m₀ + XᵀWy).
        let det = p00 * p11 - p01 * p01
        let v00 = p11 / det, v01 = -p01 / det, v11 = p00 / det
        let m0 = v00 * r0 + v01 * r1, m1 = v01 * r0 + v11 * r1
        let priorQuad = priorMean.intercept * priorMean.intercept / priorScale.intercept
            + priorMean.slope * priorMean.slope / priorScale.slope
        let postQuad = m0 * r0 + m1 * r1  // mₙᵀVₙ⁻¹mₙ = mₙᵀ(V₀⁻¹m₀ + XᵀWy)
        let shape = priorShape + sw / 2
        let rate = max(1e-9, priorRate + 0.5 * (yWy + priorQuad - postQuad))
        let sigma2 = rate / shape
        // Predictive at t = 1: x* = (1, 1).
        let leverage = v00 + 2 * v01 + v11
        let dof = 2 * shape
        let variance = sigma2 * (1 + leverage) * (dof > 2 ? dof / (dof - 2) : 3) + drift * max(0, 1 - now)
        let mean = m0 + m1
        let sd = variance.squareRoot()
        let z = (mean - threshold) / sd
        return Prediction(mean: mean, sd: sd, slope: m1, slopeSD: (sigma2 * v11).squareRoot(),
                          probability: 0.5 * erfc(-z / 2.0.squareRoot()))
    }
}
