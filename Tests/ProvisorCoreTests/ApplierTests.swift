import Foundation
import ProvisorTesting
import Testing

@testable import ProvisorCore

/// An engine in the test process: answers from a script and remembers what it was sent.
final class ScriptedEngine: EngineAdapter, @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [ProvisioningMessage] = []
    let failing: Set<String>
    /// Outputs answered, by address.
    let outputs: [String: [Attribute]]

    init(failing: Set<String> = [], outputs: [String: [Attribute]] = [:]) {
        self.failing = failing
        self.outputs = outputs
    }

    var received: [ProvisioningMessage] { lock.withLock { sent } }

    func send(_ message: OutgoingMessage) async -> DeliveryResult {
        lock.withLock { sent.append(message.message) }
        let address = message.message.address.description
        return failing.contains(address) ? .terminal("refused by script") : .succeeded(outputs: outputs[address] ?? [])
    }
}

/// An engine behind a broker: a message it does not answer at once is `.awaiting`; `collect`
/// answers it once `online` is set. Remembers what was sent, collected and recorded.
final class QueuedEngine: EngineAdapter, @unchecked Sendable {
    private let lock = NSLock()
    private var log: (sent: [String], collected: [String], recorded: [String]) = ([], [], [])
    private var answering = false
    /// Addresses it answers at once even while offline.
    let prompt: Set<String>

    init(prompt: Set<String>) { self.prompt = prompt }

    var online: Bool {
        get { lock.withLock { answering } }
        set { lock.withLock { answering = newValue } }
    }
    var sent: [String] { lock.withLock { log.sent } }
    var collected: [String] { lock.withLock { log.collected } }
    var recordedIDs: [String] { lock.withLock { log.recorded } }

    func send(_ message: OutgoingMessage) async -> DeliveryResult {
        lock.withLock { log.sent.append(message.id) }
        return online || prompt.contains(message.message.address.description) ? .succeeded : .awaiting("waits on queue q")
    }

    func collect(_ message: OutgoingMessage) async -> DeliveryResult {
        lock.withLock { log.collected.append(message.id) }
        return online ? .succeeded : .awaiting("waits on queue q")
    }

    func recorded(_ ids: [String]) async { lock.withLock { log.recorded += ids } }
}

@Suite struct ApplierTests {
    static let customer = ResourceAddress.customer("CUS"), other = ResourceAddress.customer("OTH")
    static let user = ResourceAddress.user("ann", customer: "CUS"), otherUser = ResourceAddress.user("bo", customer: "OTH")
    static let mailbox = ResourceAddress.service("mailbox", instance: nil, customer: "CUS", user: "ann")

    static func resource(_ address: ResourceAddress, parent: ResourceAddress?) -> StateWrite.Resource {
        StateWrite.Resource(
            address: address, parent: parent, engine: "box", attributes: AttributeDocument([Attribute(name: "name", value: .string(address.description))]))
    }

    static func change(_ action: Change.Action, _ resource: StateWrite.Resource) -> Change {
        Change(
            action: action, address: resource.address, parent: resource.parent, engine: resource.engine,
            reason: action == .delete ? .removedFromManifests : .newInManifests, attributes: try! resource.attributes.decode())
    }

    static func plan(_ changes: [Change], phase: ChangePlan.Phase) -> ChangePlan {
        let kinds = ResourceAddress.Kind.allCases
        let ordered = phase == .provision ? kinds : kinds.reversed()
        let waves = ordered.enumerated().compactMap { index, kind -> ChangePlan.Wave? in
            let inWave = changes.filter { $0.kind == kind }
            return inWave.isEmpty ? nil : ChangePlan.Wave(number: index + 1, phase: phase, kind: kind, changes: inWave)
        }
        return ChangePlan(state: .empty, waves: waves, summary: .init(), refusals: [], customerResellers: [:])
    }

