import Foundation
import Testing

/// `policy:` in provisor.yaml: programs that judge the plan, the example policies of
/// examples/policies/, and what a policy that cannot answer does.
@Suite(.serialized) struct PolicyTests {
    /// Adds `section` (the entries under `policy:`) to the rehearsal's provisor.yaml, with the
    /// example policies copied beside it.
    func configure(_ rehearsal: Rehearsal, _ section: String) throws {
        let policies = rehearsal.directory.appendingPathComponent("policies")
        if !FileManager.default.fileExists(atPath: policies.path) {
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("examples/policies"), to: policies)
        }
        let config = rehearsal.directory.appendingPathComponent("provisor.yaml")
        let original = try String(contentsOf: config, encoding: .utf8).components(separatedBy: "\npolicy:\n")[0]
        try (original + "\npolicy:\n" + section).write(to: config, atomically: true, encoding: .utf8)
    }

    func plan(_ rehearsal: Rehearsal, _ extra: [String] = []) throws -> Run {
        try provisor(["plan", "--config", "provisor.yaml", "--state", rehearsal.state] + extra, in: rehearsal.directory, environment: rehearsal.environment)
    }

    @Test func theExamplePoliciesAllowTheExampleEstateAndDenyWhatTheyGuard() async throws {
        try await withRehearsal { rehearsal in
            // Every SKU the example estate sells, from its own plan.
            let json = try plan(rehearsal, ["--format", "json"])
            let skus = Set(json.stdout.matches(of: /"plan\.(?:license\.)?sku": "([A-Z0-9_-]+)"/).map { String($0.1) }).sorted()
            #expect(skus.contains("SPB") && skus.count >= 3, "\(skus)")
            let allowList = skus.map { "\"\($0)\"" }.joined(separator: ", ")
            try configure(
                rehearsal,
                """
                  sales-below-cost: { run: [python3, policies/sales-below-cost.py] }
                  sku-allow-list: { run: [python3, policies/sku-allow-list.py, \(allowList)] }
                  no-active-customer-deletes: { run: [python3, policies/no-active-customer-deletes.py] }

                """)
            #expect(try rehearsal.reconcile().status == 0, "every policy allows the example estate")

            // Sold below cost: refused, with the policy's reason, and nothing applied.
            try rehearsal.edit("resellers/acme.yaml") { $0.replacingOccurrences(of: "salesPrice: 21.00", with: "salesPrice: 9.00") }
            let refused = try plan(rehearsal)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("error: policy sales-below-cost denies the plan: customer/"), "\(refused.stderr)")
            #expect(refused.stderr.contains("customer/JBL/user/alice/service/m365 would be sold at 9, below its cost of 16"))
            #expect(refused.stderr.contains("rerun with --allow-policy sales-below-cost to apply it anyway (the audit log records that)"))
            let stopped = try rehearsal.reconcile()
            #expect(stopped.status == 1 && stopped.stderr.contains("The plan is refused: nothing was applied."))

            // Overridden on purpose: applied, said, and written in the audit log.
            let overridden = try rehearsal.reconcile(["--allow-policy", "sales-below-cost"])
            #expect(overridden.status == 0, "\(overridden.stderr)")
            #expect(overridden.stderr.contains("warning: policy sales-below-cost denies the plan: customer/"))
            let history = try provisor(["history", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(
                history.stdout.contains("applied over policy sales-below-cost (--allow-policy sales-below-cost): policy sales-below-cost denies the plan:"),
                "\(history.stdout.suffix(2000))")

            // A SKU outside the list.
            try rehearsal.edit("resellers/acme.yaml") { $0.replacingOccurrences(of: "salesPrice: 9.00", with: "salesPrice: 21.00") }
            try configure(
                rehearsal,
                """
                  sku-allow-list: { run: [python3, policies/sku-allow-list.py, \(skus.filter { $0 != "SPB" }.map { "\"\($0)\"" }.joined(separator: ", "))] }

                """)
            try rehearsal.edit("customers/jbl/users.yaml") { $0.replacingOccurrences(of: "plan: business-standard", with: "plan: business-premium") }
            let sku = try plan(rehearsal)
            #expect(sku.status == 1 && sku.stderr.contains("names plan.license.sku SPB, which is not on the allow-list"), "\(sku.stderr)")

            // Deprovisioning an active customer.
            try configure(rehearsal, "  no-active-customer-deletes: { run: [python3, policies/no-active-customer-deletes.py] }\n")
            try rehearsal.edit("customers/jbl/users.yaml") { $0.replacingOccurrences(of: "plan: business-premium", with: "plan: business-standard") }
            try FileManager.default.removeItem(at: rehearsal.directory.appendingPathComponent("manifests/customers/nxd"))
            let active = try plan(rehearsal)
            #expect(active.status == 1)
            #expect(active.stderr.contains("customer/NXD is active; set status: suspended and apply that before removing it"), "\(active.stderr)")
        }
    }

    @Test func aPolicyThatCannotAnswerRefusesThePlanAndSaysWhy() async throws {
        try await withRehearsal { rehearsal in
            try FileManager.default.createDirectory(at: rehearsal.directory.appendingPathComponent("policies"), withIntermediateDirectories: true)
            let cases: [(String, String)] = [
                ("  gone: { run: [policies/no-such-program] }\n", "policy gone could not judge the plan: its program was not found (policies/no-such-program)"),
                (
                    "  chatty: { run: [sh, -c, 'cat >/dev/null; echo oops'] }\n",
                    "policy chatty could not judge the plan: it answered 'oops', not {\"allow\": true|false"
                ),
                (
                    "  crashes: { run: [sh, -c, 'cat >/dev/null; echo broken >&2; exit 3'] }\n",
                    "policy crashes could not judge the plan: it exited with status 3: broken"
                ),
                (
                    "  slow: { run: [sh, -c, 'sleep 10'], timeout: 1 }\n",
                    "policy slow could not judge the plan: it did not answer within 1 s (policy.slow.timeout)"
                ),
                ("  silent: { run: [sh, -c, 'cat >/dev/null; echo {\\\"allow\\\": false}'] }\n", "policy silent denies the plan: without giving a reason"),
            ]
            for (section, expected) in cases {
                try configure(rehearsal, section)
                let run = try plan(rehearsal)
                #expect(run.status == 1, "\(section)")
                #expect(run.stderr.contains(expected), "\(section): \(run.stderr)")
                #expect(!FileManager.default.fileExists(atPath: rehearsal.directory.appendingPathComponent("state.db").path), "a plan writes nothing")
            }
            // Overriding a policy provisor.yaml does not have is a mistake, said as such.
            let unknown = try plan(rehearsal, ["--allow-policy", "sales-floor"])
            #expect(unknown.status == 1)
            #expect(
                unknown.stderr.contains("error: --allow-policy names sales-floor, which is not a policy in provisor.yaml (its policies are silent)"),
                "\(unknown.stderr)")
            // And a policy section that names no program is an error at its line.
            try configure(rehearsal, "  empty: { run: [] }\n")
            let invalid = try provisor(["validate", "--config", "provisor.yaml"], in: rehearsal.directory)
            #expect(
                invalid.status == 1 && invalid.stderr.contains("provisor.yaml:") && invalid.stderr.contains("policy.empty.run names no program"),
                "\(invalid.stderr)")
        }
    }
}
