import Foundation

/// One customer's licences of one SKU: its subscriptions (Microsoft pools assignments across
/// the subscriptions of a SKU), how many are in use, and how right-sizing may treat them.
public struct LicenseGroup: Sendable, Hashable {
    public var customer: String
    public var sku: String
    public var subscriptions: [Subscription]
    /// Licences in use: assigned in the engine or by the manifests (not yet provisioned ones too).
    public var assigned: Int
    /// Assignments the manifests make: what the customer is billed for. The rest of the
    /// assigned ones are in the engine only (assigned by hand): used, but not billed.
    public var billed: Int
    /// What the customer pays per billed licence per month.
    public var salesPrice: Decimal
    /// The plan the SKU is sold as ("m365/business-premium"); nil when no plan has it.
    public var plan: String?
    /// nil when no plan has the SKU: nothing is changed, only reported.
    public var policy: RightsizingPolicy?

    public init(
        customer: String, sku: String, subscriptions: [Subscription], assigned: Int, billed: Int? = nil,
        salesPrice: Decimal, plan: String? = nil, policy: RightsizingPolicy?
    ) {
        self.customer = customer
        self.sku = sku
        self.subscriptions = subscriptions
        self.assigned = assigned
        self.billed = billed ?? assigned
        self.salesPrice = salesPrice
        self.plan = plan
        self.policy = policy
    }

    /// Purchased, assigned and billed with the monthly cost and revenue, at the subscription
    /// quantities `quantities` (the current ones when nil).
    public func margin(quantities: [Int]? = nil) -> Margin {
        let quantities = quantities ?? subscriptions.map(\.quantity)
        let cost = zip(subscriptions, quantities).reduce(Decimal(0)) { $0 + $1.0.cost(at: $1.1) }
        // A trial's licences are not purchased.
        let purchased = zip(subscriptions, quantities).reduce(0) { $0 + ($1.0.trial ? 0 : $1.1) }
        return Margin(purchased: purchased, assigned: assigned, billed: billed, cost: cost, revenue: Decimal(billed) * salesPrice)
    }
}
