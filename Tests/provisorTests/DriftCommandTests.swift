import Foundation
import ProvisorCore
import ProvisorSQLite
import Testing

extension Rehearsal {
    func drift(_ extra: [String] = [], environment: [String: String] = [:]) throws -> Run {
        try provisor(
            ["drift", "--config", "provisor.yaml", "--state", state, "--simulate", engines] + extra,
            in: directory, environment: Self.secrets.merging(environment) { $1 })
    }

    /// Changes an engine's model behind Provisor's back (`--set`, `--add`, `--remove`).
    func outOfBand(_ engine: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = simulatedEngineBinary
        process.arguments = ["--state-dir", "\(engines)/\(engine)", "--engine", engine] + arguments
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "out-of-band change \(arguments) on \(engine)")
    }

    /// The three changes the drift issue names: an attribute, a deleted mailbox, an extra user.
    func driftThreeWays() throws {
        try outOfBand("platform-eu", ["--set", "customer/JBL/user/alice", "displayName=Alice J."])
        try outOfBand("platform-ap", ["--remove", "customer/FSG/user/ivy/service/mailbox"])
        try outOfBand("platform-eu", ["--add", "customer/JBL/user/mallory", "displayName=Mallory", "username=mallory"])
    }

    func user(_ name: String, of customer: String, on engine: String) throws -> [String: Any]? {
        let tenants = try engineModel(engine)["tenants"] as! [String: Any]
        return ((tenants[customer] as? [String: Any])?["users"] as? [String: Any])?[name] as? [String: Any]
    }

    func hasMailbox(_ address: String) throws -> Bool {
        let tenants = try engineModel("platform-ap")["tenants"] as! [String: Any]
        return ((tenants["FSG"] as! [String: Any])["mailboxes"] as! [String: Any])[address] != nil
    }
}

@Suite(.serialized) struct DriftCommandTests {
    static let mailbox = "customer/FSG/user/ivy/service/mailbox"

    /// kind address, in the order reported.
    func kinds(_ run: Run) throws -> [String] {
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        return (report["drift"] as! [[String: Any]]).map { "\($0["kind"]!) \($0["address"] as? String ?? $0["engine"]!)" }
    }

    @Test func driftReportsExactlyTheOutOfBandChangesAndRefreshCorrectsTheTwoItMay() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            let clean = try rehearsal.drift()
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            #expect(clean.stdout.hasSuffix("No drift: the engines hold what the state records (\(ApplyCommandTests.total) recorded resources).\n"))

