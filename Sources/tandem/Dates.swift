import ArgumentParser
import TandemCore

/// The day an `--as-of` option names, or a usage error that says what is expected.
func asOfDay(_ text: String) throws -> Day {
    guard let day = Day(iso: text) else { throw ValidationError("--as-of must be a date YYYY-MM-DD, found '\(text)'") }
    return day
}

/// The same for an optional `--as-of`.
func asOfDay(_ text: String?) throws -> Day? {
    try text.map { try asOfDay($0) }
}
