import Foundation

/// What `state list` selects: a kind, a customer, or both.
public struct ResourceFilter: Sendable, Hashable {
    public var kind: ResourceAddress.Kind?
    public var customer: String?

    public init(kind: ResourceAddress.Kind? = nil, customer: String? = nil) {
        self.kind = kind
        self.customer = customer
    }

    public static let all = ResourceFilter()

    public func matches(_ address: ResourceAddress) -> Bool {
        (kind == nil || address.kind == kind) && (customer == nil || address.customer == customer)
    }
}
