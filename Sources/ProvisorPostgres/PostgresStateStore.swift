import Foundation
import Logging
import PostgresNIO
import ProvisorCore

/// The state in a PostgreSQL database, shared by every runner that reaches it: CI's dry-runs,
/// the apply on merge and the scheduled drift correction, on different machines.
///
/// One connection carries reads and writes, one statement or transaction at a time. The state
/// lock is a session-level advisory lock taken on a connection of its own, held for as long as
/// the run holds the lock: when the process dies its connection closes and the server releases
/// the lock, so a crashed run never leaves a stale lock. Who holds it is written beside it in
/// `state_lock`, for the refusal message. Commits lock the serial's row (`FOR UPDATE`), so two
/// runners' commits are serialised and `expectedSerial` is checked against the latest one.
public final class PostgresStateStore: StateStore, OutboxStore, StateArchiving {
    public let location: PostgresLocation
    private let connection: PostgresConnection
    private let gate = Gate()
    private let sessions = LockSessions()

    public var description: String { location.description }

    /// The advisory lock's key: (`'prov'`, 1). Advisory locks belong to one database, so each
    /// database holds one state with its own lock.
    static let lockKey: (Int32, Int32) = (0x7072_6F76, 1)

    private init(location: PostgresLocation, connection: PostgresConnection) {
        self.location = location
        self.connection = connection
    }

    /// Connects and brings the schema up to date (creating it in an empty database).
    public static func open(_ location: PostgresLocation) async throws -> PostgresStateStore {
        try await open(location, createSchema: true)!
    }

