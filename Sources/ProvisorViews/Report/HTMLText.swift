import Plot

/// Text from manifests, state and engines, made safe for HTML. Every value a reseller's file can
/// set goes through here: Plot escapes text nodes but keeps what looks like an entity, and writes
/// attribute values as they are, so the report escapes both itself.
enum HTMLText {
    /// `text` with `& < > " '` written as entities: inert in text and in quoted attributes.
    /// Most values have none of them and are returned as they are.
    static func escape(_ text: String) -> String {
        let special: (UInt8) -> Bool = { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }
        guard text.utf8.contains(where: special) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case 0x26: bytes += Array("&amp;".utf8)
            case 0x3C: bytes += Array("&lt;".utf8)
            case 0x3E: bytes += Array("&gt;".utf8)
            case 0x22: bytes += Array("&quot;".utf8)
            case 0x27: bytes += Array("&#39;".utf8)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Node {
    /// A text node, escaped.
    static func safe(_ text: String) -> Node { .raw(HTMLText.escape(text)) }

    /// An attribute whose value is escaped.
    static func safeAttribute(_ name: String, _ value: String) -> Node { .attribute(named: name, value: HTMLText.escape(value)) }
}