    /// Outputs answered by a provision reach later messages of the same run (a user made in the
    /// customer's new tenant), are kept across an update that answers other ones, and never go
    /// to an engine that did not make the resource.
    @Test func outputsReachLaterMessagesAndAreKeptAcrossUpdates() async throws {
        let store = InMemoryStateStore()
        let tenant = Attribute(name: "tenantId", value: .string("t-1")), domain = Attribute(name: "domainId", value: .string("d-9"))
        let engine = ScriptedEngine(outputs: [Self.customer.description: [tenant]])
        let applier = Applier(
            store: store, adapters: ["box": engine], secrets: SecretResolver(environment: [:]), options: .init(actor: "test", clock: PinnedTime.clock))
        let customer = Self.resource(Self.customer, parent: nil), user = Self.resource(Self.user, parent: Self.customer)
        let created = Self.plan([Self.change(.create, customer), Self.change(.create, user)], phase: .provision)
        _ = try await applier.apply(created, desired: DesiredState(resources: []), recorded: try await store.snapshot())
        #expect(engine.received.map(\.outputs) == [[], []], "nothing was made before")
        #expect(engine.received.last?.customerOutputs == [tenant], "the user's message names the tenant made in this run")
        #expect(engine.received.last?.json().contains(#""outputs":{"tenantId":"t-1"}}"#) == true)
        #expect(try await store.resource(at: Self.customer)?.decodedOutputs() == [tenant])
        #expect(try await store.resource(at: Self.customer)?.decodedAttributes().count == 1, "outputs are not merged into the attributes")

        let renamed = ScriptedEngine(outputs: [Self.customer.description: [domain]])
        var update = Self.change(.update, customer)
        update.changedAttributes = [.init(name: "name", old: .string("old"), new: .string("customer/CUS"))]
        _ = try await Applier(
            store: store, adapters: ["box": renamed], secrets: SecretResolver(environment: [:]), options: .init(actor: "test", clock: PinnedTime.clock)
        ).apply(Self.plan([update], phase: .provision), desired: DesiredState(resources: []), recorded: try await store.snapshot())
        #expect(renamed.received.first?.outputs == [tenant], "the update carries the recorded outputs")
        #expect(renamed.received.first?.json().contains(#""outputs":{"tenantId":"t-1"}"#) == true)
        #expect(try await store.resource(at: Self.customer)?.decodedOutputs() == [domain, tenant], "a new output joins the kept ones")

        let removed = ScriptedEngine()
        _ = try await Applier(
            store: store, adapters: ["box": removed], secrets: SecretResolver(environment: [:]),
            options: .init(actor: "test", clock: PinnedTime.clock)
        ).apply(
            Self.plan([Self.change(.delete, user), Self.change(.delete, customer)], phase: .deprovision), desired: DesiredState(resources: []),
            recorded: try await store.snapshot())
        #expect(removed.received.map(\.address) == [Self.user, Self.customer])
        #expect(removed.received.last?.outputs == [domain, tenant], "the deprovision carries them")
        #expect(removed.received.first?.customerOutputs == [domain, tenant])
    }