    /// Connects and brings the schema up to date; without `createSchema`, a database that has
    /// no Provisor state yet is left alone and nil returned.
    public static func open(_ location: PostgresLocation, createSchema: Bool) async throws -> PostgresStateStore? {
        let connection = try await connect(location)
        let store = PostgresStateStore(location: location, connection: connection)
        do {
            if try await store.migrate(createSchema: createSchema) { return store }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
        return nil
    }

    /// A store that is simply let go (a command ending) closes its connection here: postgres-nio
    /// requires every connection to be closed before it is released.
    deinit {
        Self.closeAndWait(connection)
    }

    static func closeAndWait(_ connection: PostgresConnection) {
        if !connection.isClosed { _ = try? connection.close().wait() }
    }

    /// Closes the store's connections; a lock still held is released with them.
    public func close() async {
        for session in await sessions.removeAll() { try? await session.close() }
        try? await connection.close()
    }

    static let logger = Logger(label: "provisor.postgres") { _ in SwiftLogNoOpLogHandler() }

    private static func connect(_ location: PostgresLocation) async throws -> PostgresConnection {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try location.configuration()
        } catch {
            throw StateError.unreadable(path: location.description, reason: error.description)
        }
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw StateError.unreadable(path: location.description, reason: PostgresFailure.reason(error, location: location))
        }
    }

    // MARK: Migrations

    /// Applies the migrations not applied yet; false when there is no state and `createSchema`
    /// is off.
    private func migrate(createSchema: Bool) async throws -> Bool {
        try await transaction { connection in
            if !createSchema,
               try await Self.single(connection.query("SELECT to_regclass('provisor_migrations') IS NULL", logger: Self.logger), as: Bool.self) == true {
                return false
            }
            // One migrator at a time: a second runner waits here, then finds the work done.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey.0), 0)", logger: Self.logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS provisor_migrations (identifier text PRIMARY KEY, applied_at double precision NOT NULL)",
                                       logger: Self.logger)
            var applied = Set<String>()
            for try await identifier in try await connection.query("SELECT identifier FROM provisor_migrations", logger: Self.logger).decode(String.self) {
                applied.insert(identifier)
            }
            let known = Set(PostgresSchema.migrations.map(\.identifier))
            guard applied.isSubset(of: known) else { throw StateError.newerSchema(path: self.description) }
            for migration in PostgresSchema.migrations where !applied.contains(migration.identifier) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger)
                }
                // The server's time: when the database changed, by its own clock.
                try await connection.query("INSERT INTO provisor_migrations (identifier, applied_at) VALUES (\(migration.identifier), extract(epoch FROM now()))",
                                           logger: Self.logger)
            }
            return true
        }
    }

    // MARK: Reading

    public func header() async throws -> StateHeader {
        try await withConnection { connection in try await Self.header(connection) }
    }

    public func snapshot() async throws -> StateSnapshot {
        let store = description
        return try await transaction(readOnly: true) { connection in
            let header = try await Self.header(connection)
            var resources: [RecordedResource] = []
            resources.reserveCapacity(header.resourceCount)
            let rows = try await connection.query("SELECT address, parent, engine, attributes, serial, updated_at FROM resource", logger: Self.logger)
            for try await row in rows.decode((String, String?, String, String, Int, Double).self) {
                resources.append(try Self.resource(row, store: store))
            }
            return StateSnapshot(header: header, resources: resources)
        }
    }

    public func resources(matching filter: ResourceFilter) async throws -> [RecordedResource] {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query("""
                SELECT address, parent, engine, attributes, serial, updated_at FROM resource
                WHERE (\(filter.kind?.rawValue)::text IS NULL OR kind = \(filter.kind?.rawValue))
                  AND (\(filter.customer)::text IS NULL OR customer = \(filter.customer))
                """, logger: Self.logger)
            var resources: [RecordedResource] = []
            for try await row in rows.decode((String, String?, String, String, Int, Double).self) {
                resources.append(try Self.resource(row, store: store))
            }
            return resources.sorted { $0.address < $1.address }
        }
    }

    public func resource(at address: ResourceAddress) async throws -> RecordedResource? {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query("SELECT address, parent, engine, attributes, serial, updated_at FROM resource WHERE address = \(address.description)",
                                                  logger: Self.logger)
            for try await row in rows.decode((String, String?, String, String, Int, Double).self) { return try Self.resource(row, store: store) }
            return nil
        }
    }

    private static func header(_ connection: PostgresConnection) async throws -> StateHeader {
        let rows = try await connection.query("""
            SELECT (SELECT value FROM state_meta WHERE key = 'lineage'), (SELECT value FROM state_meta WHERE key = 'serial'), (SELECT count(*) FROM resource)
            """, logger: logger)
        for try await (lineage, serial, count) in rows.decode((String?, String?, Int).self) {
            return StateHeader(lineage: lineage, serial: serial.flatMap { Int($0) } ?? 0, resourceCount: count)
        }
        return .empty
    }

    private static func resource(_ row: (String, String?, String, String, Int, Double), store: String) throws -> RecordedResource {
        guard let address = ResourceAddress(parsing: row.0) else {
            throw StateError.corruptRecord(address: row.0, reason: "not a resource address", store: store)
        }
        return RecordedResource(address: address, parent: row.1.flatMap(ResourceAddress.init(parsing:)), engine: row.2,
                                attributes: AttributeDocument(json: row.3), serial: row.4, updatedAt: Date(timeIntervalSince1970: row.5))
    }

    // MARK: Writing

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
                rows.add(["address": resource.address.description, "kind": resource.address.kind.rawValue, "customer": resource.address.customer,
                          "parent": resource.parent?.description, "engine": resource.engine, "attributes": resource.attributes.json])
            }
            if rows.count > 0 {
                try await connection.query("""
                    INSERT INTO resource (address, kind, customer, parent, engine, attributes, serial, updated_at)
                    SELECT address, kind, customer, parent, engine, attributes, \(serial), \(write.at.timeIntervalSince1970)
                    FROM jsonb_to_recordset(\(rows.text)::jsonb) AS r(address text, kind text, customer text, parent text, engine text, attributes text)
                    ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, customer = excluded.customer, parent = excluded.parent,
                        engine = excluded.engine, attributes = excluded.attributes, serial = excluded.serial, updated_at = excluded.updated_at
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
    private static func lockedSerial(_ connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query("SELECT value FROM state_meta WHERE key = 'serial' FOR UPDATE", logger: logger)
        for try await value in rows.decode(String.self) { return Int(value) ?? 0 }
        return 0
    }

    /// Appends audit entries (and the commits they name, once each) in their order.
    private static func appendAudit(_ entries: [AuditEntry], serial: Int?, _ connection: PostgresConnection) async throws {
        guard !entries.isEmpty else { return }
        var commits = JSONRows(), seen = Set<String>()
        var rows = JSONRows()
        for entry in entries {
            if let commit = entry.commit, seen.insert(commit.sha).inserted {
                commits.add(["sha": commit.sha, "author_name": commit.authorName, "author_email": commit.authorEmail,
                             "authored_at": commit.authoredAt.timeIntervalSince1970, "message": commit.message])
            }
            rows.add(["sequence": entry.sequence == 0 ? nil : entry.sequence, "at": entry.at.timeIntervalSince1970, "actor": entry.actor,
                      "address": entry.address.description, "action": entry.action, "detail": entry.detail, "commit_sha": entry.commit?.sha,
                      "serial": serial ?? entry.serial])
        }
        if commits.count > 0 {
            try await connection.query("""
                INSERT INTO git_commit (sha, author_name, author_email, authored_at, message)
                SELECT * FROM jsonb_to_recordset(\(commits.text)::jsonb)
                    AS c(sha text, author_name text, author_email text, authored_at double precision, message text)
                ON CONFLICT (sha) DO NOTHING
                """, logger: logger)
        }
        try await connection.query("""
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
                guard try await Self.single(session.query("SELECT pg_try_advisory_lock(\(Self.lockKey.0), \(Self.lockKey.1))", logger: Self.logger),
                                            as: Bool.self) == true else { return false }
                // A row left beside a lock that nobody holds any more is replaced.
                try await session.query("BEGIN", logger: Self.logger)
                try await session.query("DELETE FROM state_lock", logger: Self.logger)
                try await session.query("""
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
    private func holder(asOf date: Date) async throws -> StateLock {
        for _ in 0..<50 {
            if let lock = try await currentLock() { return lock }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let pid = try await withConnection { connection in try await Self.single(connection.query(PostgresQuery(unsafeSQL: Self.lockHolderPID), logger: Self.logger), as: Int32.self) }
        return StateLock(id: "", holder: "another PostgreSQL session", processID: pid ?? 0, operation: "unknown", acquiredAt: date)
    }

    /// The server process of the session holding the advisory lock.
    private static let lockHolderPID = """
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

    public func currentLock() async throws -> StateLock? {
        try await withConnection { connection in try await Self.liveLock(connection)?.lock }
    }

    /// The lock's row when a session still holds the advisory lock, with that session's pid.
    private static func liveLock(_ connection: PostgresConnection) async throws -> (lock: StateLock, pid: Int32)? {
        let rows = try await connection.query("""
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
    private static func check(_ held: String?, _ connection: PostgresConnection, store: String) async throws {
        guard let held else { return }
        let current = try await single(connection.query("SELECT lock_id FROM state_lock", logger: logger), as: String.self)
        guard current == held else { throw StateError.lockNotHeld(id: held, store: store) }
    }

    /// Appends journal entries in their order and returns them with their sequences (kept when
    /// an entry has one already, as a restored archive's do).
    private static func append(_ entries: [JournalEntry], _ connection: PostgresConnection) async throws -> [JournalEntry] {
        guard !entries.isEmpty else { return [] }
        var rows = JSONRows()
        for entry in entries {
            let payload = entry.payload
            rows.add(["sequence": entry.sequence == 0 ? nil : entry.sequence, "run": entry.run, "address": entry.address.description,
                      "action": entry.action, "status": entry.status.rawValue, "message_id": entry.messageID, "detail": entry.detail,
                      "at": entry.at.timeIntervalSince1970, "parent": payload?.parent?.description, "engine": payload?.engine,
                      "attributes": payload?.attributes.json, "previous": payload?.previous?.json])
        }
        let inserted = try await connection.query("""
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

    private static let journalColumns = "sequence, run, address, action, status, message_id, detail, at, parent, engine, attributes, previous"
    private typealias JournalRow = (Int64, String, String, String, String, String, String?, Double, String?, String?, String?, String?)

    public func journal(run: String?) async throws -> [JournalEntry] {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.journalColumns) FROM journal WHERE \(run)::text IS NULL OR run = \(run) ORDER BY sequence
                """, logger: Self.logger)
            return try await Self.journalEntries(rows, store: store)
        }
    }

    public func unresolvedJournal() async throws -> [JournalEntry] {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.journalColumns) FROM journal AS j
                WHERE j.status = 'pending'
                  AND NOT EXISTS (SELECT 1 FROM journal AS later WHERE later.message_id = j.message_id AND later.sequence > j.sequence)
                ORDER BY j.sequence
                """, logger: Self.logger)
            return try await Self.journalEntries(rows, store: store)
        }
    }

    private static func journalEntries(_ rows: PostgresRowSequence, store: String) async throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        for try await row in rows.decode(JournalRow.self) {
            guard let address = ResourceAddress(parsing: row.2), let status = JournalEntry.Status(rawValue: row.4) else {
                throw StateError.corruptRecord(address: row.2, reason: "journal entry \(row.0) is damaged", store: store)
            }
            var payload: JournalEntry.Payload?
            if let engine = row.9, let attributes = row.10 {
                payload = JournalEntry.Payload(parent: row.8.flatMap(ResourceAddress.init(parsing:)), engine: engine,
                                               attributes: AttributeDocument(json: attributes), previous: row.11.map(AttributeDocument.init(json:)))
            }
            entries.append(JournalEntry(sequence: row.0, run: row.1, address: address, action: row.3, status: status, messageID: row.5, detail: row.6,
                                        payload: payload, at: Date(timeIntervalSince1970: row.7)))
        }
        return entries
    }

    public func audit(address: ResourceAddress?) async throws -> [AuditEntry] {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query("""
                SELECT sequence, at, actor, address, action, detail, serial, commit_sha, author_name, author_email, authored_at, message
                FROM audit LEFT JOIN git_commit ON git_commit.sha = audit.commit_sha
                WHERE \(address?.description)::text IS NULL OR address = \(address?.description)
                ORDER BY sequence
                """, logger: Self.logger)
            return try await Self.auditEntries(rows, store: store)
        }
    }

    private static func auditEntries(_ rows: PostgresRowSequence, store: String) async throws -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for try await row in rows.decode((Int64, Double, String, String, String, String?, Int, String?, String?, String?, Double?, String?).self) {
            guard let address = ResourceAddress(parsing: row.3) else {
                throw StateError.corruptRecord(address: row.3, reason: "audit entry \(row.0) is damaged", store: store)
            }
            let commit = row.7.map { sha in
                CommitInfo(sha: sha, authorName: row.8 ?? "", authorEmail: row.9 ?? "", authoredAt: Date(timeIntervalSince1970: row.10 ?? 0), message: row.11 ?? "")
            }
            entries.append(AuditEntry(sequence: row.0, at: Date(timeIntervalSince1970: row.1), actor: row.2, address: address, action: row.4,
                                      detail: row.5, commit: commit, serial: row.6))
        }
        return entries
    }

    // MARK: Observations

    public func recordObservation(_ observation: EngineObservation, engine: String, at date: Date) async throws {
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO observed_engine (engine, attempted_at, failure, observed_at) VALUES (\(engine), \(date.timeIntervalSince1970), NULL, NULL)
                ON CONFLICT (engine) DO UPDATE SET attempted_at = excluded.attempted_at
                """, logger: Self.logger)
            switch observation {
            case .unreadable(let reason), .unsupported(let reason):
                try await connection.query("UPDATE observed_engine SET failure = \(reason) WHERE engine = \(engine)", logger: Self.logger)
            case .observed(let resources, let at):
                try await connection.query("UPDATE observed_engine SET failure = NULL, observed_at = \(at.timeIntervalSince1970) WHERE engine = \(engine)",
                                           logger: Self.logger)
                try await connection.query("DELETE FROM observed_resource WHERE engine = \(engine)", logger: Self.logger)
                try await Self.insertObserved(resources.map { ($0.address.description, AttributeDocument($0.attributes).json) }, engine: engine, connection)
            }
        }
    }

    private static func insertObserved(_ resources: [(address: String, attributes: String)], engine: String, _ connection: PostgresConnection) async throws {
        guard !resources.isEmpty else { return }
        var rows = JSONRows()
        for resource in resources { rows.add(["address": resource.address, "attributes": resource.attributes]) }
        try await connection.query("""
            INSERT INTO observed_resource (engine, address, attributes)
            SELECT \(engine), address, attributes FROM jsonb_to_recordset(\(rows.text)::jsonb) AS o(address text, attributes text)
            ON CONFLICT (engine, address) DO UPDATE SET attributes = excluded.attributes
            """, logger: logger)
    }

    public func observations() async throws -> [ObservationRecord] {
        let store = description
        return try await transaction(readOnly: true) { connection in try await Self.observations(connection, store: store) }
    }

    private static func observations(_ connection: PostgresConnection, store: String) async throws -> [ObservationRecord] {
        var held: [String: [ObservedResource]] = [:]
        for try await (engine, text, json) in try await connection.query("SELECT engine, address, attributes FROM observed_resource", logger: logger)
            .decode((String, String, String).self) {
            guard let address = ResourceAddress(parsing: text), let attributes = try? AttributeDocument(json: json).decode() else {
                throw StateError.corruptRecord(address: text, reason: "the observation kept for engine \(engine) is damaged", store: store)
            }
            held[engine, default: []].append(ObservedResource(address: address, engine: engine, attributes: attributes))
        }
        var records: [ObservationRecord] = []
        let rows = try await connection.query("SELECT engine, attempted_at, failure, observed_at FROM observed_engine ORDER BY engine COLLATE \"C\"", logger: logger)
        for try await (engine, attempted, failure, observed) in rows.decode((String, Double, String?, Double?).self) {
            records.append(ObservationRecord(engine: engine, attemptedAt: Date(timeIntervalSince1970: attempted), failure: failure,
                                             observedAt: observed.map(Date.init(timeIntervalSince1970:)),
                                             resources: (held[engine] ?? []).sorted { $0.address < $1.address }))
        }
        return records
    }

    // MARK: Outbox

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
    private static func identity(_ column: String, kept: Bool) -> String {
        kept ? column + ", " : ""
    }

    private static func enqueue(_ messages: [OutboxMessage], _ connection: PostgresConnection) async throws -> Set<String> {
        guard !messages.isEmpty else { return [] }
        var rows = JSONRows()
        for message in messages {
            rows.add(["position": message.position == 0 ? nil : message.position, "message_id": message.id, "engine": message.engine,
                      "address": message.address.description, "action": message.action, "body": message.body, "at": message.at.timeIntervalSince1970])
        }
        let inserted = try await connection.query("""
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
            let rows = try await connection.query("""
                SELECT position, message_id, engine, address, action, body, at FROM outbox
                WHERE engine = \(engine) AND position > \(after) ORDER BY position LIMIT \(limit)
                """, logger: Self.logger)
            return try await Self.outboxMessages(rows, store: store)
        }
    }

    private static func outboxMessages(_ rows: PostgresRowSequence, store: String) async throws -> [OutboxMessage] {
        var messages: [OutboxMessage] = []
        for try await row in rows.decode((Int64, String, String, String, String, String, Double).self) {
            guard let address = ResourceAddress(parsing: row.3) else {
                throw StateError.corruptRecord(address: row.3, reason: "outbox message \(row.0) is damaged", store: store)
            }
            messages.append(OutboxMessage(position: row.0, id: row.1, engine: row.2, address: address, action: row.4, body: row.5,
                                          at: Date(timeIntervalSince1970: row.6)))
        }
        return messages
    }

    // MARK: Archiving

    public func archive() async throws -> StateArchive {
        let store = description
        return try await transaction(readOnly: true) { connection in try await Self.archive(connection, store: store) }
    }

    private static func archive(_ connection: PostgresConnection, store: String) async throws -> StateArchive {
        let header = try await Self.header(connection)
        var resources: [RecordedResource] = []
        for try await row in try await connection.query("SELECT address, parent, engine, attributes, serial, updated_at FROM resource", logger: Self.logger)
            .decode((String, String?, String, String, Int, Double).self) {
            resources.append(try Self.resource(row, store: store))
        }
        let journal = try await Self.journalEntries(try await connection.query("SELECT \(unescaped: Self.journalColumns) FROM journal ORDER BY sequence",
                                                                                logger: Self.logger), store: store)
        let audit = try await Self.auditEntries(try await connection.query("""
            SELECT sequence, at, actor, address, action, detail, serial, commit_sha, author_name, author_email, authored_at, message
            FROM audit LEFT JOIN git_commit ON git_commit.sha = audit.commit_sha ORDER BY sequence
            """, logger: Self.logger), store: store)
        let outbox = try await Self.outboxMessages(try await connection.query("SELECT position, message_id, engine, address, action, body, at FROM outbox ORDER BY position",
                                                                              logger: Self.logger), store: store)
        return StateArchive(lineage: header.lineage ?? "", serial: header.serial, resources: resources.sorted { $0.address < $1.address },
                            journal: journal, audit: audit, outbox: outbox, observations: try await Self.observations(connection, store: store))
    }

    public func restore(_ archive: StateArchive, verify: @escaping @Sendable (StateArchive) throws -> Void) async throws {
        let store = description
        try await transaction { connection in
            let serial = try await Self.lockedSerial(connection)
            let rows = try await connection.query("""
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
                    rows.add(["address": resource.address.description, "kind": resource.address.kind.rawValue, "customer": resource.address.customer,
                              "parent": resource.parent?.description, "engine": resource.engine, "attributes": resource.attributes.json,
                              "serial": resource.serial, "updated_at": resource.updatedAt.timeIntervalSince1970])
                }
                try await connection.query("""
                    INSERT INTO resource (address, kind, customer, parent, engine, attributes, serial, updated_at)
                    SELECT * FROM jsonb_to_recordset(\(rows.text)::jsonb)
                        AS r(address text, kind text, customer text, parent text, engine text, attributes text, serial bigint, updated_at double precision)
                    """, logger: Self.logger)
            }
            for chunk in archive.journal.chunks(of: 20_000) { _ = try await Self.append(chunk, connection) }
            for chunk in archive.audit.chunks(of: 20_000) { try await Self.appendAudit(chunk, serial: nil, connection) }
            for chunk in archive.outbox.chunks(of: 20_000) { _ = try await Self.enqueue(chunk, connection) }
            for record in archive.observations {
                try await connection.query("""
                    INSERT INTO observed_engine (engine, attempted_at, failure, observed_at)
                    VALUES (\(record.engine), \(record.attemptedAt.timeIntervalSince1970), \(record.failure), \(record.observedAt?.timeIntervalSince1970))
                    """, logger: Self.logger)
                for chunk in record.resources.chunks(of: 20_000) {
                    try await Self.insertObserved(chunk.map { ($0.address.description, AttributeDocument($0.attributes).json) }, engine: record.engine, connection)
                }
            }
            // Later appends carry on after the copied sequences.
            for (table, column) in [("journal", "sequence"), ("audit", "sequence"), ("outbox", "position")] {
                try await connection.query(PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), coalesce(max(\(column)), 0) + 1, false) FROM \(table)
                    """), logger: Self.logger)
            }
            try verify(try await Self.archive(connection, store: store))
        }
    }

    // MARK: Connections

    /// Runs `body` on the store's connection, alone, with PostgreSQL's errors as `StateError`.
    private func withConnection<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        await gate.enter()
        do {
            let result = try await mapped { try await body(connection) }
            await gate.leave()
            return result
        } catch {
            await gate.leave()
            throw error
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// A read-only one is `REPEATABLE READ`, so every statement sees the same state.
    private func transaction<T: Sendable>(readOnly: Bool = false, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            try await connection.query(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", logger: Self.logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: Self.logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: Self.logger)
                throw error
            }
        }
    }

    /// Reports PostgreSQL's errors as `StateError`s; every other error goes through as it is.
    private func mapped<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            throw StateError.unreadable(path: description, reason: PostgresFailure.reason(error, location: location))
        } catch let error as PostgresDecodingError {
            throw StateError.corruptRecord(address: "a row", reason: "\(error.code): a column of type \(error.postgresType) does not read as \(error.targetType)",
                                           store: description)
        }
    }

    private static func single<T: PostgresDecodable & Sendable>(_ rows: PostgresRowSequence, as type: T.Type) async throws -> T? {
        var value: T?
        for try await row in rows.decode(T.self) where value == nil { value = row }
        return value
    }
}

