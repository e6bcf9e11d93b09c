import AsyncHTTPClient
import Foundation
import NIOCore

/// Where a run's metrics go: a file for node_exporter's textfile collector (`--metrics-file`,
/// replaced atomically, so the collector never reads half a file) and a Prometheus Pushgateway
/// (`--pushgateway`, one group per command: `job="provisor"`, `command=…`, replaced by each
/// push). Failing to publish never fails the run: the caller says so and keeps its exit status.
public struct MetricsPublisher: Sendable {
    public var file: String?
    public var pushgateway: String?
    /// How long connecting to the Pushgateway may take, and each request from connecting to the
    /// answer's last byte.
    public var connectTimeout: TimeAmount = .seconds(3)
    public var timeout: TimeAmount = .seconds(10)

    public init(file: String?, pushgateway: String?) {
        self.file = file
        self.pushgateway = pushgateway.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    public var isEnabled: Bool { file != nil || pushgateway != nil }

    /// Publishes the document `make` writes from what was published before (the file, else
    /// the Pushgateway's page; empty when there is none), so that the time of the last success
    /// carries across runs. Returns a sentence for each destination that failed.
    public func publish(command: String, _ make: (_ previous: String) -> String) async -> [String] {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: connectTimeout, read: timeout)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var failures: [String] = []
        var previous = file.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        var reachable = true
        if let pushgateway, previous == nil {
            do {
                previous = try await get(pushgateway + "/metrics", client)
            } catch {
                reachable = false
                failures.append("cannot push the metrics to the Pushgateway at \(pushgateway): \(HTTPFailure.sentence(error, limit: timeout))")
            }
        }
        let text = make(previous ?? "")
        if let file {
            // Readable by node_exporter's user: 0644.
            do { try FileReplacement.write(Data(text.utf8), to: file, mode: 0o644) } catch {
                failures.append("cannot write the metrics to '\(file)': \((error as? FileReplacement.Failure)?.reason ?? "\(error)")")
            }
        }
        if let pushgateway, reachable {
            do {
                var request = HTTPClientRequest(url: pushgateway + "/metrics/job/provisor/command/" + command)
                request.method = .PUT
                request.headers.add(name: "Content-Type", value: "text/plain; version=0.0.4")
                request.body = .bytes(ByteBuffer(string: text))
                let timeout = timeout
                let (status, body) = try await Deadline(.nanoseconds(timeout.nanoseconds)).run { [request] in
                    // The client's own limit covers the headers only; Deadline bounds the whole exchange.
                    let response = try await client.execute(request, timeout: timeout + .seconds(5))
                    return (response.status.code, String(buffer: try await response.body.collect(upTo: 64 << 10)))
                }
                if !(200..<300).contains(status) {
                    let said = body.split(separator: "\n").first.map { ": \(String($0.prefix(200)).controlCharactersEscaped)" } ?? ""
                    failures.append("the Pushgateway at \(pushgateway) refused the metrics (HTTP \(status)\(said))")
                }
            } catch {
                failures.append("cannot push the metrics to the Pushgateway at \(pushgateway): \(HTTPFailure.sentence(error, limit: timeout))")
            }
        }
        try? await client.shutdown()
        return failures
    }

    /// The page at `url`; empty when the Pushgateway answers with an error (it then has none).
    private func get(_ url: String, _ client: HTTPClient) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let timeout = timeout
        return try await Deadline(.nanoseconds(timeout.nanoseconds)).run { [request] in
            let response = try await client.execute(request, timeout: timeout + .seconds(5))
            let body = try await response.body.collect(upTo: 64 << 20)
            return response.status == .ok ? String(buffer: body) : ""
        }
    }

}
