import Foundation
import Logging
import PostgresNIO
import ProvisorCore

/// The state in a PostgreSQL database, shared by every runner that reaches it: CI's dry-runs,
/// the apply on merge and the scheduled drift correction, on different machines.
///
/// One connection carries reads and writes, one statement or transaction at a time. The state
/// lock is a session-level advisory lock taken on a connection of its own, held for as long as
/// the run holds the lock: when the process dies its connection closes and the server releases
/// the lock, so a crashed run never leaves a stale lock. Who holds it is written beside it in
/// `state_lock`, for the refusal message. Commits lock the serial's row (`FOR UPDATE`), so two
/// runners' commits are serialised and `expectedSerial` is checked against the latest one.
public final class PostgresStateStore: StateStore, OutboxStore, StateArchiving {
    public let location: PostgresLocation
    let connection: PostgresConnection
    let gate = ConnectionGate()
    let sessions = LockSessions()

    public var description: String { location.description }

    /// The advisory lock's key: (`'prov'`, 1). Advisory locks belong to one database, so each
    /// database holds one state with its own lock.
    static let lockKey: (Int32, Int32) = (0x7072_6F76, 1)

    private init(location: PostgresLocation, connection: PostgresConnection) {
        self.location = location
        self.connection = connection
    }

    /// Connects and brings the schema up to date (creating it in an empty database).
    public static func open(_ location: PostgresLocation) async throws -> PostgresStateStore {
        try await open(location, createSchema: true)!
    }

    /// Connects and brings the schema up to date; without `createSchema`, a database that has
    /// no Provisor state yet is left alone and nil returned.
    public static func open(_ location: PostgresLocation, createSchema: Bool) async throws -> PostgresStateStore? {
        let connection = try await connect(location)
        let store = PostgresStateStore(location: location, connection: connection)
        do {
            if try await store.migrate(createSchema: createSchema) { return store }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
        return nil
    }

    /// A store that is simply let go (a command ending) closes its connection here: postgres-nio
    /// requires every connection to be closed before it is released.
    deinit {
        Self.closeAndWait(connection)
    }

    static func closeAndWait(_ connection: PostgresConnection) {
        if !connection.isClosed { _ = try? connection.close().wait() }
    }

    /// Closes the store's connections; a lock still held is released with them.
    public func close() async {
        for session in await sessions.removeAll() { try? await session.close() }
        try? await connection.close()
    }

    static let logger = Logger(label: "provisor.postgres") { _ in SwiftLogNoOpLogHandler() }

    static func connect(_ location: PostgresLocation) async throws -> PostgresConnection {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try location.configuration()
        } catch {
            throw StateError.unreadable(path: location.description, reason: error.description)
        }
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw StateError.unreadable(path: location.description, reason: PostgresErrorText.reason(error, location: location))
        }
    }
}