/// Lets one task at a time use the store's connection, in arrival order.
private actor Gate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}

/// The connections holding advisory locks, by lock id.
private actor LockSessions {
    private var sessions: [String: PostgresConnection] = [:]

    deinit {
        for session in sessions.values { PostgresStateStore.closeAndWait(session) }
    }

    func insert(_ session: PostgresConnection, for id: String) { sessions[id] = session }
    /// The lock this store holds, if any (a run holds one at a time).
    var heldID: String? { sessions.keys.first }
    func remove(_ id: String) -> PostgresConnection? { sessions.removeValue(forKey: id) }
    func removeAll() -> [PostgresConnection] {
        defer { sessions.removeAll() }
        return Array(sessions.values)
    }
}

/// Rows for `jsonb_to_recordset`: a JSON array of objects, built as text. One statement writes a
/// whole batch, instead of one round trip per row.
private struct JSONRows {
    private var buffer = "["
    private(set) var count = 0

    /// The array's text.
    var text: String { buffer + "]" }

    /// Adds a row; its position is its `n`, which keeps the batch's order where that matters.
    mutating func add(_ row: KeyValuePairs<String, Any?>) {
        if count > 0 { buffer.append(",") }
        buffer.append("{\"n\":\(count)")
        var first = false
        for (key, value) in row {
            guard let value else { continue }
            if !first { buffer.append(",") }
            first = false
            JSONWriter.appendString(key, to: &buffer)
            buffer.append(":")
            switch value {
            case let string as String: JSONWriter.appendString(string, to: &buffer)
            case let number as Double: buffer.append(number.description)
            default: buffer.append("\(value)")
            }
        }
        buffer.append("}")
        count += 1
    }
}

