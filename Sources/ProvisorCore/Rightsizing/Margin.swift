import Foundation

/// Purchased, assigned and billed licences with what they cost and earn per month. The
/// provider pays for every purchased licence and bills its customer for every assignment the
/// manifests make; a licence assigned by hand is used but not billed.
public struct Margin: Sendable, Hashable {
    public var purchased: Int
    public var assigned: Int
    public var billed: Int
    public var cost: Decimal
    public var revenue: Decimal

    /// Every assigned licence billed at `salesPrice`.
    public init(purchased: Int, assigned: Int, costPrice: Decimal, salesPrice: Decimal) {
        self.init(purchased: purchased, assigned: assigned, billed: assigned, cost: Decimal(purchased) * costPrice, revenue: Decimal(assigned) * salesPrice)
    }

    public init(purchased: Int, assigned: Int, billed: Int, cost: Decimal, revenue: Decimal) {
        self.purchased = purchased
        self.assigned = assigned
        self.billed = billed
        self.cost = cost
        self.revenue = revenue
    }
    public var margin: Decimal { revenue - cost }
    /// Margin as a percentage of revenue, rounded to 2 places; nil without revenue.
    public var marginPercent: Decimal? {
        guard revenue != 0 else { return nil }
        var exact = margin / revenue * 100, rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 2, .plain)
        return rounded
    }

    public static func + (lhs: Margin, rhs: Margin) -> Margin {
        Margin(
            purchased: lhs.purchased + rhs.purchased, assigned: lhs.assigned + rhs.assigned, billed: lhs.billed + rhs.billed,
            cost: lhs.cost + rhs.cost, revenue: lhs.revenue + rhs.revenue)
    }

    public static let zero = Margin(purchased: 0, assigned: 0, billed: 0, cost: 0, revenue: 0)
}
