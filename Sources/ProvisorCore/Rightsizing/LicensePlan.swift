import Foundation

/// A plan whose licence is one SKU.
public struct LicensePlan: Sendable, Hashable {
    public var service: String
    public var plan: String
    public var term: Plan.Term
    public var costPrice: Decimal?
    public var salesPrice: Decimal?
}
