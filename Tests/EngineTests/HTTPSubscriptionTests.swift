import Foundation
import ProvisorEngines
import ProvisorTesting
import Testing

@testable import ProvisorCore

/// An http engine (a CSP bridge) reports its licence subscriptions at `http.subscriptionsUrl`,
/// with a signed GET like its observe endpoint, and takes right-sizing's adjust-subscription
/// messages like any other: right-sizing works against it, not only in rehearsal.
@Suite struct HTTPSubscriptionTests {
    func bridge(_ server: Webhook, _ path: String? = "/subscriptions", key: String = "k3y", timeout: Double = 30) -> HTTPAdapter {
        HTTPAdapter(
            engine: "csp-eu", url: server.url("/ok"), subscriptionsURL: path.map(server.url), timeout: timeout, signingSecret: key,
            clock: PinnedTime.clock)
    }

    @Test func theBridgeReportsItsSubscriptionsWithASignedGET() async throws {
        let server = try Webhook(secret: "k3y")
        let adapter = bridge(server)
        let reading = await adapter.subscriptions()
        await adapter.shutdown()
        guard case .read(let subscriptions) = reading else {
            Issue.record("expected subscriptions, got \(reading)")
            return
        }
        #expect(subscriptions.map(\.id) == ["sub-jbl-spb"])
        #expect(subscriptions[0].quantity == 5 && subscriptions[0].customer == "JBL" && subscriptions[0].engine == "csp-eu")
        #expect(subscriptions[0].refundable(at: PinnedTime.date) == 3, "the batch bought on 2026-11-20 is still refundable")
        let requests = try server.requests()
        #expect(requests.count == 1 && requests[0]["method"] as? String == "GET" && requests[0]["signature_ok"] as? Bool == true)
    }

    @Test func aBridgeThatCannotBeReadIsUnreadableWithItsReasonNeverEmpty() async throws {
        let server = try Webhook(secret: "k3y")
        func reading(_ path: String?, key: String = "k3y") async -> SubscriptionReading {
            let adapter = bridge(server, path, key: key)
            let reading = await adapter.subscriptions()
            await adapter.shutdown()
            return reading
        }
        #expect(
            await reading(nil)
                == .unsupported(
                    "engine 'csp-eu' has no http.subscriptionsUrl, so its licence subscriptions cannot be read; add one to its Engine manifest"))
        #expect(
            await reading("/subscriptions-bad")
                == .unreadable("engine 'csp-eu' reported a subscription Provisor cannot read: subscription sub-x has no \"quantity\""))
        #expect(
            await reading("/observe-bad")
                == .unreadable("engine 'csp-eu' answered \(server.url("/observe-bad")) with something other than {\"subscriptions\": [...]}: {\"tenants\": []}")
        )
        #expect(
            await reading("/subscriptions", key: "wrong")
                == .unreadable("engine 'csp-eu' answered 401 Unauthorized at \(server.url("/subscriptions")): {\"error\": \"bad signature\"}"))
    }

    @Test func aDecisionReadFromTheBridgeIsAppliedThroughItWithTheJournalAndTheAuditLog() async throws {
        let server = try Webhook(secret: "k3y")
        let adapter = bridge(server)
        guard case .read(let subscriptions) = await adapter.subscriptions(), let subscription = subscriptions.first else {
            Issue.record("the bridge reported no subscription")
            return
        }
        let store = InMemoryStateStore()
        let adjuster = SubscriptionAdjuster(
            store: store, adapters: ["csp-eu": adapter], secrets: SecretResolver(environment: [:]),
            options: .init(actor: "nightly", clock: PinnedTime.clock))
        let decision = RightsizingDecision(
            action: .decrease, subscription: subscription, quantityNow: 2, renewalQuantity: nil, reason: "2 assigned + 0 buffer = 2 < 5 purchased")
        let results = try await adjuster.apply([decision], desired: DesiredState(chunks: []))
        await adapter.shutdown()

        #expect(results.map(\.outcome) == [.succeeded])
        let posted = try server.requests().filter { $0["path"] as? String == "/ok" }
        #expect(posted.count == 1 && posted[0]["signature_ok"] as? Bool == true, "one signed adjust-subscription message")
        let audit = try await store.audit(address: nil)
        #expect(audit.map(\.action) == ["adjust-subscription"])
        #expect(audit.first?.detail?.hasSuffix("quantity: 5 → 2") == true, "\(String(describing: audit.first?.detail))")
        #expect(try await store.unresolvedJournal().isEmpty, "the journal entry is closed")
    }
}
