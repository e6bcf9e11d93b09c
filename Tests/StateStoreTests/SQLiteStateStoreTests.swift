import Foundation
import GRDB
import ProvisorCore
import ProvisorSQLite
import Testing
import ProvisorTesting

@Suite struct SQLiteStateStoreTests {
    @Test func theFileIsCreatedOnFirstUseInWALModeAndKeepsItsLineage() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("a/b/state.db").path
            let first = try SQLiteStateStore(path: path)
            #expect(FileManager.default.fileExists(atPath: path))
            let header = try await first.commit(StateWrite(upserts: [StateWrite.Resource(address: .customer("CUS"), parent: nil, engine: "e",
                                                                                         attributes: AttributeDocument([]))], at: PinnedTime.date))
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
            try await store.appendJournal([JournalEntry(run: "r", address: .customer("CUS"), action: "create", status: .pending, messageID: "m", at: PinnedTime.date)])
            try await store.commit(StateWrite(audit: [AuditEntry(at: PinnedTime.date, actor: "a", address: .customer("CUS"), action: "create")], at: PinnedTime.date))
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
            #expect(throws: StateError.unreadable(path: path, reason: "file is not a database")) { try SQLiteStateStore(path: path) }
            #expect(StateError.unreadable(path: path, reason: "file is not a database").description
                == "error: cannot open the state database '\(path)': file is not a database (check --state, or 'state:' in provisor.yaml)")
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
            try await store.commit(StateWrite(upserts: [StateWrite.Resource(address: .customer("CUS"), parent: nil, engine: "e", attributes: AttributeDocument([]))], at: PinnedTime.date))
            try await DatabaseQueue(path: path).write { try $0.execute(sql: "UPDATE resource SET address = 'customers/CUS'") }
            await #expect(throws: StateError.corruptRecord(address: "customers/CUS", reason: "not a resource address", store: store.description)) {
                try await store.snapshot()
            }
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
