import Foundation
import ProvisorCore
import ProvisorSQLite
import ProvisorTesting
import Testing

extension Rehearsal {
    func importing(_ extra: [String], environment: [String: String] = [:]) throws -> Run {
        try provisor(
            ["import", "--config", "provisor.yaml", "--state", state, "--simulate", engines, "--actor", "test-runner"] + extra,
            in: directory, environment: Self.secrets.merging(environment) { $1 })
    }

    func manifest(_ path: String) -> String? {
        try? String(contentsOfFile: directory.appendingPathComponent("manifests/\(path)").path, encoding: .utf8)
    }

    func write(_ path: String, _ text: String) throws {
        let url = directory.appendingPathComponent("manifests/\(path)")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Every manifest file and its contents.
    func manifestTree() throws -> [String: String] {
        let root = directory.appendingPathComponent("manifests").path
        var files: [String: String] = [:]
        for path in FileManager.default.enumerator(atPath: root)!.compactMap({ $0 as? String }) where path.hasSuffix(".yaml") {
            files[path] = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
        }
        return files
    }

    func serial() async throws -> Int { try await SQLiteStateStore(path: state).header().serial }
}

/// Two existing tenants, as a provider adopting Provisor has them: Northwind (NWL) in no manifest,
/// Brightwater (BRT) already described by hand (a Customer manifest and two users); 30 users in all.
enum Tenants {
    static let northwind = ["nora", "amir", "bea", "chen", "dara", "eli", "fay", "gus", "hana", "ivo", "jade", "kai", "liv", "max", "nia", "oto", "pia", "rex"]
    static let brightwater = ["kim", "lee", "olee", "ana", "ben", "cy", "dee", "ed", "flo", "gil", "ho", "ira"]
    static let skus = ["SPB", "O365_BUSINESS_PREMIUM", "O365_BUSINESS_ESSENTIALS"]

    static let described = """
        apiVersion: provisor/v1
        kind: Customer
        metadata: { code: BRT, name: Brightwater Trust }
        spec:
          reseller: ACME
          domains: { primary: brightwater.example, aliases: [brightwater.co.nz] }
          services: []
        """
    static let describedUsers = """
        apiVersion: provisor/v1
        kind: User
        metadata: { username: kim }
        spec: { customer: BRT, upn: kim@brightwater.example, firstName: Kim }
        ---
        apiVersion: provisor/v1
        kind: User
        metadata: { username: lee }
        spec:
          customer: BRT
          upn: lee@brightwater.example
          firstName: Lee
          services: [{ service: m365, plan: business-basic }]
        """

