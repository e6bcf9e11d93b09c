import Foundation
import ProvisorCore
import Testing

@Suite struct RightsizingTests {
    static let day: TimeInterval = 24 * 3600
    /// 2026-11-21, mid-term.
    static let now = Date(timeIntervalSince1970: 1_795_219_200)
    static let renewal = now.addingTimeInterval(40 * day)

    func subscription(
        _ quantity: Int, id: String = "sub-1", sku: String = "SPB", term: Subscription.Term = .P1M, trial: Bool = false,
        cost: Decimal = 16, renewal: Date = renewal, batches: [Subscription.Batch]? = nil
    ) -> Subscription {
        Subscription(
            id: id, customer: "JBL", sku: sku, quantity: quantity, term: term, termEnd: renewal, trial: trial, costPrice: cost,
            batches: batches ?? [Subscription.Batch(quantity: quantity, addedAt: Self.now.addingTimeInterval(-30 * Self.day))])
    }

    func decide(_ subscriptions: [Subscription], assigned: Int, billed: Int? = nil, policy: RightsizingPolicy? = RightsizingPolicy()) -> RightsizingOutcome {
        Rightsizer.decide(
            LicenseGroup(
                customer: "JBL", sku: subscriptions[0].sku, subscriptions: subscriptions, assigned: assigned, billed: billed,
                salesPrice: 20, policy: policy), at: Self.now)
    }

    func decide(_ subscription: Subscription, assigned: Int, policy: RightsizingPolicy? = RightsizingPolicy()) -> RightsizingDecision {
        decide([subscription], assigned: assigned, policy: policy).decisions[0]
    }

    @Test(arguments: [(10, 40, 20), (11, 24, 12), (12, 8, 4), (13, -8, -4)])
    func tenUsersAtSixteenAndTwentyEarnWhatTheIssueSays(_ purchased: Int, _ margin: Int, _ percent: Int) {
        let figures = Margin(purchased: purchased, assigned: 10, costPrice: 16, salesPrice: 20)
        #expect(figures.billed == 10 && figures.revenue == 200 && figures.cost == Decimal(16 * purchased))
        #expect(figures.margin == Decimal(margin))
        #expect(figures.marginPercent == Decimal(percent))
        // The same figures from a licence group, as the report computes them.
        let group = decide([subscription(purchased)], assigned: 10, policy: nil).before
        #expect(group.margin == Decimal(margin) && group.marginPercent == Decimal(percent))
    }

    @Test func tooFewLicencesAreBoughtAtOnce() {
        let decision = decide(subscription(10), assigned: 12, policy: RightsizingPolicy(buffer: 1))
        #expect(decision.action == .increase && decision.quantityNow == 13)
        #expect(decision.reason == "12 assigned + 1 buffer = 13 > 10 purchased")
    }

    @Test func aDecreaseInsideTheRefundWindowIsMadeNow() {
        let batches = [
            Subscription.Batch(quantity: 10, addedAt: Self.now.addingTimeInterval(-30 * Self.day)),
            Subscription.Batch(quantity: 3, addedAt: Self.now.addingTimeInterval(-2 * Self.day)),
        ]
        let outcome = decide([subscription(13, batches: batches)], assigned: 10)
        let decision = outcome.decisions[0]
        #expect(decision.action == .decrease && decision.quantityNow == 10 && decision.renewalQuantity == nil)
        #expect(decision.reason == "10 assigned + 0 buffer = 10 < 13 purchased; 3 still refundable")
        #expect(outcome.before.margin == -8 && outcome.after.margin == 40 && outcome.after.marginPercent == 20)
    }

    @Test func aDecreaseOutsideTheWindowBecomesTheRenewalQuantity() {
        let decision = decide(subscription(13), assigned: 10)
        #expect(decision.action == .scheduleRenewal && decision.quantityNow == 13 && decision.renewalQuantity == 10)
        #expect(decision.reason == "10 assigned + 0 buffer = 10 < 13 purchased; outside the 7-day refund window, so 10 from renewal on 2026-12-31")
        // Part refundable now, the rest at renewal.
        let batches = [
            Subscription.Batch(quantity: 11, addedAt: Self.now.addingTimeInterval(-30 * Self.day)),
            Subscription.Batch(quantity: 2, addedAt: Self.now.addingTimeInterval(-1 * Self.day)),
        ]
        let split = decide(subscription(13, batches: batches), assigned: 10)
        #expect(split.action == .decrease && split.quantityNow == 11 && split.renewalQuantity == 10)
        // Once scheduled, the next night changes nothing; more users later put the renewal back.
        var scheduled = subscription(13)
        scheduled.renewalQuantity = 10
        #expect(decide(scheduled, assigned: 10).action == .none)
        let grown = decide(scheduled, assigned: 13)
        #expect(grown.action == .scheduleRenewal && grown.renewalQuantity == nil)
        #expect(grown.reason == "13 assigned + 0 buffer = 13; the renewal on 2026-12-31 goes back to 13 (10 was scheduled)")
    }

