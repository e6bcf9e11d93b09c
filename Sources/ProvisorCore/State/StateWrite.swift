import Foundation

/// One transaction's changes: resources to record (replacing what is there), addresses to
/// remove, the audit entries that describe them and the journal entries that close the actions.
public struct StateWrite: Sendable {
    public struct Resource: Sendable, Hashable {
        public var address: ResourceAddress
        public var parent: ResourceAddress?
        public var engine: String
        public var attributes: AttributeDocument
        /// The engine's outputs for the resource, whole: what is not here is not kept.
        public var outputs: AttributeDocument

        public init(address: ResourceAddress, parent: ResourceAddress?, engine: String, attributes: AttributeDocument, outputs: AttributeDocument = .empty) {
            self.address = address
            self.parent = parent
            self.engine = engine
            self.attributes = attributes
            self.outputs = outputs
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

    public init(
        upserts: [Resource] = [], deletes: [ResourceAddress] = [], audit: [AuditEntry] = [], journal: [JournalEntry] = [],
        expectedSerial: Int? = nil, at: Date
    ) {
        self.upserts = upserts
        self.deletes = deletes
        self.audit = audit
        self.journal = journal
        self.expectedSerial = expectedSerial
        self.at = at
    }
}
