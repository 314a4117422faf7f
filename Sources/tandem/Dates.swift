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

/// The day a date option names, or a usage error that says what is expected: parsed with the
/// option itself (`@Option(transform:)`), so that the error comes with the command's own usage.
func dayArgument(_ text: String, _ option: String) throws -> Day {
    // ArgumentParser names the option and the value before this ("The value 'x' is invalid for '--as-of <date>': …").
    guard let day = Day(iso: text) else { throw ValidationError("expected a date YYYY-MM-DD (\(option) 2026-11-18)") }
    return day
}
