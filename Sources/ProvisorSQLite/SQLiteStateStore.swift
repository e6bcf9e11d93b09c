import Foundation
import GRDB
import ProvisorCore

/// The state in one SQLite file (default `.provisor/state.db`), in WAL mode, with versioned
/// migrations. Writes take SQLite's write lock at once (`BEGIN IMMEDIATE`) and wait up to
/// `busyTimeout` for another process's write to finish.
public final class SQLiteStateStore: StateStore, OutboxStore, StateArchiving {
    public let path: String
    private let pool: DatabasePool
    /// The lock this store acquired and has not released: while it is set, every write checks
    /// that the lock is still that one, so a run whose lock was broken writes nothing more.
    private let held = HeldLock()

    public var description: String { "SQLite \(path)" }

    /// Opens the state at `path`, creating the file and its directory when missing, and brings
    /// its schema up to date. A file that exists must be a Provisor state, and whole: an empty
    /// file, one that is not SQLite, another program's database or one that fails SQLite's
    /// quick integrity check is refused before anything is written to it.
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // A large apply touches many pages: a 64 MB page cache saves re-reading them, and
            // checkpointing every 8192 pages (not 1000) writes each page back once, not often.
            try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8192")
        }
        pool = try Self.opening(path) {
            if !FileManager.default.fileExists(atPath: path) { try Self.create(path, configuration: configuration) }
            let inWAL = try Self.checkHeader(path)
            if !inWAL {
                // Not in WAL mode, so not as Provisor leaves a state: opening the pool would
                // switch the file to WAL, a write. It is checked read-only first.
                try Self.checkReadOnly(path)
            }
            let pool = try DatabasePool(path: path, configuration: configuration)
            if inWAL { try pool.read { try Self.checkContents($0, path: path) } }
            if try pool.read({ try Self.migrator.hasBeenSuperseded($0) }) { throw StateError.newerSchema(path: path) }
            try Self.migrate(pool)
            return pool
        }
    }

    /// Runs `body`, turning GRDB's and Foundation's errors into one naming the state's path.
    private static func opening<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StateError {
            throw error
        } catch let error as DatabaseError {
            throw StateError.unreadable(path: path, reason: error.message ?? "\(error.resultCode)")
        } catch {
            throw StateError.unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// Checks the contents of a file not in WAL mode through a read-only connection.
    private static func checkReadOnly(_ path: String) throws {
        var readOnly = Configuration()
        readOnly.readonly = true
        try DatabaseQueue(path: path, configuration: readOnly).read { try checkContents($0, path: path) }
    }

    /// Creates a new state whole, or leaves the one another run created meanwhile: the schema
    /// is made in a file of its own, which is then linked into place only if nothing is there
    /// yet. Nobody ever sees a half-made state (an empty file would be refused as not a state).
    private static func create(_ path: String, configuration: Configuration) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let temporary = path + ".new-" + UUID().uuidString.lowercased()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporary + suffix) } }
        let pool = try DatabasePool(path: temporary, configuration: configuration)
        try migrator.migrate(pool)
        try pool.close()
        guard link(temporary, path) == 0 || errno == EEXIST else {
            throw StateError.unreadable(path: path, reason: "it cannot be created: \(String(cString: strerror(errno)))")
        }
    }

    /// Brings the schema up to date. Runs starting together on a new state race to migrate it
    /// (GRDB reads which migrations are applied before it takes the write lock): the loser's
    /// transaction fails and rolls back, so it waits and looks again, done once the schema is
    /// complete, whoever completed it.
    private static func migrate(_ pool: DatabasePool) throws {
        var attempts = 0
        while true {
            do {
                try migrator.migrate(pool)
                return
            } catch let error as DatabaseError {
                attempts += 1
                if try pool.read({ try migrator.hasCompletedMigrations($0) }) { return }
                if attempts == 50 { throw error }
                usleep(UInt32.random(in: 20_000...100_000))
            }
        }
    }

    /// Opens an existing state for reading only (a plan, history, state list): nothing is
    /// written to it, not even a checkpoint or a migration, so a plan writes nothing and works
    /// on a state it may not write. Checked like a state opened for writing.
    public init(readingOnly path: String, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.readonly = true
        pool = try Self.opening(path) {
            guard try Self.checkHeader(path) else {
                // Not in WAL mode (a copy made by another tool): a write converts it first.
                try Self.checkReadOnly(path)
                throw StateError.olderSchema(path: path)
            }
            let pool = try DatabasePool(path: path, configuration: configuration)
            try pool.read { db in
                try Self.checkContents(db, path: path)
                if try Self.migrator.hasBeenSuperseded(db) { throw StateError.newerSchema(path: path) }
                if try !Self.migrator.hasCompletedMigrations(db) { throw StateError.olderSchema(path: path) }
            }
            return pool
        }
    }

    /// An existing file must start as an SQLite database does; its bytes are read, never
    /// written. Returns whether it is in WAL mode (byte 18 of the header is 2).
    static func checkHeader(_ path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StateError.unreadable(path: path, reason: "it cannot be opened for reading") }
        defer { try? handle.close() }
        let header = [UInt8]((try? handle.read(upToCount: 100)) ?? Data())
        if header.isEmpty { throw StateError.notAState(path: path, reason: "the file is empty (0 bytes)") }
        guard header.count == 100, header.prefix(16).elementsEqual("SQLite format 3\u{0}".utf8) else {
            throw StateError.notAState(path: path, reason: "the file is not an SQLite database")
        }
        return header[18] == 2
    }

    /// An existing database must hold Provisor's tables (or none at all from Provisor's first
    /// migration onwards) and pass SQLite's quick integrity check.
    static func checkContents(_ db: Database, path: String) throws {
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if !tables.contains("state_meta") {
            let reason = tables.isEmpty ? "it is an SQLite database with no tables, not one Provisor created"
                : "it is another program's SQLite database (its tables: \(tables.prefix(5).joined(separator: ", "))\(tables.count > 5 ? ", …" : ""))"
            throw StateError.notAState(path: path, reason: reason)
        }
        let problems = try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
        if problems != ["ok"] { throw StateError.damaged(path: path, detail: problems.joined(separator: "; ")) }
    }

    /// The schema's versions, oldest first. A released migration is never edited: a change is
    /// a new migration.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: resources, serial, lock, journal, audit") { db in
            try db.execute(sql: """
                CREATE TABLE state_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE resource (
                    address TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    customer TEXT,
                    parent TEXT,
                    engine TEXT NOT NULL,
                    attributes TEXT NOT NULL,
                    serial INTEGER NOT NULL,
                    updated_at REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX resource_by_customer ON resource(customer);
                CREATE TABLE state_lock (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    lock_id TEXT NOT NULL,
                    holder TEXT NOT NULL,
                    process_id INTEGER NOT NULL,
                    operation TEXT NOT NULL,
                    acquired_at REAL NOT NULL
                );
                CREATE TABLE journal (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    run TEXT NOT NULL,
                    address TEXT NOT NULL,
                    action TEXT NOT NULL,
                    status TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    detail TEXT,
                    at REAL NOT NULL
                );
                CREATE INDEX journal_by_run ON journal(run);
                CREATE TABLE audit (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    at REAL NOT NULL,
                    actor TEXT NOT NULL,
                    address TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT,
                    serial INTEGER NOT NULL
                );
                CREATE INDEX audit_by_address ON audit(address);
                CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
            try db.execute(sql: "INSERT INTO state_meta (key, value) VALUES ('lineage', ?), ('serial', '0')", arguments: [UUID().uuidString.lowercased()])
        }
        migrator.registerMigration("v2: journal payloads, audit commits, outbox") { db in
            try db.execute(sql: """
                ALTER TABLE journal ADD COLUMN parent TEXT;
                ALTER TABLE journal ADD COLUMN engine TEXT;
                ALTER TABLE journal ADD COLUMN attributes TEXT;
                ALTER TABLE journal ADD COLUMN previous TEXT;
                CREATE INDEX journal_by_message ON journal(message_id, sequence);
                CREATE INDEX journal_pending ON journal(status) WHERE status = 'pending';
                ALTER TABLE audit ADD COLUMN commit_sha TEXT;
                CREATE TABLE outbox (
                    position INTEGER PRIMARY KEY AUTOINCREMENT,
                    message_id TEXT NOT NULL UNIQUE,
                    engine TEXT NOT NULL,
                    address TEXT NOT NULL,
                    action TEXT NOT NULL,
                    body TEXT NOT NULL,
                    at REAL NOT NULL
                );
                CREATE INDEX outbox_by_engine ON outbox(engine, position);
                CREATE TRIGGER outbox_no_update BEFORE UPDATE ON outbox BEGIN SELECT RAISE(ABORT, 'the outbox is append-only'); END;
                """)
        }
        migrator.registerMigration("v3: commits") { db in
            // The git commits audit entries name, once each: author and message are not repeated
            // on every row of a large apply.
            try db.execute(sql: """
                CREATE TABLE git_commit (
                    sha TEXT PRIMARY KEY,
                    author_name TEXT NOT NULL,
                    author_email TEXT NOT NULL,
                    authored_at REAL NOT NULL,
                    message TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4: observations") { db in
            // The last reading of each engine (drift): when it was tried, why it failed, and
            // what the last successful one held.
            try db.execute(sql: """
                CREATE TABLE observed_engine (
                    engine TEXT PRIMARY KEY NOT NULL,
                    attempted_at REAL NOT NULL,
                    failure TEXT,
                    observed_at REAL
                ) WITHOUT ROWID;
                CREATE TABLE observed_resource (
                    engine TEXT NOT NULL REFERENCES observed_engine(engine) ON DELETE CASCADE,
                    address TEXT NOT NULL,
                    attributes TEXT NOT NULL,
                    PRIMARY KEY (engine, address)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }()

    // MARK: Reading

    public func header() async throws -> StateHeader {
        try await pool.read { db in try Self.header(db) }
    }

    public func snapshot() async throws -> StateSnapshot {
        let store = description
        return try await pool.read { db in
            let header = try Self.header(db)
            var resources: [RecordedResource] = []
            resources.reserveCapacity(header.resourceCount)
            let rows = try Row.fetchCursor(db, sql: "SELECT address, parent, engine, attributes, serial, updated_at FROM resource")
            while let row = try rows.next() { resources.append(try Self.resource(row, store: store)) }
            return StateSnapshot(header: header, resources: resources)
        }
    }

    public func resources(matching filter: ResourceFilter) async throws -> [RecordedResource] {
        let store = description
        return try await pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let kind = filter.kind { conditions.append("kind = ?"); arguments += [kind.rawValue] }
            if let customer = filter.customer { conditions.append("customer = ?"); arguments += [customer] }
            let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let rows = try Row.fetchCursor(db, sql: "SELECT address, parent, engine, attributes, serial, updated_at FROM resource" + whereClause, arguments: arguments)
            var resources: [RecordedResource] = []
            while let row = try rows.next() { resources.append(try Self.resource(row, store: store)) }
            return resources.sorted { $0.address < $1.address }
        }
    }

    public func resource(at address: ResourceAddress) async throws -> RecordedResource? {
        let store = description
        return try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT address, parent, engine, attributes, serial, updated_at FROM resource WHERE address = ?",
                             arguments: [address.description]).map { try Self.resource($0, store: store) }
        }
    }

    private static func header(_ db: Database) throws -> StateHeader {
        let lineage = try String.fetchOne(db, sql: "SELECT value FROM state_meta WHERE key = 'lineage'")
        let serial = try String.fetchOne(db, sql: "SELECT value FROM state_meta WHERE key = 'serial'").flatMap { Int($0) } ?? 0
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resource") ?? 0
        return StateHeader(lineage: lineage, serial: serial, resourceCount: count)
    }

    private static func resource(_ row: Row, store: String) throws -> RecordedResource {
        let text: String = row[0]
        guard let address = ResourceAddress(parsing: text) else {
            throw StateError.corruptRecord(address: text, reason: "not a resource address", store: store)
        }
        let parentText: String? = row[1]
        return RecordedResource(address: address, parent: parentText.flatMap(ResourceAddress.init(parsing:)), engine: row[2],
                                attributes: AttributeDocument(json: row[3]), serial: row[4], updatedAt: date(row, 5))
    }

    /// Times are stored as seconds since 1970 (UTC), which keep their precision and read fast.
    private static func date(_ row: Row, _ index: Int) -> Date {
        Date(timeIntervalSince1970: row[index])
    }

    // MARK: Writing

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
            let upsert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO resource (address, kind, customer, parent, engine, attributes, serial, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for resource in write.upserts {
                try upsert.execute(arguments: [resource.address.description, resource.address.kind.rawValue, resource.address.customer,
                                               resource.parent?.description, resource.engine, resource.attributes.json, serial,
                                               write.at.timeIntervalSince1970])
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
    private static func appendAudit(_ entries: [AuditEntry], serial: Int?, _ db: Database) throws {
        let audit = try db.cachedStatement(sql: "INSERT INTO audit (sequence, at, actor, address, action, detail, commit_sha, serial) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        var commits: Set<String> = []
        let recordCommit = try db.cachedStatement(sql: "INSERT OR IGNORE INTO git_commit (sha, author_name, author_email, authored_at, message) VALUES (?, ?, ?, ?, ?)")
        for entry in entries {
            if let commit = entry.commit, commits.insert(commit.sha).inserted {
                try recordCommit.execute(arguments: [commit.sha, commit.authorName, commit.authorEmail, commit.authoredAt.timeIntervalSince1970, commit.message])
            }
            try audit.execute(arguments: [entry.sequence == 0 ? nil : entry.sequence, entry.at.timeIntervalSince1970, entry.actor, entry.address.description,
                                          entry.action, entry.detail, entry.commit?.sha, serial ?? entry.serial])
        }
    }

    public func acquireLock(_ request: LockRequest) async throws -> StateLock {
        let store = description
        let acquired = try await transaction { db in
            if let holder = try Self.lock(db) { throw StateError.locked(holder, store: store) }
            let lock = StateLock(request)
            try db.execute(sql: "INSERT INTO state_lock (id, lock_id, holder, process_id, operation, acquired_at) VALUES (1, ?, ?, ?, ?, ?)",
                           arguments: [lock.id, lock.holder, lock.processID, lock.operation, lock.acquiredAt.timeIntervalSince1970])
            return lock
        }
        held.id = acquired.id
        return acquired
    }

    /// Refuses a write when this store acquired a lock that is no longer the state's.
    private static func check(_ held: String?, _ db: Database, store: String) throws {
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

    private static func lock(_ db: Database) throws -> StateLock? {
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

    private static func append(_ entries: [JournalEntry], _ db: Database) throws -> [JournalEntry] {
        guard !entries.isEmpty else { return [] }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO journal (sequence, run, address, action, status, message_id, detail, at, parent, engine, attributes, previous)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        return try entries.map { entry in
            let payload = entry.payload
            try insert.execute(arguments: [entry.sequence == 0 ? nil : entry.sequence, entry.run, entry.address.description, entry.action, entry.status.rawValue, entry.messageID, entry.detail,
                                           entry.at.timeIntervalSince1970, payload?.parent?.description, payload?.engine,
                                           payload?.attributes.json, payload?.previous?.json])
            var stored = entry
            stored.sequence = db.lastInsertedRowID
            return stored
        }
    }

    private static let journalColumns = "sequence, run, address, action, status, message_id, detail, at, parent, engine, attributes, previous"

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
                WHERE j.status = 'pending'
                  AND NOT EXISTS (SELECT 1 FROM journal AS later WHERE later.message_id = j.message_id AND later.sequence > j.sequence)
                ORDER BY j.sequence
                """
            return try Row.fetchAll(db, sql: sql).map { try Self.journalEntry($0, store: store) }
        }
    }

    private static func journalEntry(_ row: Row, store: String) throws -> JournalEntry {
        let status: String = row[4]
        guard let address = ResourceAddress(parsing: row[2]), let parsed = JournalEntry.Status(rawValue: status) else {
            throw StateError.corruptRecord(address: row[2], reason: "journal entry \(row[0] as Int64) is damaged", store: store)
        }
        var payload: JournalEntry.Payload?
        if let engine: String = row[9], let attributes: String = row[10] {
            let parent: String? = row[8], previous: String? = row[11]
            payload = JournalEntry.Payload(parent: parent.flatMap(ResourceAddress.init(parsing:)), engine: engine,
                                           attributes: AttributeDocument(json: attributes), previous: previous.map(AttributeDocument.init(json:)))
        }
        return JournalEntry(sequence: row[0], run: row[1], address: address, action: row[3], status: parsed, messageID: row[5], detail: row[6],
                            payload: payload, at: Self.date(row, 7))
    }

    public func audit(address: ResourceAddress?) async throws -> [AuditEntry] {
        let store = description
        return try await pool.read { db in try Self.auditEntries(db, address: address, store: store) }
    }

    private static func auditEntries(_ db: Database, address: ResourceAddress?, store: String) throws -> [AuditEntry] {
        let sql = """
            SELECT sequence, at, actor, address, action, detail, serial, commit_sha, author_name, author_email, authored_at, message
            FROM audit LEFT JOIN git_commit ON git_commit.sha = audit.commit_sha
            """ + (address == nil ? "" : " WHERE address = ?") + " ORDER BY sequence"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(address.map { [$0.description] } ?? [])).map { row in
            guard let parsed = ResourceAddress(parsing: row[3]) else {
                throw StateError.corruptRecord(address: row[3], reason: "audit entry \(row[0] as Int64) is damaged", store: store)
            }
            let commit = (row[7] as String?).map { sha in
                CommitInfo(sha: sha, authorName: row[8] ?? "", authorEmail: row[9] ?? "",
                           authoredAt: Date(timeIntervalSince1970: row[10] ?? 0), message: row[11] ?? "")
            }
            return AuditEntry(sequence: row[0], at: Self.date(row, 1), actor: row[2], address: parsed, action: row[4], detail: row[5],
                              commit: commit, serial: row[6])
        }
    }

    // MARK: Observations

    public func recordObservation(_ observation: EngineObservation, engine: String, at date: Date) async throws {
        try await transaction { db in
            try db.execute(sql: """
                INSERT INTO observed_engine (engine, attempted_at, failure, observed_at) VALUES (?, ?, NULL, NULL)
                ON CONFLICT (engine) DO UPDATE SET attempted_at = excluded.attempted_at
                """, arguments: [engine, date.timeIntervalSince1970])
            switch observation {
            case .unreadable(let reason), .unsupported(let reason):
                try db.execute(sql: "UPDATE observed_engine SET failure = ? WHERE engine = ?", arguments: [reason, engine])
            case .observed(let resources, let at):
                try db.execute(sql: "UPDATE observed_engine SET failure = NULL, observed_at = ? WHERE engine = ?", arguments: [at.timeIntervalSince1970, engine])
                try db.execute(sql: "DELETE FROM observed_resource WHERE engine = ?", arguments: [engine])
                try Self.insertObserved(resources, engine: engine, db)
            }
        }
    }

    private static func insertObserved(_ resources: [ObservedResource], engine: String, _ db: Database) throws {
        let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO observed_resource (engine, address, attributes) VALUES (?, ?, ?)")
        for resource in resources {
            try insert.execute(arguments: [engine, resource.address.description, AttributeDocument(resource.attributes).json])
        }
    }

    public func observations() async throws -> [ObservationRecord] {
        let store = description
        return try await pool.read { db in try Self.observations(db, store: store) }
    }

    private static func observations(_ db: Database, store: String) throws -> [ObservationRecord] {
        var held: [String: [ObservedResource]] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT engine, address, attributes FROM observed_resource")
        while let row = try rows.next() {
            let engine: String = row[0], text: String = row[1]
            guard let address = ResourceAddress(parsing: text), let attributes = try? AttributeDocument(json: row[2]).decode() else {
                throw StateError.corruptRecord(address: text, reason: "the observation kept for engine \(engine) is damaged", store: store)
            }
            held[engine, default: []].append(ObservedResource(address: address, engine: engine, attributes: attributes))
        }
        return try Row.fetchAll(db, sql: "SELECT engine, attempted_at, failure, observed_at FROM observed_engine ORDER BY engine").map { row in
            let engine: String = row[0]
            return ObservationRecord(engine: engine, attemptedAt: Self.date(row, 1), failure: row[2],
                                     observedAt: (row[3] as Double?).map(Date.init(timeIntervalSince1970:)),
                                     resources: (held[engine] ?? []).sorted { $0.address < $1.address })
        }
    }

    // MARK: Outbox

    public func enqueue(_ messages: [OutboxMessage]) async throws -> Set<String> {
        let held = held.id, store = description
        return try await transaction { db in
            try Self.check(held, db, store: store)
            return try Self.enqueue(messages, db)
        }
    }

    /// Stores the messages not stored yet, at their own position when they have one.
    private static func enqueue(_ messages: [OutboxMessage], _ db: Database) throws -> Set<String> {
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO outbox (position, message_id, engine, address, action, body, at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        var added = Set<String>()
        for message in messages {
            try insert.execute(arguments: [message.position == 0 ? nil : message.position, message.id, message.engine, message.address.description,
                                           message.action, message.body, message.at.timeIntervalSince1970])
            if db.changesCount > 0 { added.insert(message.id) }
        }
        return added
    }

    private static let outboxColumns = "position, message_id, engine, address, action, body, at"

    public func outbox(engine: String, after: Int64, limit: Int) async throws -> [OutboxMessage] {
        let store = description
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.outboxColumns) FROM outbox WHERE engine = ? AND position > ? ORDER BY position LIMIT ?",
                             arguments: [engine, after, limit]).map { try Self.outboxMessage($0, store: store) }
        }
    }

    private static func outboxMessage(_ row: Row, store: String) throws -> OutboxMessage {
        guard let address = ResourceAddress(parsing: row[3]) else {
            throw StateError.corruptRecord(address: row[3], reason: "outbox message \(row[0] as Int64) is damaged", store: store)
        }
        return OutboxMessage(position: row[0], id: row[1], engine: row[2], address: address, action: row[4], body: row[5], at: Self.date(row, 6))
    }

    // MARK: Archiving

    public func archive() async throws -> StateArchive {
        let store = description
        return try await pool.read { db in try Self.archive(db, store: store) }
    }

    private static func archive(_ db: Database, store: String) throws -> StateArchive {
        let header = try Self.header(db)
        var resources: [RecordedResource] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT address, parent, engine, attributes, serial, updated_at FROM resource ORDER BY address")
        while let row = try rows.next() { resources.append(try Self.resource(row, store: store)) }
        let journal = try Row.fetchAll(db, sql: "SELECT \(Self.journalColumns) FROM journal ORDER BY sequence").map { try Self.journalEntry($0, store: store) }
        let outbox = try Row.fetchAll(db, sql: "SELECT \(Self.outboxColumns) FROM outbox ORDER BY position").map { try Self.outboxMessage($0, store: store) }
        return StateArchive(lineage: header.lineage ?? "", serial: header.serial, resources: resources.sorted { $0.address < $1.address },
                            journal: journal, audit: try Self.auditEntries(db, address: nil, store: store), outbox: outbox,
                            observations: try Self.observations(db, store: store))
    }

    public func restore(_ archive: StateArchive, verify: @escaping @Sendable (StateArchive) throws -> Void) async throws {
        let store = description
        try await transaction { db in
            let header = try Self.header(db)
            let used = try Int.fetchOne(db, sql: """
                SELECT (SELECT COUNT(*) FROM journal) + (SELECT COUNT(*) FROM audit) + (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM observed_engine)
                """) ?? 0
            guard header.serial == 0, header.resourceCount == 0, used == 0 else {
                throw StateError.notEmpty(store: store, serial: header.serial, resources: header.resourceCount)
            }
            try db.execute(sql: "UPDATE state_meta SET value = ? WHERE key = 'lineage'", arguments: [archive.lineage])
            try db.execute(sql: "UPDATE state_meta SET value = ? WHERE key = 'serial'", arguments: [String(archive.serial)])
            let resource = try db.cachedStatement(sql: """
                INSERT INTO resource (address, kind, customer, parent, engine, attributes, serial, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for item in archive.resources {
                try resource.execute(arguments: [item.address.description, item.address.kind.rawValue, item.address.customer, item.parent?.description,
                                                 item.engine, item.attributes.json, item.serial, item.updatedAt.timeIntervalSince1970])
            }
            _ = try Self.append(archive.journal, db)
            try Self.appendAudit(archive.audit, serial: nil, db)
            _ = try Self.enqueue(archive.outbox, db)
            for record in archive.observations {
                try db.execute(sql: "INSERT INTO observed_engine (engine, attempted_at, failure, observed_at) VALUES (?, ?, ?, ?)",
                               arguments: [record.engine, record.attemptedAt.timeIntervalSince1970, record.failure, record.observedAt?.timeIntervalSince1970])
                try Self.insertObserved(record.resources, engine: record.engine, db)
            }
            try verify(try Self.archive(db, store: store))
        }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: it holds SQLite's write lock from the
    /// start, so a read-then-write (the serial check, the state lock) cannot race another process.
    private func transaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }
}
