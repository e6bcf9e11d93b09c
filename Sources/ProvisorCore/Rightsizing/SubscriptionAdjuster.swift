import Foundation

/// Applies right-sizing decisions like any change: for each subscription to change, a pending
/// journal entry, then an `adjust-subscription` message to its engine (retried like any
/// message), then the journal result and an audit entry in one transaction. Subscriptions are
/// not resources: nothing is recorded about them but the journal and the audit log.
///
/// The caller holds the state lock for the whole run.
public struct SubscriptionAdjuster: Sendable {
    public struct Result: Sendable, Hashable {
        public var address: ResourceAddress
        public var engine: String
        public var outcome: Applier.Outcome
        public var attempts: Int
    }

    public let options: Applier.Options
    let delivery: JournalledDelivery
    var store: any StateStore { delivery.store }

    public init(
        store: any StateStore, adapters: [String: any EngineAdapter], secrets: SecretResolver, options: Applier.Options,
        run: String = UUID().uuidString.lowercased()
    ) {
        self.options = options
        delivery = JournalledDelivery(store: store, adapters: adapters, secrets: secrets, retry: options.retry, concurrency: options.concurrency, run: run)
    }

    static let action = ProvisioningMessage.Action.adjustSubscription.rawValue

    /// The subscription's attributes after `decision`, and its quantities before.
    static func attributes(of decision: RightsizingDecision) -> (after: [Attribute], before: [Attribute]) {
        let subscription = decision.subscription
        let after = [
            Attribute(name: "quantity", value: .integer(decision.quantityNow)),
            Attribute(name: "reason", value: .string(decision.reason)),
            Attribute(name: "renewalQuantity", value: .integer(decision.renewalQuantity ?? decision.quantityNow)),
            Attribute(name: "sku", value: .string(subscription.sku)),
            Attribute(name: "term", value: .string(subscription.term.rawValue)),
        ]
        let before = [
            Attribute(name: "quantity", value: .integer(subscription.quantity)),
            Attribute(name: "renewalQuantity", value: .integer(subscription.renewalQuantity ?? subscription.quantity)),
        ]
        return (after, before)
    }

    /// "message pm-…; quantity: 5 → 2": what changed; the renewal quantity only when one is
    /// scheduled before or after (otherwise it just follows the quantity).
    static func auditDetail(_ message: ProvisioningMessage) -> String {
        func value(_ name: String, in attributes: [(name: String, value: AttributeValue?)]) -> String {
            attributes.first { $0.name == name }?.value?.description ?? "?"
        }
        let after = message.attributes.map { (name: $0.name, value: Optional($0.value)) }, before = message.previous
        var changes: [String] = []
        if value("quantity", in: before) != value("quantity", in: after) {
            changes.append("quantity: \(value("quantity", in: before)) → \(value("quantity", in: after))")
        }
        if value("renewalQuantity", in: before) != value("quantity", in: before) || value("renewalQuantity", in: after) != value("quantity", in: after) {
            changes.append("renewalQuantity: \(value("renewalQuantity", in: before)) → \(value("renewalQuantity", in: after))")
        }
        return "message \(message.id); " + (changes.isEmpty ? "no change" : changes.joined(separator: ", "))
    }

    /// Sends again the adjust-subscription messages an interrupted run left pending, with
    /// their own ids.
    public func resume(desired: DesiredState) async throws -> [Result] {
        let pending = try await store.unresolvedJournal().filter { $0.action == Self.action }
        guard !pending.isEmpty else { return [] }
        let builder = try await self.builder(desired)
        var messages: [ProvisioningMessage] = []
        for entry in pending {
            guard let payload = entry.payload else { continue }
            do {
                messages.append(
                    builder.message(
                        adjusting: entry.address, engine: payload.engine, attributes: try payload.attributes.decode(),
                        previous: try payload.previous?.decode() ?? [], id: entry.messageID))
            } catch {
                throw StateError.corruptRecord(address: entry.address.description, reason: "journal payload: \(error)", store: store.description)
            }
        }
        return try await send(messages, alreadySent: Set(pending.filter { $0.status == .sent }.map(\.messageID)))
    }

