import Foundation
import ProvisorCore
import ProvisorSQLite
import Testing

/// `provisor history --since` over an audit log whose times are pinned: what it selects
/// depends on the recorded times and the option, never on the machine's date.
@Suite struct HistoryCommandTests {
    static let entries: [(String, String, String)] = [
        ("2026-10-31T23:59:59Z", "provision", "customer/JBL"),
        ("2026-11-01T00:00:00Z", "provision", "customer/JBL/user/alice"),
        ("2026-11-21T09:00:00Z", "update", "customer/JBL/user/alice"),
        ("2028-02-29T12:00:00Z", "deprovision", "customer/FSG"),
    ]

    func withAuditLog(_ body: (String) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("state.db").path
            let audit = Self.entries.map { at, action, address in
                AuditEntry(at: ISODate.parse(at)!, actor: "ops", address: ResourceAddress(parsing: address)!, action: action)
            }
            _ = try await SQLiteStateStore(path: path).commit(StateWrite(audit: audit, at: ISODate.parse(Self.entries.last!.0)!))
            try await body(path)
        }
    }

    func times(_ run: Run) throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        return (object["entries"] as! [[String: Any]]).map { $0["at"] as! String }
    }

    @Test func sinceSelectsByTheRecordedTimesFromTheGivenInstantOn() async throws {
        try await withAuditLog { state in
            let all = try provisor(["history", "--state", state, "--format", "json"])
            #expect(try times(all) == Self.entries.map(\.0))

            // A date is midnight UTC, and an entry at that instant is included.
            let fromNovember = try provisor(["history", "--since", "2026-11-01", "--state", state, "--format", "json"])
            #expect(try times(fromNovember) == ["2026-11-01T00:00:00Z", "2026-11-21T09:00:00Z", "2028-02-29T12:00:00Z"])
            let fromLeapDay = try provisor(["history", "--since", "2028-02-29T12:00:00Z", "--state", state, "--format", "json"])
            #expect(try times(fromLeapDay) == ["2028-02-29T12:00:00Z"])

            let alice = try provisor(["history", "customer/JBL/user/alice", "--since", "2026-11-21T08:59:59Z", "--state", state])
            #expect(alice.status == 0)
            #expect(alice.stdout == "2026-11-21T09:00:00Z  serial 1  update customer/JBL/user/alice  by ops\n1 change in SQLite \(state).\n")

            let future = try provisor(["history", "--since", "2030-01-01", "--state", state])
            #expect(future.status == 0 && future.stdout == "No changes recorded in SQLite \(state).\n")
            let bad = try provisor(["history", "--since", "1.11.2026", "--state", state])
            #expect(bad.status == 1 && bad.stderr == "error: --since '1.11.2026' is not a date; write 2026-11-01 or 2026-11-01T09:00:00Z\n")
        }
    }

    /// A message an earlier run sent and whose answer never came is listed as waiting until an
    /// operator gives up on it: `state forget` closes it in the journal, naming who did, and it
    /// is no longer listed; an id that does not wait is refused and changes nothing.
    @Test func forgettingAWaitingMessageClosesItAndNamesWhoGaveUp() async throws {
        try await withAuditLog { state in
            let sent = JournalEntry(
                run: "r-1", address: .user("sam", customer: "RBT"), action: "update", status: .sent, messageID: "pm-lost",
                detail: "waits on queue q",
                payload: .init(parent: .customer("RBT"), engine: "riverbank-onprem", attributes: AttributeDocument([])),
                at: ISODate.parse("2026-11-21T09:00:00Z")!)
            let store = try SQLiteStateStore(path: state)
            _ = try await store.appendJournal([sent])
            let waiting = try provisor(["history", "--state", state])
            #expect(waiting.stdout.contains("Sent and waiting for the engine's answer (1):") && waiting.stdout.contains("message pm-lost"), "\(waiting.stdout)")

            let unknown = try provisor(["state", "forget", "pm-other", "--state", state, "--actor", "ana"])
            #expect(unknown.status == 1 && unknown.stderr.contains("no message 'pm-other' waits for an answer"), "\(unknown.stderr)")

            let forgot = try provisor(["state", "forget", "pm-lost", "--state", state, "--actor", "ana"])
            #expect(forgot.status == 0, "\(forgot.stdout)\(forgot.stderr)")
            #expect(forgot.stdout.contains("Gave up on message pm-lost (update customer/RBT/user/sam on riverbank-onprem)"), "\(forgot.stdout)")
            let journal = try await store.journal(run: nil).filter { $0.messageID == "pm-lost" }
            #expect(journal.map(\.status) == [.sent, .failed] && journal.last?.detail == "given up by ana: its answer is no longer collected")
            #expect(try await store.unresolvedJournal().isEmpty)
            let after = try provisor(["history", "--state", state, "--format", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])
            #expect((object["waiting"] as? [Any])?.isEmpty == true, "\(after.stdout)")
            #expect(try provisor(["state", "forget", "pm-lost", "--state", state]).status == 1, "given up once")

            // Left pending by a crash: the next reconcile resends it with the same id, so it is
            // never given up (a new id would be refused by an engine that already acted).
            _ = try await store.appendJournal([
                JournalEntry(
                    run: "r-2", address: .user("tess", customer: "RBT"), action: "create", status: .pending, messageID: "pm-crashed",
                    payload: .init(parent: .customer("RBT"), engine: "riverbank-onprem", attributes: AttributeDocument([])),
                    at: ISODate.parse("2026-11-21T09:00:00Z")!)
            ])
            let pending = try provisor(["state", "forget", "pm-crashed", "--state", state, "--actor", "ana"])
            #expect(pending.status == 1 && pending.stderr.contains("was left pending by an interrupted run"), "\(pending.stderr)")
            #expect(pending.stderr.contains("run provisor reconcile instead"))
            #expect(try await store.unresolvedJournal().map(\.messageID) == ["pm-crashed"], "nothing changed")
        }
    }
}
