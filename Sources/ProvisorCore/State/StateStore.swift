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

    /// What is kept of each engine ever read, in engine name order.
    func observations() async throws -> [ObservationRecord]
}

/// The identity and version of a state: a lineage fixed when the state was created, and a
/// serial increased by every commit. A plan records both, so applying it to another state,
/// or to this one after it changed, can be refused.
public struct StateHeader: Sendable, Hashable, Codable {
    /// nil when there is no state yet.
    public var lineage: String?
    public var serial: Int
    public var resourceCount: Int

    public init(lineage: String?, serial: Int, resourceCount: Int) {
        self.lineage = lineage
        self.serial = serial
        self.resourceCount = resourceCount
    }

    /// No state recorded yet.
    public static let empty = StateHeader(lineage: nil, serial: 0, resourceCount: 0)
}

/// Every recorded resource at one serial.
public struct StateSnapshot: Sendable {
    public var header: StateHeader
    /// In no particular order.
    public var resources: [RecordedResource]

    public init(header: StateHeader, resources: [RecordedResource]) {
        self.header = header
        self.resources = resources
    }

    public static let empty = StateSnapshot(header: .empty, resources: [])
}

/// One resource as Provisor last provisioned it.
public struct RecordedResource: Sendable, Hashable {
    public var address: ResourceAddress
    public var parent: ResourceAddress?
    public var engine: String
    public var attributes: AttributeDocument
    /// The serial of the commit that last wrote it.
    public var serial: Int
    public var updatedAt: Date

    public init(address: ResourceAddress, parent: ResourceAddress?, engine: String, attributes: AttributeDocument, serial: Int, updatedAt: Date) {
        self.address = address
        self.parent = parent
        self.engine = engine
        self.attributes = attributes
        self.serial = serial
        self.updatedAt = updatedAt
    }

    public var kind: ResourceAddress.Kind { address.kind }
}

/// What `state list` selects: a kind, a customer, or both.
public struct ResourceFilter: Sendable, Hashable {
    public var kind: ResourceAddress.Kind?
    public var customer: String?

    public init(kind: ResourceAddress.Kind? = nil, customer: String? = nil) {
        self.kind = kind
        self.customer = customer
    }

    public static let all = ResourceFilter()

    public func matches(_ address: ResourceAddress) -> Bool {
        (kind == nil || address.kind == kind) && (customer == nil || address.customer == customer)
    }
}

/// One transaction's changes: resources to record (replacing what is there), addresses to
/// remove, the audit entries that describe them and the journal entries that close the actions.
public struct StateWrite: Sendable {
    public struct Resource: Sendable, Hashable {
        public var address: ResourceAddress
        public var parent: ResourceAddress?
        public var engine: String
        public var attributes: AttributeDocument

        public init(address: ResourceAddress, parent: ResourceAddress?, engine: String, attributes: AttributeDocument) {
            self.address = address
            self.parent = parent
            self.engine = engine
            self.attributes = attributes
        }

        /// What provisioning a desired resource records.
        public init(_ resource: DesiredResource) {
            self.init(address: resource.address, parent: resource.parent, engine: resource.engine, attributes: AttributeDocument(resource.attributes))
        }
    }

    public var upserts: [Resource]
    public var deletes: [ResourceAddress]
    public var audit: [AuditEntry]
    public var journal: [JournalEntry]
    /// When set, the commit is refused unless the state is still at this serial.
    public var expectedSerial: Int?
    public var at: Date

    public init(upserts: [Resource] = [], deletes: [ResourceAddress] = [], audit: [AuditEntry] = [], journal: [JournalEntry] = [],
                expectedSerial: Int? = nil, at: Date) {
        self.upserts = upserts
        self.deletes = deletes
        self.audit = audit
        self.journal = journal
        self.expectedSerial = expectedSerial
        self.at = at
    }
}

/// Who asks for the state lock and why.
public struct LockRequest: Sendable, Hashable {
    /// `user@host`.
    public var holder: String
    public var processID: Int32
    /// What the holder is doing ("reconcile", "rightsize").
    public var operation: String
    /// When it asks: the lock records it as the time it was acquired.
    public var at: Date

