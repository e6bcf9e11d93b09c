import Foundation

/// Where Provisor records what it has provisioned: resources, a serial and lineage, the state
/// lock, the journal and the audit log. SQLite (`ProvisorSQLite`) is the default; every store
/// passes the conformance suite in `ProvisorTesting`.
///
/// Every method is atomic: a write either happens whole or not at all.
public protocol StateStore: Sendable {
    /// Where the state is, for messages ("SQLite .provisor/state.db").
    var description: String { get }

    /// The serial, lineage and resource count.
    func header() async throws -> StateHeader

    /// Every recorded resource with the header they belong to, read in one transaction.
    func snapshot() async throws -> StateSnapshot

    /// The recorded resources that match, in address order.
    func resources(matching filter: ResourceFilter) async throws -> [RecordedResource]

    /// One recorded resource, or nil.
    func resource(at address: ResourceAddress) async throws -> RecordedResource?

    /// Records resources, removes others, appends audit and journal entries in one transaction, and
    /// increases the serial by one. Fails with `StateError.serialMismatch` (changing nothing)
    /// when `write.expectedSerial` is set and the state has moved on since.
    @discardableResult
    func commit(_ write: StateWrite) async throws -> StateHeader

    /// Where `provisor state migrate` copied this state, once it has: such a state refuses
    /// every run that would write (`StateError.moved`).
    func movedTo() async throws -> String?

    /// Records that this state now lives at `destination` (after a migration succeeded).
    func markMoved(to destination: String) async throws

    /// Takes the state lock, or fails at once with `StateError.locked` naming who holds it.
    func acquireLock(_ request: LockRequest) async throws -> StateLock

    /// Releases a lock this run holds; fails with `StateError.lockNotHeld` otherwise.
    func releaseLock(_ lock: StateLock) async throws

    /// The lock as it is now, or nil when nobody holds it.
    func currentLock() async throws -> StateLock?

    /// Removes the lock whoever holds it (`provisor state unlock`); returns what was removed.
    @discardableResult
    func breakLock() async throws -> StateLock?

    /// Appends journal entries, returning them with their sequence numbers.
    @discardableResult
    func appendJournal(_ entries: [JournalEntry]) async throws -> [JournalEntry]

    /// The journal, oldest first; only one run's entries when `run` is given.
    func journal(run: String?) async throws -> [JournalEntry]

    /// Pending entries that no later entry for the same message resolves: actions a crashed
    /// run sent (or was about to send) without recording the engine's answer. Oldest first.
    func unresolvedJournal() async throws -> [JournalEntry]

    /// The audit log, oldest first; only one resource's entries when `address` is given.
    func audit(address: ResourceAddress?) async throws -> [AuditEntry]

    /// Keeps one reading of `engine` made at `date`: a successful one replaces what was kept of
    /// that engine; an unreadable one records the failure and keeps the last successful reading.
    /// Never changes the serial.
    func recordObservation(_ observation: EngineObservation, engine: String, at date: Date) async throws

    /// What is kept of each engine ever read, in engine name order; with `addresses`, the
    /// readings hold only those resources (the rest are not decoded).
    func observations(of addresses: Set<ResourceAddress>?) async throws -> [ObservationRecord]
}

extension StateStore {
    /// What is kept of each engine ever read, every resource of each reading.
    public func observations() async throws -> [ObservationRecord] {
        try await observations(of: nil)
    }
}
