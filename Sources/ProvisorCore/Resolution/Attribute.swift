import Foundation

/// One resolved attribute of a resource: a dotted name (`contact.email`, `plan.salesPrice`,
/// `properties.storageGB`) and its value.
public struct Attribute: Sendable, Hashable {
    public var name: String
    public var value: AttributeValue

    public init(name: String, value: AttributeValue) {
        self.name = name
        self.value = value
    }
}
