import Foundation

/// The write-ahead delivery every message goes through, whether applying a plan or
/// right-sizing licences: the one place the crash-safety promise is kept.
///
/// 1. Each message's engine must be configured and its secrets readable; otherwise it is not
///    sent, and says why.
/// 2. Every message about to be sent is journalled as pending, with what it takes to send it
///    again, before any is sent: a run killed after this point leaves them for the next run to
///    resume with the same ids.
/// 3. The messages are sent: in batches to adapters that prefer them, otherwise one queue per
///    customer (its messages in order, at most `concurrency` customers at once), each retried
///    as its adapter allows. Once the run is interrupted nothing more is sent.
///    A message a transport took but whose answer is still to come (`.awaiting`, an amqp
///    engine that is offline) is journalled as sent, with its payload: the next run collects
///    its answer instead of sending it again.
/// 4. The caller records the answers ``closing(_:_:at:)`` describes, with what the engines did,
///    through ``record(_:)``, which finishes even when the run is being interrupted.
struct JournalledDelivery: Sendable {
    let store: any StateStore
    let adapters: [String: any EngineAdapter]
    let secrets: SecretResolver
    let retry: RetryPolicy
    let concurrency: Int
    let run: String

    /// One message, with what its pending journal entry keeps to send it again.
    struct Parcel: Sendable {
        var message: ProvisioningMessage
        /// The journal's action: the change's (create, update, delete) or the message's.
        var action: String
        var payload: JournalEntry.Payload
        /// Journalled as sent by an earlier run: its answer is collected, not sent again.
        var alreadySent = false
    }

    /// How one parcel ended.
    enum Answer: Sendable {
        /// Not sent, and why (no such engine, a secret that cannot be read).
        case notSent(String)
        /// Journalled but not sent: the run was interrupted first.
        case interrupted
        /// The engine's last answer, after this many attempts.
        case answered(DeliveryResult, attempts: Int)

        /// The failure's text, with the attempts when there were several; nil on success.
        var failure: String? {
            switch self {
            case .notSent(let text): return text
            case .interrupted: return "interrupted before it was sent"
            case .answered(.succeeded, _): return nil
            case .answered(.retryable(let text, _), let attempts), .answered(.terminal(let text), let attempts),
                .answered(.awaiting(let text), let attempts):
                return attempts > 1 ? "\(text) (after \(attempts) attempts)" : text
            }
        }

        /// The answer as a change's outcome (an interrupted parcel counts as failed).
        var outcome: Applier.Outcome {
            switch self {
            case .answered(.succeeded, _): return .succeeded
            case .answered(.awaiting(let text), _): return .awaiting(text)
            case .notSent, .interrupted, .answered: return .failed(failure ?? "")
            }
        }

        /// Whether the engine's answer is in (or the message was never sent): its transport
        /// may let go of it once recorded.
        var isSettled: Bool {
            switch self {
            case .answered(.awaiting, _), .interrupted: return false
            case .answered, .notSent: return true
            }
        }

        var attempts: Int {
            if case .answered(_, let attempts) = self { return attempts }
            return 0
        }
    }

