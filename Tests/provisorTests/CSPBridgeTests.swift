import Foundation
import Testing

/// The example estate's csp-eu as it is configured, an http engine, against a local CSP bridge
/// (Tests/EngineTests/Servers/csp_bridge.py, in front of a simulated engine's tenant model): its
/// licences are bought through the bridge, its subscriptions read from `subscriptionsUrl` with a
/// signed GET, and right-sizing's decisions applied through it. Every other engine is the
/// simulated one, configured as such, so nothing here runs with `--simulate`.
@Suite(.serialized) struct CSPBridgeTests {
    static let key = "bridge-signing-key"

    /// Starts the bridge on the rehearsal's csp-eu tenant model and points csp-eu at it.
    func withBridge(_ body: (Rehearsal, _ requests: () throws -> [[String: Any]]) async throws -> Void) async throws {
        try await withRehearsal { rehearsal in
            let log = rehearsal.directory.appendingPathComponent("bridge.jsonl").path
            let environment = [
                "SECRET": Self.key, "ENGINE": simulatedEngineBinary.path, "STATE": "\(rehearsal.engines)/csp-eu", "NAME": "csp-eu", "LOG": log,
            ]
            try await withLocalServer(
                "Tests/EngineTests/Servers/csp_bridge.py", environment: environment, errors: rehearsal.directory.appendingPathComponent("bridge.stderr")
            ) { port in
                try rehearsal.simulateEngines(
                    except: "csp-eu",
                    as: """
                        spec:
                          adapter: http
                          http:
                            url: http://127.0.0.1:\(port)/provision
                            subscriptionsUrl: http://127.0.0.1:\(port)/subscriptions
                            observeUrl: http://127.0.0.1:\(port)/observe
                            signingSecret: { secretRef: "env:CSP_BRIDGE_HMAC_KEY" }
                          csp: { region: europe, markets: [DE, NL, GB, NZ, AU] }
                        """)
                var bridged = rehearsal
                bridged.environmentExtras = ["CSP_BRIDGE_HMAC_KEY": Self.key]
                try await body(bridged) {
                    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
                }
            }
        }
    }

    func run(_ rehearsal: Rehearsal, _ arguments: [String]) throws -> Run {
        try provisor(arguments + ["--config", "provisor.yaml", "--state", rehearsal.state], in: rehearsal.directory, environment: rehearsal.environment)
    }

    /// A real run decides for now (`--at` is for dry runs and rehearsals), so this runs on the
    /// machine's clock, Provisor's and the engines' alike, and asserts nothing that depends on
    /// the date: the licences bought by hand are dated two days before now, inside the 7-day
    /// window on any day.
    @Test func licencesAreBoughtThroughTheBridgeAndRightSizedFromItsSubscriptions() async throws {
        try await withBridge { rehearsal, requests in
            let provisioned = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(provisioned.status == 0, "\(provisioned.stdout)\(provisioned.stderr)")
            let posted = try requests().filter { $0["method"] as? String == "POST" }
            #expect(posted.count == 46 && posted.allSatisfy { $0["signature_ok"] as? Bool == true && $0["status"] as? Int == 200 }, "\(posted.count)")
            let twoDaysAgo = Date().addingTimeInterval(-2 * 86_400).formatted(.iso8601)
            try rehearsal.outOfBand("csp-eu", ["--subscription", "sub-jbl-spb-p1m", "quantity=5", "addedAt=\(twoDaysAgo)"])

            let planned = try run(rehearsal, ["rightsize", "--dry-run", "--customer", "JBL"])
            #expect(planned.status == 2, "\(planned.stdout)\(planned.stderr)")
            #expect(planned.stdout.contains("  decrease  sub-jbl-spb-p1m (P1M, renews "), "\(planned.stdout)")
            #expect(planned.stdout.contains(")  5 → 2\n"), "\(planned.stdout)")
            #expect(try requests().contains { $0["path"] as? String == "/subscriptions" && $0["signature_ok"] as? Bool == true }, "read from the bridge")

            let applied = try run(rehearsal, ["rightsize", "--customer", "JBL", "--actor", "nightly"])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            #expect(applied.stdout.contains("Applied: 1 adjusted, 0 failed."), "\(applied.stdout)")
            let adjustments = try requests().filter { $0["action"] as? String == "adjust-subscription" }
            #expect(adjustments.map { $0["address"] as? String } == ["customer/JBL/subscription/sub-jbl-spb-p1m"])
            #expect(adjustments.allSatisfy { $0["signature_ok"] as? Bool == true && $0["status"] as? Int == 200 })
            #expect(try rehearsal.subscriptions(of: "JBL")["sub-jbl-spb-p1m"]! == (2, nil), "the bridge's subscription is right-sized")
            let again = try run(rehearsal, ["rightsize", "--dry-run", "--customer", "JBL"])
            #expect(again.status == 0 && again.stdout.contains("Every subscription is right-sized."), "\(again.stdout)")
            let history = try run(rehearsal, ["history", "customer/JBL/subscription/sub-jbl-spb-p1m"])
            #expect(history.stdout.contains("adjust-subscription customer/JBL/subscription/sub-jbl-spb-p1m  by nightly"), "\(history.stdout)")

            // Drift reads the bridge back too: nothing drifted.
            let drift = try run(rehearsal, ["drift"])
            #expect(drift.status == 0, "\(drift.stdout)\(drift.stderr)")
        }
    }

    @Test func aBridgeThatRefusesTheSignatureIsAClearFailure() async throws {
        try await withBridge { rehearsal, requests in
            var wrong = rehearsal
            wrong.environmentExtras = ["CSP_BRIDGE_HMAC_KEY": "not-the-key"]
            let planned = try run(wrong, ["rightsize", "--dry-run"])
            #expect(planned.status == 1)
            #expect(
                planned.stderr.contains("error: csp-eu: its licence subscriptions cannot be read: engine 'csp-eu' answered 401 Unauthorized"),
                "\(planned.stderr)")
            #expect(try requests().allSatisfy { $0["signature_ok"] as? Bool == false })
        }
    }
}
