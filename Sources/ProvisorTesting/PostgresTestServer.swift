import Foundation
import Logging
import PostgresNIO
import ProvisorPostgres

/// The PostgreSQL server the PostgreSQL tests use: `PROVISOR_TEST_POSTGRES_URL` (a URL whose
/// user may create databases; `scripts/postgres-test-cluster.sh start DIR` starts a throw-away
/// one and prints it). Without it those tests are skipped, unless `PROVISOR_REQUIRE_POSTGRES=1`
/// (as CI sets) makes the missing server a failure.
public enum PostgresTestServer {
    public static let url = ProcessInfo.processInfo.environment["PROVISOR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// The certificate that signed the test server's (for the TLS tests).
    public static let certificateAuthority = ProcessInfo.processInfo.environment["PROVISOR_TEST_POSTGRES_CA"]
    public static let required = ProcessInfo.processInfo.environment["PROVISOR_REQUIRE_POSTGRES"] == "1"
    public static var isAvailable: Bool { url != nil }
    public static let skipped =
        "no PostgreSQL server: set PROVISOR_TEST_POSTGRES_URL to run the PostgreSQL tests (eval \"$(scripts/postgres-test-cluster.sh start DIR)\" starts one)"

    /// Runs `body` with the URL of a new, empty database, dropped afterwards.
    public static func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        guard let url else { throw PostgresTestServerMissing() }
        let name = "provisor_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await administer(url) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        var components = URLComponents(string: url)!
        components.path = "/" + name
        do {
            let result = try await body(components.string!)
            try await drop(name, url: url)
            return result
        } catch {
            try? await drop(name, url: url)
            throw error
        }
    }

    /// A statement run as the test server's user, on the database `url` names.
    public static func execute(_ sql: String, url: String) async throws {
        try await administer(url) { connection in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
    }

    private static func drop(_ name: String, url: String) async throws {
        try await administer(url) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    private static let logger = Logger(label: "provisor.test.postgres") { _ in SwiftLogNoOpLogHandler() }

    private static func administer(_ url: String, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(configuration: try PostgresLocation(url: url).configuration(), id: 0, logger: logger)
        do {
            try await body(connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

public struct PostgresTestServerMissing: Error, CustomStringConvertible {
    public var description: String { PostgresTestServer.skipped }
}
