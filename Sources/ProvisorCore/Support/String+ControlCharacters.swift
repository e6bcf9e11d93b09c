extension String {
    /// Control characters (line breaks, ESC, BEL, CR, DEL, C1) written as `\n`, `\r`, `\t` or
    /// `\u{1B}`: a value from a reseller's file can neither start a line of its own in a
    /// markdown comment nor drive the terminal.
    public var controlCharactersEscaped: String {
        // Controls are U+0000–U+001F and U+007F–U+009F, whose UTF-8 bytes are below 0x20, 0x7F,
        // or 0xC2 then 0x80–0x9F: text without those bytes (nearly all) is returned as it is.
        guard utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }), unicodeScalars.contains(where: \.isControl) else { return self }
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.isControl: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
