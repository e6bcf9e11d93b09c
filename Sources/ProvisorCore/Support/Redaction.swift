import Foundation

/// Secret values Provisor read (message secrets, an exec engine's environment, signing keys,
/// broker passwords, notification addresses), and how to take them out of what an engine or a
/// channel says back before it reaches a terminal, a journal, an audit entry, a notification or a
/// log. Each value is looked for as it is, JSON-escaped (as an engine quoting a message would
/// write it), JSON-escaped in ASCII only (Python's `json.dumps`: `\u00fc` for ü) and
/// percent-encoded (a key in a URL).
public struct Redaction: Sendable, Hashable {
    /// Every form to replace, longest first, so that a secret inside another is never left half
    /// shown.
    private let forms: [String]

    /// What a URL carries as it is (RFC 3986's unreserved characters); the rest is percent-encoded.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    public init(_ secrets: some Sequence<String>) {
        var forms: Set<String> = []
        for value in secrets where !value.isEmpty {
            var writer = JSONWriter()
            writer.string(value)
            let escaped = String(writer.text.dropFirst().dropLast())
            var ascii = ""
            for unit in escaped.utf16 {
                if unit < 0x7F {
                    ascii.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
                } else {
                    let hex = String(unit, radix: 16)
                    ascii += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
            }
            forms.formUnion([value, escaped, ascii])
            if let encoded = value.addingPercentEncoding(withAllowedCharacters: Self.unreserved) { forms.insert(encoded) }
        }
        self.forms = forms.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    /// `text` with every secret replaced by `(sensitive)`.
    public func callAsFunction(_ text: String) -> String {
        var text = text
        for form in forms where text.contains(form) { text = text.replacingOccurrences(of: form, with: "(sensitive)") }
        return text
    }

    /// `result` with every secret in its text replaced.
    public func callAsFunction(_ result: DeliveryResult) -> DeliveryResult {
        guard !forms.isEmpty else { return result }
        switch result {
        case .succeeded: return result
        case .retryable(let text, let retryAfter): return .retryable(self(text), retryAfter: retryAfter)
        case .terminal(let text): return .terminal(self(text))
        case .awaiting(let text): return .awaiting(self(text))
        }
    }
}
