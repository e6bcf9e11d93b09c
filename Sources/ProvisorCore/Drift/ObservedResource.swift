import Foundation

/// One resource as an engine reports it: its address and the attributes it can read back.
public struct ObservedResource: Sendable, Hashable {
    public var address: ResourceAddress
    public var engine: String
    /// Only what the engine reports; an attribute it does not report is not compared.
    public var attributes: [Attribute]
    /// The identifiers the engine reports apart from the attributes (a tenant id, an object id):
    /// import records them as the resource's outputs, drift compares them with the kept ones.
    public var outputs: [Attribute]

    public init(address: ResourceAddress, engine: String, attributes: [Attribute], outputs: [Attribute] = []) {
        self.address = address
        self.engine = engine
        self.attributes = attributes.sorted { $0.name < $1.name }
        self.outputs = outputs.sorted { $0.name < $1.name }
    }
}
