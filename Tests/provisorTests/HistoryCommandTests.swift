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

    func withAuditLog(_ body: (String) throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("state.db").path
            let audit = Self.entries.map { at, action, address in
                AuditEntry(at: ISODate.parse(at)!, actor: "ops", address: ResourceAddress(parsing: address)!, action: action)
            }
            _ = try await SQLiteStateStore(path: path).commit(StateWrite(audit: audit, at: ISODate.parse(Self.entries.last!.0)!))
            try body(path)
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
}
