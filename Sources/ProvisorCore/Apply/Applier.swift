import Foundation

/// Applies a plan: for each change, a pending journal entry, then the message to its engine,
/// then the resource, the journal result and the audit entry recorded in one transaction.
///
/// - Waves run in order; inside a wave customers run concurrently (at most `concurrency` at
///   once) and each customer's changes one after another, in plan order.
/// - Retryable failures are retried with backoff up to the adapter's limit.
/// - A failed change's dependants are skipped (a failed customer's users; the reseller or
///   customer above a child that could not be removed); everything else carries on.
/// - Journal entries left pending by a crashed run are sent again first, with their own id.
///
/// Cancelling the task that runs it (an interrupt) stops it sending: what is in flight finishes
/// and is recorded, the rest is left for the next run to plan again.
///
/// The caller holds the state lock for the whole run.
public final class Applier: Sendable {
    public struct Options: Sendable {
        public var concurrency: Int
        public var retry: RetryPolicy
        public var actor: String
        /// The git commit of the manifests, for messages and the audit log.
        public var commit: CommitInfo?
        /// Changes journalled and recorded per transaction.
        public var chunkSize: Int
        /// The time the journal and the audit log record.
        public var clock: WallClock

        public init(
            concurrency: Int = 8, retry: RetryPolicy = RetryPolicy(), actor: String, commit: CommitInfo? = nil, chunkSize: Int = 512,
            clock: WallClock
        ) {
            self.concurrency = max(1, concurrency)
            self.retry = retry
            self.actor = actor
            self.commit = commit
            self.chunkSize = max(1, chunkSize)
            self.clock = clock
        }
    }

    /// How one change ended.
    public enum Outcome: Sendable, Hashable {
        case succeeded
        case failed(String)
        /// Not attempted because `because` failed, was skipped or waits for its answer.
        case skipped(because: ResourceAddress)
        /// Taken by the engine's transport, not yet answered: the next run collects the answer.
        /// The text says where it waits.
        case awaiting(String)

        /// How logs and metrics name it.
        public var name: String {
            switch self {
            case .succeeded: return "succeeded"
            case .failed: return "failed"
            case .skipped: return "skipped"
            case .awaiting: return "waiting"
            }
        }

        /// An engine's answer as an outcome.
        init(_ result: DeliveryResult) {
            switch result {
            case .succeeded: self = .succeeded
            case .retryable(let text, _), .terminal(let text): self = .failed(text)
            case .awaiting(let text): self = .awaiting(text)
            }
        }
    }

    /// What a change whose message an earlier run sent is told while the answer is still to come.
    public static func stillWaiting(_ sent: JournalEntry) -> String {
        "message \(sent.messageID), sent to engine '\(sent.payload?.engine ?? "?")' by an earlier run, still waits for its answer; it is not sent again"
    }

    public struct Result: Sendable, Hashable {
        public var address: ResourceAddress
        public var action: Change.Action
        public var engine: String
        public var outcome: Outcome
        public var attempts: Int
    }

    public let store: any StateStore
    public let adapters: [String: any EngineAdapter]
    public let secrets: SecretResolver
    public let options: Options
    public let run: String

    var delivery: JournalledDelivery {
        JournalledDelivery(store: store, adapters: adapters, secrets: secrets, retry: options.retry, concurrency: options.concurrency, run: run)
    }

    public init(
        store: any StateStore, adapters: [String: any EngineAdapter], secrets: SecretResolver, options: Options,
        run: String = UUID().uuidString.lowercased()
    ) {
        self.store = store
        self.adapters = adapters
        self.secrets = secrets
        self.options = options
        self.run = run
    }

    /// Sends again what the journal holds as pending from earlier runs, with the same ids, and
    /// collects the answers to what it holds as sent; records the answers. Returns one result
    /// per action resumed.
    public func resume(desired: DesiredState, recorded: StateSnapshot, progress: @escaping @Sendable (Result) -> Void = { _ in }) async throws -> [Result] {
        let pending = try await store.unresolvedJournal()
        guard !pending.isEmpty else { return [] }
        var changes: [(Change, Session.Resumed)] = []
        for entry in pending {
            guard let payload = entry.payload, let action = Change.Action(rawValue: entry.action) else { continue }
            let attributes = try decode(payload.attributes, at: entry.address)
            let previous = try payload.previous.map { try decode($0, at: entry.address) } ?? []
            let changed = previous.compactMap { old in
                attributes.first { $0.name == old.name }.map { Change.AttributeChange(name: old.name, old: old.value, new: $0.value) }
            }
            let change = Change(
                action: action, address: entry.address, parent: payload.parent, engine: payload.engine,
                reason: .attributesChanged, attributes: attributes, changedAttributes: changed)
            changes.append((change, .init(id: entry.messageID, sent: entry.status == .sent)))
        }
        var session = try await Session(applier: self, desired: desired, recorded: recorded)
        var results: [Result] = []
        for (change, resumed) in changes where !Task.isCancelled {
            results += try await session.apply([change], resumed: [resumed], progress: progress)
        }
        return results
    }

