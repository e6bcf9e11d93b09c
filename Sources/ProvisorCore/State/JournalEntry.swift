import Foundation

/// One step of an apply, written before the engine is called and again when it answers, so a
/// crashed run can be resumed without sending anything twice. Entries are never changed.
public struct JournalEntry: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// `pending` is written before a message is sent; `sent` when a transport took it and
        /// its answer is still to come (it keeps the payload); the other three close it.
        case pending, sent, succeeded, failed, skipped

        /// Whether a message whose latest entry has this status still waits for something.
        public var isOpen: Bool { self == .pending || self == .sent }
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
    /// Set on pending and sent entries only.
    public var payload: Payload?
    public var at: Date

    public init(
        sequence: Int64 = 0, run: String, address: ResourceAddress, action: String, status: Status, messageID: String,
        detail: String? = nil, payload: Payload? = nil, at: Date
    ) {
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
