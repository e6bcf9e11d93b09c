import Foundation
import ProvisorCore
import Testing

@Suite struct RightsizingTests {
    static let day: TimeInterval = 24 * 3600
    /// 2026-11-21, mid-term.
    static let now = Date(timeIntervalSince1970: 1_795_219_200)
    static let renewal = now.addingTimeInterval(40 * day)

    func subscription(_ quantity: Int, sku: String = "SPB", term: Subscription.Term = .monthly, trial: Bool = false, cost: Decimal = 16,
                      batches: [Subscription.Batch]? = nil) -> Subscription {
        Subscription(id: "sub-1", customer: "JBL", sku: sku, quantity: quantity, term: term, billingCycle: "monthly", termEnd: Self.renewal,
                     trial: trial, costPrice: cost, salesPrice: 20,
                     batches: batches ?? [Subscription.Batch(quantity: quantity, addedAt: Self.now.addingTimeInterval(-30 * Self.day))])
    }

    @Test(arguments: [(10, 40, 20), (11, 24, 12), (12, 8, 4), (13, -8, -4)])
    func tenUsersAtSixteenAndTwentyEarnWhatTheIssueSays(_ purchased: Int, _ margin: Int, _ percent: Int) {
        let figures = Margin(purchased: purchased, assigned: 10, costPrice: 16, salesPrice: 20)
        #expect(figures.billed == 10 && figures.revenue == 200 && figures.cost == Decimal(16 * purchased))
        #expect(figures.margin == Decimal(margin))
        #expect(figures.marginPercent == Decimal(percent))
    }

    @Test func tooFewLicencesAreBoughtAtOnce() {
        let decision = Rightsizer.decide(subscription(10), assigned: 12, policy: RightsizingPolicy(buffer: 1), at: Self.now)
        #expect(decision.action == .increase && decision.quantityNow == 13)
        #expect(decision.reason == "12 assigned + 1 buffer = 13 > 10 purchased")
    }

    @Test func aDecreaseInsideTheRefundWindowIsMadeNow() {
        let batches = [Subscription.Batch(quantity: 10, addedAt: Self.now.addingTimeInterval(-30 * Self.day)),
                       Subscription.Batch(quantity: 3, addedAt: Self.now.addingTimeInterval(-2 * Self.day))]
        let decision = Rightsizer.decide(subscription(13, batches: batches), assigned: 10, policy: RightsizingPolicy(), at: Self.now)
        #expect(decision.action == .decrease && decision.quantityNow == 10 && decision.renewalQuantity == nil)
        #expect(decision.before.margin == -8 && decision.after.margin == 40)
    }

    @Test func aDecreaseOutsideTheWindowBecomesTheRenewalQuantity() {
        let decision = Rightsizer.decide(subscription(13), assigned: 10, policy: RightsizingPolicy(), at: Self.now)
        #expect(decision.action == .scheduleRenewal && decision.quantityNow == 13 && decision.renewalQuantity == 10)
        #expect(decision.reason == "10 assigned + 0 buffer = 10 < 13 purchased; outside the 7-day refund window, so 10 from renewal on 2026-12-31")
        // Part refundable now, the rest at renewal.
        let batches = [Subscription.Batch(quantity: 11, addedAt: Self.now.addingTimeInterval(-30 * Self.day)),
                       Subscription.Batch(quantity: 2, addedAt: Self.now.addingTimeInterval(-1 * Self.day))]
        let split = Rightsizer.decide(subscription(13, batches: batches), assigned: 10, policy: RightsizingPolicy(), at: Self.now)
        #expect(split.action == .decrease && split.quantityNow == 11 && split.renewalQuantity == 10)
    }

    @Test func theBufferAndTheMinimumAreKept() {
        let buffered = Rightsizer.decide(subscription(12, batches: [Subscription.Batch(quantity: 12, addedAt: Self.now)]), assigned: 10,
                                         policy: RightsizingPolicy(buffer: 1), at: Self.now)
        #expect(buffered.quantityNow == 11, "never below assigned + buffer")
        let minimum = Rightsizer.decide(subscription(5, batches: [Subscription.Batch(quantity: 5, addedAt: Self.now)]), assigned: 1,
                                        policy: RightsizingPolicy(minimum: 3), at: Self.now)
        #expect(minimum.quantityNow == 3 && minimum.reason.hasPrefix("1 assigned + 0 buffer, minimum 3 = 3"))
    }

    @Test func trialsFreeAndIgnoredSubscriptionsGetNoDecision() {
        let policy = RightsizingPolicy(ignoredSKUs: ["SPE_E3"], ignoredCustomers: ["TKL"])
        #expect(Rightsizer.decide(subscription(13, trial: true), assigned: 10, policy: policy, at: Self.now).action == .none)
        #expect(Rightsizer.decide(subscription(13, cost: 0), assigned: 10, policy: policy, at: Self.now).action == .none)
        #expect(Rightsizer.decide(subscription(13, sku: "SPE_E3"), assigned: 10, policy: policy, at: Self.now).action == .none)
        var other = subscription(13)
        other.customer = "TKL"
        #expect(Rightsizer.decide(other, assigned: 10, policy: policy, at: Self.now).reason == "customer TKL is ignored by the right-sizing policy")
        let reported = Rightsizer.decide(subscription(13), assigned: 10, policy: RightsizingPolicy(automaticDecreases: false), at: Self.now)
        #expect(reported.action == .reportOnly && reported.quantityNow == 13)
    }

    @Test func anAnnualAndAMonthlySubscriptionOfOneSKUAreDecidedApart() {
        let monthly = subscription(6, term: .monthly, batches: [Subscription.Batch(quantity: 6, addedAt: Self.now.addingTimeInterval(-3 * Self.day))])
        let annual = subscription(6, term: .annual)
        #expect(Rightsizer.decide(monthly, assigned: 4, policy: RightsizingPolicy(), at: Self.now).action == .decrease)
        #expect(Rightsizer.decide(annual, assigned: 4, policy: RightsizingPolicy(), at: Self.now).action == .scheduleRenewal)
    }
}