    /// Applies every change of `plan` in wave order; `desired` and `recorded` are what it was
    /// made from (they supply the context of each message). `auditNote`, when given, ends each
    /// audit entry (a policy denial the run was told to override).
    public func apply(
        _ plan: ChangePlan, desired: DesiredState, recorded: StateSnapshot, auditNote: String? = nil,
        progress: @escaping @Sendable (Result) -> Void = { _ in }
    ) async throws -> [Result] {
        var session = try await Session(applier: self, desired: desired, recorded: recorded)
        session.auditNote = auditNote
        for entry in try await store.unresolvedJournal() where entry.status == .sent { session.waiting[entry.address] = entry }
        var results: [Result] = []
        for wave in plan.waves {
            // Resellers in one wave depend on each other (parent before child), so they go one by one.
            let size = wave.kind == .reseller ? 1 : options.chunkSize
            var start = 0
            while start < wave.changes.count, !Task.isCancelled {
                let chunk = Array(wave.changes[start..<min(start + size, wave.changes.count)])
                results += try await session.apply(chunk, resumed: nil, progress: progress)
                start += size
            }
        }
        return results
    }

    private func decode(_ document: AttributeDocument, at address: ResourceAddress) throws -> [Attribute] {
        do { return try document.decode() } catch {
            throw StateError.corruptRecord(address: address.description, reason: "journal payload: \(error)", store: store.description)
        }
    }
}

/// One run's working state: the serial it expects, what has failed, how to build messages.
private struct Session {
    let applier: Applier
    var serial: Int
    var builder: MessageBuilder
    /// Failed or skipped addresses, each with the failure that stopped it: their children are
    /// skipped on provision.
    var broken: [ResourceAddress: ResourceAddress] = [:]
    /// Parents of a child that could not be removed, with that failure: not removed either.
    var blockedDeletes: [ResourceAddress: ResourceAddress] = [:]
    /// Ends each audit entry, when set.
    var auditNote: String?
    /// Addresses whose message an earlier run sent and whose answer is still to come, with its
    /// sent entry: nothing more is sent about them until it comes.
    var waiting: [ResourceAddress: JournalEntry] = [:]

    /// A journal entry an earlier run left open: its message id, and whether a transport took it.
    struct Resumed: Sendable {
        var id: String
        var sent: Bool
    }

    init(applier: Applier, desired: DesiredState, recorded: StateSnapshot) async throws {
        self.applier = applier
        let header = try await applier.store.header()
        serial = header.serial
        let lineage = header.lineage ?? "none"
        var documents: [ResourceAddress: AttributeDocument] = [:]
        var outputs: [ResourceAddress: AttributeDocument] = [:]
        documents.reserveCapacity(recorded.resources.count)
        for resource in recorded.resources {
            documents[resource.address] = resource.attributes
            if !resource.outputs.isEmpty { outputs[resource.address] = resource.outputs }
        }
        let lookup: MessageBuilder.Lookup = { [documents] address in
            desired.resource(at: address)?.attributes ?? documents[address].flatMap { try? $0.decode() }
        }
        builder = MessageBuilder(
            lineage: lineage, serial: header.serial,
            context: .init(actor: applier.options.actor, commit: applier.options.commit?.sha, run: applier.run), recordedOutputs: outputs,
            lookup: lookup)
    }

    /// The failed resource that stops `change`, if any: for a provision or update, what stopped
    /// its parent, or (the second half of a replace) what stopped its own deprovision on the old
    /// engine; for a delete, what stopped one of its children.
    func obstacle(to change: Change) -> ResourceAddress? {
        change.action == .delete ? blockedDeletes[change.address] : broken[change.address] ?? change.parent.flatMap { broken[$0] }
    }

    /// Records that `change` did not happen because `cause` failed (`cause` is the change itself
    /// when it failed): its children are not provisioned, its parent is not removed.
    mutating func stop(_ change: Change, cause: ResourceAddress) {
        broken[change.address] = cause
        if change.action == .delete, let parent = change.parent, blockedDeletes[parent] == nil { blockedDeletes[parent] = cause }
    }

