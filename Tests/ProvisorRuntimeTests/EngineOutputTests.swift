import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorSQLite
import ProvisorTesting
import Testing

/// Engine outputs end to end: the simulated engine (a real exec subprocess) answers a provision
/// with a tenant id or object id and refuses an update or deprovision that does not carry it, as
/// an engine that finds its objects by id must.
@Suite struct EngineOutputTests {
    static let customer = ResourceAddress.customer("FSG")
    static let file = "manifests/customers/fsg/customer.yaml"

    @Test func anIDAnsweredOnProvisionReachesTheUpdateAndTheDeprovisionAcrossRestarts() async throws {
        let rehearsal = try ExampleRehearsal()
        let first = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(first.succeeded)
        let tenant = [Attribute(name: "tenantId", value: .string("sim-platform-ap-fsg"))]
        #expect(try await SQLiteStateStore(path: rehearsal.state).resource(at: Self.customer)?.decodedOutputs() == tenant)
        let user = try await SQLiteStateStore(path: rehearsal.state).resource(at: .user("greg", customer: "FSG"))
        #expect(try user?.decodedOutputs() == [Attribute(name: "objectId", value: .string("sim-platform-ap-fsg-user-greg"))])
        #expect(try user?.decodedAttributes().contains { $0.name == "objectId" } == false, "outputs are kept apart from the attributes")

        // A new run (a new process, the state read from the file) updates the customer: the
        // engine accepts it only with the tenant id, and the update keeps it.
        try rehearsal.edit(Self.file, replacing: "name: Fernside Garage", with: "name: Fernside Garage Ltd")
        let update = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(update.succeeded && update.results.map(\.action) == [.update])
        let updated = try #require(try await SQLiteStateStore(path: rehearsal.state).resource(at: Self.customer))
        #expect(try updated.decodedOutputs() == tenant, "an update that answers no outputs keeps the ones recorded")
        #expect(try updated.decodedAttributes().contains(Attribute(name: "name", value: .string("Fernside Garage Ltd"))))
        let history = try await SQLiteStateStore(path: rehearsal.state).audit(address: Self.customer)
        #expect(history.first?.detail?.hasSuffix("; outputs tenantId=sim-platform-ap-fsg") == true, "the audit log names what was answered")

        // Outputs are not drift: the engine reports the same tenant id.
        let drift = try await DriftRun(customer: "FSG", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(drift.drifts.isEmpty, "\(drift.drifts)")

        // Removing the customer deprovisions it with its id: the engine no longer holds it.
        try FileManager.default.removeItem(atPath: rehearsal.directory + "/manifests/customers/fsg")
        let removal = try await ReconcileRun(allowedDeletes: 100, actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(removal.succeeded && removal.results.allSatisfy { $0.action == .delete } && !removal.results.isEmpty)
        #expect(try await SQLiteStateStore(path: rehearsal.state).resources(matching: ResourceFilter(customer: "FSG")).isEmpty)
        let observed = try await DriftRun(simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(!observed.drifts.contains { $0.address?.customer == "FSG" }, "the engine holds nothing of FSG any more")
    }

    @Test func anUpdateWithoutTheIDIsRefusedByTheEngineThatNeedsIt() async throws {
        let rehearsal = try ExampleRehearsal()
        _ = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        // A state that lost the outputs: the engine cannot find the tenant.
        try await Self.record(outputs: [], in: rehearsal)
        try rehearsal.edit(Self.file, replacing: "name: Fernside Garage", with: "name: Fernside Garage Ltd")
        let update = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(!update.succeeded)
        guard case .failed(let reason)? = update.results.first?.outcome else {
            Issue.record("expected the update to fail, got \(update.results)")
            return
        }
        #expect(reason.contains("customer/FSG is tenantId sim-platform-ap-fsg here, and the message carries no outputs.tenantId"), "\(reason)")
    }

    @Test func aChangedIDTheEngineReportsIsDrift() async throws {
        let rehearsal = try ExampleRehearsal()
        _ = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        try await Self.record(outputs: [Attribute(name: "tenantId", value: .string("another-tenant"))], in: rehearsal)
        let drift = try await DriftRun(customer: "FSG", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        #expect(drift.drifts.map(\.kind) == [.changed])
        #expect(drift.drifts.first?.changes.map(\.name) == ["tenantId"])
        #expect(drift.drifts.first?.changes.first?.new == .string("sim-platform-ap-fsg"))
    }

    /// Records FSG's customer again with `outputs` in place of what the engine answered.
    static func record(outputs: [Attribute], in rehearsal: ExampleRehearsal) async throws {
        let store = try SQLiteStateStore(path: rehearsal.state)
        let recorded = try #require(try await store.resource(at: customer))
        try await store.commit(
            StateWrite(
                upserts: [
                    .init(
                        address: recorded.address, parent: recorded.parent, engine: recorded.engine, attributes: recorded.attributes,
                        outputs: AttributeDocument(outputs))
                ], at: PinnedTime.date))
    }
}
