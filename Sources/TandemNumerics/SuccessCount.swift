import Foundation
internal import CLAPACK

/// Gauss–Hermite quadrature for E[f(Z)], Z ~ N(0, 1): nodes and weights from the eigenvalues and
/// eigenvectors of the Jacobi matrix of the probabilists' Hermite polynomials (Golub–Welsch,
/// LAPACK `dstev`). With n nodes the rule is exact for polynomials of degree up to 2n − 1.
public struct GaussHermite: Sendable {
    public let nodes: [Double]
    public let weights: [Double]

    /// - Throws: `NumericsError.lapack` when `dstev` fails to converge (it does not for n ≤ 200).
    public init(order n: Int) throws(NumericsError) {
        precondition(n >= 1 && n <= 200, "Gauss–Hermite order must be 1…200")
        // Jacobi matrix of He_k: zero diagonal, off-diagonal √k.
        var d = [Double](repeating: 0, count: n)
        var e = (1..<max(n, 2)).map { Double($0).squareRoot() }
        var z = [Double](repeating: 0, count: n * n)
        var work = [Double](repeating: 0, count: max(1, 2 * n - 2))
        var nn = Int32(n), ldz = Int32(n), info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "V"))
        dstev_(&jobz, &nn, &d, &e, &z, &ldz, &work, &info, 1)
        try checkInfo("dstev", info)
        nodes = d
        // Weight i: the squared first component of eigenvector i (the measure has total mass 1).
        weights = (0..<n).map { z[$0 * n] * z[$0 * n] }
    }
}

/// The distribution of the number of successes among independent or correlated events, each
/// with its own probability: how many key results of a unit will be achieved, whether an
/// objective's score reaches 0.7.
///
/// Independent events: the Poisson-binomial distribution, computed exactly by the recurrence
/// over events (O(n²), no sampling). Correlated events: a one-factor Gaussian copula, event i
/// happening when √ρ·Z + √(1−ρ)·εᵢ ≤ Φ⁻¹(pᵢ); given Z the events are independent, and the
/// mixture over Z is integrated by 64-node Gauss–Hermite quadrature (absolute error below 1e-9
/// for ρ ≤ 0.9, checked against enumeration and simulation in the tests). Each event keeps its
/// own probability pᵢ; every pair of latent variables has correlation ρ.
public enum SuccessCount {
    /// P(exactly k successes), k = 0…n, for independent events.
    public static func distribution(_ p: [Double]) -> [Double] {
        var pmf = [Double](repeating: 0, count: p.count + 1)
        pmf[0] = 1
        for (i, raw) in p.enumerated() {
            let q = min(1, max(0, raw))
            // Descending k so each event is counted once.
            var k = i + 1
            while k > 0 {
                pmf[k] = pmf[k] * (1 - q) + pmf[k - 1] * q
                k -= 1
            }
            pmf[0] *= 1 - q
        }
        return pmf
    }

    private static let quadrature = Result { () throws(NumericsError) in try GaussHermite(order: 64) }

    /// P(exactly k successes), k = 0…n, with latent correlation `rho` (0 ≤ ρ < 1) between every
    /// pair of events; ρ = 0 gives `distribution(_:)`.
    ///
    /// - Throws: `NumericsError.lapack` if the quadrature's nodes could not be computed (LAPACK's
    ///   `dstev` did not converge); never silently the independent answer instead.
    public static func distribution(_ p: [Double], correlation rho: Double) throws(NumericsError) -> [Double] {
        guard rho > 0, p.count > 1 else { return distribution(p) }
        let gh = try quadrature.get()
        let r = min(rho, 0.999)
        let thresholds = p.map { Normal.quantile(min(1, max(0, $0))) }
        let a = r.squareRoot(), b = (1 - r).squareRoot()
        var pmf = [Double](repeating: 0, count: p.count + 1)
        var conditional = [Double](repeating: 0, count: p.count)
        for (z, w) in zip(gh.nodes, gh.weights) {
            for i in p.indices {
                let t = thresholds[i]
                conditional[i] = t == .infinity ? 1 : (t == -.infinity ? 0 : Normal.cdf((t - a * z) / b))
            }
            let given = distribution(conditional)
            for k in pmf.indices { pmf[k] += w * given[k] }
        }
        let total = pmf.reduce(0, +)
        return pmf.map { $0 / total }
    }

    /// P(at least `k` successes) from a distribution.
    public static func atLeast(_ k: Int, _ pmf: [Double]) -> Double {
        k <= 0 ? 1 : (k >= pmf.count ? 0 : min(1, pmf[k...].reduce(0, +)))
    }

    /// The smallest k with P(count ≤ k) ≥ q.
    public static func quantile(_ q: Double, _ pmf: [Double]) -> Int {
        var sum = 0.0
        for (k, m) in pmf.enumerated() {
            sum += m
            if sum >= q - 1e-12 { return k }
        }
        return pmf.count - 1
    }
}

/// The standard normal distribution.
public enum Normal {
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Φ⁻¹(p): Acklam's rational approximation (relative error 1.2e-9) refined by one Halley step
    /// on erfc, which brings it to about 1e-15; ±∞ at 0 and 1.
    public static func quantile(_ p: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = cdf(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}

/// The logistic function and its inverse, written once.
public enum Logistic {
    /// 1 / (1 + e^−x), finite for every input (±∞ give 0 and 1, NaN gives 1/2).
    @inlinable public static func sigmoid(_ x: Double) -> Double {
        if x.isNaN { return 0.5 }
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// log(p / (1 − p)), with p clamped to [ε, 1 − ε] so that it is finite (NaN reads as 1/2).
    @inlinable public static func logit(_ p: Double, epsilon: Double = 1e-4) -> Double {
        let q = p.isNaN ? 0.5 : min(1 - epsilon, max(epsilon, p))
        return log(q / (1 - q))
    }
}
