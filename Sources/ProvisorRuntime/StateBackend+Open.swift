import Foundation
import ProvisorCore
import ProvisorPostgres
import ProvisorSQLite

/// What every command writes to: the state, its outbox, and copying it whole.
public typealias ProvisorState = any StateStore & OutboxStore & StateArchiving

extension RepositoryConfig.StateBackend {
    /// From `--state`: a `postgres://` URL, `env:NAME` naming a variable that holds one, or a
    /// SQLite path.
    public init(option: String) {
        self = PostgresLocation.isURL(option) || option.hasPrefix("env:") ? .postgres(url: option, password: nil) : .sqlite(path: option)
    }

    /// "SQLite PATH" or "PostgreSQL USER@HOST:PORT/DATABASE", for messages; never a password.
    public func describe(directory: String) throws -> String {
        switch self {
        case .sqlite(let path): return "SQLite \(path)"
        case .postgres(let url, let password): return try Self.location(url: url, password: password, directory: directory).description
        }
    }

    /// The configured state, created when it does not exist yet.
    public func open(directory: String) async throws -> ProvisorState {
        switch self {
        case .sqlite(let path): return try SQLiteStateStore(path: path)
        case .postgres(let url, let password): return try await PostgresStateStore.open(Self.location(url: url, password: password, directory: directory))
        }
    }

    /// The state when it exists: nil for a missing SQLite file or a PostgreSQL database without
    /// Provisor's tables, which are created by the first write, not by reading.
    public func openExisting(directory: String) async throws -> ProvisorState? {
        switch self {
        case .sqlite(let path):
            return FileManager.default.fileExists(atPath: path) ? try SQLiteStateStore(path: path) : nil
        case .postgres(let url, let password):
            return try await PostgresStateStore.open(Self.location(url: url, password: password, directory: directory), createSchema: false)
        }
    }

    /// Where a PostgreSQL state is: the URL, read from its secret reference; the password from
    /// the URL, else `password:` in provisor.yaml, else `PGPASSWORD`. A URL typed on the command
    /// line may not hold a password: it would show in the process list and the shell's history.
    public static func location(url: String, password: String?, directory: String) throws -> PostgresLocation {
        let secrets = SecretResolver(directory: directory)
        let fix = "check state: in provisor.yaml, or --state"
        do {
            var text = url
            if url.hasPrefix("env:") || url.hasPrefix("file:") {
                text = try secrets.resolve(url)
                guard PostgresLocation.isURL(text) else {
                    throw RunError(description: "error: \(url) does not hold a postgres:// URL (\(fix))")
                }
            } else if URLComponents(string: url)?.password != nil {
                throw RunError(
                    description:
                        "error: --state holds a password, which would show in the process list and the shell's history; set PGPASSWORD instead, or pass --state env:NAME with the whole URL in the variable NAME"
                )
            }
            let secret = try password.map { try secrets.resolve($0) } ?? ProcessInfo.processInfo.environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            return try PostgresLocation(url: text, password: secret)
        } catch let failure as SecretError {
            throw RunError(description: "error: the PostgreSQL state's \(failure) (\(fix))")
        } catch let error as PostgresURLError {
            throw RunError(description: "error: \(error) (\(fix))")
        }
    }
}
