import Foundation
import ProvisorCore
import ProvisorPostgres
import ProvisorSQLite
import ProvisorTesting
import Testing

/// A fresh PostgreSQL state in a new database, closed and dropped afterwards.
func withPostgresStore<T>(_ body: (PostgresStateStore, String) async throws -> T) async throws -> T {
    try await PostgresTestServer.withDatabase { url in
        let store = try await PostgresStateStore.open(PostgresLocation(url: url))
        do {
            let result = try await body(store, url)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

@Suite struct PostgresServerRequirement {
    @Test func aServerIsThereWhenCIRequiresOne() {
        if !PostgresTestServer.isAvailable { print("note: \(PostgresTestServer.skipped)") }
        #expect(
            !PostgresTestServer.required || PostgresTestServer.isAvailable,
            "PROVISOR_REQUIRE_POSTGRES=1 but PROVISOR_TEST_POSTGRES_URL is not set: \(PostgresTestServer.skipped)")
    }
}

@Suite(.enabled(if: PostgresTestServer.isAvailable, Comment(rawValue: PostgresTestServer.skipped)))
struct PostgresStateStoreTests {
    @Test(arguments: StateStoreConformance.Check.allCases)
    func conformance(_ check: StateStoreConformance.Check) async throws {
        try await withPostgresStore { store, _ in try await StateStoreConformance.run(check, on: store) }
    }

    @Test func reopeningKeepsTheStateAndEveryMigrationIsRecordedOnce() async throws {
        try await withPostgresStore { store, url in
            let header = try await store.commit(StateWrite(upserts: StateStoreConformance.samples, at: PinnedTime.date))
            let again = try await PostgresStateStore.open(PostgresLocation(url: url))
            #expect(try await again.header() == header)
            await again.close()
            try await PostgresTestServer.execute("INSERT INTO provisor_migrations VALUES ('v99: from the future', 0)", url: url)
            await #expect(throws: StateError.newerSchema(path: store.description)) { _ = try await PostgresStateStore.open(PostgresLocation(url: url)) }
        }
    }

    @Test func aLockIsReleasedWhenItsSessionEndsSoNoStaleLockRemains() async throws {
        try await withPostgresStore { store, url in
            let other = try await PostgresStateStore.open(PostgresLocation(url: url))
            let held = try await other.acquireLock(LockRequest(holder: "ann@ci", processID: 41, operation: "reconcile", at: PinnedTime.date))
            #expect(try await store.currentLock()?.id == held.id)
            await other.close()  // as a killed process's connection closes
            #expect(try await store.currentLock() == nil, "the row the dead session left is not a lock")
            let mine = try await store.acquireLock(LockRequest(holder: "bob@laptop", processID: 42, operation: "drift", at: PinnedTime.date))
            #expect(try await store.currentLock()?.id == mine.id)
            try await store.releaseLock(mine)
        }
    }

    @Test func breakingALockEndsTheSessionThatHeldIt() async throws {
        try await withPostgresStore { store, url in
            let other = try await PostgresStateStore.open(PostgresLocation(url: url))
            let held = try await other.acquireLock(LockRequest(holder: "ann@ci", processID: 41, operation: "reconcile", at: PinnedTime.date))
            #expect(try await store.breakLock()?.id == held.id)
            let mine = try await store.acquireLock(LockRequest(holder: "bob@laptop", processID: 42, operation: "drift", at: PinnedTime.date))
            await #expect(throws: StateError.lockNotHeld(id: held.id, store: other.description)) { try await other.releaseLock(held) }
            #expect(try await store.currentLock()?.id == mine.id, "the broken run's release left the new lock alone")
            try await store.releaseLock(mine)
            await other.close()
        }
    }

    @Test func aBitFlippedInsideARowIsFoundByItsChecksum() async throws {
        try await withPostgresStore { store, url in
            let resource = StateWrite.Resource(
                address: .customer("CUS"), parent: nil, engine: "e", attributes: AttributeDocument([Attribute(name: "seats", value: .integer(10))]))
            try await store.commit(StateWrite(upserts: [resource], at: PinnedTime.date))
            #expect(try await store.snapshot().resources.count == 1)
            try await PostgresTestServer.execute("UPDATE resource SET attributes = replace(attributes, '10', '11')", url: url)
            let damaged = StateError.corruptRecord(
                address: "customer/CUS", reason: "its checksum does not match what it holds: a bit changed on disk", store: store.description)
            await #expect(throws: damaged) { try await store.snapshot() }
            await #expect(throws: damaged) { try await store.archive() }
        }
    }

    @Test func twoRunnersCommittingAgainstTheSameSerialOneIsRefused() async throws {
        try await withPostgresStore { store, url in
            let other = try await PostgresStateStore.open(PostgresLocation(url: url))
            let serial = try await store.header().serial
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for (index, runner) in [store, other].enumerated() {
                    group.addTask {
                        let write = StateWrite(upserts: [StateStoreConformance.samples[index]], expectedSerial: serial, at: PinnedTime.date)
                        return (try? await runner.commit(write)) != nil
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1, "exactly one commit lands: \(outcomes)")
            #expect(try await store.header().serial == serial + 1)
            await other.close()
        }
    }

    @Test func aStateCopiedToPostgreSQLAndBackIsTheSameToTheLastDigest() async throws {
        try await withTemporaryDirectory { directory in
            let sqlite = try SQLiteStateStore(path: directory.appendingPathComponent("state.db").path)
            try await fill(sqlite)
            let original = try await sqlite.archive()
            try await withPostgresStore { postgres, _ in
                try await postgres.restore(original) { _ in }
                let copied = try await postgres.archive()
                #expect(copied.summary == original.summary)
                #expect(copied.resources == original.resources && copied.journal == original.journal && copied.audit == original.audit)
                #expect(copied.outbox == original.outbox && copied.observations == original.observations)
                // Appends carry on after the copied sequences, in both stores alike.
                let next = try await postgres.appendJournal([
                    JournalEntry(run: "r9", address: .customer("CUS"), action: "create", status: .pending, messageID: "n", at: PinnedTime.date)
                ])
                #expect(next.first?.sequence == (original.journal.last?.sequence ?? 0) + 1)

                await #expect(throws: StateError.notEmpty(store: postgres.description, serial: original.serial, resources: original.resources.count)) {
                    try await postgres.restore(original) { _ in }
                }
                // A copy that does not verify is rolled back whole.
                try await withPostgresStore { refused, _ in
                    await #expect(throws: ConformanceError.self) { try await refused.restore(original) { _ in throw ConformanceError("differs") } }
                    let left = try await refused.archive()
                    #expect(left.serial == 0 && left.resources.isEmpty && left.journal.isEmpty && left.audit.isEmpty && left.outbox.isEmpty)
                }
                let back = try SQLiteStateStore(path: directory.appendingPathComponent("back.db").path)
                try await back.restore(copied) { _ in }
                #expect(try await back.archive().summary == original.summary)
            }
        }
    }

    @Test func tlsSettingsReachTheConnection() async throws {
        let url = try #require(PostgresTestServer.url)
        let authority = try #require(PostgresTestServer.certificateAuthority, "PROVISOR_TEST_POSTGRES_CA names the test server's certificate")
        for mode in ["require", "verify-ca", "verify-full"] {
            do {
                let store = try await PostgresStateStore.open(PostgresLocation(url: "\(url)?sslmode=\(mode)&sslrootcert=\(authority)"))
                #expect(try await store.header().lineage != nil)
                await store.close()
            } catch {
                Issue.record("sslmode=\(mode) with the server's CA: \(error)")
            }
        }
        // Without the test CA, the system's roots do not trust the self-signed certificate.
        let untrusted = "\(url)?sslmode=verify-full"
        await #expect(
            performing: { _ = try await PostgresStateStore.open(PostgresLocation(url: untrusted)) },
            throws: { error in
                guard case StateError.unreadable(_, let reason) = error else { return false }
                return reason.contains("TLS certificate at") && reason.contains("not signed by the system's certificate authorities (set sslrootcert)")
            })
    }

    @Test func failuresSayWhatIsWrongAndNeverShowThePassword() async throws {
        let url = try #require(PostgresTestServer.url)
        let location = try PostgresLocation(url: url)
        var wrong = URLComponents(string: url)!
        wrong.password = "not-the-password-4711"
        let refusals: [(String, String)] = [
            (wrong.string!, "password authentication failed for user"),
            ("postgres://\(location.username)@127.0.0.1:1/postgres?connect_timeout=5", "cannot connect to 127.0.0.1:1"),
            ("postgres://\(location.username)@\(location.host):\(location.port)/postgres?sslmode=disable", "password"),
        ]
        for (attempt, expected) in refusals {
            do {
                _ = try await PostgresStateStore.open(PostgresLocation(url: attempt))
                Issue.record("\(expected): connected")
            } catch {
                let message = "\(error)"
                #expect(message.contains(expected), "\(message)")
                #expect(message.contains("PostgreSQL \(location.username)@"), "names the server: \(message)")
                #expect(!message.contains("not-the-password-4711") && !message.contains(URLComponents(string: url)!.password!), "no password: \(message)")
            }
        }
    }

    /// Resources, a journal with payloads, audit entries with commits, an outbox and observations.
    private func fill(_ store: some StateStore & OutboxStore) async throws {
        let samples = StateStoreConformance.samples
        let commit = CommitInfo(
            sha: String(repeating: "ab", count: 20), authorName: "Ana Lima", authorEmail: "ana@acme.example",
            authoredAt: Date(timeIntervalSince1970: 1_790_000_000.123456), message: "Add JBL\n\tü ✓\n")
        let payload = JournalEntry.Payload(
            parent: samples[2].parent, engine: samples[2].engine, attributes: samples[2].attributes,
            previous: AttributeDocument([Attribute(name: "name", value: .string("Old"))]))
        try await store.appendJournal([
            JournalEntry(
                run: "r1", address: samples[2].address, action: "create", status: .pending, messageID: "m1",
                payload: payload, at: Date(timeIntervalSince1970: 1_800_000_000.000_001))
        ])
        try await store.commit(
            StateWrite(
                upserts: samples, audit: samples.map { AuditEntry(at: PinnedTime.date, actor: "ci", address: $0.address, action: "create", commit: commit) },
                journal: [JournalEntry(run: "r1", address: samples[2].address, action: "create", status: .succeeded, messageID: "m1", at: PinnedTime.date)],
                at: PinnedTime.date))
        try await store.commit(
            StateWrite(
                deletes: [samples[4].address],
                audit: [AuditEntry(at: PinnedTime.date, actor: "bob", address: samples[4].address, action: "delete", detail: "gone")], at: PinnedTime.date))
        try await store.enqueue([
            OutboxMessage(id: "m1", engine: "queue", address: .customer("CUS"), action: "provision", body: "{\"a\":1}", at: PinnedTime.date),
            OutboxMessage(id: "m2", engine: "queue", address: .customer("OTHER"), action: "provision", body: "{}", at: PinnedTime.date),
        ])
        let held = try samples.filter { $0.engine == "platform" }.map { sample in
            ObservedResource(address: sample.address, engine: "platform", attributes: try sample.attributes.decode())
        }
        try await store.recordObservation(.observed(held, at: Date(timeIntervalSince1970: 1_800_000_000.5)), engine: "platform", at: PinnedTime.date)
        try await store.recordObservation(.unreadable("API down"), engine: "mail", at: PinnedTime.date)
    }
}

@Suite struct PostgresLocationTests {
    @Test func aURLIsReadAsLibpqReadsItAndDescribedWithoutItsPassword() throws {
        let location = try PostgresLocation(
            url: "postgresql://prov%40isor:s%3Acret@db.example:6543/state?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=3")
        #expect(location.username == "prov@isor" && location.host == "db.example" && location.port == 6543 && location.database == "state")
        #expect(location.tls == .verifyFull && location.rootCertificate == "/etc/ca.pem" && location.connectTimeout == 3 && location.hasPassword)
        #expect(location.description == "PostgreSQL prov@isor@db.example:6543/state")
        let defaults = try PostgresLocation(url: "postgres://provisor@[::1]", password: "from-a-secret")
        #expect(defaults.port == 5432 && defaults.database == "provisor" && defaults.tls == .prefer && defaults.hasPassword)
        #expect(defaults.description == "PostgreSQL provisor@[::1]:5432/provisor")
    }

    @Test(arguments: [
        ("mysql://a@b/c", "is not a URL of the form postgres://"),
        ("postgres://b/c", "names no user"),
        ("postgres://a@b/c?sslmode=always", "sslmode=always; use one of disable, prefer, require, verify-ca, verify-full"),
        ("postgres://a:hunter2@b/c?search_path=x", "the parameter 'search_path', which Provisor does not read"),
        ("postgres://a@b/c?sslcert=/x.pem", "gives sslcert or sslkey without the other"),
        ("postgres://a@b/c?sslmode=require&sslrootcert=/nonexistent.pem", "cannot be read as PEM (sslrootcert /nonexistent.pem)"),
    ])
    func aBadURLIsRefusedWithTheReason(_ url: String, _ expected: String) throws {
        do {
            _ = try PostgresLocation(url: url).configuration()
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.description.contains(expected), "\(error)")
            #expect(!error.description.contains("hunter2"))
        }
    }
}
