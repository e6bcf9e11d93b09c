import Foundation
import Logging
import PostgresNIO
import ProvisorCore

extension PostgresStateStore {
    public func enqueue(_ messages: [OutboxMessage]) async throws -> Set<String> {
        guard !messages.isEmpty else { return [] }
        let store = description, held = await sessions.heldID
        return try await transaction { connection in
            try await Self.check(held, connection, store: store)
            return try await Self.enqueue(messages, connection)
        }
    }

    /// The identity column's name for an insert's column and select lists when the batch keeps
    /// the numbers it has (a restored archive's, all set), else nothing: the column's default
    /// numbers the rows in order. A batch is all one or all the other.
    static func identity(_ column: String, kept: Bool) -> String {
        kept ? column + ", " : ""
    }

    static func enqueue(_ messages: [OutboxMessage], _ connection: PostgresConnection) async throws -> Set<String> {
        guard !messages.isEmpty else { return [] }
        var rows = JSONRows()
        for message in messages {
            rows.add([
                "position": message.position == 0 ? nil : message.position, "message_id": message.id, "engine": message.engine,
                "address": message.address.description, "action": message.action, "body": message.body, "at": message.at.timeIntervalSince1970,
            ])
        }
        let inserted = try await connection.query(
            """
            INSERT INTO outbox (\(unescaped: Self.identity("position", kept: messages[0].position != 0))message_id, engine, address, action, body, at)
            SELECT \(unescaped: Self.identity("position", kept: messages[0].position != 0))message_id, engine, address, action, body, at
            FROM jsonb_to_recordset(\(rows.text)::jsonb)
                AS m(position bigint, message_id text, engine text, address text, action text, body text, at double precision, n bigint)
            ORDER BY n
            ON CONFLICT (message_id) DO NOTHING
            RETURNING message_id
            """, logger: logger)
        var added = Set<String>()
        for try await id in inserted.decode(String.self) { added.insert(id) }
        return added
    }

    public func outbox(engine: String, after: Int64, limit: Int) async throws -> [OutboxMessage] {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT position, message_id, engine, address, action, body, at FROM outbox
                WHERE engine = \(engine) AND position > \(after) ORDER BY position LIMIT \(limit)
                """, logger: Self.logger)
            return try await Self.outboxMessages(rows, store: store)
        }
    }

    static func outboxMessages(_ rows: PostgresRowSequence, store: String) async throws -> [OutboxMessage] {
        var messages: [OutboxMessage] = []
        for try await row in rows.decode((Int64, String, String, String, String, String, Double).self) {
            guard let address = ResourceAddress(parsing: row.3) else {
                throw StateError.corruptRecord(address: row.3, reason: "outbox message \(row.0) is damaged", store: store)
            }
            messages.append(
                OutboxMessage(
                    position: row.0, id: row.1, engine: row.2, address: address, action: row.4, body: row.5,
                    at: Date(timeIntervalSince1970: row.6)))
        }
        return messages
    }
}
