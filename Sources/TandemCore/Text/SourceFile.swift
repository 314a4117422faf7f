/// The bytes of one input file, with the line index needed to turn a byte offset into a line and
/// column and to quote a line back in a diagnostic.
///
/// Lines are counted from 1 and end at `\n`, `\r\n`, or a lone `\r` (as YAML and editors count
/// them).
/// Columns are counted from 1 in Unicode scalars, as libYAML and most editors count them.
public struct SourceFile: Sendable {
    /// The path as the user gave it; diagnostics print it unchanged.
    public let path: String
    /// The raw bytes, a leading UTF-8 byte order mark included.
    public let bytes: [UInt8]
    /// Byte offsets at which lines start.
    private let lineStarts: [Int]

    /// Wraps bytes read from `path`.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        var starts = [0]
        bytes.withUnsafeBufferPointer { buffer in
            for (i, byte) in buffer.enumerated() {
                if byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && (i + 1 == buffer.count || buffer[i + 1] != UInt8(ascii: "\n"))) {
                    starts.append(i + 1)
                }
            }
        }
        self.lineStarts = starts
    }

    /// Wraps text (tests and generated sources).
    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// Number of lines (a final line ending does not start another line).
    public var lineCount: Int {
        if let last = lineStarts.last, last == bytes.count, lineStarts.count > 1 { return lineStarts.count - 1 }
        return lineStarts.count
    }

    /// The 1-based line holding `offset`.
    public func line(ofOffset offset: Int) -> Int {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low + 1
    }

    /// The location of a byte offset: line, and column counted in Unicode scalars.
    public func location(ofOffset offset: Int) -> SourceLocation {
        let line = line(ofOffset: offset)
        var i = lineStarts[line - 1]
        if i == 0 && hasByteOrderMark { i = 3 }  // the byte order mark is not a column
        var column = 1
        let end = min(offset, bytes.count)
        while i < end {
            // Count scalar starts: every byte that is not a UTF-8 continuation byte.
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return SourceLocation(file: path, line: line, column: column)
    }

    /// Whether the file starts with the UTF-8 byte order mark EF BB BF.
    public var hasByteOrderMark: Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    /// The text of a 1-based line without its line ending, invalid UTF-8 replaced by U+FFFD.
    public func text(ofLine line: Int) -> String {
        guard line >= 1 && line <= lineStarts.count else { return "" }
        var start = lineStarts[line - 1]
        if start == 0 && hasByteOrderMark { start = 3 }
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        while end > start && (bytes[end - 1] == UInt8(ascii: "\r") || bytes[end - 1] == UInt8(ascii: "\n")) { end -= 1 }
        guard end > start else { return "" }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// A place in a file: path, 1-based line, 1-based column in Unicode scalars.
public struct SourceLocation: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}
