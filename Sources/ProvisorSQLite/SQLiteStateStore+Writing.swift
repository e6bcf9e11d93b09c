import Foundation
import GRDB
import ProvisorCore

extension SQLiteStateStore {
    public func commit(_ write: StateWrite) async throws -> StateHeader {
        let store = description
        let held = held.id
        return try await transaction { db in
            try Self.check(held, db, store: store)
            let current = try Self.header(db)
            if let expected = write.expectedSerial, expected != current.serial {
                throw StateError.serialMismatch(expected: expected, found: current.serial, store: store)
            }
            let serial = current.serial + 1
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO resource (address, kind, customer, parent, engine, attributes, outputs, serial, updated_at, checksum)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for resource in write.upserts {
                let row = resource.row(serial: serial)
                try upsert.execute(arguments: [
                    row.address, resource.address.kind.rawValue, resource.address.customer, row.parent, resource.engine, row.attributes, row.outputs,
                    serial, write.at.timeIntervalSince1970, row.checksum,
                ])
            }
            let delete = try db.cachedStatement(sql: "DELETE FROM resource WHERE address = ?")
            for address in write.deletes { try delete.execute(arguments: [address.description]) }
            try Self.appendAudit(write.audit, serial: serial, db)
            _ = try Self.append(write.journal, db)
            try db.execute(sql: "UPDATE state_meta SET value = ? WHERE key = 'serial'", arguments: [String(serial)])
            return try Self.header(db)
        }
    }

    /// Appends audit entries (and the commits they name, once each) with `serial`, else their
    /// own serial and sequence (a restored archive's).
    static func appendAudit(_ entries: [AuditEntry], serial: Int?, _ db: Database) throws {
        let audit = try db.cachedStatement(
            sql: "INSERT INTO audit (sequence, at, actor, address, action, detail, commit_sha, serial) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        var commits: Set<String> = []
        let recordCommit = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO git_commit (sha, author_name, author_email, authored_at, message) VALUES (?, ?, ?, ?, ?)")
        for entry in entries {
            if let commit = entry.commit, commits.insert(commit.sha).inserted {
                try recordCommit.execute(arguments: [
                    commit.sha, commit.authorName, commit.authorEmail, commit.authoredAt.timeIntervalSince1970, commit.message,
                ])
            }
            try audit.execute(arguments: [
                entry.sequence == 0 ? nil : entry.sequence, entry.at.timeIntervalSince1970, entry.actor, entry.address.description,
                entry.action, entry.detail, entry.commit?.sha, serial ?? entry.serial,
            ])
        }
    }

    public func acquireLock(_ request: LockRequest) async throws -> StateLock {
        let store = description
        let acquired = try await transaction { db in
            if let holder = try Self.lock(db) { throw StateError.locked(holder, store: store) }
            let lock = StateLock(request)
            try db.execute(
                sql: "INSERT INTO state_lock (id, lock_id, holder, process_id, operation, acquired_at) VALUES (1, ?, ?, ?, ?, ?)",
                arguments: [lock.id, lock.holder, lock.processID, lock.operation, lock.acquiredAt.timeIntervalSince1970])
            return lock
        }
        held.id = acquired.id
        return acquired
    }

    /// Refuses a write when this store acquired a lock that is no longer the state's.
    static func check(_ held: String?, _ db: Database, store: String) throws {
        guard let held else { return }
        guard try String.fetchOne(db, sql: "SELECT lock_id FROM state_lock") == held else { throw StateError.lockNotHeld(id: held, store: store) }
    }

    public func releaseLock(_ lock: StateLock) async throws {
        let store = description
        defer { if held.id == lock.id { held.id = nil } }
        try await transaction { db in
            try db.execute(sql: "DELETE FROM state_lock WHERE lock_id = ?", arguments: [lock.id])
            if db.changesCount == 0 { throw StateError.lockNotHeld(id: lock.id, store: store) }
        }
    }

    public func movedTo() async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM state_meta WHERE key = 'moved_to'") }
    }

    public func markMoved(to destination: String) async throws {
        try await transaction { db in
            try db.execute(sql: "INSERT OR REPLACE INTO state_meta (key, value) VALUES ('moved_to', ?)", arguments: [destination])
        }
    }

    public func currentLock() async throws -> StateLock? {
        try await pool.read { db in try Self.lock(db) }
    }

    public func breakLock() async throws -> StateLock? {
        try await transaction { db in
            let lock = try Self.lock(db)
            try db.execute(sql: "DELETE FROM state_lock")
            return lock
        }
    }

