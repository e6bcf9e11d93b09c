import Foundation

/// Right-sizing decisions: pure, so every rule is tested without an engine.
public enum Rightsizer {
    /// The decisions for `group` at `date`.
    ///
    /// The target is assigned + buffer, never below the minimum. Trials, free SKUs and ignored
    /// licences get no decision. Below target, the most flexible subscription (shortest term)
    /// buys the difference now. Above target, licences still inside a 7-day refund window are
    /// taken back now (never below target, never below one per subscription); what is left over
    /// is scheduled as renewal quantities, the subscription renewing first taking it first.
    public static func decide(_ group: LicenseGroup, at date: Date) -> RightsizingOutcome {
        var decisions = group.subscriptions.map { subscription in
            RightsizingDecision(
                action: .none, subscription: subscription, quantityNow: subscription.quantity,
                renewalQuantity: subscription.renewalQuantity, reason: "")
        }
        func outcome() -> RightsizingOutcome { RightsizingOutcome(group: group, decisions: decisions) }
        var active: [Int] = []
        for (position, subscription) in group.subscriptions.enumerated() {
            if subscription.trial {
                decisions[position].reason = "a trial: nothing is bought or refunded"
            } else if subscription.isFree {
                decisions[position].reason = "a free SKU: unused licences cost nothing"
            } else if let ignoredBy = group.policy?.ignoredBy {
                decisions[position].reason = "right-sizing is ignored for \(group.sku) by \(ignoredBy)"
            } else {
                active.append(position)
            }
        }
        // The most flexible first: the shortest term, then the one ending first.
        active.sort { left, right in
            let (a, b) = (group.subscriptions[left], group.subscriptions[right])
            return (a.term.months, a.termEnd, a.id) < (b.term.months, b.termEnd, b.id)
        }
        guard !active.isEmpty else { return outcome() }

        let policy = group.policy ?? RightsizingPolicy()
        let purchased = active.reduce(0) { $0 + group.subscriptions[$1].quantity }
        let target = max(group.assigned + policy.buffer, policy.minimum)
        let assigned = "\(group.assigned) assigned" + (group.billed < group.assigned ? " (\(group.assigned - group.billed) not billed)" : "")
        let why = "\(assigned) + \(policy.buffer) buffer" + (target > group.assigned + policy.buffer ? ", minimum \(policy.minimum)" : "") + " = \(target)"
        let pooled = active.count > 1 ? " in \(active.count) subscriptions" : ""

        guard group.policy != nil else {
            for position in active {
                let off = target == purchased ? "= purchased" : "\(target > purchased ? ">" : "<") \(purchased) purchased\(pooled)"
                decisions[position].action = target == purchased ? .none : .reportOnly
                decisions[position].reason = "\(why) \(off); no plan sells \(group.sku), so it is only reported"
            }
            return outcome()
        }
        var now = active.map { group.subscriptions[$0].quantity }
        var notes = Array(repeating: "", count: active.count)
        if target > purchased {
            now[0] += target - purchased
            notes[0] = "\(why) > \(purchased) purchased\(pooled)"
        } else if target < purchased, policy.automaticDecreases {
            var excess = purchased - target
            for slot in active.indices where excess > 0 {
                let subscription = group.subscriptions[active[slot]]
                let taken = min(excess, subscription.refundable(at: date), subscription.quantity - 1)
                now[slot] -= taken
                excess -= taken
            }
        }
        // Renewal quantities: the subscription renewing first takes what is still too many.
        let current = active.map { position in
            let subscription = group.subscriptions[position]
            return subscription.renewalQuantity.flatMap { $0 == subscription.quantity ? nil : $0 }
        }
        var renewal = current
        let renewingTotal = active.indices.reduce(0) { $0 + (current[$1] ?? now[$1]) }
        if policy.automaticDecreases || renewingTotal < target {
            var excess = max(0, now.reduce(0, +) - target)
            let order = active.indices.sorted { (group.subscriptions[active[$0]].termEnd, $0) < (group.subscriptions[active[$1]].termEnd, $1) }
            for slot in order {
                let taken = min(excess, now[slot] - 1)
                renewal[slot] = taken > 0 ? now[slot] - taken : nil
                excess -= taken
            }
        }

        for (slot, position) in active.enumerated() {
            let subscription = group.subscriptions[position]
            let renews = ISODate.day(subscription.termEnd)
            decisions[position].quantityNow = now[slot]
            decisions[position].renewalQuantity = renewal[slot]
            let decision: (RightsizingDecision.Action, String)
            if now[slot] > subscription.quantity {
                decision = (
                    .increase,
                    notes[slot] + (pooled.isEmpty ? "" : "; the \(subscription.term.rawValue) subscription takes the \(now[slot] - subscription.quantity) more")
                )
            } else if now[slot] < subscription.quantity {
                let rest =
                    renewal[slot] == nil
                    ? "\(subscription.quantity - now[slot]) still refundable"
                    : "\(subscription.quantity - now[slot]) refundable now, the rest at renewal on \(renews)"
                decision = (.decrease, "\(why) < \(purchased) purchased\(pooled); \(rest)")
            } else if renewal[slot] != current[slot] {
                if let quantity = renewal[slot] {
                    decision = (
                        .scheduleRenewal, "\(why) < \(purchased) purchased\(pooled); outside the 7-day refund window, so \(quantity) from renewal on \(renews)"
                    )
                } else {
                    decision = (.scheduleRenewal, "\(why); the renewal on \(renews) goes back to \(now[slot]) (\(current[slot]!) was scheduled)")
                }
            } else if target < purchased && !policy.automaticDecreases {
                decision = (.reportOnly, "\(why) < \(purchased) purchased\(pooled); the policy only reports decreases")
            } else if target == purchased {
                decision = (.none, "\(why) = purchased")
            } else if let quantity = renewal[slot] {
                decision = (.none, "\(why); \(quantity) from renewal on \(renews) is already scheduled")
            } else {
                decision = (.none, "\(why); this subscription keeps its \(subscription.quantity)")
            }
            (decisions[position].action, decisions[position].reason) = decision
        }
        return outcome()
    }
}
