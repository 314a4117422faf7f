import Foundation
import Testing
@testable import TandemNumerics

@Suite("Success-count distributions: exact Poisson-binomial, Gaussian copula by Gauss–Hermite")
struct SuccessCountTests {
    /// P(exactly k) by enumerating all 2ⁿ outcomes.
    static func enumerate(_ p: [Double]) -> [Double] {
        var pmf = [Double](repeating: 0, count: p.count + 1)
        for mask in 0..<(1 << p.count) {
            var prob = 1.0, k = 0
            for i in p.indices {
                if mask & (1 << i) != 0 { prob *= p[i]; k += 1 } else { prob *= 1 - p[i] }
            }
            pmf[k] += prob
        }
        return pmf
    }

    @Test func independentMatchesEnumeration() {
        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 2, 5, 9, 12] {
            let p = (0..<n).map { _ in Double.random(in: 0...1, using: &rng) }
            let exact = Self.enumerate(p), computed = SuccessCount.distribution(p)
            #expect(computed.count == n + 1)
            for (a, b) in zip(exact, computed) { #expect(abs(a - b) < 1e-13) }
            #expect(abs(computed.reduce(0, +) - 1) < 1e-13)
        }
        // Certain events.
        #expect(SuccessCount.distribution([1, 1, 0]) == [0, 0, 1, 0])
    }

    @Test func gaussHermiteIntegratesNormalMoments() throws {
        let gh = try GaussHermite(order: 64)
        func moment(_ k: Int) -> Double { zip(gh.nodes, gh.weights).reduce(0) { $0 + $1.1 * pow($1.0, Double(k)) } }
        #expect(abs(moment(0) - 1) < 1e-13)
        #expect(abs(moment(1)) < 1e-12)
        #expect(abs(moment(2) - 1) < 1e-12)
        #expect(abs(moment(4) - 3) < 1e-11)
        #expect(abs(moment(6) - 15) < 1e-9)
    }

    @Test func normalQuantileInvertsTheCDF() {
        for p in [1e-10, 1e-4, 0.01, 0.3, 0.5, 0.77, 0.99, 1 - 1e-9] {
            #expect(abs(Normal.cdf(Normal.quantile(p)) - p) < 1e-14 + 1e-12 * p)
        }
        #expect(Normal.quantile(0) == -.infinity && Normal.quantile(1) == .infinity)
    }

    @Test func zeroCorrelationIsIndependence() throws {
        let p = [0.2, 0.9, 0.55, 0.7]
        #expect(try SuccessCount.distribution(p, correlation: 0) == SuccessCount.distribution(p))
    }

    @Test func correlatedAgreesWithSimulation() throws {
        // Simulate the one-factor copula directly (seeded) and compare with the quadrature.
        let p = [0.3, 0.8, 0.55, 0.65, 0.9], rho = 0.4
        let exact = try SuccessCount.distribution(p, correlation: rho)
        var state: UInt64 = 0x9E3779B97F4A7C15
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        func gauss() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
        let thresholds = p.map(Normal.quantile)
        let draws = 400_000
        var counts = [Double](repeating: 0, count: p.count + 1)
        for _ in 0..<draws {
            let z = gauss()
            var k = 0
            for t in thresholds where rho.squareRoot() * z + (1 - rho).squareRoot() * gauss() <= t { k += 1 }
            counts[k] += 1
        }
        for (a, c) in zip(exact, counts) {
            let estimate = c / Double(draws), se = (max(a * (1 - a), 1e-6) / Double(draws)).squareRoot()
            #expect(abs(estimate - a) < 5 * se, "P(k) \(a) vs simulated \(estimate)")
        }
        // Correlation keeps the mean and widens the spread.
        let independent = SuccessCount.distribution(p)
        func mean(_ d: [Double]) -> Double { d.enumerated().reduce(0) { $0 + Double($1.0) * $1.1 } }
        func variance(_ d: [Double]) -> Double { let m = mean(d); return d.enumerated().reduce(0) { $0 + pow(Double($1.0) - m, 2) * $1.1 } }
        #expect(abs(mean(exact) - p.reduce(0, +)) < 1e-8)
        #expect(variance(exact) > variance(independent) + 0.1)
    }

    @Test func nearPerfectCorrelationNests() throws {
        // ρ → 1: successes nest, so P(at least k) tends to the k-th largest probability.
        let p = [0.2, 0.5, 0.9]
        let d = try SuccessCount.distribution(p, correlation: 0.999)
        #expect(abs(SuccessCount.atLeast(1, d) - 0.9) < 0.02)
        #expect(abs(SuccessCount.atLeast(2, d) - 0.5) < 0.02)
        #expect(abs(SuccessCount.atLeast(3, d) - 0.2) < 0.02)
    }

    @Test func quantilesAndTails() {
        let d = SuccessCount.distribution([0.5, 0.5])   // 0.25, 0.5, 0.25
        #expect(SuccessCount.quantile(0.1, d) == 0 && SuccessCount.quantile(0.5, d) == 1 && SuccessCount.quantile(0.9, d) == 2)
        #expect(SuccessCount.atLeast(0, d) == 1 && abs(SuccessCount.atLeast(2, d) - 0.25) < 1e-15 && SuccessCount.atLeast(3, d) == 0)
    }
}
