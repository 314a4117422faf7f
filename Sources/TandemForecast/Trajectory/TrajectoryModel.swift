import Foundation
import TandemNumerics

/// The per-key-result trajectory model: Bayesian linear regression of progress on elapsed
/// share, with recency weights and a known noise variance, giving a predictive distribution of
/// progress at cycle end. A prior centred on the linear pace (intercept 0, slope 1) keeps it
/// sensible with one check-in or none.
///
/// Model: pᵢ = a + b·tᵢ + εᵢ, εᵢ ~ N(0, σ²/wᵢ), (a, b) ~ N(m₀, σ²V₀), with m₀ = (0, 1),
/// V₀ = diag(1, 64), σ = 0.1 and weights wᵢ = exp(−(t_n − tᵢ)/0.3), t_n the latest check-in.
/// The predictive at cycle end continues the trend from the latest check-in for the part of the
/// cycle still to come (time since the latest check-in counts as time without progress); it is
/// normal, widened by a drift variance for the part of the cycle still to come.
///
/// Why the noise variance is fixed rather than estimated: with an estimated variance, a key
/// result that falls far behind makes its own path look noisy, the predictive widens, and its
/// P(success) rises toward 1/2: the wrong way. With σ fixed, the predictive sd depends only on
/// when the check-ins were made, and the predictive mean is increasing in the latest value
/// (its weight is given in `predict`). So
/// P(success) never rises as the latest value falls further behind. Progress is clamped to
/// [−1, 2] before the fit (a clamp is monotone), so any finite value, 1e19 included, gives a
/// finite, bounded forecast.
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
    /// Noise variance of a check-in around the trend (sd 0.1 of the target's span).
    public static let noise = 0.01
    public static let recency = 0.3
    /// Variance of the progress still to come, per unit of remaining cycle: a trend seen so far
    /// is not a promise (random-walk drift of sd about 0.4 over a whole cycle).
    public static let drift = 0.16
    /// The range progress is clamped to before the fit: beyond it nothing changes the verdict.
    public static let progressRange = -1.0...2.0

    /// Clamps progress into `progressRange`; NaN counts as no progress.
    @inlinable public static func clampProgress(_ p: Double) -> Double {
        p.isNaN ? 0 : min(progressRange.upperBound, max(progressRange.lowerBound, p))
    }

    /// Predicts from observations (elapsed share, progress) made up to elapsed share `now`.
    public static func predict(times: [Double], progress: [Double], now: Double, threshold: Double) -> Prediction {
        // Prior precision V₀⁻¹ (diagonal) and V₀⁻¹m₀.
        var p00 = 1 / priorScale.intercept, p01 = 0.0, p11 = 1 / priorScale.slope
        var r0 = priorMean.intercept / priorScale.intercept, r1 = priorMean.slope / priorScale.slope
        let now = now.isFinite ? now : 0
        // Recency weights are relative to the latest check-in, not to today: an old check-in
        // weighs less than a newer one, but a key result that has gone quiet does not melt back
        // into the prior (on pace from 0) as the weeks pass.
        let latest = times.lazy.filter(\.isFinite).map { min(now, $0) }.max() ?? now
        for (t, p) in zip(times, progress) {
            let t = t.isFinite ? min(now, t) : now
            let y = clampProgress(p)
            let w = exp(-(latest - t) / recency)
            p00 += w
            p01 += w * t
            p11 += w * t * t
            r0 += w * y
            r1 += w * t * y
        }
        // Vₙ = (V₀⁻¹ + XᵀWX)⁻¹ (2 × 2, positive definite: det ≥ 1/64), mₙ = Vₙ(V₀⁻¹m₀ + XᵀWy).
        let det = p00 * p11 - p01 * p01
        let v00 = p11 / det, v01 = -p01 / det, v11 = p00 / det
        let m0 = v00 * r0 + v01 * r1, m1 = v01 * r0 + v11 * r1
        // Predictive at cycle end, with the time since the latest check-in counted as time in
        // which nothing was achieved: the trend continues from the latest check-in for the
        // part of the cycle still to come, x* = (1, c), c = t_n + (1 − now). A key result that
        // has gone quiet is not assumed to have kept its pace (with no check-in at all, t_n = 0:
        // nothing achieved yet, on pace from today). For t ≤ t_n ≤ c the weight of the latest
        // value in the mean, (1/64 + c·t_n + Σ wⱼ(tⱼ − c)(tⱼ − t_n))·w_n / det, is still > 0.
        let anchor = times.isEmpty ? 0 : min(latest, now)
        let c = anchor + max(0, 1 - now)
        let leverage = v00 + 2 * c * v01 + c * c * v11
        let variance = noise * (1 + leverage) + drift * max(0, 1 - now)
        let mean = m0 + c * m1
        let sd = variance.squareRoot()
        return Prediction(mean: mean, sd: sd, slope: m1, slopeSD: (noise * v11).squareRoot(),
                          probability: Normal.cdf((mean - threshold) / sd))
    }
}
