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

    /// The item as one line of JSON, as `JSONLine.encode` would write it, without Codable.
    var jsonLine: String {
        var members: [String: JSONValue] = ["address": .string(address), "attributes": .object(attributes)]
        if let outputs { members["outputs"] = .object(outputs) }
        return JSONValue.object(members).jsonText
    }
}
