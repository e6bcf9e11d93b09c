import Foundation

/// One Microsoft 365 subscription of one customer for one SKU, as the engine reports it.
public struct Subscription: Sendable, Hashable {
    public enum Term: String, Sendable, Hashable, CaseIterable {
        case monthly = "P1M", annual = "P1Y", triennial = "P3Y"
    }

    /// Licences added on one date; they may be taken back (refunded) until `refundableUntil`.
    public struct Batch: Sendable, Hashable {
        public var quantity: Int
        public var addedAt: Date
        public var refundableUntil: Date

        /// Microsoft allows a reduction within 7 days of a purchase or renewal.
        public static let refundWindow: TimeInterval = 7 * 24 * 3600

        public init(quantity: Int, addedAt: Date, refundableUntil: Date? = nil) {
            self.quantity = quantity
            self.addedAt = addedAt
            self.refundableUntil = refundableUntil ?? addedAt.addingTimeInterval(Self.refundWindow)
        }
    }

    public var id: String
    public var customer: String
    /// The SKU part number (SPB, O365_BUSINESS_PREMIUM, SPE_E3, …).
    public var sku: String
    public var quantity: Int
    public var term: Term
    public var billingCycle: String
    /// When the term ends and (with auto-renew) renews.
    public var termEnd: Date
    public var autoRenew: Bool
    public var trial: Bool
    /// What the provider pays and charges per licence per month.
    public var costPrice: Decimal
    public var salesPrice: Decimal
    /// The quantities bought, oldest first; the renewal quantity counts as a batch at renewal.
    public var batches: [Batch]

    public init(id: String, customer: String, sku: String, quantity: Int, term: Term, billingCycle: String, termEnd: Date,
                autoRenew: Bool = true, trial: Bool = false, costPrice: Decimal, salesPrice: Decimal, batches: [Batch] = []) {
        self.id = id
        self.customer = customer
        self.sku = sku
        self.quantity = quantity
        self.term = term
        self.billingCycle = billingCycle
        self.termEnd = termEnd
        self.autoRenew = autoRenew
        self.trial = trial
        self.costPrice = costPrice
        self.salesPrice = salesPrice
        self.batches = batches
    }

    /// A free SKU costs nothing, so there is nothing to right-size.
    public var isFree: Bool { costPrice == 0 }

    /// How many licences may still be taken back at `date`: the batches inside their window.
    public func refundable(at date: Date) -> Int {
        min(quantity, batches.filter { date <= $0.refundableUntil }.reduce(0) { $0 + $1.quantity })
    }
}

/// Purchased, assigned and billed licences with what they cost and earn per month. Customers
/// are billed per assigned licence; the provider pays for every purchased one.
public struct Margin: Sendable, Hashable {
    public var purchased: Int
    public var assigned: Int
    public var cost: Decimal
    public var revenue: Decimal

    public init(purchased: Int, assigned: Int, costPrice: Decimal, salesPrice: Decimal) {
        self.purchased = purchased
        self.assigned = assigned
        cost = Decimal(purchased) * costPrice
        revenue = Decimal(assigned) * salesPrice
    }

    init(purchased: Int, assigned: Int, cost: Decimal, revenue: Decimal) {
        self.purchased = purchased
        self.assigned = assigned
        self.cost = cost
        self.revenue = revenue
    }

    /// Billed licences: every assigned one.
    public var billed: Int { assigned }
    public var margin: Decimal { revenue - cost }
    /// Margin as a percentage of revenue, rounded to 2 places; nil without revenue.
    public var marginPercent: Decimal? {
        guard revenue != 0 else { return nil }
        var exact = margin / revenue * 100, rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 2, .plain)
        return rounded
    }

    public static func + (lhs: Margin, rhs: Margin) -> Margin {
        Margin(purchased: lhs.purchased + rhs.purchased, assigned: lhs.assigned + rhs.assigned,
               cost: lhs.cost + rhs.cost, revenue: lhs.revenue + rhs.revenue)
    }

    public static let zero = Margin(purchased: 0, assigned: 0, cost: 0, revenue: 0)
}
