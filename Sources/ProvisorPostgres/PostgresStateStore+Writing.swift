import Foundation
import Logging
import PostgresNIO
import ProvisorCore

extension PostgresStateStore {
    public func commit(_ write: StateWrite) async throws -> StateHeader {
        let store = description, held = await sessions.heldID
        return try await transaction { connection in
            try await Self.check(held, connection, store: store)
            let current = try await Self.lockedSerial(connection)
            if let expected = write.expectedSerial, expected != current {
                throw StateError.serialMismatch(expected: expected, found: current, store: store)
            }
            let serial = current + 1
            // The last write of an address wins, as it would row by row.
            var latest: [ResourceAddress: Int] = [:]
            for (index, resource) in write.upserts.enumerated() { latest[resource.address] = index }
            var rows = JSONRows()
            for (index, resource) in write.upserts.enumerated() where latest[resource.address] == index {
                let row = resource.row(serial: serial)
                rows.add([
                    "address": row.address, "kind": resource.address.kind.rawValue, "customer": resource.address.customer,
                    "parent": row.parent, "engine": resource.engine, "attributes": row.attributes, "outputs": row.outputs, "checksum": row.checksum,
                ])
            }
            if rows.count > 0 {
                try await connection.query(
                    """
                    INSERT INTO resource (address, kind, customer, parent, engine, attributes, outputs, serial, updated_at, checksum)
                    SELECT address, kind, customer, parent, engine, attributes, outputs, \(serial), \(write.at.timeIntervalSince1970), checksum
                    FROM jsonb_to_recordset(\(rows.text)::jsonb)
                        AS r(address text, kind text, customer text, parent text, engine text, attributes text, outputs text, checksum bigint)
                    ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, customer = excluded.customer, parent = excluded.parent,
                        engine = excluded.engine, attributes = excluded.attributes, outputs = excluded.outputs, serial = excluded.serial,
                        updated_at = excluded.updated_at, checksum = excluded.checksum
                    """, logger: Self.logger)
            }
            if !write.deletes.isEmpty {
                try await connection.query("DELETE FROM resource WHERE address = ANY(\(write.deletes.map(\.description)))", logger: Self.logger)
            }
            try await Self.appendAudit(write.audit, serial: serial, connection)
            _ = try await Self.append(write.journal, connection)
            try await connection.query("UPDATE state_meta SET value = \(String(serial)) WHERE key = 'serial'", logger: Self.logger)
            return try await Self.header(connection)
        }
    }

    /// The serial, with its row locked until the transaction ends.
    static func lockedSerial(_ connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query("SELECT value FROM state_meta WHERE key = 'serial' FOR UPDATE", logger: logger)
        for try await value in rows.decode(String.self) { return Int(value) ?? 0 }
        return 0
    }

    /// Appends audit entries (and the commits they name, once each) in their order.
    static func appendAudit(_ entries: [AuditEntry], serial: Int?, _ connection: PostgresConnection) async throws {
        guard !entries.isEmpty else { return }
        var commits = JSONRows(), seen = Set<String>()
        var rows = JSONRows()
        for entry in entries {
            if let commit = entry.commit, seen.insert(commit.sha).inserted {
                commits.add([
                    "sha": commit.sha, "author_name": commit.authorName, "author_email": commit.authorEmail,
                    "authored_at": commit.authoredAt.timeIntervalSince1970, "message": commit.message,
                ])
            }
            rows.add([
                "sequence": entry.sequence == 0 ? nil : entry.sequence, "at": entry.at.timeIntervalSince1970, "actor": entry.actor,
                "address": entry.address.description, "action": entry.action, "detail": entry.detail, "commit_sha": entry.commit?.sha,
                "serial": serial ?? entry.serial,
            ])
        }
        if commits.count > 0 {
            try await connection.query(
                """
                INSERT INTO git_commit (sha, author_name, author_email, authored_at, message)
                SELECT * FROM jsonb_to_recordset(\(commits.text)::jsonb)
                    AS c(sha text, author_name text, author_email text, authored_at double precision, message text)
                ON CONFLICT (sha) DO NOTHING
                """, logger: logger)
        }
        try await connection.query(
            """
            INSERT INTO audit (\(unescaped: Self.identity("sequence", kept: entries[0].sequence != 0))at, actor, address, action, detail, commit_sha, serial)
            SELECT \(unescaped: Self.identity("sequence", kept: entries[0].sequence != 0))at, actor, address, action, detail, commit_sha, serial
            FROM jsonb_to_recordset(\(rows.text)::jsonb)
                AS a(sequence bigint, at double precision, actor text, address text, action text, detail text, commit_sha text, serial bigint, n bigint)
            ORDER BY n
            """, logger: logger)
    }

