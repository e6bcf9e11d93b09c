import Foundation
import GRDB
import ProvisorCore
import ProvisorSQLite
import ProvisorTesting
import Testing

@Suite struct SQLiteStateStoreTests {
    @Test func theFileIsCreatedOnFirstUseInWALModeAndKeepsItsLineage() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("a/b/state.db").path
            let first = try SQLiteStateStore(path: path)
            #expect(FileManager.default.fileExists(atPath: path))
            let header = try await first.commit(
                StateWrite(
                    upserts: [
                        StateWrite.Resource(
                            address: .customer("CUS"), parent: nil, engine: "e",
                            attributes: AttributeDocument([]))
                    ], at: PinnedTime.date))
            let reopened = try SQLiteStateStore(path: path)
            #expect(try await reopened.header() == header, "serial, lineage and resources survive reopening")
            let mode = try await DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
        }
    }

    @Test func theJournalAndAuditLogRefuseChangesAtTheDatabaseLevel() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("state.db").path
            let store = try SQLiteStateStore(path: path)
            try await store.appendJournal([
                JournalEntry(run: "r", address: .customer("CUS"), action: "create", status: .pending, messageID: "m", at: PinnedTime.date)
            ])
            try await store.commit(
                StateWrite(audit: [AuditEntry(at: PinnedTime.date, actor: "a", address: .customer("CUS"), action: "create")], at: PinnedTime.date))
            let database = try DatabaseQueue(path: path)
            for sql in ["UPDATE journal SET status = 'succeeded'", "DELETE FROM journal", "UPDATE audit SET actor = 'x'", "DELETE FROM audit"] {
                #expect(throws: DatabaseError.self, "\(sql)") { try database.write { try $0.execute(sql: sql) } }
            }
            #expect(try await store.journal(run: nil).count == 1)
        }
    }

    @Test func aFileThatIsNotADatabaseIsRefusedWithItsPath() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("state.db").path
            try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
            #expect(throws: StateError.notAState(path: path, reason: "the file is not an SQLite database")) { try SQLiteStateStore(path: path) }
            #expect(
                StateError.notAState(path: path, reason: "the file is not an SQLite database").description
                    == "error: '\(path)' is not a Provisor state: the file is not an SQLite database. Nothing was read or written; check --state (or state: in provisor.yaml), and to start a new state name a file that does not exist yet"
            )
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 0x41, count: 4096))
        }
    }

    /// An empty file, an empty SQLite database and another program's database are not taken as
    /// an empty state, and nothing is written into them.
    @Test func anEmptyOrForeignFileIsRefusedAndLeftAsItWas() async throws {
        try await withTemporaryDirectory { directory in
            let empty = directory.appendingPathComponent("empty.db").path
            #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
            #expect(throws: StateError.notAState(path: empty, reason: "the file is empty (0 bytes)")) { try SQLiteStateStore(path: empty) }
            #expect(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? Int == 0)

            let foreign = directory.appendingPathComponent("crm.db").path
            try DatabaseQueue(path: foreign).write { db in
                try db.execute(sql: "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO contacts (name) VALUES ('Ana')")
            }
            let before = try Data(contentsOf: URL(fileURLWithPath: foreign))
            #expect(throws: StateError.notAState(path: foreign, reason: "it is another program's SQLite database (its tables: contacts)")) {
                try SQLiteStateStore(path: foreign)
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: foreign)) == before, "not a byte written, not even the journal mode")

            let bare = directory.appendingPathComponent("bare.db").path
            try DatabaseQueue(path: bare).write { db in try db.execute(sql: "PRAGMA user_version = 1") }
            #expect(throws: StateError.notAState(path: bare, reason: "it is an SQLite database with no tables, not one Provisor created")) {
                try SQLiteStateStore(path: bare)
            }
        }
    }

    /// Runs starting together on a new state all open it: one creates the schema, the others
    /// find it made, and none fails with a migration error.
    @Test func storesOpenedTogetherOnANewFileAllSucceed() async throws {
        try await withTemporaryDirectory { directory in
            for round in 0..<5 {
                let path = directory.appendingPathComponent("state-\(round).db").path
                let lineages = try await withThrowingTaskGroup(of: String?.self) { group in
                    for _ in 0..<6 { group.addTask { try await SQLiteStateStore(path: path).header().lineage } }
                    var all: [String?] = []
                    for try await lineage in group { all.append(lineage) }
                    return all
                }
                #expect(lineages.count == 6 && Set(lineages).count == 1 && lineages[0] != nil, "one schema, one lineage: \(lineages)")
            }
        }
    }

    @Test func aStateThatFailsTheIntegrityCheckIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("state.db").path
            do {
                let store = try SQLiteStateStore(path: path)
                let many = (0..<2_000).map {
                    StateWrite.Resource(
                        address: .customer("C\($0)"), parent: nil, engine: "e",
                        attributes: AttributeDocument([Attribute(name: "name", value: .string(String(repeating: "n", count: 200)))]))
                }
                _ = try await store.commit(StateWrite(upserts: many, at: PinnedTime.date))
            }
            // Checkpointed and closed, the file holds every page; a page in the middle is overwritten.
            try await DatabaseQueue(path: path).writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seek(toOffset: 40 * 4096 + 200)
            try handle.write(contentsOf: Data(repeating: 0xA5, count: 3_000))
            try handle.close()
            do {
                _ = try SQLiteStateStore(path: path)
                Issue.record("a damaged state was opened")
            } catch let error as StateError {
                guard case .damaged(let at, let detail) = error else {
                    Issue.record("expected damaged, got \(error)")
                    return
                }
                #expect(at == path && !detail.isEmpty && detail != "ok")
                #expect(error.description.hasPrefix("error: the state '\(path)' is damaged (SQLite's integrity check says: "))
                #expect(error.description.hasSuffix("). Nothing was read or written; restore the state from a backup"))
            }
        }
    }

    @Test func aStateWrittenByANewerProvisorIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("state.db").path
            _ = try SQLiteStateStore(path: path)
            try await DatabaseQueue(path: path).write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')") }
            #expect(throws: StateError.newerSchema(path: path)) { try SQLiteStateStore(path: path) }
        }
    }

    @Test func aDamagedRecordIsReportedNotGuessedAt() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("state.db").path
            let store = try SQLiteStateStore(path: path)
            try await store.commit(
                StateWrite(
                    upserts: [StateWrite.Resource(address: .customer("CUS"), parent: nil, engine: "e", attributes: AttributeDocument([]))], at: PinnedTime.date)
            )
            try await DatabaseQueue(path: path).write { try $0.execute(sql: "UPDATE resource SET address = 'customers/CUS'") }
            await #expect(throws: StateError.corruptRecord(address: "customers/CUS", reason: "not a resource address", store: store.description)) {
                try await store.snapshot()
            }
        }
    }

    /// A bit flipped inside a value is still valid JSON, and SQLite's checks do not read row
    /// contents: the row's checksum finds it, and names the address.
    @Test func aBitFlippedInsideARowIsFoundByItsChecksum() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("state.db").path
            let store = try SQLiteStateStore(path: path)
            let resource = StateWrite.Resource(
                address: .customer("CUS"), parent: nil, engine: "e", attributes: AttributeDocument([Attribute(name: "seats", value: .integer(10))]))
            try await store.commit(StateWrite(upserts: [resource], at: PinnedTime.date))
            #expect(try await store.snapshot().resources.count == 1)
            // 10 seats become 11: one bit.
            try await DatabaseQueue(path: path).write { try $0.execute(sql: "UPDATE resource SET attributes = replace(attributes, '10', '11')") }
            let damaged = StateError.corruptRecord(
                address: "customer/CUS", reason: "its checksum does not match what it holds: a bit changed on disk", store: store.description)
            await #expect(throws: damaged) { try await store.snapshot() }
            await #expect(throws: damaged) { try await store.resource(at: .customer("CUS")) }
            // A row recorded before checksums were is read as it is, and gains one when written.
            try await DatabaseQueue(path: path).write { try $0.execute(sql: "UPDATE resource SET checksum = NULL") }
            #expect(try await store.resource(at: .customer("CUS"))?.attributes.json.contains("11") == true)
            try await store.commit(StateWrite(upserts: [resource], at: PinnedTime.date))
            let stored = try await DatabaseQueue(path: path).read { try Int64.fetchOne($0, sql: "SELECT checksum FROM resource") }
            #expect(stored != nil)
        }
    }

    @Test func twoProcessesShareTheLock() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("state.db").path
            let mine = try SQLiteStateStore(path: path)
            let theirs = try SQLiteStateStore(path: path)
            let held = try await mine.acquireLock(LockRequest(holder: "ann@ci", processID: 7, operation: "reconcile", at: PinnedTime.date))
            await #expect(throws: StateError.self) { try await theirs.acquireLock(.thisProcess(operation: "reconcile", clock: PinnedTime.clock)) }
            try await mine.releaseLock(held)
            let taken = try await theirs.acquireLock(.thisProcess(operation: "reconcile", clock: PinnedTime.clock))
            #expect(try await mine.currentLock()?.id == taken.id, "both connections see the same lock")
        }
    }
}
