import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import ProvisorCore

/// Posts notification bodies to their channels. The channel's address is read from its secret
/// reference only here; a generic webhook's body is signed with HMAC-SHA256 over
/// "TIMESTAMP.BODY" (`X-Provisor-Timestamp`, `X-Provisor-Signature: sha256=HEX`), so a receiver
/// can check where it came from and refuse a replay. A channel that cannot be reached or
/// answers with an error is reported, never retried into the run's time, and never fails the
/// run.
public struct NotificationSender: Sendable {
    public var secrets: SecretResolver
    public var connectTimeout: TimeAmount = .seconds(3)
    /// The most one delivery may take, from connecting to the answer's last byte.
    public var timeout: TimeAmount = .seconds(10)

    public init(secrets: SecretResolver) {
        self.secrets = secrets
    }

    /// Sends each body to its channel; returns a sentence for each that was not delivered.
    public func send(_ deliveries: [(channel: NotificationChannel, event: String, body: String)], at now: Date) async -> [String] {
        guard !deliveries.isEmpty else { return [] }
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: connectTimeout, read: timeout)
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var failures: [String] = []
        for delivery in deliveries {
            if let failure = await send(delivery.body, event: delivery.event, to: delivery.channel, client: client, at: now) {
                failures.append("notification '\(delivery.channel.name)' (\(delivery.channel.kind.rawValue), \(delivery.event)) was not delivered: \(failure)")
            }
        }
        try? await client.shutdown()
        return failures
    }

    private func send(_ body: String, event: String, to channel: NotificationChannel, client: HTTPClient, at now: Date) async -> String? {
        let url: String
        do {
            url = channel.url.hasPrefix("env:") || channel.url.hasPrefix("file:") ? try secrets.resolve(channel.url) : channel.url
        } catch {
            return "its url cannot be read: \(error)"
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            return "its url (from \(channel.url)) is not an http(s) address"
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "provisor")
        if channel.kind == .webhook {
            request.headers.add(name: "X-Provisor-Event", value: event)
            if let reference = channel.signingSecret {
                let key: String
                do { key = try secrets.resolve(reference) } catch { return "its signing secret cannot be read: \(error)" }
                let timestamp = String(Int(now.timeIntervalSince1970))
                request.headers.add(name: "X-Provisor-Timestamp", value: timestamp)
                request.headers.add(name: "X-Provisor-Signature", value: "sha256=" + Self.signature(body, timestamp: timestamp, key: key))
            }
        }
        request.body = .bytes(ByteBuffer(string: body))
        // Its address (a chat webhook's address is its key) and signing key never appear in
        // what is printed about it, whatever the receiver or the client quotes.
        // A receiver quoting the request may give only its path (where Slack and Teams keep the key).
        let path = URLComponents(string: url).map { $0.percentEncodedPath + ($0.percentEncodedQuery.map { "?" + $0 } ?? "") } ?? ""
        let redaction = Redaction(
            [url] + (path.count >= 8 ? [path] : []) + (channel.signingSecret.flatMap { try? secrets.resolve($0) }.map { [$0] } ?? []))
        let timeout = timeout
        do {
            let (status, answer) = try await Deadline(.nanoseconds(timeout.nanoseconds)).run { [request] in
                // The client's own limit covers the headers only; Deadline bounds the whole exchange.
                let response = try await client.execute(request, timeout: timeout + .seconds(5))
                return (response.status.code, String(buffer: try await response.body.collect(upTo: 64 << 10)))
            }
            guard (200..<300).contains(status) else {
                let said = answer.split(separator: "\n").first.map { ": \(redaction(String($0.prefix(200))).controlCharactersEscaped)" } ?? ""
                return "it answered HTTP \(status)\(said)"
            }
            return nil
        } catch {
            return redaction(HTTPFailure.sentence(error, limit: timeout)).controlCharactersEscaped
        }
    }

    /// HMAC-SHA256 of "TIMESTAMP.BODY" with `key`, in lowercase hex.
    public static func signature(_ body: String, timestamp: String, key: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data((timestamp + "." + body).utf8), using: SymmetricKey(data: Data(key.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }
}