    /// Steps 1 to 3 for `parcels`; one answer per parcel, in order. `answered` sees each
    /// engine's answer as it comes (for a progress line).
    func send(
        _ parcels: [Parcel], clock: WallClock,
        answered: @escaping @Sendable (_ index: Int, DeliveryResult, _ attempts: Int) -> Void = { _, _, _ in }
    ) async throws -> [Answer] {
        var answers: [Answer] = Array(repeating: .interrupted, count: parcels.count)
        // Secrets are read on every core; each message is independent.
        let secrets = secrets, known = Set(adapters.keys)
        let prepared = parallelChunks(parcels.count, chunkSize: 64) { range in
            range.map { index -> Result<OutgoingMessage, SecretError>? in
                let message = parcels[index].message
                guard known.contains(message.engine) else { return nil }
                return Result { () throws(SecretError) in try secrets.prepare(message) }
            }
        }.joined()
        var ready: [(index: Int, outgoing: OutgoingMessage)] = []
        for (index, outcome) in prepared.enumerated() {
            switch outcome {
            case nil:
                answers[index] = .notSent("no engine named '\(parcels[index].message.engine)' is configured; add an Engine manifest with that name")
            case .failure(let error):
                answers[index] = .notSent("nothing sent: \(error)")
            case .success(var outgoing):
                outgoing.alreadySent = parcels[index].alreadySent
                ready.append((index, outgoing))
            }
        }
        guard !ready.isEmpty else { return answers }

        // Write ahead: every message about to be sent is journalled as pending first (one
        // already sent keeps its sent entry: it is only collected).
        let now = clock.now()
        let pending = ready.filter { !$0.outgoing.alreadySent }.map { item in
            let parcel = parcels[item.index]
            return JournalEntry(
                run: run, address: parcel.message.address, action: parcel.action, status: .pending, messageID: parcel.message.id,
                payload: parcel.payload, at: now)
        }
        let store = store
        if !pending.isEmpty { try await Self.shielded { try await store.appendJournal(pending) } }

        var batched: [String: [(index: Int, outgoing: OutgoingMessage)]] = [:]
        var queues: [String: [(position: Int, message: OutgoingMessage, adapter: any EngineAdapter)]] = [:]
        var queueOrder: [String] = []
        for item in ready {
            let adapter = adapters[item.outgoing.message.engine]!
            if adapter.prefersBatches {
                batched[item.outgoing.message.engine, default: []].append(item)
            } else {
                let key = item.outgoing.message.address.customer ?? ""
                if queues[key] == nil { queueOrder.append(key) }
                queues[key, default: []].append((item.index, item.outgoing, adapter))
            }
        }
        for (engine, items) in batched.sorted(by: { $0.key < $1.key }) where !Task.isCancelled {
            let results = await adapters[engine]!.send(batch: items.map(\.outgoing))
            for (item, answer) in zip(items, results) {
                let result = item.outgoing.sanitised(answer)
                answers[item.index] = .answered(result, attempts: 1)
                answered(item.index, result, 1)
            }
        }
        let sent = await retry.send(queues: queueOrder.map { queues[$0]! }, concurrency: concurrency, answered: answered)
        for answer in sent { answers[answer.position] = .answered(answer.result, attempts: answer.attempts) }
        return answers
    }

    /// The journal entry that closes `parcel` after `answer`, or marks it sent (with what it
    /// takes to collect it); nil when an already sent parcel is still unanswered (its sent
    /// entry stands).
    func closing(_ parcel: Parcel, _ answer: Answer, at date: Date) -> JournalEntry? {
        let status: JournalEntry.Status
        var detail = answer.failure
        switch answer {
        case .answered(.succeeded, let attempts):
            status = .succeeded
            detail = attempts > 1 ? "after \(attempts) attempts" : nil
        case .answered(.awaiting, _):
            guard !parcel.alreadySent else { return nil }
            status = .sent
        case .interrupted:
            guard !parcel.alreadySent else { return nil }
            status = .skipped
        case .notSent, .answered: status = .failed
        }
        return JournalEntry(
            run: run, address: parcel.message.address, action: parcel.action, status: status, messageID: parcel.message.id,
            detail: detail, payload: status == .sent ? parcel.payload : nil, at: date)
    }

    /// After step 4: tells each adapter which of its answers are now recorded.
    func release(_ parcels: [Parcel], _ answers: [Answer]) async {
        var settled: [String: [String]] = [:]
        for (parcel, answer) in zip(parcels, answers) where answer.isSettled {
            settled[parcel.message.engine, default: []].append(parcel.message.id)
        }
        for (engine, ids) in settled { await adapters[engine]?.recorded(ids) }
    }

    /// Step 4: records `write` (resources and audit entries with their journal results) in one
    /// transaction, or only its journal entries when it changes no resource and audits nothing.
    /// Returns the state's serial after a commit. Runs to its end even when the run is being
    /// interrupted: what the engines already did must be recorded.
    @discardableResult
    func record(_ write: StateWrite) async throws -> Int? {
        let store = store
        if !write.upserts.isEmpty || !write.deletes.isEmpty || !write.audit.isEmpty {
            return try await Self.shielded { try await store.commit(write) }.serial
        }
        if !write.journal.isEmpty { try await Self.shielded { try await store.appendJournal(write.journal) } }
        return nil
    }

    /// Runs a state write in a task of its own, which an interrupt does not cancel (the store
    /// would otherwise refuse it).
    @discardableResult
    private static func shielded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await body() }.value
    }
}
