/// Terminal display width: how many cells a string takes in a monospaced terminal. East Asian
/// wide and fullwidth characters (Chinese among them) take two cells; combining marks and
/// zero-width characters take none. Follows Unicode's East Asian Width property (UAX #11) for
/// the ranges that occur in practice; ambiguous-width characters count as one, as most
/// terminals outside East Asian locales render them.
extension Unicode.Scalar {
    /// Cells this scalar occupies: 0, 1 or 2.
    public var displayWidth: Int {
        let v = value
        if v < 0x300 { return v < 0x20 || (v >= 0x7F && v < 0xA0) ? 0 : 1 }
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B { return 0 }
        // Hangul's conjoining vowels and finals join the initial before them in one cell pair
        // (as a decomposed 한, from a file name of macOS, is written).
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return 0 }
        return Self.isWide(v) ? 2 : 1
    }

    private static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1,
             0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA,
             0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C,
             0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C,
             0x2B50, 0x2B55, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
             0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4,
             0x17000...0x18AFF, 0x1B000...0x1B2FF, 0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A,
             0x1F200...0x1F251, 0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB,
             0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}

extension Character {
    /// Cells this character (a grapheme cluster) occupies: an emoji sequence (joined by U+200D,
    /// made an emoji by U+FE0F, as ❤️ and 1️⃣ are, or with a skin tone) is one emoji, two cells,
    /// as terminals draw it; anything else, the sum of its scalars.
    public var displayWidth: Int {
        let scalars = unicodeScalars
        if let first = scalars.first, scalars.count > 1, first.properties.isEmoji,
           scalars.dropFirst().contains(where: { $0.value == 0x200D || $0.value == 0xFE0F || $0.properties.isEmojiModifier }) {
            return 2
        }
        var width = 0
        for scalar in scalars { width += scalar.displayWidth }
        return width
    }
}

extension StringProtocol {
    /// Cells the string occupies in a monospaced terminal.
    public var displayWidth: Int {
        var width = 0
        for character in self { width += character.displayWidth }
        return width
    }

    /// The string padded with spaces to `width` cells (left-aligned), or to the right when
    /// `alignRight` is set. Strings already wider are returned unchanged.
    public func padded(toWidth width: Int, alignRight: Bool = false) -> String {
        let pad = Swift.max(0, width - displayWidth)
        let spaces = String(repeating: " ", count: pad)
        return alignRight ? spaces + String(self) : String(self) + spaces
    }
}
