import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL state is and how to reach it, from a `postgres://` URL as libpq reads it:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE?sslmode=…&sslrootcert=…`. The password is
/// kept for connecting only: `description` and every error leave it out.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// libpq's `sslmode` values. `prefer` (the default) and `require` encrypt without checking the
    /// server's certificate; `verify-ca` checks it against `sslrootcert` (else the system's
    /// roots); `verify-full` also checks that it names the host.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var database: String
    public var tls: TLSMode
    /// `sslrootcert`: the certificate authorities that may sign the server's certificate.
    public var rootCertificate: String?
    /// `sslcert` and `sslkey`: a client certificate and its key, for servers that ask for one.
    public var clientCertificate: String?
    public var clientKey: String?
    /// `connect_timeout`, in seconds.
    public var connectTimeout: Int
    var password: String?

    public var hasPassword: Bool { password != nil }

    public var description: String { "PostgreSQL \(username)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }

    static let parameters = ["sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"]

    /// Whether `text` is meant as a PostgreSQL URL rather than a SQLite path.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `url`; `password` is used when the URL has none.
    public init(url: String, password fallback: String? = nil) throws(PostgresURLError) {
        guard Self.isURL(url), let components = URLComponents(string: url) else {
            throw PostgresURLError("is not a URL of the form postgres://USER@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresURLError("names no host (postgres://USER@HOST/DATABASE)") }
        guard let user = components.user, !user.isEmpty else { throw PostgresURLError("names no user (postgres://USER@HOST/DATABASE)") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 5432
        username = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 } ?? fallback
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? username : (path.removingPercentEncoding ?? path)
        tls = .prefer
        connectTimeout = 10
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw PostgresURLError("has sslmode=\(value); use one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            case "sslrootcert": rootCertificate = value
            case "sslcert": clientCertificate = value
            case "sslkey": clientKey = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else { throw PostgresURLError("has connect_timeout=\(value); give a number of seconds") }
                connectTimeout = seconds
            default:
                throw PostgresURLError("has the parameter '\(item.name)', which Provisor does not read; it reads \(Self.parameters.joined(separator: ", "))")
            }
        }
        if (clientCertificate == nil) != (clientKey == nil) { throw PostgresURLError("gives sslcert or sslkey without the other; give both") }
        if tls == .disable && (rootCertificate != nil || clientCertificate != nil) {
            throw PostgresURLError("has sslmode=disable together with certificates; remove them or choose another sslmode")
        }
    }

    /// The postgres-nio configuration: the address, the credentials and the TLS settings.
    public func configuration() throws(PostgresURLError) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: try tlsConfiguration())
        configuration.options.connectTimeout = .seconds(Int64(connectTimeout))
        return configuration
    }

    private func tlsConfiguration() throws(PostgresURLError) -> PostgresConnection.Configuration.TLS {
        guard tls != .disable else { return .disable }
        var settings = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .verifyFull: settings.certificateVerification = .fullVerification
        case .verifyCA: settings.certificateVerification = .noHostnameVerification
        default: settings.certificateVerification = .none
        }
        do {
            if let rootCertificate {
                settings.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(rootCertificate))
            }
            if let clientCertificate, let clientKey {
                settings.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate).map { .certificate($0) }
                settings.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientKey, format: .pem))
            }
            let context = try NIOSSLContext(configuration: settings)
            return tls == .prefer ? .prefer(context) : .require(context)
        } catch {
            let files = [rootCertificate.map { "sslrootcert \($0)" }, clientCertificate.map { "sslcert \($0)" }, clientKey.map { "sslkey \($0)" }]
            throw PostgresURLError("has TLS files that cannot be read as PEM (\(files.compactMap { $0 }.joined(separator: ", "))): \(error)")
        }
    }
}
