import Foundation
import ProvisorCore
import ProvisorSQLite
import ProvisorTesting
import Testing

/// Records the example estate in a SQLite state at `path`, as if it had been applied, then
/// `edit`s the records (to make the manifests differ from what is recorded).
func recordExamples(at path: String, edit: (inout [StateWrite.Resource]) -> Void = { _ in }) async throws {
    let report = try ManifestPipeline.run(DirectorySource(root: packageRoot.appendingPathComponent("examples/manifests").path))
    var resources = report.desired.resources.map(StateWrite.Resource.init)
    edit(&resources)
    try await SQLiteStateStore(path: path).commit(StateWrite(upserts: resources, at: PinnedTime.date))
}

/// The example estate recorded with four differences from the manifests: carol is not
/// recorded yet (create), JBL's name and alice's Microsoft 365 price were different (update),
/// a user zoe with a mailbox is recorded but gone from the manifests (delete), and JBL has a
/// recorded attribute the manifests do not manage (no change).
func recordExamplesWithChanges(at path: String) async throws {
    try await recordExamples(at: path) { resources in
        resources.removeAll { $0.address.user == "carol" && $0.address.customer == "JBL" }
        func edit(_ address: String, _ change: (inout [Attribute]) -> Void) {
            let index = resources.firstIndex { $0.address.description == address }!
            var attributes = try! resources[index].attributes.decode()
            change(&attributes)
            resources[index].attributes = AttributeDocument(attributes.sorted { $0.name < $1.name })
        }
        edit("customer/JBL") { attributes in
            attributes[attributes.firstIndex { $0.name == "name" }!].value = .string("Jones Bakery Ltd")
            attributes.append(Attribute(name: "legacy.billingId", value: .string("B-1009")))
        }
        edit("customer/JBL/user/alice/service/m365") { attributes in
            attributes[attributes.firstIndex { $0.name == "plan.salesPrice" }!].value = .number(20)
        }
        resources.append(
            StateWrite.Resource(
                address: .user("zoe", customer: "JBL"), parent: .customer("JBL"), engine: "platform-eu",
                attributes: AttributeDocument([Attribute(name: "upn", value: .string("zoe@jonesbaker.example"))])))
        resources.append(
            StateWrite.Resource(
                address: .service("mailbox", instance: nil, customer: "JBL", user: "zoe"), parent: .user("zoe", customer: "JBL"),
                engine: "platform-eu", attributes: AttributeDocument([Attribute(name: "plan", value: .string("standard"))])))
    }
}

func withTemporaryDirectory(_ body: (URL) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-plan-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try await body(directory)
}

/// Compares with a golden file under Tests/provisorTests/Golden (rewritten when
/// PROVISOR_UPDATE_GOLDEN is set), after replacing `directory` with `$STATE_DIR`.
func expectGolden(_ output: String, _ name: String, directory: URL) throws {
    let text = output.replacingOccurrences(of: directory.path, with: "$STATE_DIR")
    let file = packageRoot.appendingPathComponent("Tests/provisorTests/Golden/\(name)")
    if ProcessInfo.processInfo.environment["PROVISOR_UPDATE_GOLDEN"] != nil {
        try text.write(to: file, atomically: true, encoding: .utf8)
    }
    #expect(text == (try String(contentsOf: file, encoding: .utf8)))
}

@Suite struct PlanCommandTests {
    static let examples = ["--config", "examples/provisor.yaml"]