    static func seed(_ rehearsal: Rehearsal) throws {
        let platform = { (arguments: [String]) in try rehearsal.outOfBand("platform-eu", ["--add"] + arguments) }
        let csp = { (arguments: [String]) in try rehearsal.outOfBand("csp-eu", ["--add"] + arguments) }
        try platform([
            "customer/NWL", "name=Northwind Logistics", "type=standard", "status=active", "contact.name=Nora West",
            "contact.email=nora@northwind.example", "domains.primary=northwind.example", #"domains.aliases=["northwind.co.nz"]"#,
            "settings.maxUsers=40",
        ])
        for (index, name) in northwind.enumerated() {
            let domain = name == "gus" ? "northwind.co.nz" : "northwind.example"
            try platform(
                ["customer/NWL/user/\(name)", "upn=\(name)@\(domain)", "firstName=\(name.capitalized)", "lastName=West"]
                    + (name == "nora" ? ["admin=true"] : []))
            var licence = ["customer/NWL/user/\(name)/service/m365", "plan.license.sku=\(skus[index % 3])"]
            if name == "hana" { licence = ["customer/NWL/user/hana/service/m365", "plan.name=Microsoft 365 Business Standard"] }
            if name == "rex" { licence = ["customer/NWL/user/rex/service/m365", "plan.license.sku=POWER_BI_PRO"] }
            if name == "amir" { licence.append("properties.usageLocation=NZ") }
            try csp(licence)
        }
        try platform(["customer/NWL/user/nora/service/mailbox", "plan.sku=MBX-50", "properties.quotaGB=50", "properties.archive=true"])
        try platform(["customer/NWL/user/amir/service/mailbox", "plan.sku=MBX-50"])
        try platform(["customer/NWL/user/bea/service/mailbox", "plan.sku=MBX-10"])

        try platform(["customer/BRT", "name=Brightwater Trust", "domains.primary=brightwater.example", #"domains.aliases=["brightwater.co.nz"]"#])
        for (index, name) in brightwater.enumerated() {
            let upn = name == "kim" ? "kim@brightwater.co.nz" : name == "olee" ? "lee@brightwater.co.nz" : "\(name)@brightwater.example"
            try platform(["customer/BRT/user/\(name)", "upn=\(upn)", "firstName=\(name.capitalized)"])
            try csp(["customer/BRT/user/\(name)/service/m365", "plan.license.sku=\(name == "lee" ? "O365_BUSINESS_ESSENTIALS" : skus[index % 3])"])
        }
    }
}

@Suite(.serialized) struct ImportCommandTests {
    static let engines = ["--engine", "platform-eu", "--engine", "csp-eu"]

    @Test func importWritesManifestsAdoptsTheTenantsAndTheNextPlanIsEmpty() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            try rehearsal.write("customers/brt/customer.yaml", Tenants.described)
            try rehearsal.write("customers/brt/users.yaml", Tenants.describedUsers)
            try Tenants.seed(rehearsal)
            let before = try rehearsal.manifestTree()
            let serial = try await rehearsal.serial()
            let sent = try rehearsal.log().count { $0["outcome"] as? String == "applied" }

            // The dry run: what would happen, in JSON valid against its schema; nothing changes.
            let dryRun = try rehearsal.importing(Self.engines + ["--dry-run", "--format", "json"])
            #expect(dryRun.status == 0, "\(dryRun.stderr)")
            let saved = rehearsal.directory.appendingPathComponent("import.json").path
            try dryRun.stdout.write(toFile: saved, atomically: true, encoding: .utf8)
            let verdict = try schemaCheck([saved], schema: "import.schema.json")
            #expect(verdict.contains("\"valid\": true") && !verdict.contains("\"valid\": false"), "\(verdict)")
            let report = try JSONSerialization.jsonObject(with: Data(dryRun.stdout.utf8)) as! [String: Any]
            let customers = (report["customers"] as! [[String: Any]]).filter { $0["status"] as? String != "managed" }
            #expect(customers.map { "\($0["code"]!) \($0["status"]!)" } == ["BRT described", "NWL new"])
            #expect((report["summary"] as! [String: Int])["adopted"] == 61)
            #expect(try rehearsal.manifestTree() == before, "a dry run writes nothing")
            #expect(try await rehearsal.serial() == serial, "a dry run records nothing")

            let run = try rehearsal.importing(Self.engines)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(
                run.stdout.contains(
                    """
                    customer NWL  new: its manifests are written
                      wrote manifests/customers/nwl/customer.yaml
                      wrote manifests/customers/nwl/users.yaml
                      adopted 1 customer, 18 users, 20 services
                    """))
            #expect(run.stdout.contains("  ? guessed  customer/NWL: reseller: NEXUS (the engine reports no reseller; ACME also provisions on platform-eu)\n"))
            #expect(
                run.stdout.contains("  = matched  customer/NWL/user/hana/service/m365: plan business-standard: mapped by name: the engine reports no SKU\n"))
            #expect(
                run.stdout.contains(
                    "  ! unmapped  customer/NWL/user/rex/service/m365: SKU POWER_BI_PRO matches no plan of service m365 (its plans: business-basic (O365_BUSINESS_ESSENTIALS), business-standard (O365_BUSINESS_PREMIUM), business-premium (SPB)); not imported\n"
                ))
            #expect(
                run.stdout.contains(
                    """
                    customer BRT  described in the manifests, not recorded yet
                      wrote manifests/customers/brt/users-imported.yaml
                      adopted 1 customer, 11 users, 10 services
                    """))
            #expect(
                run.stdout.contains(
                    "  = matched  customer/BRT/user/kim: the engine's UPN kim@brightwater.co.nz matches kim@brightwater.example of user kim (manifests/customers/brt/users.yaml:1:1) by the part before the @\n"
                ))
            #expect(
                run.stdout.contains(
                    "  ✗ conflict  customer/BRT/user/olee: its UPN lee@brightwater.co.nz matches user lee (manifests/customers/brt/users.yaml:6:1), but the engine names it olee; rename one so they agree (the username names the user in engines); not imported\n"
                ))
            #expect(
                run.stdout.contains(
                    "  + undescribed  customer/BRT/user/kim/service/m365: not in the manifests of user kim (manifests/customers/brt/users.yaml:1:1); add `- { service: m365, plan: business-premium }` to its services, then run import again to adopt it\n"
                ))
            #expect(
                run.stdout.contains("  ~ differs  customer/BRT/user/kim: upn is kim@brightwater.co.nz on the engine, kim@brightwater.example in the manifests"))
            #expect(
                run.stdout.hasSuffix(
                    """
                    Imported 2 customers: wrote 3 files, adopted 61 resources (audit: imported); nothing sent to any engine.
                    Left out: 1 not mapped, 1 in conflict, 1 not described (see above).
                    Review and commit the new files; provisor reconcile --dry-run shows no changes for what was adopted.

                    """))
            #expect(try rehearsal.log().count { $0["outcome"] as? String == "applied" } == sent, "import sends nothing to the engines")
            let northwind = try await SQLiteStateStore(path: rehearsal.state).resource(at: .customer("NWL"))
            #expect(
                try northwind?.decodedOutputs() == [Attribute(name: "tenantId", value: .string("sim-platform-eu-nwl"))],
                "the tenant id the engine reports is recorded with what is adopted")

            // The written manifests: what was guessed is commented, the alias domain is kept,
            // plans and property values resolve to what the engines hold.
            let customer = try #require(rehearsal.manifest("customers/nwl/customer.yaml"))
            #expect(customer.contains("  reseller: NEXUS  # guessed: the engine reports no reseller; ACME also provisions on platform-eu\n"))
            #expect(customer.contains("  contact:\n    name: Nora West\n    email: nora@northwind.example\n"))
            #expect(customer.contains("  domains:\n    primary: northwind.example\n    aliases: [northwind.co.nz]\n"))
            #expect(customer.contains("  settings:\n    maxUsers: 40\n"))
            let users = try #require(rehearsal.manifest("customers/nwl/users.yaml"))
            let usernames = users.matches(of: #/username: ([a-z]+) /#).map { String($0.1) }
            #expect(usernames == Tenants.northwind.sorted(), "one document per user, sorted")
            #expect(users.contains("  upn: gus@northwind.co.nz\n"))
            #expect(
                users.contains("    - { service: m365, plan: business-standard, properties: { usageLocation: NZ } }\n"),
                "amir's licence keeps its usage location")
            #expect(users.contains("    - { service: m365, plan: business-standard }  # mapped by name: the engine reports no SKU\n"))
            #expect(users.contains("    - { service: mailbox, plan: pro-50 }\n") && users.contains("    - { service: mailbox, plan: basic-10 }\n"))
            #expect(
                users.contains("username: rex }\nspec:\n  customer: NWL\n  upn: rex@northwind.example\n  firstName: Rex\n  lastName: West\n  services: []\n"),
                "rex is imported without the licence no plan sells")
            let after = try rehearsal.manifestTree()
            #expect(
                after["customers/brt/customer.yaml"] == before["customers/brt/customer.yaml"]
                    && after["customers/brt/users.yaml"] == before["customers/brt/users.yaml"],
                "existing manifests are never rewritten")
            let imported = try #require(rehearsal.manifest("customers/brt/users-imported.yaml"))
            #expect(!imported.contains("username: kim") && !imported.contains("username: lee") && !imported.contains("username: olee"))
            #expect(imported.matches(of: /kind: User/).count == 9)

            // They validate, with Provisor and with the published schemas.
            let validate = try provisor(["validate", "--config", "provisor.yaml"], in: rehearsal.directory)
            #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
            let paths = ["customers/nwl/customer.yaml", "customers/nwl/users.yaml", "customers/brt/users-imported.yaml"]
                .map { rehearsal.directory.appendingPathComponent("manifests/\($0)").path }
            let schemas = try schemaCheck(paths)
            #expect(schemas.contains("\"valid\": true") && !schemas.contains("\"valid\": false"), "\(schemas)")

            // The following plan is empty, and the audit log says how the resources came.
            let plan = try rehearsal.reconcile(["--dry-run"])
            #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
            #expect(plan.stdout.hasSuffix("No changes: the recorded state matches the manifests (\(ApplyCommandTests.total + 61) resources).\n"))
            let history = try provisor(["history", "customer/NWL/user/gus", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(history.stdout.contains("imported customer/NWL/user/gus  by test-runner\n    adopted from engine platform-eu\n"))

            // Drift sees exactly what import left out or reported as different.
            let drift = try rehearsal.drift(["--format", "json"])
            let kinds = ((try JSONSerialization.jsonObject(with: Data(drift.stdout.utf8)) as! [String: Any])["drift"] as! [[String: Any]])
                .map { "\($0["kind"]!) \($0["address"]!)" }
            #expect(
                kinds == [
                    "unmanaged customer/BRT/user/kim/service/m365", "unmanaged customer/BRT/user/olee/service/m365",
                    "unmanaged customer/NWL/user/rex/service/m365", "changed customer/BRT/user/kim", "unmanaged customer/BRT/user/olee",
                ])

            // A second import changes nothing.
            let tree = try rehearsal.manifestTree()
            let adopted = try await rehearsal.serial()
            let again = try rehearsal.importing(Self.engines)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("\nNothing to import: "), "\(again.stdout)")
            #expect(try rehearsal.manifestTree() == tree)
            #expect(try await rehearsal.serial() == adopted)
        }
    }

    @Test func badRequestsAndUnreadableEnginesWriteAndRecordNothing() async throws {
        try await withRehearsal { rehearsal in
            try rehearsal.outOfBand("platform-eu", ["--add", "customer/NWL", "name=Northwind Logistics", "domains.primary=northwind.example"])
            try rehearsal.outOfBand("platform-eu", ["--add", "customer/NWL/user/nora", "upn=nora@northwind.example"])
            let before = try rehearsal.manifestTree()
            func refused(_ arguments: [String], environment: [String: String] = [:], _ message: String) throws {
                let run = try rehearsal.importing(arguments, environment: environment)
                #expect(run.status == 1, "\(arguments): \(run.stdout)")
                #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
                #expect(try rehearsal.manifestTree() == before, "\(arguments) wrote nothing")
                #expect(!FileManager.default.fileExists(atPath: rehearsal.state), "\(arguments) recorded nothing")
            }
            try refused(["--engine", "platform-ue"], "error: no Engine manifest names 'platform-ue' (did you mean 'platform-eu'?)")
            try refused(
                ["--engine", "platform-eu", "--customer", "NOPE"], "error: no customer 'NOPE' on platform-eu (check --customer; codes are case-sensitive)")
            try refused(["--engine", "platform-eu", "--out", "/tmp"], "error: --out '/tmp' is outside the manifests directory 'manifests'")
            try refused(
                ["--engine", "platform-eu"], environment: ["PROVISOR_SIMULATED_UNREADABLE": "platform-eu"],
                "error: engine platform-eu cannot be read, so there is nothing to import from it: engine 'platform-eu' could not be read: injected: the platform-eu API cannot be read; nothing was written or recorded"
            )
            let missing = try rehearsal.importing([])
            #expect(missing.status == 64 && missing.stderr.contains("name the engine to import from with --engine NAME"))

            // Data the manifests cannot hold: the diagnostics name the file import would write.
            try rehearsal.outOfBand("platform-eu", ["--add", "customer/BAD", "name=Bad Data", "contact.email=not-an-email"])
            let invalid = try rehearsal.importing(["--engine", "platform-eu"])
            #expect(invalid.status == 1)
            #expect(invalid.stderr.contains("manifests/customers/bad/customer.yaml:"), "\(invalid.stderr)")
            #expect(
                invalid.stderr.contains(
                    "error: the manifests import would write do not validate, so nothing was written or recorded; fix the engine's data, or leave those customers out with --customer"
                ))
            #expect(try rehearsal.manifestTree() == before)

            // --customer leaves the bad one out; a held lock refuses the run before anything is written.
            let store = try SQLiteStateStore(path: rehearsal.state)
            let lock = try await store.acquireLock(LockRequest(holder: "ops@elsewhere", processID: 42, operation: "reconcile", at: PinnedTime.date))
            let locked = try rehearsal.importing(["--engine", "platform-eu", "--customer", "NWL"])
            #expect(locked.status == 1 && locked.stderr.contains("is locked by ops@elsewhere (process 42, reconcile)"), "\(locked.stderr)")
            #expect(try rehearsal.manifestTree() == before)
            try await store.releaseLock(lock)
            let one = try rehearsal.importing(["--engine", "platform-eu", "--customer", "NWL", "--out", "manifests/onboarded"])
            #expect(one.status == 0, "\(one.stderr)")
            #expect(
                one.stdout.contains("wrote manifests/onboarded/nwl/customer.yaml\n  wrote manifests/onboarded/nwl/users.yaml\n  adopted 1 customer, 1 user\n"))
            #expect(!one.stdout.contains("customer BAD") && !one.stdout.contains("customer/BAD"))
            #expect(try await store.header().resourceCount == 2)
        }
    }
}