    @Test func theBufferAndTheMinimumAreKept() {
        let buffered = decide(
            subscription(12, batches: [Subscription.Batch(quantity: 12, addedAt: Self.now)]), assigned: 10,
            policy: RightsizingPolicy(buffer: 1))
        #expect(buffered.quantityNow == 11, "never below assigned + buffer")
        let minimum = decide(
            subscription(5, batches: [Subscription.Batch(quantity: 5, addedAt: Self.now)]), assigned: 1,
            policy: RightsizingPolicy(minimum: 3))
        #expect(minimum.quantityNow == 3 && minimum.reason.hasPrefix("1 assigned + 0 buffer, minimum 3 = 3"))
    }

    @Test func trialsFreeAndIgnoredSubscriptionsGetNoDecision() {
        #expect(decide(subscription(13, trial: true), assigned: 10).action == .none)
        #expect(decide(subscription(13, cost: 0), assigned: 10).action == .none)
        let ignored = decide(subscription(13, sku: "SPE_E3"), assigned: 10, policy: RightsizingPolicy(ignoredBy: "plan e3 at services.yaml:9:7"))
        #expect(ignored.action == .none && ignored.reason == "right-sizing is ignored for SPE_E3 by plan e3 at services.yaml:9:7")
        let reported = decide(subscription(13), assigned: 10, policy: RightsizingPolicy(automaticDecreases: false))
        #expect(reported.action == .reportOnly && reported.quantityNow == 13 && reported.renewalQuantity == nil)
        let unsold = decide(subscription(13), assigned: 10, policy: nil)
        #expect(unsold.action == .reportOnly && unsold.reason == "10 assigned + 0 buffer = 10 < 13 purchased; no plan sells SPB, so it is only reported")
    }

    @Test func anAnnualAndAMonthlySubscriptionOfOneSKUShareTheAssignments() {
        // 4 assigned across 6 monthly (bought 3 days ago) and 6 annual (outside the window).
        let monthly = subscription(
            6, id: "monthly", term: .P1M, batches: [Subscription.Batch(quantity: 6, addedAt: Self.now.addingTimeInterval(-3 * Self.day))])
        let annual = subscription(6, id: "annual", term: .P1Y, cost: 13.6, renewal: Self.now.addingTimeInterval(200 * Self.day))
        let outcome = decide([annual, monthly], assigned: 4)
        let (forAnnual, forMonthly) = (outcome.decisions[0], outcome.decisions[1])
        // The monthly one gives back all it can now (keeping one); the annual one renews with 3.
        #expect(forMonthly.action == .decrease && forMonthly.quantityNow == 1 && forMonthly.renewalQuantity == nil)
        #expect(forAnnual.action == .scheduleRenewal && forAnnual.quantityNow == 6 && forAnnual.renewalQuantity == 3)
        #expect(forMonthly.reason == "4 assigned + 0 buffer = 4 < 12 purchased in 2 subscriptions; 5 still refundable")
        #expect(outcome.before.purchased == 12 && outcome.after.purchased == 7)
        #expect(outcome.before.cost == 6 * 16 + 6 * 13.6 && outcome.after.cost == 16 + 6 * 13.6)
        // More users: the monthly subscription, the most flexible, buys them.
        let grown = decide([annual, monthly], assigned: 14)
        #expect(grown.decisions[1].action == .increase && grown.decisions[1].quantityNow == 8 && grown.decisions[0].action == .none)
    }
}