    public func acquireLock(_ request: LockRequest) async throws -> StateLock {
        let session = try await Self.connect(location)
        do {
            let lock = StateLock(request)
            let acquired = try await mapped {
                guard
                    try await Self.single(
                        session.query("SELECT pg_try_advisory_lock(\(Self.lockKey.0), \(Self.lockKey.1))", logger: Self.logger),
                        as: Bool.self) == true
                else { return false }
                // A row left beside a lock that nobody holds any more is replaced.
                try await session.query("BEGIN", logger: Self.logger)
                try await session.query("DELETE FROM state_lock", logger: Self.logger)
                try await session.query(
                    """
                    INSERT INTO state_lock (id, lock_id, holder, process_id, operation, acquired_at, session_pid)
                    VALUES (1, \(lock.id), \(lock.holder), \(lock.processID), \(lock.operation), \(lock.acquiredAt.timeIntervalSince1970), pg_backend_pid())
                    """, logger: Self.logger)
                try await session.query("COMMIT", logger: Self.logger)
                return true
            }
            guard acquired else { throw StateError.locked(try await holder(asOf: request.at), store: description) }
            await sessions.insert(session, for: lock.id)
            return lock
        } catch {
            try? await session.close()
            throw error
        }
    }

    /// Who holds the advisory lock, from its row; the holder may be writing the row still.
    /// Without a row, the holder is known only to have held it by `date`.
    func holder(asOf date: Date) async throws -> StateLock {
        for _ in 0..<50 {
            if let lock = try await currentLock() { return lock }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let pid = try await withConnection { connection in
            try await Self.single(connection.query(PostgresQuery(unsafeSQL: Self.lockHolderPID), logger: Self.logger), as: Int32.self)
        }
        return StateLock(id: "", holder: "another PostgreSQL session", processID: pid ?? 0, operation: "unknown", acquiredAt: date)
    }

    /// The server process of the session holding the advisory lock.
    static let lockHolderPID = """
        SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid::bigint = \(lockKey.0) AND objid::bigint = \(lockKey.1) AND objsubid = 2
        """

    public func releaseLock(_ lock: StateLock) async throws {
        guard let session = await sessions.remove(lock.id) else { throw StateError.lockNotHeld(id: lock.id, store: description) }
        let removed = try await withConnection { connection in
            try await Self.single(connection.query("DELETE FROM state_lock WHERE lock_id = \(lock.id) RETURNING 1", logger: Self.logger), as: Int.self)
        }
        // Ending the session releases its advisory lock.
        try? await session.close()
        if removed == nil { throw StateError.lockNotHeld(id: lock.id, store: description) }
    }

    public func movedTo() async throws -> String? {
        try await withConnection { connection in
            try await Self.single(connection.query("SELECT value FROM state_meta WHERE key = 'moved_to'", logger: Self.logger), as: String.self)
        }
    }

    public func markMoved(to destination: String) async throws {
        try await withConnection { connection in
            try await connection.query(
                "INSERT INTO state_meta (key, value) VALUES ('moved_to', \(destination)) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                logger: Self.logger)
        }
    }

    public func currentLock() async throws -> StateLock? {
        try await withConnection { connection in try await Self.liveLock(connection)?.lock }
    }

    /// The lock's row when a session still holds the advisory lock, with that session's pid.
    static func liveLock(_ connection: PostgresConnection) async throws -> (lock: StateLock, pid: Int32)? {
        let rows = try await connection.query(
            """
            SELECT lock_id, holder, process_id, operation, acquired_at, session_pid FROM state_lock
            WHERE session_pid = (\(unescaped: lockHolderPID))
            """, logger: logger)
        for try await row in rows.decode((String, String, Int32, String, Double, Int32).self) {
            return (StateLock(id: row.0, holder: row.1, processID: row.2, operation: row.3, acquiredAt: Date(timeIntervalSince1970: row.4)), row.5)
        }
        return nil
    }

    /// Removes the lock's row and ends the session holding the advisory lock: its run loses
    /// its connection, so nothing more it does is recorded.
    public func breakLock() async throws -> StateLock? {
        try await withConnection { connection in
            let live = try await Self.liveLock(connection)
            try await connection.query("DELETE FROM state_lock", logger: Self.logger)
            if let pid = try await Self.single(connection.query(PostgresQuery(unsafeSQL: Self.lockHolderPID), logger: Self.logger), as: Int32.self) {
                try await connection.query("SELECT pg_terminate_backend(\(pid))", logger: Self.logger)
            }
            return live?.lock
        }
    }

    public func appendJournal(_ entries: [JournalEntry]) async throws -> [JournalEntry] {
        guard !entries.isEmpty else { return [] }
        let store = description, held = await sessions.heldID
        return try await transaction { connection in
            try await Self.check(held, connection, store: store)
            return try await Self.append(entries, connection)
        }
    }

    /// Refuses a write when this store acquired a lock whose row is gone or another's (someone
    /// broke it with state unlock): a run whose lock was broken writes nothing more.
    static func check(_ held: String?, _ connection: PostgresConnection, store: String) async throws {
        guard let held else { return }
        let current = try await single(connection.query("SELECT lock_id FROM state_lock", logger: logger), as: String.self)
        guard current == held else { throw StateError.lockNotHeld(id: held, store: store) }
    }

    /// Appends journal entries in their order and returns them with their sequences (kept when
    /// an entry has one already, as a restored archive's do).
    static func append(_ entries: [JournalEntry], _ connection: PostgresConnection) async throws -> [JournalEntry] {
        guard !entries.isEmpty else { return [] }
        var rows = JSONRows()
        for entry in entries {
            let payload = entry.payload
            rows.add([
                "sequence": entry.sequence == 0 ? nil : entry.sequence, "run": entry.run, "address": entry.address.description,
                "action": entry.action, "status": entry.status.rawValue, "message_id": entry.messageID, "detail": entry.detail,
                "at": entry.at.timeIntervalSince1970, "parent": payload?.parent?.description, "engine": payload?.engine,
                "attributes": payload?.attributes.json, "previous": payload?.previous?.json,
            ])
        }
        let inserted = try await connection.query(
            """
            INSERT INTO journal (\(unescaped: Self.identity("sequence", kept: entries[0].sequence != 0))run, address, action, status, message_id, detail, at,
                                 parent, engine, attributes, previous)
            SELECT \(unescaped: Self.identity("sequence", kept: entries[0].sequence != 0))run, address, action, status, message_id, detail, at,
                   parent, engine, attributes, previous
            FROM jsonb_to_recordset(\(rows.text)::jsonb)
                AS j(sequence bigint, run text, address text, action text, status text, message_id text, detail text, at double precision,
                     parent text, engine text, attributes text, previous text, n bigint)
            ORDER BY n
            RETURNING sequence
            """, logger: logger)
        var sequences: [Int64] = []
        for try await sequence in inserted.decode(Int64.self) { sequences.append(sequence) }
        if entries.allSatisfy({ $0.sequence == 0 }) { sequences.sort() }
        return zip(entries, sequences).map { entry, sequence in
            var stored = entry
            stored.sequence = sequence
            return stored
        }
    }

    static let journalColumns = "sequence, run, address, action, status, message_id, detail, at, parent, engine, attributes, previous"
    private typealias JournalRow = (Int64, String, String, String, String, String, String?, Double, String?, String?, String?, String?)

    public func journal(run: String?) async throws -> [JournalEntry] {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.journalColumns) FROM journal WHERE \(run)::text IS NULL OR run = \(run) ORDER BY sequence
                """, logger: Self.logger)
            return try await Self.journalEntries(rows, store: store)
        }
    }

    public func unresolvedJournal() async throws -> [JournalEntry] {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.journalColumns) FROM journal AS j
                WHERE j.status IN ('pending', 'sent')
                  AND NOT EXISTS (SELECT 1 FROM journal AS later WHERE later.message_id = j.message_id AND later.sequence > j.sequence)
                ORDER BY j.sequence
                """, logger: Self.logger)
            return try await Self.journalEntries(rows, store: store)
        }
    }

    static func journalEntries(_ rows: PostgresRowSequence, store: String) async throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        for try await row in rows.decode(JournalRow.self) {
            guard let address = ResourceAddress(parsing: row.2), let status = JournalEntry.Status(rawValue: row.4) else {
                throw StateError.corruptRecord(address: row.2, reason: "journal entry \(row.0) is damaged", store: store)
            }
            var payload: JournalEntry.Payload?
            if let engine = row.9, let attributes = row.10 {
                payload = JournalEntry.Payload(
                    parent: row.8.flatMap(ResourceAddress.init(parsing:)), engine: engine,
                    attributes: AttributeDocument(json: attributes), previous: row.11.map(AttributeDocument.init(json:)))
            }
            entries.append(
                JournalEntry(
                    sequence: row.0, run: row.1, address: address, action: row.3, status: status, messageID: row.5, detail: row.6,
                    payload: payload, at: Date(timeIntervalSince1970: row.7)))
        }
        return entries
    }

    public func audit(address: ResourceAddress?) async throws -> [AuditEntry] {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT sequence, at, actor, address, action, detail, serial, commit_sha, author_name, author_email, authored_at, message
                FROM audit LEFT JOIN git_commit ON git_commit.sha = audit.commit_sha
                WHERE \(address?.description)::text IS NULL OR address = \(address?.description)
                ORDER BY sequence
                """, logger: Self.logger)
            return try await Self.auditEntries(rows, store: store)
        }
    }

    static func auditEntries(_ rows: PostgresRowSequence, store: String) async throws -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for try await row in rows.decode((Int64, Double, String, String, String, String?, Int, String?, String?, String?, Double?, String?).self) {
            guard let address = ResourceAddress(parsing: row.3) else {
                throw StateError.corruptRecord(address: row.3, reason: "audit entry \(row.0) is damaged", store: store)
            }
            let commit = row.7.map { sha in
                CommitInfo(
                    sha: sha, authorName: row.8 ?? "", authorEmail: row.9 ?? "", authoredAt: Date(timeIntervalSince1970: row.10 ?? 0), message: row.11 ?? "")
            }
            entries.append(
                AuditEntry(
                    sequence: row.0, at: Date(timeIntervalSince1970: row.1), actor: row.2, address: address, action: row.4,
                    detail: row.5, commit: commit, serial: row.6))
        }
        return entries
    }
}
