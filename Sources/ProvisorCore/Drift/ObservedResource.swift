import Foundation

/// One resource as an engine reports it: its address and the attributes it can read back.
public struct ObservedResource: Sendable, Hashable {
    public var address: ResourceAddress
    public var engine: String
    /// Only what the engine reports; an attribute it does not report is not compared.
    public var attributes: [Attribute]

    public init(address: ResourceAddress, engine: String, attributes: [Attribute]) {
        self.address = address
        self.engine = engine
        self.attributes = attributes.sorted { $0.name < $1.name }
    }
}