            try rehearsal.driftThreeWays()
            let found = try rehearsal.drift(["--format", "json"])
            #expect(found.status == 2, "\(found.stderr)")
            #expect(try kinds(found) == ["missing \(Self.mailbox)", "changed customer/JBL/user/alice", "unmanaged customer/JBL/user/mallory"])
            let report = try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as! [String: Any]
            let changed = (report["drift"] as! [[String: Any]])[1]["changes"] as! [[String: Any]]
            #expect(
                changed.count == 1 && changed[0]["name"] as? String == "displayName"
                    && changed[0]["recorded"] as? String == "Alice Jones" && changed[0]["observed"] as? String == "Alice J.")
            #expect(report["summary"] as? [String: Int] == ["changed": 1, "missing": 1, "unmanaged": 1, "unknown": 0])
            let saved = rehearsal.directory.appendingPathComponent("drift.json").path
            try found.stdout.write(toFile: saved, atomically: true, encoding: .utf8)
            let verdict = try schemaCheck([saved], schema: "drift.schema.json")
            #expect(verdict.contains("\"valid\": true") && !verdict.contains("\"valid\": false"), "\(verdict)")

            let human = try rehearsal.drift()
            #expect(human.status == 2)
            #expect(
                human.stdout.contains(
                    """
                      ~ customer/JBL/user/alice  changed out of band on platform-eu
                            displayName  Alice Jones → Alice J.
                    """))
            #expect(human.stdout.contains("  - \(Self.mailbox)  missing in engine platform-ap\n"))
            #expect(human.stdout.contains("  ? customer/JBL/user/mallory  unmanaged on platform-eu: in neither the manifests nor the state; left alone\n"))
            #expect(human.stdout.hasSuffix("Drift: 1 changed, 1 missing, 1 unmanaged, 0 unknown. Correct it with provisor reconcile --refresh.\n"))
            let markdown = try rehearsal.drift(["--format", "markdown"])
            #expect(markdown.stdout.hasPrefix("### Provisor drift\n\n**1 changed, 1 missing, 1 unmanaged, 0 unknown**"))
            #expect(markdown.stdout.contains("| ~ | `customer/JBL/user/alice` | platform-eu | changed: `displayName` Alice Jones → Alice J. |"))
            let jbl = try rehearsal.drift(["--customer", "JBL", "--format", "json"])
            #expect(try kinds(jbl) == ["changed customer/JBL/user/alice", "unmanaged customer/JBL/user/mallory"], "--customer narrows the report")

            // Each reading is kept in the state, with what the engine held.
            let observations = try await SQLiteStateStore(path: rehearsal.state).observations()
            #expect(observations.count == 7 && observations.allSatisfy { $0.failure == nil && $0.observedAt != nil })
            #expect(observations.first { $0.engine == "platform-eu" }?.resources.contains { $0.address == .user("mallory", customer: "JBL") } == true)

            // The dry run plans the two corrections, sends nothing, and leaves the unmanaged user alone.
            let sent = try rehearsal.log().count
            let dryRun = try rehearsal.reconcile(["--refresh", "--dry-run"])
            #expect(dryRun.status == 2, "\(dryRun.stdout)\(dryRun.stderr)")
            #expect(
                dryRun.stdout.contains(
                    "Refreshed from the engines: 1 changed out of band (restored), 1 missing (provisioned again), 1 unmanaged (left alone), 0 unknown.\n"))
            #expect(dryRun.stdout.contains("~ customer/JBL/user/alice  attribute changed\n          displayName  Alice J. → Alice Jones\n"))
            #expect(dryRun.stdout.contains("+ \(Self.mailbox)  new in manifests\n"))
            #expect(!dryRun.stdout.contains("mallory"))
            #expect(dryRun.stdout.hasSuffix("Plan: 1 to provision, 1 to update, 0 to deprovision.\n"))
            #expect(try rehearsal.log().count == sent, "a dry run sends nothing")
            let plain = try rehearsal.reconcile(["--dry-run"])
            #expect(plain.status == 0, "without --refresh the plan trusts the recorded state: \(plain.stdout)")

            let fixed = try rehearsal.reconcile(["--refresh"])
            #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
            #expect(fixed.stdout.hasSuffix("Apply: 2 succeeded, 0 failed, 0 skipped.\n"))
            #expect(try rehearsal.user("alice", of: "JBL", on: "platform-eu")?["displayName"] as? String == "Alice Jones")
            #expect(try rehearsal.hasMailbox(Self.mailbox), "the mailbox was provisioned again, not answered as a replay")
            #expect(try rehearsal.user("mallory", of: "JBL", on: "platform-eu") != nil, "the unmanaged user is never deleted")

            let after = try rehearsal.drift(["--format", "json"])
            #expect(after.status == 2)
            #expect(try kinds(after) == ["unmanaged customer/JBL/user/mallory"])
            let history = try provisor(["history", "customer/JBL/user/alice", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(history.stdout.contains("displayName: Alice J. → Alice Jones"), "the correction is in the audit log: \(history.stdout)")
        }
    }

    @Test func anEngineThatCannotBeReadIsUnknownAndNeverPlannedAsAbsent() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            #expect(try rehearsal.drift().status == 0)
            try rehearsal.outOfBand("platform-eu", ["--set", "customer/JBL/user/alice", "displayName=Alice J."])
            let unreadable = ["PROVISOR_SIMULATED_UNREADABLE": "csp-eu"]

            let plan = try rehearsal.reconcile(["--refresh", "--dry-run", "--format", "json"], environment: unreadable)
            #expect(plan.status == 2, "\(plan.stderr)")
            let summary = (try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as! [String: Any])["summary"] as! [String: Int]
            #expect(summary["delete"] == 0 && summary["create"] == 0 && summary["update"] == 1, "only the readable engine's drift is corrected: \(summary)")
            let text = try rehearsal.reconcile(["--refresh", "--dry-run"], environment: unreadable)
            #expect(
                text.stdout.contains(
                    "Engine csp-eu is unknown (engine 'csp-eu' could not be read: injected: the csp-eu API cannot be read): its 46 recorded resources are planned as recorded, never as absent.\n"
                ))
            let kept = try await SQLiteStateStore(path: rehearsal.state).observations().first { $0.engine == "csp-eu" }
            #expect(kept?.failure == nil, "a plan writes nothing, not even its reading of the engines")

            let drift = try rehearsal.drift(["--format", "json"], environment: unreadable)
            #expect(drift.status == 2)
            #expect(try kinds(drift) == ["unknown csp-eu", "changed customer/JBL/user/alice"])
            let report = try JSONSerialization.jsonObject(with: Data(drift.stdout.utf8)) as! [String: Any]
            let unknown = (report["drift"] as! [[String: Any]])[0]
            #expect(unknown["reason"] as? String == "engine 'csp-eu' could not be read: injected: the csp-eu API cannot be read")
            #expect(unknown["affected"] as? Int == 46)
            let human = try rehearsal.drift(environment: unreadable)
            #expect(
                human.stdout.contains(
                    "  ! engine csp-eu  unknown: engine 'csp-eu' could not be read: injected: the csp-eu API cannot be read; 46 recorded resources not checked\n"
                ))

            // The failed reading is kept, with the last good one beside it.
            let csp = try await SQLiteStateStore(path: rehearsal.state).observations().first { $0.engine == "csp-eu" }
            #expect(csp?.failure == "engine 'csp-eu' could not be read: injected: the csp-eu API cannot be read")
            #expect(csp?.resources.count == 46 && csp?.observedAt != nil)
        }
    }

    @Test func ignoreRulesLeaveOutAttributesEnginesChangeThemselves() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            let config = rehearsal.directory.appendingPathComponent("provisor.yaml").path
            let text = try String(contentsOfFile: config, encoding: .utf8)
            try (text + "drift:\n  ignore:\n    - { kind: user, attribute: displayName }\n").write(toFile: config, atomically: true, encoding: .utf8)

            try rehearsal.outOfBand("platform-eu", ["--set", "customer/JBL/user/alice", "displayName=Alice J."])
            #expect(try rehearsal.drift().status == 0, "an ignored attribute is no drift")
            #expect(try rehearsal.reconcile(["--refresh", "--dry-run"]).status == 0, "and nothing to correct")

            try rehearsal.outOfBand("platform-eu", ["--set", "customer/JBL/user/alice", "status=locked"])
            let drift = try rehearsal.drift(["--format", "json"])
            #expect(drift.status == 2)
            let changes =
                ((try JSONSerialization.jsonObject(with: Data(drift.stdout.utf8)) as! [String: Any])["drift"] as! [[String: Any]])[0]["changes"]
                as! [[String: Any]]
            #expect(changes.map { $0["name"] as! String } == ["status"], "displayName is ignored, status is not")
            #expect(try rehearsal.reconcile(["--refresh"]).status == 0)
            #expect(try rehearsal.user("alice", of: "JBL", on: "platform-eu")?["status"] as? String == "active")
            #expect(try rehearsal.drift().status == 0)
        }
    }

    @Test func badInputIsAClearErrorAndChangesNothing() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            let unknown = try rehearsal.drift(["--customer", "NOPE"])
            #expect(unknown.status == 1)
            #expect(unknown.stderr == "error: no customer 'NOPE' in the manifests or the recorded state (check --customer; codes are case-sensitive)\n")
            let noState = try provisor(["drift", "--config", "provisor.yaml", "--simulate", rehearsal.engines], in: rehearsal.directory)
            #expect(noState.status == 64)
            #expect(noState.stderr.contains("--simulate reads a rehearsal's engines; give the rehearsal's state with --state"))

            try rehearsal.edit("customers/jbl/users.yaml") { $0.replacingOccurrences(of: "firstName: Alice", with: "firstName: [Alice]") }
            let invalid = try rehearsal.drift()
            #expect(invalid.status == 1)
            #expect(invalid.stderr.contains("error: the manifests are not valid, so drift cannot tell what is wanted"))
            #expect(try await SQLiteStateStore(path: rehearsal.state).observations().isEmpty, "nothing was read or kept")
        }
    }
}
