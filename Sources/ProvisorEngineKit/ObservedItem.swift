/// One resource an engine holds, as an observe request is answered
/// (`schemas/observation.schema.json`): never a secret among the attributes.
public struct ObservedItem: Encodable, Sendable {
    public var address: String
    public var attributes: [String: JSONValue]
    /// The identifiers answered when it was made; left out when empty.
    public var outputs: [String: JSONValue]?

    public init(address: String, attributes: [String: JSONValue], outputs: [String: JSONValue] = [:]) {
        self.address = address
        self.attributes = attributes
        self.outputs = outputs.isEmpty ? nil : outputs
    }
}