    @Test(arguments: [("human", "plan-examples.txt"), ("markdown", "plan-examples.md")])
    func theRenderingsOfAPlanOverTheExamplesArePinned(_ format: String, _ golden: String) async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("state.db").path
            try await recordExamplesWithChanges(at: state)
            let run = try provisor(["plan", "--state", state, "--format", format] + Self.examples)
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.isEmpty)
            #expect(!run.stdout.contains("\u{1B}["), "no colour when the output is not a terminal")
            try expectGolden(run.stdout, golden, directory: directory)
        }
    }

    @Test func theHumanPlanShowsEachKindOfChangeAndTheSummaryLine() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("state.db").path
            try await recordExamplesWithChanges(at: state)
            let run = try provisor(["plan", "--state", state] + Self.examples)
            #expect(run.stdout.contains("    + customer/JBL/user/carol  new in manifests\n"))
            #expect(run.stdout.contains("    ~ customer/JBL  attribute changed\n          name  Jones Bakery Ltd → Jones the Baker Ltd\n"))
            #expect(run.stdout.contains("plan.salesPrice  20.00 → 21.00"))
            #expect(run.stdout.contains("    - customer/JBL/user/zoe  removed from manifests\n"))
            #expect(run.stdout.contains("    - customer/JBL/user/zoe/service/mailbox  parent customer/JBL/user/zoe removed\n"))
            #expect(!run.stdout.contains("legacy.billingId"), "an attribute the manifests do not manage is never a removal")
            #expect(run.stdout.hasSuffix("\nPlan: 2 to provision, 2 to update, 2 to deprovision.\n"))
        }
    }

    @Test func reconcileDryRunPrintsTheSamePlanAndTheJSONPlanMatchesItsSchema() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("state.db").path
            let saved = directory.appendingPathComponent("plan.json").path
            try await recordExamplesWithChanges(at: state)
            let plan = try provisor(["plan", "--state", state, "--format", "json", "--out", saved] + Self.examples)
            let reconcile = try provisor(["reconcile", "--dry-run", "--state", state, "--format", "json"] + Self.examples)
            #expect(plan.status == 2 && reconcile.status == 2)
            #expect(plan.stdout == reconcile.stdout)
            #expect(try String(contentsOfFile: saved, encoding: .utf8) == plan.stdout, "--out saves exactly the JSON plan")

            let document = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as! [String: Any]
            #expect(document["format_version"] as? String == "1")
            #expect((document["summary"] as? [String: Int]) == ["create": 2, "update": 2, "delete": 2, "unchanged": 128])
            #expect((document["state"] as? [String: Any])?["serial"] as? Int == 1)
            #expect(!plan.stdout.contains("env:"), "secret references never appear in a plan")
            #expect(plan.stdout.contains("\"password\": \"(sensitive)\""))

            let verdict = try schemaCheck([saved])
            #expect(verdict.contains("\"valid\": true") && !verdict.contains("\"valid\": false"), "\(verdict)")
        }
    }

    @Test func aStateThatMatchesTheManifestsIsNoChangeWithExitZero() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("state.db").path
            try await recordExamples(at: state)
            let run = try provisor(["plan", "--state", state] + Self.examples)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(
                run.stdout == """
                    Planned against SQLite \(state) at serial 1 (132 resources recorded, 132 unchanged).
                    No changes: the recorded state matches the manifests (132 resources).

                    """)
        }
    }

    @Test func withNoStateEverythingIsNewAndNothingIsCreated() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("missing/state.db").path
            let run = try provisor(["plan", "--state", state] + Self.examples)
            #expect(run.status == 2)
            #expect(run.stdout.hasPrefix("No state recorded yet (SQLite \(state)): every resource is new.\n"))
            #expect(run.stdout.hasSuffix("Plan: 132 to provision, 0 to update, 0 to deprovision.\n"))
            #expect(!FileManager.default.fileExists(atPath: state), "a plan never creates the state")
        }
    }

    @Test func aPlanPastTheDeleteLimitsIsShownThenRefusedUnlessAllowed() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("state.db").path
            try await recordExamples(at: state) { resources in
                for index in 0..<40 {
                    resources.append(
                        StateWrite.Resource(
                            address: .customer("OLD\(index)"), parent: .reseller("ACME"), engine: "platform-eu",
                            attributes: AttributeDocument([Attribute(name: "reseller", value: .string("ACME"))])))
                }
            }
            let refused = try provisor(["plan", "--state", state] + Self.examples)
            #expect(refused.status == 1)
            #expect(refused.stdout.hasSuffix("Plan: 0 to provision, 0 to update, 40 to deprovision.\n"), "the refused plan is still shown")
            #expect(
                refused.stderr == """
                    error: the plan deletes 40 of 172 recorded resources (23.3%), more than safety.maxDeletePercent (20%); check the deletions, then rerun with --allow-deletes 40 if they are intended
                    The plan is refused: nothing may be applied until these are resolved.

                    """)

            let tooFew = try provisor(["plan", "--state", state, "--allow-deletes", "39"] + Self.examples)
            #expect(tooFew.status == 1)
            #expect(tooFew.stderr.hasPrefix("error: the plan deletes 40 resources but --allow-deletes allows 39;"))

            let allowed = try provisor(["plan", "--state", state, "--allow-deletes", "40", "--format", "markdown"] + Self.examples)
            #expect(allowed.status == 2, "\(allowed.stderr)")
            #expect(!allowed.stdout.contains("refused"))
        }
    }

    @Test func aProtectedCustomerGoneFromTheManifestsIsRefusedEvenWhenDeletesAreAllowed() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("state.db").path
            try await recordExamples(at: state) { resources in
                resources.append(
                    StateWrite.Resource(
                        address: .customer("GONE"), parent: .reseller("ACME"), engine: "platform-eu",
                        attributes: AttributeDocument([Attribute(name: "protect", value: .boolean(true))])))
            }
            let run = try provisor(["plan", "--state", state, "--allow-deletes", "5", "--format", "markdown"] + Self.examples)
            #expect(run.status == 1)
            #expect(
                run.stderr.contains(
                    "error: customer/GONE is protected (protect: true in the recorded state) and is never deleted; to remove it, first apply its manifest with protect: false, then delete it\n"
                ))
            #expect(run.stdout.contains("> [!CAUTION]\n> **This plan is refused** and cannot be applied:\n> - customer/GONE is protected"))
        }
    }

    @Test func aLargeMarkdownPlanIsCutToTheCommentLimitWithANote() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("missing.db").path
            let run = try provisor(["plan", "--state", state, "--format", "markdown", "--max-comment-size", "6000"] + Self.examples)
            #expect(run.status == 2)
            #expect(run.stdout.count <= 6000)
            #expect(run.stdout.contains("> [!NOTE]\n> "))
            #expect(
                run.stdout.contains("are not shown: the plan is too large for one comment. Run `provisor plan --format json --out plan.json` to see all of it.")
            )
            #expect(run.stdout.hasSuffix("**Plan: 132 to provision, 0 to update, 0 to deprovision.**\n"))
        }
    }

    @Test func invalidManifestsOrADamagedStateAreErrorsWithExitOne() async throws {
        try await withTemporaryDirectory { directory in
            let garbage = directory.appendingPathComponent("state.db")
            try Data("this is not a database, it is a text file that is long enough to have a header page".utf8).write(to: garbage)
            let damaged = try provisor(["plan", "--state", garbage.path] + Self.examples)
            #expect(damaged.status == 1)
            #expect(damaged.stderr.hasPrefix("error: '\(garbage.path)' is not a Provisor state: the file is not an SQLite database."), "\(damaged.stderr)")
            #expect(damaged.stdout.isEmpty)

            let manifests = directory.appendingPathComponent("bad.yaml")
            try "apiVersion: provisor/v1\nkind: Customer\nmetadata: { code: X }\n".write(to: manifests, atomically: true, encoding: .utf8)
            let invalid = try provisor(["plan", "--manifests", manifests.path, "--state", directory.appendingPathComponent("s.db").path])
            #expect(invalid.status == 1)
            #expect(invalid.stderr.contains("error: the manifests are not valid, so there is no plan"))
        }
    }
}