    public init(holder: String, processID: Int32, operation: String, at: Date) {
        self.holder = holder
        self.processID = processID
        self.operation = operation
        self.at = at
    }

    /// This process, as the current user on this host, asking at `clock`'s time.
    public static func thisProcess(operation: String, clock: WallClock) -> LockRequest {
        let info = ProcessInfo.processInfo
        return LockRequest(holder: "\(currentUser)@\(info.hostName)", processID: info.processIdentifier, operation: operation, at: clock.now())
    }

    /// The OS user running this process: `USER`, else `LOGNAME`, else the account's name.
    public static var currentUser: String {
        let environment = ProcessInfo.processInfo.environment
        if let user = environment["USER"] ?? environment["LOGNAME"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }
}

/// A held state lock.
public struct StateLock: Sendable, Hashable {
    /// Unique to this acquisition; releasing needs it.
    public var id: String
    public var holder: String
    public var processID: Int32
    public var operation: String
    public var acquiredAt: Date

    public init(id: String, holder: String, processID: Int32, operation: String, acquiredAt: Date) {
        self.id = id
        self.holder = holder
        self.processID = processID
        self.operation = operation
        self.acquiredAt = acquiredAt
    }

    /// The lock `request` acquires, at the time it asked.
    public init(_ request: LockRequest) {
        self.init(id: UUID().uuidString, holder: request.holder, processID: request.processID, operation: request.operation, acquiredAt: request.at)
    }
}

/// One step of an apply, written before the engine is called and again when it answers, so a
/// crashed run can be resumed without sending anything twice. Entries are never changed.
public struct JournalEntry: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case pending, succeeded, failed, skipped
    }

    /// What a pending entry is about to do, enough to send it again after a crash.
    public struct Payload: Sendable, Hashable {
        public var parent: ResourceAddress?
        public var engine: String
        /// The target's attributes (the recorded ones for a delete).
        public var attributes: AttributeDocument
        /// For an update, the recorded values of the changed attributes.
        public var previous: AttributeDocument?

        public init(parent: ResourceAddress?, engine: String, attributes: AttributeDocument, previous: AttributeDocument? = nil) {
            self.parent = parent
            self.engine = engine
            self.attributes = attributes
            self.previous = previous
        }
    }

    /// Assigned by the store when appended; 0 before.
    public var sequence: Int64
    public var run: String
    public var address: ResourceAddress
    public var action: String
    public var status: Status
    /// The provisioning message's idempotency key.
    public var messageID: String
    public var detail: String?
    /// Set on pending entries only.
    public var payload: Payload?
    public var at: Date

    public init(sequence: Int64 = 0, run: String, address: ResourceAddress, action: String, status: Status, messageID: String,
                detail: String? = nil, payload: Payload? = nil, at: Date) {
        self.sequence = sequence
        self.run = run
        self.address = address
        self.action = action
        self.status = status
        self.messageID = messageID
        self.detail = detail
        self.payload = payload
        self.at = at
    }
}

/// One line of the audit log: who changed which resource, how, and at which serial.
public struct AuditEntry: Sendable, Hashable {
    /// Assigned by the store when appended; 0 before.
    public var sequence: Int64
    public var at: Date
    public var actor: String
    public var address: ResourceAddress
    public var action: String
    public var detail: String?
    /// The manifests' commit, when they came from git.
    public var commit: CommitInfo?
    /// The serial the commit produced; set by the store.
    public var serial: Int

    public init(sequence: Int64 = 0, at: Date, actor: String, address: ResourceAddress, action: String, detail: String? = nil,
                commit: CommitInfo? = nil, serial: Int = 0) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.address = address
        self.action = action
        self.detail = detail
        self.commit = commit
        self.serial = serial
    }
}

