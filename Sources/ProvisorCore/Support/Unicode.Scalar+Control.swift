extension Unicode.Scalar {
    /// A control character: C0 (line breaks, tab, ESC, BEL, NUL…), DEL or C1. A one-line field
    /// may hold none; views write them as escapes.
    public var isControl: Bool { value < 0x20 || (0x7F...0x9F).contains(value) }
}
