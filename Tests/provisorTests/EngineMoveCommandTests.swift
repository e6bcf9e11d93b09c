import Foundation
import Testing

/// Moving a customer to another engine is a replace: deprovisioned on the old engine (children
/// first), provisioned on the new one (parents first), never an update sent to an engine that
/// does not hold it; counted by the delete guard, and refused for a protected customer unless
/// deletions are explicitly allowed. The estate converges.
@Suite(.serialized) struct EngineMoveCommandTests {
    @Test func aCustomerMovedToItsOwnDataCentreIsReplacedAndConverges() async throws {
        try await withRehearsal { rehearsal in
            let first = try rehearsal.reconcile()
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            let before = try rehearsal.appliedCounts()
            try rehearsal.edit("customers/att/customer.yaml") {
                $0.replacingOccurrences(of: "location: { type: platform }", with: "location: { type: private, name: ATT DC, engine: riverbank-onprem }")
            }
            let plan = try provisor(
                ["plan", "--config", "provisor.yaml", "--state", rehearsal.state, "--format", "json", "--allow-deletes", "100"], in: rehearsal.directory)
            #expect(plan.status == 2, "\(plan.stderr)")
            let document = try json(plan.stdout)
            let waves = document["waves"] as! [[String: Any]]
            let order = waves.flatMap { wave in (wave["changes"] as! [[String: Any]]).map { "\($0["action"]!) \($0["address"]!)" } }
            #expect(order.first?.hasPrefix("delete customer/ATT/") == true, "\(order)")
            let deletes = order.filter { $0.hasPrefix("delete ") }, creates = order.filter { $0.hasPrefix("create ") }
            #expect(order.filter { $0.hasPrefix("update ") }.isEmpty, "nothing is sent as an update to an engine that does not hold it")
            #expect(Set(deletes.map { $0.dropFirst(7) }) == Set(creates.map { $0.dropFirst(7) }) && !deletes.isEmpty)
            #expect(order.lastIndex { $0.hasPrefix("delete ") }! < order.firstIndex { $0.hasPrefix("create ") }!, "deprovisioned before provisioned")
            #expect(order.firstIndex(of: "delete customer/ATT")! > order.firstIndex { $0.hasPrefix("delete customer/ATT/") }!, "children first")
            #expect(order.firstIndex(of: "create customer/ATT")! < order.firstIndex { $0.hasPrefix("create customer/ATT/") }!, "parents first")
            let reasons = Set(waves.flatMap { ($0["changes"] as! [[String: Any]]).map { $0["reason"] as! String } })
            #expect(reasons.contains("replace: engine changed from platform-eu to riverbank-onprem"), "\(reasons)")

            // The delete guard counts the replace's deletions.
            let guarded = try provisor(["plan", "--config", "provisor.yaml", "--state", rehearsal.state, "--allow-deletes", "1"], in: rehearsal.directory)
            #expect(
                guarded.status == 1 && guarded.stderr.contains("error: the plan deletes \(deletes.count) resources but --allow-deletes allows 1"),
                "\(guarded.stderr)")

            let moved = try rehearsal.reconcile(["--allow-deletes", "\(deletes.count)"])
            #expect(moved.status == 0, "\(moved.stdout)\(moved.stderr)")
            let after = try rehearsal.appliedCounts()
            #expect(after["deprovision customer/ATT"] == 1 && after["provision customer/ATT"] == (before["provision customer/ATT"] ?? 0) + 1)
            let onprem = try rehearsal.engineModel("riverbank-onprem")["tenants"] as! [String: Any]
            #expect(onprem["ATT"] != nil, "the new engine holds the customer")
            let platform = try rehearsal.engineModel("platform-eu")["tenants"] as! [String: Any]
            #expect(platform["ATT"] == nil, "the old engine no longer does")
            let again = try rehearsal.reconcile()
            #expect(again.stdout.contains("No changes"), "the estate converges: \(again.stdout)")
        }
    }

    @Test func aProtectedCustomerMovesOnlyWhenDeletionsAreExplicitlyAllowed() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            try rehearsal.edit("customers/jbl/customer.yaml") {
                $0.replacingOccurrences(of: "location: { type: platform }", with: "location: { type: private, name: JBL DC, engine: riverbank-onprem }")
            }
            let refused = try rehearsal.reconcile()
            #expect(refused.status == 1)
            #expect(
                refused.stderr.contains(
                    "error: customer/JBL is protected and its engine changed from platform-eu to riverbank-onprem: moving it deprovisions it on platform-eu"),
                "\(refused.stderr)")
            #expect(try rehearsal.appliedCounts()["deprovision customer/JBL"] == nil, "nothing was sent")
        }
    }
}

/// An engine that reads back empty (a wrong endpoint, a restored backup) would have its whole
/// share of the estate provisioned again by `--refresh`: past the safety limits that is refused
/// like a mass deletion, until `--allow-reprovision N` accepts it.
@Suite struct RefreshLimitCommandTests {
    @Test func anEngineThatReadsBackEmptyIsNotReprovisionedPastTheLimits() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            try FileManager.default.removeItem(atPath: "\(rehearsal.engines)/platform-eu")
            let plan = try provisor(
                ["reconcile", "--dry-run", "--refresh", "--config", "provisor.yaml", "--state", rehearsal.state, "--simulate", rehearsal.engines],
                in: rehearsal.directory, environment: Rehearsal.secrets)
            #expect(plan.status == 1)
            let line = try #require(plan.stderr.split(separator: "\n").first { $0.hasPrefix("error: the refresh found ") }, "\(plan.stderr)")
            let count = try #require(Int(line.split(separator: " ")[4]))
            #expect(
                line.hasPrefix("error: the refresh found \(count) of 132 recorded resources (")
                    && line.contains("missing from their engines and would provision them all again"))
            #expect(line.hasSuffix("then rerun with --allow-reprovision \(count) if they really are gone"), "\(line)")

            let refused = try rehearsal.reconcile(["--refresh"])
            #expect(refused.status == 1 && refused.stderr.contains("error: the refresh found \(count) of 132 recorded resources"))
            let sent = try rehearsal.log().filter { $0["engine"] as? String == "platform-eu" && $0["outcome"] as? String == "applied" }
            #expect(sent.isEmpty, "nothing was provisioned again")

            let tooFew = try rehearsal.reconcile(["--refresh", "--allow-reprovision", "\(count - 1)"])
            #expect(tooFew.status == 1 && tooFew.stderr.contains("but --allow-reprovision allows \(count - 1)"))
            let accepted = try rehearsal.reconcile(["--refresh", "--allow-reprovision", "\(count)"])
            #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
            #expect(accepted.stdout.contains("\(count) missing (provisioned again)"))
        }
    }
}