/// Failures of a state store, each saying what to do about it.
public enum StateError: Error, Sendable, Equatable, CustomStringConvertible {
    case locked(StateLock, store: String)
    case lockNotHeld(id: String, store: String)
    case serialMismatch(expected: Int, found: Int, store: String)
    case corruptRecord(address: String, reason: String, store: String)
    case unreadable(path: String, reason: String)
    case newerSchema(path: String)
    /// Opened for reading only, a state a write would first upgrade (its schema, or its
    /// journal mode when another tool copied it).
    case olderSchema(path: String)
    case notEmpty(store: String, serial: Int, resources: Int)
    /// A file that is not a Provisor state: empty, not SQLite, or another program's database.
    case notAState(path: String, reason: String)
    /// A state that fails the database's integrity check.
    case damaged(path: String, detail: String)

    public var description: String {
        switch self {
        case .locked(let lock, let store):
            let since = lock.acquiredAt.formatted(.iso8601)
            return "error: the state (\(store)) is locked by \(lock.holder) (process \(lock.processID), \(lock.operation)) since \(since); wait for that run to finish, or if it is gone, run provisor state unlock"
        case .lockNotHeld(let id, let store):
            return "error: this run no longer holds the state lock \(id) on \(store); someone broke it with provisor state unlock, so stop and re-plan"
        case .serialMismatch(let expected, let found, let store):
            return "error: the state (\(store)) changed while this run worked: expected serial \(expected), found \(found); plan again against the new state"
        case .corruptRecord(let address, let reason, let store):
            return "error: the recorded attributes of \(address) in \(store) are damaged (\(reason)); restore the state from a backup"
        case .unreadable(let path, let reason):
            return "error: cannot open the state database '\(path)': \(reason) (check --state, or 'state:' in provisor.yaml)"
        case .olderSchema(let path):
            return "error: the state database '\(path)' needs upgrading (an older Provisor's schema, or a copy not in WAL mode), which reading alone does not do; run provisor reconcile (or drift) once to upgrade it"
        case .newerSchema(let path):
            return "error: the state database '\(path)' was written by a newer Provisor; upgrade provisor before using it"
        case .notAState(let path, let reason):
            return "error: '\(path)' is not a Provisor state: \(reason). Nothing was read or written; check --state (or state: in provisor.yaml), and to start a new state name a file that does not exist yet"
        case .damaged(let path, let detail):
            return "error: the state '\(path)' is damaged (SQLite's integrity check says: \(detail)). Nothing was read or written; restore the state from a backup"
        case .notEmpty(let store, let serial, let resources):
            return "error: the state \(store) is not empty (serial \(serial), \(resources) resources, or a journal, audit log, outbox or observations); copy only into a new, empty state"
        }
    }
}

extension RecordedResource {
    /// The decoded attributes; a damaged record is a `StateError.corruptRecord`.
    public func decodedAttributes(store: String) throws -> [Attribute] {
        do {
            return try attributes.decode()
        } catch {
            throw StateError.corruptRecord(address: address.description, reason: error.description, store: store)
        }
    }
}

/// A durable queue of messages for a downstream bridge (the `outbox` adapter): each message id
/// is stored once however often it is enqueued.
public protocol OutboxStore: Sendable {
    /// Stores the messages not stored yet, in one transaction; returns the ids that were new.
    @discardableResult
    func enqueue(_ messages: [OutboxMessage]) async throws -> Set<String>

    /// The stored messages for `engine` after position `after`, oldest first.
    func outbox(engine: String, after: Int64, limit: Int) async throws -> [OutboxMessage]
}

/// One stored outbox message.
public struct OutboxMessage: Sendable, Hashable {
    /// Assigned by the store; 0 before.
    public var position: Int64
    public var id: String
    public var engine: String
    public var address: ResourceAddress
    public var action: String
    /// The message JSON with secret references only.
    public var body: String
    public var at: Date

    public init(position: Int64 = 0, id: String, engine: String, address: ResourceAddress, action: String, body: String, at: Date) {
        self.position = position
        self.id = id
        self.engine = engine
        self.address = address
        self.action = action
        self.body = body
        self.at = at
    }
}
