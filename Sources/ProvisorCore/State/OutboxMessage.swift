import Foundation

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
