import Foundation
import GRDB
import ProvisorCore

/// The state in one SQLite file (default `.provisor/state.db`), in WAL mode, with versioned
/// migrations. Writes take SQLite's write lock at once (`BEGIN IMMEDIATE`) and wait up to
/// `busyTimeout` for another process's write to finish.
public final class SQLiteStateStore: StateStore, OutboxStore, StateArchiving {
    public let path: String
    let pool: DatabasePool
    /// The lock this store acquired and has not released: while it is set, every write checks
    /// that the lock is still that one, so a run whose lock was broken writes nothing more.
    let held = HeldLock()

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
            if try pool.read({ try SQLiteSchema.migrator.hasBeenSuperseded($0) }) { throw StateError.newerSchema(path: path) }
            try Self.migrate(pool)
            return pool
        }
    }

    /// Runs `body`, turning GRDB's and Foundation's errors into one naming the state's path.
    static func opening<T>(_ path: String, _ body: () throws -> T) throws -> T {
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
    static func checkReadOnly(_ path: String) throws {
        var readOnly = Configuration()
        readOnly.readonly = true
        try DatabaseQueue(path: path, configuration: readOnly).read { try checkContents($0, path: path) }
    }

    /// Creates a new state whole, or leaves the one another run created meanwhile: the schema
    /// is made in a file of its own, which is then linked into place only if nothing is there
    /// yet. Nobody ever sees a half-made state (an empty file would be refused as not a state).
    static func create(_ path: String, configuration: Configuration) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let temporary = path + ".new-" + UUID().uuidString.lowercased()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporary + suffix) } }
        let pool = try DatabasePool(path: temporary, configuration: configuration)
        try SQLiteSchema.migrator.migrate(pool)
        try pool.close()
        guard link(temporary, path) == 0 || errno == EEXIST else {
            throw StateError.unreadable(path: path, reason: "it cannot be created: \(String(cString: strerror(errno)))")
        }
    }

    /// Brings the schema up to date. Runs starting together on a new state race to migrate it
    /// (GRDB reads which migrations are applied before it takes the write lock): the loser's
    /// transaction fails and rolls back, so it waits and looks again, done once the schema is
    /// complete, whoever completed it.
    static func migrate(_ pool: DatabasePool) throws {
        var attempts = 0
        while true {
            do {
                try SQLiteSchema.migrator.migrate(pool)
                return
            } catch let error as DatabaseError {
                attempts += 1
                if try pool.read({ try SQLiteSchema.migrator.hasCompletedMigrations($0) }) { return }
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
                if try SQLiteSchema.migrator.hasBeenSuperseded(db) { throw StateError.newerSchema(path: path) }
                if try !SQLiteSchema.migrator.hasCompletedMigrations(db) { throw StateError.olderSchema(path: path) }
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
            let reason =
                tables.isEmpty
                ? "it is an SQLite database with no tables, not one Provisor created"
                : "it is another program's SQLite database (its tables: \(tables.prefix(5).joined(separator: ", "))\(tables.count > 5 ? ", …" : ""))"
            throw StateError.notAState(path: path, reason: reason)
        }
        let problems = try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
        if problems != ["ok"] { throw StateError.damaged(path: path, detail: problems.joined(separator: "; ")) }
    }
}
