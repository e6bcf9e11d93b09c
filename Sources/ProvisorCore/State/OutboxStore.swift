import Foundation

/// A durable queue of messages for a downstream bridge (the `outbox` adapter): each message id
/// is stored once however often it is enqueued.
public protocol OutboxStore: Sendable {
    /// Stores the messages not stored yet, in one transaction; returns the ids that were new.
    @discardableResult
    func enqueue(_ messages: [OutboxMessage]) async throws -> Set<String>

    /// The stored messages for `engine` after position `after`, oldest first.
    func outbox(engine: String, after: Int64, limit: Int) async throws -> [OutboxMessage]
}
