import Foundation
import ProvisorCore

/// A state store in memory, with the same behaviour as the SQLite one (the conformance suite
/// proves it): for tests of the planner and, later, the applier.
public actor InMemoryStateStore: StateStore, OutboxStore {
    private let lineage = UUID().uuidString.lowercased()
    private var serial = 0
    private var records: [ResourceAddress: RecordedResource] = [:]
    private var lock: StateLock?
    /// The lock acquired through this store and not released.
    private var heldID: String?
    private var journalEntries: [JournalEntry] = []
    private var auditEntries: [AuditEntry] = []
    private var outboxMessages: [OutboxMessage] = []
    private var outboxIDs: Set<String> = []
    private var observed: [String: ObservationRecord] = [:]

    public nonisolated var description: String { "memory" }

    public init() {}

    public func header() -> StateHeader {
        StateHeader(lineage: lineage, serial: serial, resourceCount: records.count)
    }

    public func snapshot() -> StateSnapshot {
        StateSnapshot(header: header(), resources: Array(records.values))
    }

    public func resources(matching filter: ResourceFilter) -> [RecordedResource] {
        records.values.filter { filter.matches($0.address) }.sorted { $0.address < $1.address }
    }

    public func resource(at address: ResourceAddress) -> RecordedResource? {
        records[address]
    }

    public func commit(_ write: StateWrite) throws -> StateHeader {
        try checkHeld()
        if let expected = write.expectedSerial, expected != serial {
            throw StateError.serialMismatch(expected: expected, found: serial, store: description)
        }
        serial += 1
        for resource in write.upserts {
            records[resource.address] = RecordedResource(
                address: resource.address, parent: resource.parent, engine: resource.engine,
                attributes: resource.attributes, outputs: resource.outputs, serial: serial, updatedAt: write.at)
        }
        for address in write.deletes { records[address] = nil }
        for var entry in write.audit {
            entry.sequence = Int64(auditEntries.count + 1)
            entry.serial = serial
            auditEntries.append(entry)
        }
        _ = try appendJournal(write.journal)
        return header()
    }

    public func recordObservation(_ observation: EngineObservation, engine: String, at date: Date) {
        let kept = observed[engine] ?? ObservationRecord(engine: engine, attemptedAt: date, failure: nil, observedAt: nil, resources: [])
        observed[engine] = kept.updated(with: observation, at: date)
    }

    public func observations(of addresses: Set<ResourceAddress>?) -> [ObservationRecord] {
        observed.values.sorted { $0.engine < $1.engine }.map { record in
            guard let addresses else { return record }
            var record = record
            record.resources = record.resources.filter { addresses.contains($0.address) }
            return record
        }
    }

    public func acquireLock(_ request: LockRequest) throws -> StateLock {
        if let lock { throw StateError.locked(lock, store: description) }
        let acquired = StateLock(request)
        lock = acquired
        heldID = acquired.id
        return acquired
    }

    public func releaseLock(_ held: StateLock) throws {
        if heldID == held.id { heldID = nil }
        guard lock?.id == held.id else { throw StateError.lockNotHeld(id: held.id, store: description) }
        lock = nil
    }

    /// Refuses a write once the lock this store acquired was broken, as the others do.
    private func checkHeld() throws {
        if let heldID, lock?.id != heldID { throw StateError.lockNotHeld(id: heldID, store: description) }
    }

    public func currentLock() -> StateLock? { lock }

    private var destination: String?
    public func movedTo() -> String? { destination }
    public func markMoved(to destination: String) { self.destination = destination }

    public func breakLock() -> StateLock? {
        defer { lock = nil }
        return lock
    }

    public func appendJournal(_ entries: [JournalEntry]) throws -> [JournalEntry] {
        try checkHeld()
        return entries.map { entry in
            var stored = entry
            stored.sequence = Int64(journalEntries.count + 1)
            journalEntries.append(stored)
            return stored
        }
    }

    public func journal(run: String?) -> [JournalEntry] {
        journalEntries.filter { run == nil || $0.run == run }
    }

    public func unresolvedJournal() -> [JournalEntry] {
        var resolved = Set<String>()
        var unresolved: [JournalEntry] = []
        for entry in journalEntries.reversed() {
            if !entry.status.isOpen {
                resolved.insert(entry.messageID)
            } else if !resolved.contains(entry.messageID) {
                unresolved.append(entry)
                resolved.insert(entry.messageID)
            }
        }
        return unresolved.reversed()
    }

    public func enqueue(_ messages: [OutboxMessage]) throws -> Set<String> {
        try checkHeld()
        var added = Set<String>()
        for var message in messages where outboxIDs.insert(message.id).inserted {
            message.position = Int64(outboxMessages.count + 1)
            outboxMessages.append(message)
            added.insert(message.id)
        }
        return added
    }

    public func outbox(engine: String, after: Int64, limit: Int) -> [OutboxMessage] {
        Array(outboxMessages.lazy.filter { $0.engine == engine && $0.position > after }.prefix(limit))
    }

    public func audit(address: ResourceAddress?) -> [AuditEntry] {
        auditEntries.filter { address == nil || $0.address == address }
    }
}
