import Foundation

/// Where a broker is and how to log in: `amqp://USER:PASSWORD@HOST:PORT/VHOST`, or `amqps://`
/// for TLS (port 5671 by default, 5672 without TLS; vhost `/` when the path is empty; the
/// user and password percent-decoded), with the CA and an optional client certificate.
public struct AMQPAddress: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var virtualHost: String
    public var user: String
    public var password: String
    public var tls: Bool
    /// PEM files: the CA that signed the broker's certificate, and the client's own.
    public var caCertificate: String?
    public var clientCertificate: String?
    public var clientKey: String?

    /// The address in `url`, or a sentence saying what is wrong with it (never the password).
    public static func parse(_ url: String) -> Result<AMQPAddress, AMQPError> {
        guard let components = URLComponents(string: url), let scheme = components.scheme, scheme == "amqp" || scheme == "amqps" else {
            return .failure(AMQPError("'\(AMQPAddress.redacted(url))' is not an amqp:// or amqps:// address"))
        }
        guard let host = components.host, !host.isEmpty else { return .failure(AMQPError("the broker address \(redacted(url)) names no host")) }
        var virtualHost = components.percentEncodedPath
        if virtualHost.hasPrefix("/") { virtualHost.removeFirst() }
        return .success(
            AMQPAddress(
                host: host, port: components.port ?? (scheme == "amqps" ? 5671 : 5672),
                virtualHost: virtualHost.isEmpty ? "/" : virtualHost.removingPercentEncoding ?? virtualHost,
                user: components.user ?? "guest", password: components.password ?? "guest", tls: scheme == "amqps"))
    }

    /// `url` with its password replaced by `***`, for messages.
    public static func redacted(_ url: String) -> String {
        url.replacing(/([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:@\/]*:)[^@\/]*@/) { "\($0.1)***@" }
    }

    /// host:port and the virtual host, for messages.
    public var description: String { "\(tls ? "amqps" : "amqp")://\(host):\(port)/\(virtualHost == "/" ? "" : virtualHost)" }
}
