import Foundation

/// What to do with one subscription, and why.
public struct RightsizingDecision: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable, CaseIterable {
        /// Buy more now.
        case increase
        /// Take licences back now, inside a refund window.
        case decrease
        /// Set the quantity the subscription renews with; nothing changes before the term ends.
        case scheduleRenewal = "schedule-renewal"
        /// A change the policy only reports (or that no plan's policy covers).
        case reportOnly = "report-only"
        case none
    }

    public var action: Action
    public var subscription: Subscription
    /// The quantity right now after the decision.
    public var quantityNow: Int
    /// The quantity the subscription renews with after the decision; nil: with `quantityNow`.
    public var renewalQuantity: Int?
    public var reason: String

    /// True when the decision changes the subscription (an `adjust-subscription` message).
    public var changes: Bool { action == .increase || action == .decrease || action == .scheduleRenewal }
}
