extension Double {
    /// The value as a whole percentage ("53%" for 0.53). Beyond ±100,000 (±10,000,000%) it
    /// prints as "> 10000000%" or "< -10000000%", so that a progress of 1e19 prints instead of
    /// trapping in `Int()`; NaN prints "—".
    public var percentText: String {
        if isNaN { return "—" }
        if self > 1e5 { return "> 10000000%" }
        if self < -1e5 { return "< -10000000%" }
        return "\(Int((self * 100).rounded()))%"
    }
}
