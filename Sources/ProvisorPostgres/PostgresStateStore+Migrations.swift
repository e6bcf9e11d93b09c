import Foundation
import Logging
import PostgresNIO
import ProvisorCore

extension PostgresStateStore {
    /// Applies the migrations not applied yet; false when there is no state and `createSchema`
    /// is off.
    func migrate(createSchema: Bool) async throws -> Bool {
        try await transaction { connection in
            if !createSchema,
                try await Self.single(connection.query("SELECT to_regclass('provisor_migrations') IS NULL", logger: Self.logger), as: Bool.self) == true
            {
                return false
            }
            // One migrator at a time: a second runner waits here, then finds the work done.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey.0), 0)", logger: Self.logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS provisor_migrations (identifier text PRIMARY KEY, applied_at double precision NOT NULL)",
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
                try await connection.query(
                    "INSERT INTO provisor_migrations (identifier, applied_at) VALUES (\(migration.identifier), extract(epoch FROM now()))",
                    logger: Self.logger)
            }
            return true
        }
    }
}
