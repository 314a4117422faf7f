/// Finds the line of a value in JSON text by its path (`coefficients[3]`, `baselines.trajectory_slope`),
/// so that an error found after decoding can still be located in the file.
///
/// A small scanner, not a parser: it follows objects and arrays, skips strings (escapes
/// included) and literals, and stops at the value or at the first thing it does not understand.
/// Nesting deeper than `maximumDepth` is not followed (the answer is then nil, never a crash).
public enum JSONLocator {
    public enum Key: Equatable, Sendable {
        case name(String)
        case index(Int)
    }

    public static let maximumDepth = 256

    /// The 1-based line where the value at `path` starts, or nil if it is not there.
    public static func line(of path: [Key], in bytes: [UInt8]) -> Int? {
        var scanner = Scanner(bytes: bytes, target: path)
        scanner.value(path: [], depth: 0)
        return scanner.found
    }

    /// Parses a path written as `a.b[3].c`.
    public static func path(_ text: String) -> [Key] {
        var keys: [Key] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: true) {
            var rest = Substring(part)
            if let bracket = rest.firstIndex(of: "[") {
                if bracket > rest.startIndex { keys.append(.name(String(rest[..<bracket]))) }
                rest = rest[bracket...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    if let n = Int(rest[rest.index(after: rest.startIndex)..<close]) { keys.append(.index(n)) }
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                keys.append(.name(String(rest)))
            }
        }
        return keys
    }

    struct Scanner {
        let bytes: [UInt8]
        let target: [Key]
        var i = 0
        var line = 1
        var found: Int?
        var failed = false

        init(bytes: [UInt8], target: [Key]) {
            self.bytes = bytes
            self.target = target
        }

        var done: Bool { found != nil || failed || i >= bytes.count }

        mutating func whitespace() {
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\n"): line += 1; i += 1
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): i += 1
                default: return
                }
            }
        }

        /// Skips a string at `i` (on its opening quote); returns its text.
        mutating func string() -> String? {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { failed = true; return nil }
            i += 1
            let start = i
            var escaped = false
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\n") { line += 1 }
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") {
                    let text = String(decoding: bytes[start..<i], as: UTF8.self)
                    i += 1
                    return text
                }
                i += 1
            }
            failed = true
            return nil
        }

        mutating func value(path: [Key], depth: Int) {
            whitespace()
            guard !done else { return }
            if path == target { found = line; return }
            guard depth < JSONLocator.maximumDepth else { failed = true; return }
            // Only a prefix of the target is worth entering; anything else is skipped the same way.
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                whitespace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return }
                while !done {
                    whitespace()
                    guard let key = string() else { return }
                    whitespace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { failed = true; return }
                    i += 1
                    value(path: path + [.name(key)], depth: depth + 1)
                    guard !done else { return }
                    whitespace()
                    guard i < bytes.count else { return }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return }
                    failed = true
                }
            case UInt8(ascii: "["):
                i += 1
                whitespace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return }
                var index = 0
                while !done {
                    value(path: path + [.index(index)], depth: depth + 1)
                    guard !done else { return }
                    whitespace()
                    guard i < bytes.count else { return }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; index += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return }
                    failed = true
                }
            case UInt8(ascii: "\""):
                _ = string()
            default:
                // A number, true, false or null: up to the next delimiter.
                let start = i
                while i < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: " "),
                                         UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(bytes[i]) {
                    i += 1
                }
                if i == start { failed = true }
            }
        }
    }
}