    /// Applies `changes` (one chunk of a wave) through the journalled delivery: journal, send,
    /// record. `resumed` holds, for each change an earlier run left open, its entry.
    mutating func apply(
        _ changes: [Change], resumed: [Resumed]?, progress: @escaping @Sendable (Applier.Result) -> Void
    ) async throws
        -> [Applier.Result]
    {
        let clock = applier.options.clock, delivery = applier.delivery
        let ids = resumed?.map(\.id)
        var results: [Applier.Result?] = Array(repeating: nil, count: changes.count)
        var skipped: [JournalEntry] = []
        var waiting: [(position: Int, change: Change)] = []
        for (position, change) in changes.enumerated() {
            if let sent = self.waiting[change.address] {
                stop(change, cause: change.address)
                results[position] = .init(
                    address: change.address, action: change.action, engine: change.engine, outcome: .awaiting(Applier.stillWaiting(sent)), attempts: 0)
            } else if let cause = obstacle(to: change) {
                stop(change, cause: cause)
                results[position] = .init(address: change.address, action: change.action, engine: change.engine, outcome: .skipped(because: cause), attempts: 0)
                skipped.append(
                    JournalEntry(
                        run: applier.run, address: change.address, action: change.action.rawValue, status: .skipped,
                        messageID: builder.message(for: change, id: ids?[position]).id, detail: "skipped: \(cause) failed",
                        at: clock.now()))
            } else {
                waiting.append((position, change))
            }
        }

        // Messages are built on every core; each is independent.
        let builder = builder, candidates = waiting
        let parcels = parallelChunks(candidates.count, chunkSize: 64) { range in
            range.map { index -> (document: AttributeDocument, parcel: JournalledDelivery.Parcel) in
                let (position, change) = candidates[index]
                let document = AttributeDocument(change.attributes)
                let previous = change.changedAttributes.compactMap { changed in changed.old.map { Attribute(name: changed.name, value: $0) } }
                return (
                    document,
                    JournalledDelivery.Parcel(
                        message: builder.message(for: change, id: ids?[position], document: document), action: change.action.rawValue,
                        payload: .init(
                            parent: change.parent, engine: change.engine, attributes: document,
                            previous: change.action == .update ? AttributeDocument(previous) : nil),
                        alreadySent: resumed?[position].sent ?? false)
                )
            }
        }.joined().map { $0 }

        let answers = try await delivery.send(parcels.map(\.parcel), clock: clock) { index, result, attempts in
            let change = candidates[index].change
            progress(.init(address: change.address, action: change.action, engine: change.engine, outcome: Applier.Outcome(result), attempts: attempts))
        }

        let answered = clock.now()
        var write = StateWrite(expectedSerial: serial, at: answered)
        for ((position, change), (item, answer)) in zip(candidates, zip(parcels, answers)) {
            if let entry = delivery.closing(item.parcel, answer, at: answered) { write.journal.append(entry) }
            switch answer {
            case .answered(.succeeded(let reported), let attempts):
                switch change.action {
                case .create, .update:
                    let kept = change.action == .create ? [] : builder.outputs(of: change.address, for: change.action)
                    let outputs = Self.replacing(kept, with: reported)
                    if !outputs.isEmpty { self.builder.answeredOutputs[change.address] = outputs }
                    write.upserts.append(
                        .init(
                            address: change.address, parent: change.parent, engine: change.engine, attributes: item.document,
                            outputs: AttributeDocument(outputs)))
                case .delete:
                    write.deletes.append(change.address)
                }
                write.audit.append(
                    AuditEntry(
                        at: answered, actor: applier.options.actor, address: change.address, action: ProvisioningMessage.Action(change.action).rawValue,
                        detail: Self.auditDetail(change, id: item.parcel.message.id, outputs: reported) + (auditNote.map { "; " + $0 } ?? ""),
                        commit: applier.options.commit))
                results[position] = .init(address: change.address, action: change.action, engine: change.engine, outcome: .succeeded, attempts: attempts)
            case .interrupted:
                // Closed in the journal (or still sent); planned again next run.
                continue
            case .notSent, .answered:
                // Failed, or sent and waiting for its answer: either way nothing below it goes.
                stop(change, cause: change.address)
                results[position] = .init(
                    address: change.address, action: change.action, engine: change.engine, outcome: answer.outcome, attempts: answer.attempts)
            }
        }
        write.journal += skipped
        if let committed = try await delivery.record(write) { serial = committed }
        await delivery.release(parcels.map(\.parcel), answers)
        let finished = results.compactMap { $0 }
        for result in finished where result.attempts == 0 { progress(result) }
        return finished
    }

    /// The outputs kept for a resource, each replaced by an answer's output of the same name and
    /// joined by its new ones; sorted by name.
    static func replacing(_ kept: [Attribute], with answered: [Attribute]) -> [Attribute] {
        guard !answered.isEmpty else { return kept }
        var merged = Dictionary(kept.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        for output in answered { merged[output.name] = output.value }
        return merged.map { Attribute(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
    }

    /// What the audit log says about an applied change, with the outputs its engine answered;
    /// secrets appear as "(sensitive)".
    static func auditDetail(_ change: Change, id: String, outputs: [Attribute] = []) -> String {
        let answered = outputs.isEmpty ? "" : "; outputs " + outputs.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
        return detail(change, id: id) + answered
    }

    private static func detail(_ change: Change, id: String) -> String {
        switch change.action {
        case .create:
            return "message \(id); " + change.attributes.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
        case .update:
            return "message \(id); "
                + change.changedAttributes.map { "\($0.name): \($0.old?.description ?? "(not recorded)") → \($0.new)" }.joined(separator: ", ")
        case .delete:
            return "message \(id); \(change.reason)"
        }
    }
}
