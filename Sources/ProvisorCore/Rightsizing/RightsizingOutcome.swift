import Foundation

/// The decisions for one licence group with its margin before and after them.
public struct RightsizingOutcome: Sendable, Hashable {
    public var group: LicenseGroup
    /// One per subscription, in the group's order.
    public var decisions: [RightsizingDecision]

    public var before: Margin { group.margin() }
    public var after: Margin { group.margin(quantities: decisions.map(\.quantityNow)) }
}
