import Foundation

/// One desired resource: its address (which carries its kind), parent, engine and resolved
/// attributes, sorted by name. An attribute no level sets is absent: it is not managed.
public struct DesiredResource: Sendable, Hashable {
    public var address: ResourceAddress
    public var parent: ResourceAddress?
    public var engine: String
    public var attributes: [Attribute]

    public var kind: ResourceAddress.Kind { address.kind }

    public subscript(name: String) -> AttributeValue? {
        attributes.first { $0.name == name }?.value
    }
}
