/// A seeded, platform-independent random number generator (SplitMix64), so that a seed gives the
/// same dataset on every machine and Swift version (the standard library's generator is neither
/// seedable nor stable).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }

    /// Uniform integer in the range.
    public mutating func integer(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// True with probability p.
    public mutating func chance(_ p: Double) -> Bool { uniform() < p }

    /// Standard normal by Box–Muller.
    public mutating func normal(_ mean: Double = 0, _ sd: Double = 1) -> Double {
        var u = uniform()
        while u <= 0 { u = uniform() }
        let v = uniform()
        return mean + sd * (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
    }

    /// One element, uniformly.
    public mutating func pick<T>(_ items: [T]) -> T { items[integer(0...(items.count - 1))] }

    /// One element, with the given weights.
    public mutating func pick<T>(weighted items: [(T, Double)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var r = uniform() * total
        for (item, weight) in items {
            r -= weight
            if r < 0 { return item }
        }
        return items[items.count - 1].0
    }
}

@inline(__always) package func _log(_ x: Double) -> Double { x.logarithm }
@inline(__always) package func _cos(_ x: Double) -> Double { x.cosine }

extension Double {
    /// Natural logarithm, without Foundation.
    package var logarithm: Double {
        // log(x) = 2 atanh((x-1)/(x+1)) after scaling x into [1, 2) by its exponent.
        guard self > 0 else { return -.infinity }
        let e = Double(exponent)
        let m = significand  // in [1, 2)
        let y = (m - 1) / (m + 1)
        let y2 = y * y
        var term = y, sum = 0.0
        var k = 1.0
        for _ in 0..<30 {
            sum += term / k
            term *= y2
            k += 2
        }
        return 2 * sum + e * 0.693_147_180_559_945_3
    }

    /// Cosine, without Foundation.
    package var cosine: Double {
        var x = self.truncatingRemainder(dividingBy: 2 * .pi)
        if x > .pi { x -= 2 * .pi }
        if x < -.pi { x += 2 * .pi }
        let x2 = x * x
        var term = 1.0, sum = 1.0
        for n in stride(from: 2.0, through: 40.0, by: 2.0) {
            term *= -x2 / ((n - 1) * n)
            sum += term
        }
        return sum
    }
}

extension Double {
    /// e^x, without Foundation (deterministic on every platform).
    package var exponential: Double {
        if self > 709 { return .infinity }
        if self < -745 { return 0 }
        let ln2 = 0.693_147_180_559_945_3
        let k = (self / ln2).rounded()
        let r = self - k * ln2
        var term = 1.0, sum = 1.0
        for n in 1...25 {
            term *= r / Double(n)
            sum += term
        }
        return Double(sign: .plus, exponent: Int(k), significand: 1) * sum
    }
}

/// The logistic function.
package func sigmoid(_ x: Double) -> Double { 1 / (1 + (-x).exponential) }
