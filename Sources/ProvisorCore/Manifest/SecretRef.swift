/// A reference to a secret held outside the manifests: `env:NAME` or `file:PATH`.
///
/// Only the reference is ever stored; the value is read at apply time and never written to
/// state, plans, logs or messages at rest.
public struct SecretRef: Sendable, Hashable, CustomStringConvertible {
    public enum Provider: String, Sendable, Hashable {
        case env
        case file
    }

    public var provider: Provider
    public var name: String
    public var location: SourceLocation

    /// Parses `env:NAME` or `file:PATH`; nil for anything else.
    public init?(_ reference: String, at location: SourceLocation) {
        guard let colon = reference.firstIndex(of: ":") else { return nil }
        guard let provider = Provider(rawValue: String(reference[..<colon])) else { return nil }
        let name = String(reference[reference.index(after: colon)...])
        let hasSpace = name.utf8.contains { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard !name.isEmpty, !hasSpace || provider == .file else { return nil }
        self.provider = provider
        self.name = name
        self.location = location
    }

    public var description: String { "\(provider.rawValue):\(name)" }
}

extension DecodeContext {
    /// Reads `{ secretRef: "env:NAME" }`. An inline string is refused: secrets never live in git.
    func secretRef(_ node: YAMLNode, _ field: String) -> SecretRef? {
        if node.scalar != nil {
            error(
                node, "'\(field)' must be a secret reference, not an inline value",
                hint: "write \(field): { secretRef: \"env:NAME\" } or { secretRef: \"file:/path\" }; never commit a secret")
            return nil
        }
        guard let reader = mapping(node, "'\(field)'", known: ["secretRef"], required: ["secretRef"]),
            let reference = reader.string("secretRef")
        else { return nil }
        guard let ref = SecretRef(reference.value, at: reference.location) else {
            error(
                reader["secretRef"]!, "invalid secret reference '\(reference.value)'",
                hint: "use env:NAME for an environment variable or file:PATH for a file")
            return nil
        }
        return ref
    }
}
