/// Finds bytes that are not well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
/// nothing above U+10FFFF).
package enum UTF8Validation {
    /// Offsets of the first byte of each ill-formed sequence, at most `limit` of them, at most
    /// one per line (one report per line is enough to find and fix a wrongly encoded export).
    package static func invalidOffsets(in bytes: UnsafeBufferPointer<UInt8>, limit: Int = 20) -> [Int] {
        var result: [Int] = []
        let n = bytes.count
        var i = 0
        var lastReportedLineEnd = -1
        while i < n {
            // Fast path: eight ASCII bytes at a time.
            if i + 8 <= n {
                let word = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
            }
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let length = sequenceLength(bytes, at: i)
            if length > 0 {
                i += length
                continue
            }
            if i > lastReportedLineEnd {
                result.append(i)
                if result.count >= limit { return result }
                var j = i
                while j < n && bytes[j] != UInt8(ascii: "\n") { j += 1 }
                lastReportedLineEnd = j
            }
            i += 1
        }
        return result
    }

    /// Length of the well-formed sequence starting at `i`, or 0 if it is ill-formed.
    private static func sequenceLength(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let n = b.count
        let b0 = b[i]
        @inline(__always) func cont(_ k: Int) -> Bool { i + k < n && b[i + k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            return cont(1) ? 2 : 0
        case 0xE0:
            return i + 1 < n && (0xA0...0xBF).contains(b[i + 1]) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(1) && cont(2) ? 3 : 0
        case 0xED:
            return i + 1 < n && (0x80...0x9F).contains(b[i + 1]) && cont(2) ? 3 : 0
        case 0xF0:
            return i + 1 < n && (0x90...0xBF).contains(b[i + 1]) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3:
            return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4:
            return i + 1 < n && (0x80...0x8F).contains(b[i + 1]) && cont(2) && cont(3) ? 4 : 0
        default:
            return 0
        }
    }
}
