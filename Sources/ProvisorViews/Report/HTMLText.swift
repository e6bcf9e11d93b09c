import Plot

/// Text from manifests, state and engines, made safe for HTML. Every value a reseller's file can
/// set goes through here: Plot escapes text nodes but keeps what looks like an entity, and writes
/// attribute values as they are, so the report escapes both itself.
enum HTMLText {
    /// `text` with `& < > " '` written as entities: inert in text and in quoted attributes.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

extension Node {
    /// A text node, escaped.
    static func safe(_ text: String) -> Node { .raw(HTMLText.escape(text)) }

    /// An attribute whose value is escaped.
    static func safeAttribute(_ name: String, _ value: String) -> Node { .attribute(named: name, value: HTMLText.escape(value)) }
}
