import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorSQLite
import ProvisorTesting
import Testing

/// Collects what a run reports, in order.
final class RecordingObserver: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    private(set) var finishedCount = 0

    var events: [String] { lock.withLock { recorded } }
    var finished: Int { lock.withLock { finishedCount } }

    func resumed(_ results: [Applier.Result]) { lock.withLock { recorded.append("resumed \(results.count)") } }
    func refreshed(_ refresh: Refresh) { lock.withLock { recorded.append("refreshed \(refresh.drifts.count)") } }
    func applying(_ plan: ChangePlan, changes: Int, store: String) { lock.withLock { recorded.append("applying \(changes)") } }
    func finished(_ result: Applier.Result) { lock.withLock { finishedCount += 1 } }
}

/// The runs the commands are made of, in-process against the example estate, a real SQLite file
/// and the simulated engine (a real subprocess per engine).
@Suite struct RunTests {
    @Test func aPlanAgainstNoStateShowsEverythingNewAndCreatesNothing() async throws {
        let rehearsal = try ExampleRehearsal()
        let outcome = try await PlanRun().run(in: rehearsal.workspace())
        #expect(outcome.plan.summary.create == 132 && outcome.plan.summary.update == 0 && outcome.plan.summary.delete == 0)
        #expect(outcome.recorded.store == nil)
        #expect(outcome.plan.commit == nil, "manifests read from disk come from no commit")
        #expect(!FileManager.default.fileExists(atPath: rehearsal.state), "a plan must not create the state")
        #expect(outcome.stopwatch.stages.map(\.stage) == ["load", "validate", "resolve", "read state (alongside loading)", "plan"])
    }

    @Test func reconcileAppliesEverythingReportsToTheObserverAndReleasesTheLock() async throws {
        let rehearsal = try ExampleRehearsal()
        let observer = RecordingObserver()
        let run = ReconcileRun(actor: "test", simulate: rehearsal.engines)
        let first = try await run.run(in: rehearsal.workspace(), observer: observer)
        #expect(first.planned == 132 && first.attempted == 132 && first.succeeded)
        #expect(observer.events == ["applying 132"])
        #expect(observer.finished == 132)

        let store = try SQLiteStateStore(path: rehearsal.state)
        #expect(try await store.currentLock() == nil, "the lock is released")
        #expect(try await store.header().resourceCount == 132)
        #expect(try await store.audit(address: .customer("JBL")).first?.at == PinnedTime.date, "the audit log records the pinned clock")

        let second = try await run.run(in: rehearsal.workspace(), observer: RecordingObserver())
        #expect(second.planned == 0 && second.results.isEmpty && second.succeeded)
    }