extension Array {
    func chunks(of size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

/// Turns postgres-nio's errors (which describe themselves only generically) into a reason a
/// person can act on, without the password.
enum PostgresFailure {
    static func reason(_ error: any Error, location: PostgresLocation) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            let detail = info[.detail].map { " (\($0))" } ?? ""
            let hint = info[.hint].map { "; \($0)" } ?? ""
            return message + detail + hint
        }
        let address = "\(location.host):\(location.port)"
        switch error.code {
        case .connectionError where "\(error.underlying.map { "\($0)" } ?? "")".contains("CERTIFICATE_VERIFY_FAILED"):
            let roots = location.rootCertificate.map { "the authority in sslrootcert \($0)" } ?? "the system's certificate authorities (set sslrootcert)"
            return "the server's TLS certificate at \(address) was not accepted under sslmode=\(location.tls.rawValue): it is not signed by \(roots)"
                + (location.tls == .verifyFull ? ", or it does not name \(location.host)" : "")
        case .connectionError:
            return "cannot connect to \(address): \(error.underlying.map { "\($0)" } ?? "no answer") (is the server running, and is the address right?)"
        case .sslUnsupported:
            return "the server at \(address) does not offer TLS, which sslmode=\(location.tls.rawValue) requires (use sslmode=prefer or disable, or enable ssl on the server)"
        case .failedToAddSSLHandler:
            return "cannot set up TLS to \(address): \(error.underlying.map { "\($0)" } ?? "unknown reason")"
        case .authMechanismRequiresPassword:
            return "the server asks for a password and none was given (put it in the URL held by the environment variable, in PGPASSWORD, or in password: in provisor.yaml)"
        case .unsupportedAuthMechanism:
            return "the server asks for an authentication method Provisor does not support (use scram-sha-256, md5 or password)"
        case .serverClosedConnection, .uncleanShutdown:
            return "the server at \(address) closed the connection\(error.underlying.map { ": \($0)" } ?? "") (was the session ended, or the server restarted?)"
        default:
            return "\(error.code)\(error.underlying.map { ": \($0)" } ?? "")"
        }
    }
}
