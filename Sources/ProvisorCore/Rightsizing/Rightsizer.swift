import Foundation

/// How right-sizing treats a subscription, inheritable like any property (service → plan →
/// reseller → customer).
public struct RightsizingPolicy: Sendable, Hashable {
    /// Spare licences kept above the assigned ones.
    public var buffer: Int
    /// Never fewer licences than this.
    public var minimum: Int
    public var ignoredSKUs: Set<String>
    public var ignoredCustomers: Set<String>
    /// False: decreases are only reported, never made.
    public var automaticDecreases: Bool

    public init(buffer: Int = 0, minimum: Int = 1, ignoredSKUs: Set<String> = [], ignoredCustomers: Set<String> = [], automaticDecreases: Bool = true) {
        self.buffer = buffer
        self.minimum = minimum
        self.ignoredSKUs = ignoredSKUs
        self.ignoredCustomers = ignoredCustomers
        self.automaticDecreases = automaticDecreases
    }
}

/// What to do with one subscription, and why.
public struct RightsizingDecision: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        /// Buy more now.
        case increase
        /// Take licences back now, inside a refund window.
        case decrease
        /// Set the quantity the subscription renews with; nothing changes before the term ends.
        case scheduleRenewal = "schedule-renewal"
        /// A decrease that the policy only reports.
        case reportOnly = "report-only"
        case none
    }

    public var action: Action
    public var subscription: Subscription
    public var assigned: Int
    /// The quantity right now after the decision (unchanged for a scheduled renewal).
    public var quantityNow: Int
    /// The quantity at renewal, when it differs from the one now.
    public var renewalQuantity: Int?
    public var reason: String

    public var before: Margin { Margin(purchased: subscription.quantity, assigned: assigned, costPrice: subscription.costPrice, salesPrice: subscription.salesPrice) }
    public var after: Margin { Margin(purchased: quantityNow, assigned: assigned, costPrice: subscription.costPrice, salesPrice: subscription.salesPrice) }
}

/// Right-sizing decisions: pure, so every rule is tested without an engine.
public enum Rightsizer {
    /// The decision for `subscription` with `assigned` licences in use at `date`.
    ///
    /// The target is assigned + buffer, never below the minimum. Below target: increase now.
    /// Above target: decrease now what is still refundable (never below target); whatever is
    /// left over becomes the renewal quantity. Trials, free SKUs and ignored SKUs or customers
    /// get no decision.
    public static func decide(_ subscription: Subscription, assigned: Int, policy: RightsizingPolicy, at date: Date) -> RightsizingDecision {
        func decision(_ action: RightsizingDecision.Action, now: Int? = nil, renewal: Int? = nil, _ reason: String) -> RightsizingDecision {
            RightsizingDecision(action: action, subscription: subscription, assigned: assigned, quantityNow: now ?? subscription.quantity,
                                renewalQuantity: renewal, reason: reason)
        }
        let purchased = subscription.quantity
        if subscription.trial { return decision(.none, "a trial: nothing is bought or refunded") }
        if subscription.isFree { return decision(.none, "a free SKU: unused licences cost nothing") }
        if policy.ignoredSKUs.contains(subscription.sku) { return decision(.none, "SKU \(subscription.sku) is ignored by the right-sizing policy") }
        if policy.ignoredCustomers.contains(subscription.customer) {
            return decision(.none, "customer \(subscription.customer) is ignored by the right-sizing policy")
        }
        let target = max(assigned + policy.buffer, policy.minimum)
        let why = "\(assigned) assigned + \(policy.buffer) buffer" + (target > assigned + policy.buffer ? ", minimum \(policy.minimum)" : "") + " = \(target)"
        if target > purchased {
            return decision(.increase, now: target, "\(why) > \(purchased) purchased")
        }
        if target == purchased { return decision(.none, "\(why) = purchased") }
        guard policy.automaticDecreases else {
            return decision(.reportOnly, "\(why) < \(purchased) purchased; the policy only reports decreases")
        }
        let refundable = subscription.refundable(at: date)
        let now = max(target, purchased - refundable)
        if now == target {
            return decision(.decrease, now: now, "\(why) < \(purchased) purchased; \(purchased - now) still refundable")
        }
        let renewal = ISO8601DateFormatter.string(from: subscription.termEnd, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        if now < purchased {
            return decision(.decrease, now: now, renewal: target,
                            "\(why) < \(purchased) purchased; \(purchased - now) refundable now, the rest at renewal on \(renewal)")
        }
        return decision(.scheduleRenewal, renewal: target,
                        "\(why) < \(purchased) purchased; outside the 7-day refund window, so \(target) from renewal on \(renewal)")
    }
}
