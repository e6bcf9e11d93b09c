import Foundation
import Testing

/// `provisor explain` on the example estate. The human output is pinned by golden files in
/// Golden/; run with PROVISOR_UPDATE_GOLDEN=1 to rewrite them after an intended change.
@Suite struct ExplainCommandTests {
    func golden(_ name: String, _ output: String) throws {
        let file = packageRoot.appendingPathComponent("Tests/provisorTests/Golden/\(name)")
        if ProcessInfo.processInfo.environment["PROVISOR_UPDATE_GOLDEN"] != nil {
            try output.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(output == expected, "golden file \(name) differs; rerun with PROVISOR_UPDATE_GOLDEN=1 if the change is intended")
    }

    @Test func theOutputsTheStateKeptAreShownAndADamagedStateOnlyWarns() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            let explain = { (extra: [String]) in
                try provisor(["explain", "customer/FSG", "--config", "provisor.yaml", "--state", rehearsal.state] + extra, in: rehearsal.directory)
            }
            let human = try explain([])
            #expect(human.status == 0, "\(human.stderr)")
            #expect(human.stdout.contains("\n  outputs tenantId=sim-platform-ap-fsg (answered by the engine, kept in the state)\n"), "\(human.stdout)")
            let json = try JSONSerialization.jsonObject(with: Data(try explain(["--format", "json"]).stdout.utf8)) as? [String: Any]
            #expect(json?["outputs"] as? [String: String] == ["tenantId": "sim-platform-ap-fsg"])

            try Data("not a state".utf8).write(to: URL(fileURLWithPath: rehearsal.state))
            let damaged = try explain([])
            #expect(damaged.status == 0 && damaged.stdout.contains("customer/FSG (customer)"), "the manifests are explained all the same")
            #expect(!damaged.stdout.contains("outputs"))
            #expect(damaged.stderr.hasPrefix("warning: the outputs recorded for customer/FSG are not shown: "), "\(damaged.stderr)")
        }
    }

    @Test func aRebrandedPlanAndAResellerPriceShowTheirSources() throws {
        let run = try provisor(["explain", "--config", "examples/provisor.yaml", "customer/JBL/user/alice/service/m365"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("plan.name                  Acme Premium              reseller ACME          examples/manifests/resellers/acme.yaml:16"))
        #expect(run.stdout.contains("plan.salesPrice            21.00                     reseller ACME          examples/manifests/resellers/acme.yaml:16"))
        try golden("explain-jbl-alice-m365.txt", run.stdout)
    }

    @Test func aSubResellersRebrandAndAUserOverride() throws {
        let mailbox = try provisor(["explain", "--config", "examples/provisor.yaml", "customer/TKL/user/mere/service/mailbox"])
        #expect(mailbox.status == 0, "\(mailbox.stderr)")
        // TKL is KIWI's customer: the grant that covers it is shown.
        #expect(
            mailbox.stdout.contains(
                """
                  delegated to KIWI by delegation.KIWI (examples/provisor.yaml:11:3)
                    paths    manifests/customers/tkl/**, manifests/customers/fsg/**, manifests/resellers/kiwi.yaml
                    engines  platform-ap
                    secrets  env:TKL_*, env:FSG_*

                """), "\(mailbox.stdout)")
        try golden("explain-tkl-mere-mailbox.txt", mailbox.stdout)
        let json = try provisor(["explain", "--config", "examples/provisor.yaml", "reseller/KIWI", "--format", "json"])
        let delegation = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any])["delegation"] as? [String: Any]
        #expect(delegation?["reseller"] as? String == "KIWI" && delegation?["line"] as? Int == 11 && delegation?["engines"] as? [String] == ["platform-ap"])
        // The provider's own customers are covered by no grant.
        let provider = try provisor(["explain", "--config", "examples/provisor.yaml", "customer/JBL"])
        #expect(provider.status == 0 && !provider.stdout.contains("delegated"))
    }

    @Test func aLockedValueNamesTheLevelThatLockedIt() throws {
        let run = try provisor(["explain", "--manifests", "examples/manifests", "customer/JBL/service/sqldb:prod"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let region = try #require(lines.firstIndex { $0.hasPrefix("  properties.region ") })
        #expect(lines[region].contains("ap-southeast") && lines[region].hasSuffix("reseller ACME    examples/manifests/resellers/acme.yaml:19"))
        #expect(lines[region + 2].trimmingCharacters(in: .whitespaces) == "locked by reseller ACME (examples/manifests/resellers/acme.yaml:20)")
        #expect(lines.contains { $0.hasPrefix("  properties.dbName ") && $0.contains("jbl_prod") && $0.contains("assignment") })
    }

    @Test func jsonCarriesLevelsSourcesAndReplacedValues() throws {
        let run = try provisor(["explain", "--config", "examples/provisor.yaml", "--format", "json", "customer/JBL/user/alice/service/m365"])
        #expect(run.status == 0, "\(run.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(document["format_version"] as? String == "1")
        #expect(document["address"] as? String == "customer/JBL/user/alice/service/m365")
        #expect(document["kind"] as? String == "user-service")
        #expect(document["engine"] as? String == "csp-eu")
        let attributes = try #require(document["attributes"] as? [[String: Any]])
        let price = try #require(attributes.first { $0["name"] as? String == "plan.salesPrice" })
        #expect(price["value"] as? Double == 21)
        #expect(price["level"] as? String == "reseller ACME")
        #expect(price["file"] as? String == "examples/manifests/resellers/acme.yaml")
        #expect(price["line"] as? Int == 16)
        let replaced = try #require(price["overridden"] as? [[String: Any]])
        #expect(replaced.map { $0["level"] as? String } == ["plan business-premium"])
        let tier = try #require(attributes.first { $0["name"] as? String == "properties.tier" })
        #expect((tier["locked_by"] as? [String: Any])?["level"] as? String == "service default")
    }

    @Test func anUnknownAddressSuggestsTheClosest() throws {
        let run = try provisor(["explain", "--config", "examples/provisor.yaml", "customer/JBL/user/alise/service/m365"])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.hasPrefix("error: no resource at 'customer/JBL/user/alise/service/m365' (closest existing: customer/JBL/user/alice/service/m365"))
        let customer = try provisor(["explain", "--config", "examples/provisor.yaml", "customer/JLB"])
        #expect(customer.stderr.hasPrefix("error: no resource at 'customer/JLB' (closest existing: customer/JBL"))
    }

    @Test func aMalformedAddressExplainsTheForms() throws {
        let run = try provisor(["explain", "--config", "examples/provisor.yaml", "customers/JBL"])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("error: 'customers/JBL' is not a resource address (addresses look like reseller/CODE, customer/CODE,"))
    }

    @Test func invalidManifestsAreReportedInsteadOfExplained() throws {
        try withExampleCopy { directory in
            let service = directory.appendingPathComponent("manifests/services/sqldb.yaml")
            let text = try String(contentsOf: service, encoding: .utf8)
            try text.replacingOccurrences(of: "{customer.code}_{instance}", with: "{customer.code}_{instnace}")
                .write(to: service, atomically: true, encoding: .utf8)
            let explain = try provisor(["explain", "customer/JBL"], in: directory)
            #expect(explain.status == 1)
            #expect(explain.stdout.isEmpty)
            #expect(explain.stderr.hasPrefix("manifests/services/sqldb.yaml:10:51: error:"))
            #expect(explain.stderr.contains("error: naming pattern of property 'dbName' has the unknown placeholder {instnace} (did you mean {instance}?"))
            #expect(
                explain.stderr.hasSuffix("error: the manifests are not valid, so nothing can be explained (run provisor validate and fix the errors above)\n"))
            let validate = try provisor(["validate"], in: directory)
            #expect(validate.status == 1)
            #expect(validate.stdout.hasPrefix("manifests/services/sqldb.yaml:10:51: error: naming pattern"))
        }
    }
}