    /// A replace whose deprovision on the old engine fails is not provisioned on the new one:
    /// the resource is never held by two engines at once.
    @Test func aReplaceWhoseDeprovisionFailsIsNotProvisionedOnTheNewEngine() async throws {
        let store = InMemoryStateStore()
        let old = Self.resource(Self.customer, parent: nil)
        _ = try await store.commit(StateWrite(upserts: [old], at: PinnedTime.date))
        let oldEngine = ScriptedEngine(failing: [Self.customer.description]), newEngine = ScriptedEngine()
        let reason = Change.Reason.engineChanged(from: "box", to: "new")
        var delete = Self.change(.delete, old), create = Self.change(.create, old)
        (delete.reason, create.reason, create.engine) = (reason, reason, "new")
        let plan = Planner.plan(
            Differ.Result(changes: [create, delete], unchanged: 0), state: try await store.header(), policy: SafetyPolicy(allowedDeletes: 1))
        #expect(
            plan.waves.map { "\($0.phase) \($0.changes.map(\.action))" } == [
                "deprovision [ProvisorCore.Change.Action.delete]", "provision [ProvisorCore.Change.Action.create]",
            ])
        let applier = Applier(
            store: store, adapters: ["box": oldEngine, "new": newEngine], secrets: SecretResolver(environment: [:]),
            options: .init(actor: "test", clock: PinnedTime.clock))
        let results = try await applier.apply(plan, desired: DesiredState(resources: []), recorded: try await store.snapshot())
        #expect(results.map(\.outcome) == [.failed("refused by script"), .skipped(because: Self.customer)])
        #expect(newEngine.received.isEmpty)
        #expect(try await store.resource(at: Self.customer)?.engine == "box", "still recorded on the old engine")
    }

    @Test func aChildThatCannotBeRemovedKeepsItsParentsAndOthersCarryOn() async throws {
        let store = InMemoryStateStore()
        let records = [
            Self.resource(Self.customer, parent: nil), Self.resource(Self.user, parent: Self.customer),
            Self.resource(Self.mailbox, parent: Self.user), Self.resource(Self.other, parent: nil),
            Self.resource(Self.otherUser, parent: Self.other),
        ]
        try await store.commit(StateWrite(upserts: records, at: PinnedTime.date))
        let engine = ScriptedEngine(failing: [Self.mailbox.description])
        let applier = Applier(
            store: store, adapters: ["box": engine], secrets: SecretResolver(environment: [:]), options: .init(actor: "test", clock: PinnedTime.clock))
        let results = try await applier.apply(
            Self.plan(records.map { Self.change(.delete, $0) }, phase: .deprovision),
            desired: DesiredState(resources: []), recorded: try await store.snapshot())
        let outcomes = Dictionary(uniqueKeysWithValues: results.map { ($0.address, $0.outcome) })
        #expect(outcomes[Self.mailbox] == .failed("refused by script"))
        #expect(outcomes[Self.user] == .skipped(because: Self.mailbox))
        #expect(outcomes[Self.customer] == .skipped(because: Self.mailbox))
        #expect(outcomes[Self.otherUser] == .succeeded && outcomes[Self.other] == .succeeded)
        #expect(Set(engine.received.map(\.address)) == [Self.mailbox, Self.otherUser, Self.other], "nothing sent for what was skipped")
        let left = try await store.snapshot().resources.map(\.address)
        #expect(Set(left) == [Self.customer, Self.user, Self.mailbox], "what failed or was skipped stays recorded")
        let journal = try await store.journal(run: applier.run)
        #expect(journal.filter { $0.status == .pending }.count == 3 && journal.filter { $0.status == .skipped }.count == 2)
        #expect(try await store.unresolvedJournal().isEmpty)
    }

    @Test func aFailedParentSkipsItsChildrenOnProvision() async throws {
        let store = InMemoryStateStore()
        let records = [
            Self.resource(Self.customer, parent: nil), Self.resource(Self.user, parent: Self.customer),
            Self.resource(Self.mailbox, parent: Self.user), Self.resource(Self.other, parent: nil),
        ]
        let engine = ScriptedEngine(failing: [Self.customer.description])
        let applier = Applier(
            store: store, adapters: ["box": engine], secrets: SecretResolver(environment: [:]), options: .init(actor: "test", clock: PinnedTime.clock))
        let results = try await applier.apply(
            Self.plan(records.map { Self.change(.create, $0) }, phase: .provision),
            desired: DesiredState(resources: []), recorded: .empty)
        #expect(results.map(\.outcome) == [.failed("refused by script"), .succeeded, .skipped(because: Self.customer), .skipped(because: Self.customer)])
        #expect(try await store.snapshot().resources.map(\.address) == [Self.other])
        #expect(try await store.audit(address: nil).map(\.action) == ["provision"])
    }

    @Test func pendingEntriesAreResentWithTheirOwnIDAndRecorded() async throws {
        let store = InMemoryStateStore()
        let record = Self.resource(Self.other, parent: nil)
        try await store.appendJournal([
            JournalEntry(
                run: "crashed", address: Self.other, action: "create", status: .pending, messageID: "pm-from-the-crashed-run",
                payload: .init(parent: nil, engine: "box", attributes: record.attributes), at: PinnedTime.date)
        ])
        let engine = ScriptedEngine()
        let applier = Applier(
            store: store, adapters: ["box": engine], secrets: SecretResolver(environment: [:]), options: .init(actor: "test", clock: PinnedTime.clock))
        let resumed = try await applier.resume(desired: DesiredState(resources: []), recorded: .empty)
        #expect(resumed.map(\.outcome) == [.succeeded])
        #expect(engine.received.map(\.id) == ["pm-from-the-crashed-run"])
        #expect(try await store.resource(at: Self.other)?.attributes == record.attributes)
        #expect(try await store.unresolvedJournal().isEmpty)
        #expect(try await applier.resume(desired: DesiredState(resources: []), recorded: .empty).isEmpty, "nothing left to resume")
    }

    /// A message a broker took but nobody answered is journalled as sent with its payload; its
    /// children wait. The next run collects its answer and never sends it again, and a change
    /// planned for it meanwhile waits too. Once answered, it is recorded and released.
    @Test func aSentMessageIsCollectedByLaterRunsAndNeverSentAgain() async throws {
        let store = InMemoryStateStore()
        let customer = Self.resource(Self.customer, parent: nil), user = Self.resource(Self.user, parent: Self.customer)
        let other = Self.resource(Self.other, parent: nil)
        let plan = Self.plan([customer, user, other].map { Self.change(.create, $0) }, phase: .provision)
        let engine = QueuedEngine(prompt: [Self.other.description])
        func applier() -> Applier {
            Applier(store: store, adapters: ["box": engine], secrets: SecretResolver(environment: [:]), options: .init(actor: "test", clock: PinnedTime.clock))
        }
        let desired = DesiredState(resources: [])

        let first = try await applier().apply(plan, desired: desired, recorded: .empty)
        #expect(first.map(\.outcome) == [.awaiting("waits on queue q"), .succeeded, .skipped(because: Self.customer)])
        let open = try await store.unresolvedJournal()
        #expect(open.map(\.status) == [.sent] && open.first?.address == Self.customer && open.first?.payload?.attributes == customer.attributes)
        let id = try #require(open.first?.messageID)
        #expect(engine.recordedIDs.count == 1 && !engine.recordedIDs.contains(id), "only the answered message is released")

        // Still offline: collected, not sent again; the plan's change for it waits.
        let offline = applier()
        #expect(try await offline.resume(desired: desired, recorded: try await store.snapshot()).map(\.outcome) == [.awaiting("waits on queue q")])
        let again = try await offline.apply(
            Self.plan([customer, user].map { Self.change(.create, $0) }, phase: .provision), desired: desired, recorded: try await store.snapshot())
        #expect(again.map(\.outcome) == [.awaiting(Applier.stillWaiting(open[0])), .skipped(because: Self.customer)])
        #expect(engine.sent.filter { $0 == id }.count == 1 && engine.collected == [id])
        #expect(try await store.unresolvedJournal() == open, "still waiting writes nothing")

        engine.online = true
        let answered = try await applier().resume(desired: desired, recorded: try await store.snapshot())
        #expect(answered.map(\.outcome) == [.succeeded])
        #expect(engine.sent.filter { $0 == id }.count == 1, "collected, never sent twice")
        #expect(try await store.resource(at: Self.customer)?.attributes == customer.attributes)
        #expect(try await store.unresolvedJournal().isEmpty && engine.recordedIDs.contains(id))
    }
}
