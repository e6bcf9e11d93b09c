import Foundation
import GRDB
import ProvisorCore

extension SQLiteStateStore {
    public func enqueue(_ messages: [OutboxMessage]) async throws -> Set<String> {
        let held = held.id, store = description
        return try await transaction { db in
            try Self.check(held, db, store: store)
            return try Self.enqueue(messages, db)
        }
    }

    /// Stores the messages not stored yet, at their own position when they have one.
    static func enqueue(_ messages: [OutboxMessage], _ db: Database) throws -> Set<String> {
        let insert = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO outbox (position, message_id, engine, address, action, body, at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        var added = Set<String>()
        for message in messages {
            try insert.execute(arguments: [
                message.position == 0 ? nil : message.position, message.id, message.engine, message.address.description,
                message.action, message.body, message.at.timeIntervalSince1970,
            ])
            if db.changesCount > 0 { added.insert(message.id) }
        }
        return added
    }

    static let outboxColumns = "position, message_id, engine, address, action, body, at"

    public func outbox(engine: String, after: Int64, limit: Int) async throws -> [OutboxMessage] {
        let store = description
        return try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.outboxColumns) FROM outbox WHERE engine = ? AND position > ? ORDER BY position LIMIT ?",
                arguments: [engine, after, limit]
            ).map { try Self.outboxMessage($0, store: store) }
        }
    }

    static func outboxMessage(_ row: Row, store: String) throws -> OutboxMessage {
        guard let address = ResourceAddress(parsing: row[3]) else {
            throw StateError.corruptRecord(address: row[3], reason: "outbox message \(row[0] as Int64) is damaged", store: store)
        }
        return OutboxMessage(position: row[0], id: row[1], engine: row[2], address: address, action: row[4], body: row[5], at: Self.date(row, 6))
    }
}
