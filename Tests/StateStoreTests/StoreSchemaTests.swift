import Foundation
import GRDB
import Testing

@testable import ProvisorPostgres
@testable import ProvisorSQLite

/// The two stores keep one schema: the same migrations, in the same order, giving the same
/// tables and columns. A migration added to one store and not the other fails here.
@Suite struct StoreSchemaTests {
    /// Columns one store has and the other does not, on purpose, with why.
    static let postgresOnly: Set<String> = [
        // The PostgreSQL lock is an advisory lock held by a session; the row names that
        // session for the refusal message and `state unlock`.
        "state_lock.session_pid"
    ]

    @Test func theMigrationsAreTheSameInTheSameOrder() {
        #expect(SQLiteSchema.migrator.migrations == PostgresSchema.migrations.map(\.identifier))
    }

    @Test func everyMigrationGivesTheSameTablesAndColumns() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-schema-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        _ = try SQLiteStateStore(path: path)
        let sqlite = try DatabaseQueue(path: path).read { db in
            var columns = Set<String>()
            let tables = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'
                    """)
            for table in tables {
                for column in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))") {
                    columns.insert("\(table).\(column["name"] as String)")
                }
            }
            return columns
        }
        let postgres = Self.columns(in: PostgresSchema.migrations.flatMap(\.statements))

        #expect(sqlite.subtracting(postgres).sorted() == [])
        #expect(postgres.subtracting(sqlite).sorted() == Self.postgresOnly.sorted())
        // The reading of the PostgreSQL statements found the tables at all.
        #expect(postgres.contains("journal.previous") && postgres.contains("observed_resource.attributes"))
    }

    @Test func aStateFromBeforeOutputsOpensWithNoneAndKeepsItsAttributes() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-v4-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let attributes = #"{"name":"Jones","tenantId":"t-1"}"#
        let earlier = try DatabaseQueue(path: path)
        try SQLiteSchema.migrator.migrate(earlier, upTo: "v4: observations")
        try await earlier.write { db in
            try db.execute(
                sql: "INSERT INTO resource (address, kind, customer, parent, engine, attributes, serial, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: ["customer/JBL", "customer", "JBL", "reseller/ACME", "platform-eu", attributes, 1, 0])
        }
        try earlier.close()
        let store = try SQLiteStateStore(path: path)
        let read = try #require(try await store.resource(at: .customer("JBL")))
        #expect(read.attributes.json == attributes, "what an earlier version recorded stays as recorded")
        #expect(read.outputs.isEmpty)
    }

    /// "table.column" for every column the statements create or add.
    static func columns(in statements: [String]) -> Set<String> {
        var columns = Set<String>()
        let constraints: Set<String> = ["PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT"]
        for statement in statements {
            let words = statement.split(whereSeparator: \.isWhitespace)
            if words.starts(with: ["CREATE", "TABLE"]), words.count > 2, let open = statement.firstIndex(of: "("),
                let close = statement.lastIndex(of: ")")
            {
                let table = words[2]
                // Column definitions are separated by commas outside parentheses.
                var definitions: [String] = [""], depth = 0
                for character in statement[statement.index(after: open)..<close] {
                    if character == "(" { depth += 1 } else if character == ")" { depth -= 1 }
                    if character == ",", depth == 0 { definitions.append("") } else { definitions[definitions.count - 1].append(character) }
                }
                for definition in definitions {
                    guard let name = definition.split(whereSeparator: \.isWhitespace).first, !constraints.contains(String(name)) else { continue }
                    columns.insert("\(table).\(name)")
                }
            } else if words.starts(with: ["ALTER", "TABLE"]), words.count > 2 {
                let table = words[2]
                for (index, word) in words.enumerated() where word == "COLUMN" && index + 1 < words.count {
                    columns.insert("\(table).\(words[index + 1])")
                }
            }
        }
        return columns
    }
}
