import Foundation
import Logging
import PostgresNIO
import ProvisorCore

extension PostgresStateStore {
    public func archive() async throws -> StateArchive {
        let store = description
        return try await transaction(readOnly: true) { connection in try await Self.archive(connection, store: store) }
    }

    static func archive(_ connection: PostgresConnection, store: String) async throws -> StateArchive {
        let header = try await Self.header(connection)
        var resources: [RecordedResource] = []
        for try await row in try await connection.query("SELECT \(unescaped: Self.resourceColumns) FROM resource", logger: Self.logger)
            .decode((String, String?, String, String, Int, Double, String, Int64?).self)
        {
            resources.append(try Self.resource(row, store: store))
        }
        let journal = try await Self.journalEntries(
            try await connection.query(
                "SELECT \(unescaped: Self.journalColumns) FROM journal ORDER BY sequence",
                logger: Self.logger), store: store)
        let audit = try await Self.auditEntries(
            try await connection.query(
                """
                SELECT sequence, at, actor, address, action, detail, serial, commit_sha, author_name, author_email, authored_at, message
                FROM audit LEFT JOIN git_commit ON git_commit.sha = audit.commit_sha ORDER BY sequence
                """, logger: Self.logger), store: store)
        let outbox = try await Self.outboxMessages(
            try await connection.query(
                "SELECT position, message_id, engine, address, action, body, at FROM outbox ORDER BY position",
                logger: Self.logger), store: store)
        return StateArchive(
            lineage: header.lineage ?? "", serial: header.serial, resources: resources.sorted { $0.address < $1.address },
            journal: journal, audit: audit, outbox: outbox, observations: try await Self.observations(connection, store: store))
    }

    public func restore(_ archive: StateArchive, verify: @escaping @Sendable (StateArchive) throws -> Void) async throws {
        let store = description
        try await transaction { connection in
            let serial = try await Self.lockedSerial(connection)
            let rows = try await connection.query(
                """
                SELECT (SELECT count(*) FROM resource), (SELECT count(*) FROM journal), (SELECT count(*) FROM audit), (SELECT count(*) FROM outbox),
                       (SELECT count(*) FROM observed_engine)
                """, logger: Self.logger)
            for try await counts in rows.decode((Int, Int, Int, Int, Int).self) where serial != 0 || counts != (0, 0, 0, 0, 0) {
                throw StateError.notEmpty(store: store, serial: serial, resources: counts.0)
            }
            try await connection.query("UPDATE state_meta SET value = \(archive.lineage) WHERE key = 'lineage'", logger: Self.logger)
            try await connection.query("UPDATE state_meta SET value = \(String(archive.serial)) WHERE key = 'serial'", logger: Self.logger)
            for chunk in archive.resources.chunks(of: 20_000) {
                var rows = JSONRows()
                for resource in chunk {
                    let row = resource.row(serial: resource.serial)
                    rows.add([
                        "address": row.address, "kind": resource.address.kind.rawValue, "customer": resource.address.customer,
                        "parent": row.parent, "engine": resource.engine, "attributes": row.attributes, "outputs": row.outputs,
                        "serial": resource.serial, "updated_at": resource.updatedAt.timeIntervalSince1970, "checksum": row.checksum,
                    ])
                }
                try await connection.query(
                    """
                    INSERT INTO resource (address, kind, customer, parent, engine, attributes, outputs, serial, updated_at, checksum)
                    SELECT * FROM jsonb_to_recordset(\(rows.text)::jsonb)
                        AS r(address text, kind text, customer text, parent text, engine text, attributes text, outputs text, serial bigint,
                             updated_at double precision, checksum bigint)
                    """, logger: Self.logger)
            }
            for chunk in archive.journal.chunks(of: 20_000) { _ = try await Self.append(chunk, connection) }
            for chunk in archive.audit.chunks(of: 20_000) { try await Self.appendAudit(chunk, serial: nil, connection) }
            for chunk in archive.outbox.chunks(of: 20_000) { _ = try await Self.enqueue(chunk, connection) }
            for record in archive.observations {
                try await connection.query(
                    """
                    INSERT INTO observed_engine (engine, attempted_at, failure, observed_at)
                    VALUES (\(record.engine), \(record.attemptedAt.timeIntervalSince1970), \(record.failure), \(record.observedAt?.timeIntervalSince1970))
                    """, logger: Self.logger)
                for chunk in record.resources.chunks(of: 20_000) {
                    try await Self.insertObserved(
                        chunk.map { ($0.address.description, AttributeDocument($0.attributes).json) }, engine: record.engine, connection)
                }
            }
            // Later appends carry on after the copied sequences.
            for (table, column) in [("journal", "sequence"), ("audit", "sequence"), ("outbox", "position")] {
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), coalesce(max(\(column)), 0) + 1, false) FROM \(table)
                            """), logger: Self.logger)
            }
            try verify(try await Self.archive(connection, store: store))
        }
    }
}