    @Test func aRefusedPlanAppliesNothingAndSaysWhy() async throws {
        let rehearsal = try ExampleRehearsal()
        _ = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        try FileManager.default.removeItem(atPath: rehearsal.directory + "/manifests/customers/jbl")
        let before = try await SQLiteStateStore(path: rehearsal.state).header()

        await #expect(throws: RunError.self) {
            try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        }
        do {
            _ = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        } catch let error as RunError {
            #expect(error.description.hasSuffix("The plan is refused: nothing was applied. Review it with provisor plan."))
        }
        let store = try SQLiteStateStore(path: rehearsal.state)
        #expect(try await store.header() == before)
        #expect(try await store.currentLock() == nil, "a refused run releases the lock")
    }

    @Test func aSavedPlanIsAppliedExactlyAndRefusedOnceTheStateMoved() async throws {
        let rehearsal = try ExampleRehearsal()
        let planned = try await PlanRun().run(in: rehearsal.workspace())
        let path = rehearsal.directory + "/plan.json"
        try planned.plan.json().write(toFile: path, atomically: true, encoding: .utf8)

        let saved = try SavedPlan.read(path)
        #expect(saved.deletes == 0 && !saved.refused)
        let applied = try await ReconcileRun(saved: saved, actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(applied.planned == 132 && applied.succeeded)

        do {
            _ = try await ReconcileRun(saved: saved, actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
            Issue.record("a stale saved plan was applied")
        } catch let error as RunError {
            #expect(error.description.contains("the saved plan '\(path)' is stale: it was made against an empty state"))
        }
    }

    @Test func invalidManifestsStopEveryRunWithTheirDiagnostics() async throws {
        let rehearsal = try ExampleRehearsal()
        try rehearsal.edit("manifests/customers/jbl/customer.yaml", replacing: "reseller: ACME", with: "reseller: ACMR")
        let workspace = try rehearsal.workspace(), engines = rehearsal.engines
        for name in ["plan", "reconcile", "drift", "rightsize"] {
            do {
                switch name {
                case "plan": _ = try await PlanRun().run(in: workspace)
                case "reconcile": _ = try await ReconcileRun(simulate: engines).run(in: workspace)
                case "drift": _ = try await DriftRun(simulate: engines).run(in: workspace)
                default: _ = try await RightsizeRun(dryRun: true, simulate: engines).run(in: workspace)
                }
                Issue.record("\(name) ran on invalid manifests")
            } catch let error as RunError {
                #expect(error.description.hasPrefix("error: the manifests are not valid"), "\(name)")
                #expect(error.diagnostics.contains { $0.text.contains("unknown reseller 'ACMR'") }, "\(name)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: rehearsal.state), "no run created the state")
    }

    @Test func driftReportsOutOfBandChangesAndKeepsTheReading() async throws {
        let rehearsal = try ExampleRehearsal()
        _ = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        try rehearsal.simulatedEngine("platform-eu", ["--set", "customer/JBL/user/alice", "displayName=Alice J."])

        let outcome = try await DriftRun(customer: "JBL", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(outcome.drifts.map { "\($0.kind) \($0.address?.description ?? "-")" } == ["changed customer/JBL/user/alice"])
        #expect(outcome.recorded.allSatisfy { $0.address.customer == "JBL" })
        let kept = try await SQLiteStateStore(path: rehearsal.state).observations()
        #expect(Set(kept.map(\.engine)) == Set(ExampleRehearsal.engineNames), "every engine's reading is kept")

        let corrected = try await ReconcileRun(refresh: true, actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(corrected.planned == 1 && corrected.succeeded)
        #expect(try await DriftRun(customer: "JBL", simulate: rehearsal.engines).run(in: rehearsal.workspace()).drifts.isEmpty)
    }

    @Test func aRightsizingDryRunDecidesWithoutOpeningTheState() async throws {
        let rehearsal = try ExampleRehearsal()
        try rehearsal.setClock("2026-11-01")
        _ = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        try FileManager.default.removeItem(atPath: rehearsal.state)
        // Three licences bought today by hand: still refundable.
        try rehearsal.setClock("2026-11-21")
        try rehearsal.simulatedEngine("csp-eu", ["--subscription", "sub-jbl-spb-p1m", "quantity=5"])

        let outcome = try await RightsizeRun(dryRun: true, pinned: PinnedTime.date, customer: "JBL", simulate: rehearsal.engines)
            .run(in: rehearsal.workspace())
        let decreases = outcome.decided.changes.filter { $0.action == .decrease }
        #expect(decreases.map(\.subscription.id) == ["sub-jbl-spb-p1m"])
        #expect(outcome.results.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: rehearsal.state), "a dry run neither creates nor locks the state")
    }

    @Test func importDryRunWritesAndRecordsNothing() async throws {
        let rehearsal = try ExampleRehearsal()
        _ = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        // JBL is in the engines, and neither in the manifests nor in a state.
        try FileManager.default.removeItem(atPath: rehearsal.directory + "/manifests/customers/jbl")
        try FileManager.default.removeItem(atPath: rehearsal.state)

        let outcome = try await ImportRun(engines: ["platform-eu"], customers: ["JBL"], dryRun: true, simulate: rehearsal.engines)
            .run(in: rehearsal.workspace())
        #expect(outcome.result.customers.map(\.code) == ["JBL"])
        #expect(!outcome.result.files.isEmpty)
        #expect(outcome.result.files.allSatisfy { !FileManager.default.fileExists(atPath: $0.path) }, "nothing written")
        #expect(!FileManager.default.fileExists(atPath: rehearsal.state), "nothing recorded")
    }

    @Test func aMigrationCopiesTheWholeStateAndRefusesATargetInUse() async throws {
        let rehearsal = try ExampleRehearsal()
        _ = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        let copy = rehearsal.directory + "/copy.db"
        let migration = StateMigration(
            from: .sqlite(path: rehearsal.state), to: .sqlite(path: copy), directory: rehearsal.directory,
            clock: PinnedTime.clock)
        let outcome = try await migration.run()
        let source = try SQLiteStateStore(path: rehearsal.state), target = try SQLiteStateStore(path: copy)
        let copied = try await target.header(), original = try await source.header()
        #expect(copied == original)
        #expect(outcome.summary.first { $0.name == "resources" }?.count == 132)
        let sourceLock = try await source.currentLock(), targetLock = try await target.currentLock()
        #expect(sourceLock == nil && targetLock == nil)

        await #expect(throws: StateError.notEmpty(store: "SQLite \(copy)", serial: 7, resources: 132)) { try await migration.run() }
        do {
            _ = try await StateMigration(from: .sqlite(path: copy), to: .sqlite(path: copy), directory: rehearsal.directory).run()
            Issue.record("a state was copied onto itself")
        } catch let error as RunError {
            #expect(error.description == "error: --from and --to name the same state; give --to a new, empty one")
        }
    }

    @Test func theLockIsReleasedWhenTheWorkFailsAndTheWorksErrorIsThrown() async throws {
        let rehearsal = try ExampleRehearsal()
        let store = try SQLiteStateStore(path: rehearsal.state)
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await store.withLock("test", clock: PinnedTime.clock) { throw Boom() }
        }
        #expect(try await store.currentLock() == nil)
        let inside = try await store.withLock("test", clock: PinnedTime.clock) { try await store.currentLock()?.operation }
        #expect(inside == "test")
        #expect(try await store.currentLock() == nil)
    }

    @Test func historySelectsAResourceWithWhatIsBelowItFromATimeOn() {
        func entry(_ address: String, _ seconds: TimeInterval) -> AuditEntry {
            AuditEntry(
                at: PinnedTime.date.addingTimeInterval(seconds), actor: "a", address: ResourceAddress(parsing: address)!, action: "provision",
                detail: nil, commit: nil)
        }
        let query = HistoryQuery(address: .customer("JBL"), since: PinnedTime.date)
        #expect(query.selects(entry("customer/JBL", 0)))
        #expect(query.selects(entry("customer/JBL/user/alice", 60)))
        #expect(!query.selects(entry("customer/JBLX", 60)), "a code that only starts the same is another customer")
        #expect(!query.selects(entry("customer/JBL/user/alice", -1)), "before --since")
        #expect(HistoryQuery().selects(entry("reseller/ACME", -1_000)))
    }

    @Test func aNewCustomerGetsAFreeCodeAndIsNeverWrittenOverAnotherFile() throws {
        let rehearsal = try ExampleRehearsal()
        let printed = try NewCustomerRun(name: "Jones the Baker Ltd", reseller: "ACME").run(in: rehearsal.workspace())
        #expect(printed.code != "JBL" && printed.code.hasPrefix("JBL"), "JBL is taken")
        #expect(printed.path == nil)

        let written = try NewCustomerRun(name: "Harbour Freight", reseller: "ACME", code: "HBF", write: true).run(in: rehearsal.workspace())
        #expect(written.path == rehearsal.directory + "/manifests/customers/HBF.yaml")
        #expect(try String(contentsOfFile: written.path!, encoding: .utf8) == written.text)
        do {
            _ = try NewCustomerRun(name: "Harbour Freight", reseller: "ACME", code: "HBF", write: true).run(in: rehearsal.workspace())
            Issue.record("a second customer HBF was written")
        } catch let error as RunError {
            #expect(error.description == "error: customer code 'HBF' is already taken (omit --code to generate a free one)")
        }
    }
}