    static func lock(_ db: Database) throws -> StateLock? {
        try Row.fetchOne(db, sql: "SELECT lock_id, holder, process_id, operation, acquired_at FROM state_lock").map { row in
            StateLock(id: row[0], holder: row[1], processID: row[2], operation: row[3], acquiredAt: Self.date(row, 4))
        }
    }

    public func appendJournal(_ entries: [JournalEntry]) async throws -> [JournalEntry] {
        let held = held.id, store = description
        return try await transaction { db in
            try Self.check(held, db, store: store)
            return try Self.append(entries, db)
        }
    }

    static func append(_ entries: [JournalEntry], _ db: Database) throws -> [JournalEntry] {
        guard !entries.isEmpty else { return [] }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO journal (sequence, run, address, action, status, message_id, detail, at, parent, engine, attributes, previous)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        return try entries.map { entry in
            let payload = entry.payload
            try insert.execute(arguments: [
                entry.sequence == 0 ? nil : entry.sequence, entry.run, entry.address.description, entry.action, entry.status.rawValue, entry.messageID,
                entry.detail,
                entry.at.timeIntervalSince1970, payload?.parent?.description, payload?.engine,
                payload?.attributes.json, payload?.previous?.json,
            ])
            var stored = entry
            stored.sequence = db.lastInsertedRowID
            return stored
        }
    }

    static let journalColumns = "sequence, run, address, action, status, message_id, detail, at, parent, engine, attributes, previous"

    public func journal(run: String?) async throws -> [JournalEntry] {
        let store = description
        return try await pool.read { db in
            let sql = "SELECT \(Self.journalColumns) FROM journal" + (run == nil ? "" : " WHERE run = ?") + " ORDER BY sequence"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(run.map { [$0] } ?? [])).map { try Self.journalEntry($0, store: store) }
        }
    }

    public func unresolvedJournal() async throws -> [JournalEntry] {
        let store = description
        return try await pool.read { db in
            let sql = """
                SELECT \(Self.journalColumns) FROM journal AS j
                WHERE j.status IN ('pending', 'sent')
                  AND NOT EXISTS (SELECT 1 FROM journal AS later WHERE later.message_id = j.message_id AND later.sequence > j.sequence)
                ORDER BY j.sequence
                """
            return try Row.fetchAll(db, sql: sql).map { try Self.journalEntry($0, store: store) }
        }
    }

    static func journalEntry(_ row: Row, store: String) throws -> JournalEntry {
        let status: String = row[4]
        guard let address = ResourceAddress(parsing: row[2]), let parsed = JournalEntry.Status(rawValue: status) else {
            throw StateError.corruptRecord(address: row[2], reason: "journal entry \(row[0] as Int64) is damaged", store: store)
        }
        var payload: JournalEntry.Payload?
        if let engine: String = row[9], let attributes: String = row[10] {
            let parent: String? = row[8], previous: String? = row[11]
            payload = JournalEntry.Payload(
                parent: parent.flatMap(ResourceAddress.init(parsing:)), engine: engine,
                attributes: AttributeDocument(json: attributes), previous: previous.map(AttributeDocument.init(json:)))
        }
        return JournalEntry(
            sequence: row[0], run: row[1], address: address, action: row[3], status: parsed, messageID: row[5], detail: row[6],
            payload: payload, at: Self.date(row, 7))
    }

    public func audit(address: ResourceAddress?) async throws -> [AuditEntry] {
        let store = description
        return try await pool.read { db in try Self.auditEntries(db, address: address, store: store) }
    }

    static func auditEntries(_ db: Database, address: ResourceAddress?, store: String) throws -> [AuditEntry] {
        let sql = """
            SELECT sequence, at, actor, address, action, detail, serial, commit_sha, author_name, author_email, authored_at, message
            FROM audit LEFT JOIN git_commit ON git_commit.sha = audit.commit_sha
            """ + (address == nil ? "" : " WHERE address = ?") + " ORDER BY sequence"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(address.map { [$0.description] } ?? [])).map { row in
            guard let parsed = ResourceAddress(parsing: row[3]) else {
                throw StateError.corruptRecord(address: row[3], reason: "audit entry \(row[0] as Int64) is damaged", store: store)
            }
            let commit = (row[7] as String?).map { sha in
                CommitInfo(
                    sha: sha, authorName: row[8] ?? "", authorEmail: row[9] ?? "",
                    authoredAt: Date(timeIntervalSince1970: row[10] ?? 0), message: row[11] ?? "")
            }
            return AuditEntry(
                sequence: row[0], at: Self.date(row, 1), actor: row[2], address: parsed, action: row[4], detail: row[5],
                commit: commit, serial: row[6])
        }
    }
}