/// Policies written in the manifests, and licences assigned by hand.
@Suite struct RightsizingManifestTests {
    static let manifests: [String: String] = [
        "engines.yaml": "apiVersion: provisor/v1\nkind: Engine\nmetadata: { name: csp }\nspec: { adapter: simulated }\n",
        "services.yaml": """
        apiVersion: provisor/v1
        kind: Service
        metadata: { code: m365, name: Microsoft 365 }
        spec:
          scope: user
          rightsizing: { buffer: 0, minimum: 2 }
          plans:
            premium:
              name: Premium
              sku: SPB
              costPrice: 16
              salesPrice: 20
              currency: USD
              license: { sku: SPB, term: P1M }
            e3:
              name: E3
              sku: SPE_E3
              costPrice: 30
              salesPrice: 36
              currency: USD
              license: { sku: SPE_E3, term: P1Y }
              rightsizing: { ignore: true }
        """,
        "resellers.yaml": """
        apiVersion: provisor/v1
        kind: Reseller
        metadata: { code: ROOT, name: Root }
        spec:
          engine: csp
          overrides: { m365: { rightsizing: { buffer: 1 } } }
        ---
        apiVersion: provisor/v1
        kind: Reseller
        metadata: { code: MID, name: Mid }
        spec:
          parent: ROOT
          overrides: { m365: { plans: { premium: { rightsizing: { decreases: report } } } } }
        """,
        "customers.yaml": ["AAA": "ROOT", "BBB": "MID", "CCC": "ROOT", "DDD": "MID"].sorted { $0.key < $1.key }.map { code, reseller in
            var text =
                "apiVersion: provisor/v1\nkind: Customer\nmetadata: { code: \(code), name: \(code) }\nspec:\n  reseller: \(reseller)\n  domains: { primary: \(code.lowercased()).example }\n"
            if code == "CCC" { text += "  overrides: { m365: { rightsizing: { ignore: true } } }\n" }
            if code == "DDD" {
                text += "  overrides: { m365: { rightsizing: { buffer: 0 }, plans: { premium: { rightsizing: { decreases: automatic } } } } }\n"
            }
            return text
        }.joined(separator: "---\n"),
        "users.yaml": (1...10).map { number in
            "apiVersion: provisor/v1\nkind: User\nmetadata: { username: u\(number) }\nspec:\n  customer: AAA\n  firstName: U\n  lastName: N\(number)\n  upn: u\(number)@aaa.example\n  services: [{ service: m365, plan: premium }]\n"
        }.joined(separator: "---\n"),
    ]

    @Test func thePolicyIsInheritedLikeAnyProperty() throws {
        let report = try ManifestPipeline.run(MemorySource(files: Self.manifests))
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        let policy = { (customer: String, plan: String) in report.resolution.rightsizingPolicy(customer: customer, service: "m365", plan: plan)! }
        #expect(policy("AAA", "premium") == RightsizingPolicy(buffer: 1, minimum: 2, automaticDecreases: true))
        #expect(policy("BBB", "premium") == RightsizingPolicy(buffer: 1, minimum: 2, automaticDecreases: false), "the reseller's plan setting")
        #expect(policy("DDD", "premium") == RightsizingPolicy(buffer: 0, minimum: 2, automaticDecreases: true), "the customer beats its reseller")
        #expect(policy("CCC", "premium").ignoredBy == "customer CCC at customers.yaml:21:47")
        #expect(policy("AAA", "e3").ignoredBy == "plan e3 at services.yaml:22:30")
    }

    @Test func licencesAssignedByHandCountButAreNotBilled() throws {
        let report = try ManifestPipeline.run(MemorySource(files: Self.manifests))
        let spb = Subscription(
            id: "sub-spb", customer: "AAA", engine: "csp", sku: "SPB", quantity: 13, term: .P1M,
            termEnd: RightsizingTests.renewal, costPrice: nil,
            batches: [Subscription.Batch(quantity: 13, addedAt: RightsizingTests.now.addingTimeInterval(-RightsizingTests.day))])
        let alien = Subscription(id: "sub-x", customer: "ZZZ", sku: "SPB", quantity: 3, term: .P1M, termEnd: RightsizingTests.renewal, costPrice: 16)
        // The engine holds the 10 manifest users' licences and one more, given by hand to "temp".
        let held = (1...10).map { "u\($0)" } + ["temp"]
        let observed = held.map { user in
            ObservedResource(
                address: .service("m365", instance: nil, customer: "AAA", user: user), engine: "csp",
                attributes: [Attribute(name: "plan.license.sku", value: .string("SPB"))])
        }
        let groups = LicenseBook.groups(report.resolution, subscriptions: [spb, alien], observed: observed)
        #expect(groups.count == 1, "a customer the manifests do not have is left out")
        let group = try #require(groups.first)
        #expect(group.assigned == 11 && group.billed == 10 && group.plan == "m365/premium" && group.salesPrice == 20)
        #expect(group.subscriptions[0].costPrice == 16, "the plan supplies the cost the engine did not report")
        let outcome = Rightsizer.decide(group, at: RightsizingTests.now)
        #expect(outcome.decisions[0].action == .decrease && outcome.decisions[0].quantityNow == 12)
        #expect(outcome.decisions[0].reason == "11 assigned (1 not billed) + 1 buffer = 12 < 13 purchased; 1 still refundable")
        #expect(outcome.before.revenue == 200 && outcome.before.cost == 208 && outcome.after.cost == 192)
        let rolled = RightsizingReport([outcome], at: RightsizingTests.now, desired: report.desired)
        #expect(rolled.resellers.map(\.name) == ["ROOT"] && rolled.provider.after.margin == 8 && rolled.changes.count == 1)
    }
}
