/// A secret reference that cannot be read: "secret env:NAME is not set: …".
public struct SecretError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reference: String
    public var reason: String
    public var description: String { "secret \(reference) \(reason)" }
}
