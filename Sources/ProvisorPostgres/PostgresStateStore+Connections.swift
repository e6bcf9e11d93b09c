import Foundation
import Logging
import PostgresNIO
import ProvisorCore

extension PostgresStateStore {
    /// Runs `body` on the store's connection, alone, with PostgreSQL's errors as `StateError`.
    func withConnection<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        await gate.enter()
        do {
            let result = try await mapped { try await body(connection) }
            await gate.leave()
            return result
        } catch {
            await gate.leave()
            throw error
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// A read-only one is `REPEATABLE READ`, so every statement sees the same state.
    func transaction<T: Sendable>(readOnly: Bool = false, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            try await connection.query(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", logger: Self.logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: Self.logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: Self.logger)
                throw error
            }
        }
    }

    /// Reports PostgreSQL's errors as `StateError`s; every other error goes through as it is.
    func mapped<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            throw StateError.unreadable(path: description, reason: PostgresErrorText.reason(error, location: location))
        } catch let error as PostgresDecodingError {
            throw StateError.corruptRecord(
                address: "a row", reason: "\(error.code): a column of type \(error.postgresType) does not read as \(error.targetType)",
                store: description)
        }
    }

    static func single<T: PostgresDecodable & Sendable>(_ rows: PostgresRowSequence, as type: T.Type) async throws -> T? {
        var value: T?
        for try await row in rows.decode(T.self) where value == nil { value = row }
        return value
    }
}