    /// Sends one message per decision that changes a subscription.
    public func apply(_ decisions: [RightsizingDecision], desired: DesiredState) async throws -> [Result] {
        let builder = try await self.builder(desired)
        // A subscription whose earlier adjustment still waits for its answer is not adjusted again.
        let waiting = Dictionary(
            try await store.unresolvedJournal().filter { $0.status == .sent && $0.action == Self.action }.map { ($0.address, $0) },
            uniquingKeysWith: { $1 })
        var results: [Result] = []
        var changes: [RightsizingDecision] = []
        for decision in decisions where decision.changes {
            let address = ResourceAddress.subscription(decision.subscription.id, customer: decision.subscription.customer)
            if let entry = waiting[address] {
                results.append(Result(address: address, engine: decision.subscription.engine, outcome: .awaiting(Applier.stillWaiting(entry)), attempts: 0))
            } else {
                changes.append(decision)
            }
        }
        var start = 0
        while start < changes.count, !Task.isCancelled {
            let chunk = changes[start..<min(start + options.chunkSize, changes.count)]
            results += try await send(
                chunk.map { decision in
                    let (after, before) = Self.attributes(of: decision)
                    return builder.message(
                        adjusting: .subscription(decision.subscription.id, customer: decision.subscription.customer),
                        engine: decision.subscription.engine, attributes: after, previous: before)
                })
            start += options.chunkSize
        }
        return results
    }

    private func builder(_ desired: DesiredState) async throws -> MessageBuilder {
        let header = try await store.header()
        var outputs: [ResourceAddress: AttributeDocument] = [:]
        for customer in try await store.resources(matching: ResourceFilter(kind: .customer)) where !customer.outputs.isEmpty {
            outputs[customer.address] = customer.outputs
        }
        return MessageBuilder(
            lineage: header.lineage ?? "none", serial: header.serial,
            context: .init(actor: options.actor, commit: options.commit?.sha, run: delivery.run), recordedOutputs: outputs
        ) { desired.resource(at: $0)?.attributes }
    }

    /// Journal, send, record: one chunk of messages, through the journalled delivery.
    /// Those in `alreadySent` were journalled as sent by an earlier run: their answers are
    /// collected.
    private func send(_ messages: [ProvisioningMessage], alreadySent: Set<String> = []) async throws -> [Result] {
        let parcels = messages.map { message in
            JournalledDelivery.Parcel(
                message: message, action: Self.action,
                payload: .init(
                    parent: message.parent, engine: message.engine, attributes: AttributeDocument(message.attributes),
                    previous: AttributeDocument(message.previous.compactMap { name, value in value.map { Attribute(name: name, value: $0) } })),
                alreadySent: alreadySent.contains(message.id))
        }
        let answers = try await delivery.send(parcels, clock: options.clock)
        let answered = options.clock.now()
        var write = StateWrite(at: answered)
        var results: [Result] = []
        for (parcel, answer) in zip(parcels, answers) {
            let message = parcel.message
            if let entry = delivery.closing(parcel, answer, at: answered) { write.journal.append(entry) }
            if answer.failure != nil {
                results.append(Result(address: message.address, engine: message.engine, outcome: answer.outcome, attempts: answer.attempts))
            } else {
                write.audit.append(
                    AuditEntry(
                        at: answered, actor: options.actor, address: message.address, action: Self.action, detail: Self.auditDetail(message),
                        commit: options.commit))
                results.append(Result(address: message.address, engine: message.engine, outcome: .succeeded, attempts: answer.attempts))
            }
        }
        try await delivery.record(write)
        await delivery.release(parcels, answers)
        return results
    }
}
