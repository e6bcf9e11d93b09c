import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorSQLite
import ProvisorTesting
import ProvisorViews
import Testing

/// Every format of every command's view, rendered in-process from real runs over the example
/// estate and compared with a golden file under Golden/. Run with PROVISOR_UPDATE_GOLDEN=1 to
/// rewrite them after an intended change, and review the diff.
@Suite struct ViewGoldenTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// The same text on every run: the rehearsal's folder, message ids, lineages, digests (of
    /// records that hold them) and commit SHAs replaced by placeholders.
    static func normalised(_ text: String, _ rehearsal: ExampleRehearsal) -> String {
        text.replacingOccurrences(of: rehearsal.directory, with: "<rehearsal>")
            .replacing(/pm-[0-9a-f]{32}/, with: "pm-<id>")
            .replacing(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, with: "<uuid>")
            .replacing(/\b[0-9a-f]{64}\b/, with: "<digest>")
            .replacing(/\b[0-9a-f]{40}\b/, with: "<sha>")
            .replacing(/\b[0-9a-f]{12}\b/, with: "<short-sha>")
    }

    static func expectGolden(_ text: String, _ name: String, _ rehearsal: ExampleRehearsal, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let rendered = normalised(text, rehearsal)
        let file = golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["PROVISOR_UPDATE_GOLDEN"] != nil {
            try rendered.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(rendered == expected, "\(name) differs from its golden file", sourceLocation: sourceLocation)
    }

    /// Collects a view written in pieces.
    static func collected(_ write: ((String) -> Void) -> Void) -> String {
        var text = ""
        write { text += $0 }
        return text
    }

    /// The example estate applied through the simulated engines, their clocks at 2026-11-01.
    static func reconciled() async throws -> ExampleRehearsal {
        let rehearsal = try ExampleRehearsal()
        try rehearsal.setClock("2026-11-01")
        let outcome = try await ReconcileRun(actor: "golden", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(outcome.succeeded)
        return rehearsal
    }

    @Test func validate() throws {
        let rehearsal = try ExampleRehearsal()
        let valid = try rehearsal.workspace().validate()
        try Self.expectGolden(DiagnosticsView.human(valid, colour: false), "validate-valid.txt", rehearsal)
        try Self.expectGolden(try DiagnosticsView.json(valid), "validate-valid.json", rehearsal)
        try Self.expectGolden(DiagnosticsView.github(valid), "validate-valid.github.txt", rehearsal)

        try rehearsal.edit("manifests/customers/jbl/customer.yaml", replacing: "reseller: ACME", with: "reseller: ACMR")
        let invalid = try rehearsal.workspace().validate()
        try Self.expectGolden(DiagnosticsView.human(invalid, colour: false), "validate-invalid.txt", rehearsal)
        try Self.expectGolden(try DiagnosticsView.json(invalid), "validate-invalid.json", rehearsal)
        try Self.expectGolden(DiagnosticsView.github(invalid), "validate-invalid.github.txt", rehearsal)
    }

    @Test func explain() throws {
        let rehearsal = try ExampleRehearsal()
        let workspace = try rehearsal.workspace()
        let report = try workspace.validReport("so nothing can be explained")
        let address = ResourceAddress(parsing: "customer/JBL/user/alice/service/m365")!
        let explanation = try #require(report.resolution.explain(address))
        let grant = workspace.ownership.grant(covering: address, in: report.estate)
        try Self.expectGolden(ExplainView.human(explanation, grant: grant, colour: false), "explain.txt", rehearsal)
        try Self.expectGolden(try ExplainView.json(explanation, grant: grant), "explain.json", rehearsal)
    }

    @Test func planAndApply() async throws {
        let rehearsal = try ExampleRehearsal()
        try rehearsal.setClock("2026-11-01")
        let applied = try await ReconcileRun(actor: "golden", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        try Self.expectGolden(ApplyView.summary(applied.results, colour: false), "apply-summary.txt", rehearsal)

        try rehearsal.edit("manifests/customers/jbl/users.yaml", replacing: "lastName: Jones", with: "lastName: Jones-Smith")
        let outcome = try await PlanRun().run(in: rehearsal.workspace())
        #expect(outcome.plan.summary.update == 2, "alice and bob Jones")
        let context = PlanView.Context(store: outcome.recorded.description, stateExists: true)
        try Self.expectGolden(Self.collected { PlanView.human(outcome.plan, context: context, colour: false, to: $0) }, "plan.txt", rehearsal)
        try Self.expectGolden(PlanView.markdown(outcome.plan, context: context), "plan.md", rehearsal)
        try Self.expectGolden(outcome.plan.json(), "plan.json", rehearsal)
    }

    @Test func diff() throws {
        let rehearsal = try ExampleRehearsal()
        try rehearsal.edit("manifests/customers/jbl/users.yaml", replacing: "lastName: Jones", with: "lastName: Jones-Smith")
        let outcome = try DiffRun(base: "HEAD", repository: rehearsal.directory).run()
        let comparison = DiffView.Comparison(base: "HEAD", baseCommit: outcome.baseCommit, head: nil, headCommit: outcome.headCommit, files: outcome.files)
        try Self.expectGolden(Self.collected { DiffView.human(outcome.plan, comparison, colour: false, to: $0) }, "diff.txt", rehearsal)
        try Self.expectGolden(DiffView.markdown(outcome.plan, comparison, limit: 65_536), "diff.md", rehearsal)
        try Self.expectGolden(Self.collected { DiffView.json(outcome.plan, comparison, to: $0) }, "diff.json", rehearsal)
    }

    @Test func drift() async throws {
        let rehearsal = try await Self.reconciled()
        try rehearsal.simulatedEngine("platform-eu", ["--set", "customer/JBL/user/alice", "displayName=Alice J."])
        try rehearsal.simulatedEngine("platform-ap", ["--remove", "customer/FSG/user/ivy/service/mailbox"])
        try rehearsal.simulatedEngine("platform-eu", ["--add", "customer/JBL/user/mallory", "displayName=Mallory"])
        let outcome = try await DriftRun(simulate: rehearsal.engines).run(in: rehearsal.workspace())
        let context = DriftView.Context(store: outcome.store, customer: nil, readings: outcome.observations, recorded: outcome.recorded)
        try Self.expectGolden(DriftView.human(outcome.drifts, context, colour: false), "drift.txt", rehearsal)
        try Self.expectGolden(DriftView.markdown(outcome.drifts, context), "drift.md", rehearsal)
        try Self.expectGolden(DriftView.json(outcome.drifts, context), "drift.json", rehearsal)
    }

    @Test func rightsize() async throws {
        let rehearsal = try await Self.reconciled()
        try rehearsal.setClock("2026-11-21")
        try rehearsal.simulatedEngine("csp-eu", ["--subscription", "sub-jbl-spb-p1m", "quantity=5"])
        let outcome = try await RightsizeRun(dryRun: true, pinned: PinnedTime.date, simulate: rehearsal.engines).run(in: rehearsal.workspace())
        let context = RightsizeView.Context(readings: outcome.readings, results: outcome.results, dryRun: true)
        try Self.expectGolden(RightsizeView.human(outcome.decided, context, colour: false), "rightsize.txt", rehearsal)
        try Self.expectGolden(RightsizeView.markdown(outcome.decided, context), "rightsize.md", rehearsal)
        try Self.expectGolden(RightsizeView.json(outcome.decided, context), "rightsize.json", rehearsal)
        try Self.expectGolden(RightsizeView.csv(outcome.decided), "rightsize.csv", rehearsal)
    }

    @Test func importing() async throws {
        let rehearsal = try await Self.reconciled()
        try FileManager.default.removeItem(atPath: rehearsal.directory + "/manifests/customers/jbl")
        try FileManager.default.removeItem(atPath: rehearsal.state)
        let outcome = try await ImportRun(engines: ["platform-eu", "csp-eu"], customers: ["JBL"], dryRun: true, simulate: rehearsal.engines)
            .run(in: rehearsal.workspace())
        try Self.expectGolden(ImportView.human(outcome.result, dryRun: true, state: outcome.store, colour: false), "import.txt", rehearsal)
        try Self.expectGolden(ImportView.json(outcome.result, dryRun: true), "import.json", rehearsal)
    }

    @Test func stateAndHistory() async throws {
        let rehearsal = try await Self.reconciled()
        let recorded = try await RecordedState.open(rehearsal.workspace())
        let store = try #require(recorded.store)
        let header = try await store.header()
        let resources = try await store.resources(matching: ResourceFilter(kind: .user, customer: "JBL"))
        try Self.expectGolden(StateView.list(resources, header: header, store: recorded, colour: false), "state-list.txt", rehearsal)
        try Self.expectGolden(StateView.listJSON(resources, header: header), "state-list.json", rehearsal)

        let alice = try #require(try await store.resource(at: .user("alice", customer: "JBL")))
        let attributes = try alice.decodedAttributes()
        try Self.expectGolden(StateView.show(alice, attributes: attributes, outputs: try alice.decodedOutputs(), colour: false), "state-show.txt", rehearsal)
        try Self.expectGolden(StateView.showJSON(alice, attributes: attributes, outputs: try alice.decodedOutputs()), "state-show.json", rehearsal)

        let entries = try await store.audit(address: .user("alice", customer: "JBL"))
        try Self.expectGolden(StateView.history(entries, store: store.description, colour: false), "history.txt", rehearsal)
        try Self.expectGolden(StateView.historyJSON(entries), "history.json", rehearsal)

        let copy = rehearsal.directory + "/copy.db"
        let migrated = try await StateMigration(
            from: .sqlite(path: rehearsal.state), to: .sqlite(path: copy), directory: rehearsal.directory,
            clock: PinnedTime.clock
        ).run()
        try Self.expectGolden(
            StateView.migrated(from: migrated.source, to: migrated.target, archive: migrated.archive, summary: migrated.summary),
            "state-migrate.txt", rehearsal)
    }

    @Test func placeholdersReplaceOnlyWhatVaries() throws {
        let rehearsal = try ExampleRehearsal()
        let text = "\(rehearsal.directory)/state.db pm-0123456789abcdef0123456789abcdef 1a2b3c4d5e6f JBL 2026-11-21"
        #expect(Self.normalised(text, rehearsal) == "<rehearsal>/state.db pm-<id> <short-sha> JBL 2026-11-21")
    }
}