@Suite struct StateCommandTests {
    @Test func listFiltersByKindAndCustomer() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("state.db").path
            try await recordExamples(at: state)
            let run = try provisor(["state", "list", "--state", state, "--customer", "JBL", "--kind", "customer-service"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(
                run.stdout == """
                    ADDRESS                          KIND              ENGINE         SERIAL
                    customer/JBL/service/sqldb:prod  customer-service  platform-eu    1
                    customer/JBL/service/sqldb:test  customer-service  platform-eu    1
                    customer/JBL/service/website     customer-service  hosting-queue  1
                    3 of 132 resources recorded in SQLite \(state) at serial 1.

                    """)
            let json = try provisor(["state", "list", "--state", state, "--kind", "reseller", "--format", "json"])
            let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
            let addresses = (document["resources"] as! [[String: Any]]).map { $0["address"] as! String }
            #expect(addresses == ["reseller/ACME", "reseller/KIWI", "reseller/NEXUS"])
        }
    }

    @Test func showPrintsEveryRecordedAttributeWithSecretsHidden() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("state.db").path
            try await recordExamples(at: state)
            let run = try provisor(["state", "show", "customer/JBL/user/alice", "--state", state])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasPrefix("customer/JBL/user/alice (user)\n  parent    customer/JBL\n  engine    platform-eu\n  recorded  serial 1, "))
            #expect(run.stdout.contains("\n  password     (sensitive)\n"))
            #expect(run.stdout.contains("\n  upn          alice@jonesbaker.example\n"))
            let json = try provisor(["state", "show", "customer/JBL/user/alice", "--state", state, "--format", "json"])
            let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
            #expect((document["attributes"] as? [String: Any])?["password"] as? String == "(sensitive)")
            #expect(!json.stdout.contains("env:"))
        }
    }

    @Test func unknownAddressesAndMissingStateAreClearErrors() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.appendingPathComponent("state.db").path
            let none = try provisor(["state", "list", "--state", state])
            #expect(none.status == 0)
            #expect(none.stdout == "No state recorded yet (SQLite \(state)).\n")
            #expect(!FileManager.default.fileExists(atPath: state))

            try await recordExamples(at: state)
            let unknown = try provisor(["state", "show", "customer/NOPE", "--state", state])
            #expect(unknown.status == 1)
            #expect(unknown.stderr == "error: nothing is recorded at customer/NOPE in SQLite \(state) (provisor state list shows what is)\n")
            let malformed = try provisor(["state", "show", "customers/JBL", "--state", state])
            #expect(malformed.status == 1)
            #expect(malformed.stderr.hasPrefix("error: 'customers/JBL' is not a resource address"))
        }
    }
}

/// Runs scripts/schema-check.py on files and returns its JSON verdicts.
func schemaCheck(_ paths: [String], schema: String? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", packageRoot.appendingPathComponent("scripts/schema-check.py").path] + (schema.map { ["--json-schema", $0] } ?? []) + paths
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
