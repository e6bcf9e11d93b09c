import Foundation
import GRDB
import ProvisorCore

extension SQLiteStateStore {
    public func archive() async throws -> StateArchive {
        let store = description
        return try await pool.read { db in try Self.archive(db, store: store) }
    }

    static func archive(_ db: Database, store: String) throws -> StateArchive {
        let header = try Self.header(db)
        var resources: [RecordedResource] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.resourceColumns) FROM resource ORDER BY address")
        while let row = try rows.next() { resources.append(try Self.resource(row, store: store)) }
        let journal = try Row.fetchAll(db, sql: "SELECT \(Self.journalColumns) FROM journal ORDER BY sequence").map { try Self.journalEntry($0, store: store) }
        let outbox = try Row.fetchAll(db, sql: "SELECT \(Self.outboxColumns) FROM outbox ORDER BY position").map { try Self.outboxMessage($0, store: store) }
        return StateArchive(
            lineage: header.lineage ?? "", serial: header.serial, resources: resources.sorted { $0.address < $1.address },
            journal: journal, audit: try Self.auditEntries(db, address: nil, store: store), outbox: outbox,
            observations: try Self.observations(db, store: store))
    }

    public func restore(_ archive: StateArchive, verify: @escaping @Sendable (StateArchive) throws -> Void) async throws {
        let store = description
        try await transaction { db in
            let header = try Self.header(db)
            let used =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT (SELECT COUNT(*) FROM journal) + (SELECT COUNT(*) FROM audit) + (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM observed_engine)
                        """) ?? 0
            guard header.serial == 0, header.resourceCount == 0, used == 0 else {
                throw StateError.notEmpty(store: store, serial: header.serial, resources: header.resourceCount)
            }
            try db.execute(sql: "UPDATE state_meta SET value = ? WHERE key = 'lineage'", arguments: [archive.lineage])
            try db.execute(sql: "UPDATE state_meta SET value = ? WHERE key = 'serial'", arguments: [String(archive.serial)])
            let resource = try db.cachedStatement(
                sql: """
                    INSERT INTO resource (address, kind, customer, parent, engine, attributes, outputs, serial, updated_at, checksum)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for item in archive.resources {
                let row = item.row(serial: item.serial)
                try resource.execute(arguments: [
                    row.address, item.address.kind.rawValue, item.address.customer, row.parent, item.engine, row.attributes, row.outputs, item.serial,
                    item.updatedAt.timeIntervalSince1970, row.checksum,
                ])
            }
            _ = try Self.append(archive.journal, db)
            try Self.appendAudit(archive.audit, serial: nil, db)
            _ = try Self.enqueue(archive.outbox, db)
            for record in archive.observations {
                try db.execute(
                    sql: "INSERT INTO observed_engine (engine, attempted_at, failure, observed_at) VALUES (?, ?, ?, ?)",
                    arguments: [record.engine, record.attemptedAt.timeIntervalSince1970, record.failure, record.observedAt?.timeIntervalSince1970])
                try Self.insertObserved(record.resources, engine: record.engine, db)
            }
            try verify(try Self.archive(db, store: store))
        }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: it holds SQLite's write lock from the
    /// start, so a read-then-write (the serial check, the state lock) cannot race another process.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
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
