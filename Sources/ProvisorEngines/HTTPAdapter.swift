import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import ProvisorCore
import ProvisorEngineKit

/// The `http` adapter: POSTs each message as JSON to the engine's webhook.
///
/// Headers: `Idempotency-Key` (the message id) and, when the engine has a signing secret,
/// `X-Provisor-Signature: sha256=<hex HMAC-SHA256 of the body>`. 2xx is success (a JSON body
/// with `outputs` is recorded); 408, 429 and 5xx are retryable, honouring `Retry-After`;
/// any other status is terminal, with the start of the response body as the engine's error.
public final class HTTPAdapter: EngineAdapter {
    public static let signatureHeader = "X-Provisor-Signature"

    public let engine: String
    public let url: String
    public let timeout: Double
    public let maxRetries: Int
    /// The GET endpoint that reports what the engine holds, when it has one.
    public let observeURL: String?
    /// The GET endpoint that reports the licence subscriptions the engine holds, when it has one.
    public let subscriptionsURL: String?
    private let signingSecret: String?
    private let client: HTTPClient
    /// Dates readings and reads a Retry-After date against.
    private let clock: WallClock

    /// `signingSecret` is the resolved secret (read from its secretRef by the caller).
    public init(
        engine: String, url: String, observeURL: String? = nil, subscriptionsURL: String? = nil, timeout: Double = 30, maxRetries: Int = 5,
        signingSecret: String? = nil, clock: WallClock
    ) {
        self.engine = engine
        self.clock = clock
        self.url = url
        self.observeURL = observeURL
        self.subscriptionsURL = subscriptionsURL
        self.timeout = timeout
        self.maxRetries = maxRetries
        self.signingSecret = signingSecret
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(Int64(max(1, min(timeout, 10)))), read: .milliseconds(Int64(timeout * 1000)))
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The signature header's value for `body` under `secret`.
    public static func signature(of body: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + ProvisioningMessage.hex(mac)
    }

    public func send(_ message: OutgoingMessage) async -> DeliveryResult {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: message.id)
        request.headers.add(name: "User-Agent", value: "provisor")
        let body = message.body()
        if let signingSecret { request.headers.add(name: Self.signatureHeader, value: Self.signature(of: body, secret: signingSecret)) }
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            let code = Int(response.status.code)
            switch code {
            case 200..<300:
                return .succeeded(outputs: Self.outputs(in: body))
            case 408, 429, 500..<600:
                return .retryable(
                    "engine '\(engine)' answered \(code) \(response.status.reasonPhrase)\(Self.excerpt(body))",
                    retryAfter: response.headers.first(name: "Retry-After").flatMap { Self.retryAfter($0, now: clock.now()) })
            default:
                return .terminal("engine '\(engine)' refused the message: \(code) \(response.status.reasonPhrase)\(Self.excerpt(body))")
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .retryable("engine '\(engine)' did not answer within \(ExecAdapter.seconds(timeout)) (\(url))")
        } catch {
            return .retryable("engine '\(engine)' could not be reached at \(url): \(error)")
        }
    }

    /// GETs `observeURL`, which answers 200 with `{"resources": [{"address", "attributes"}]}`.
    /// Any other answer makes the engine unreadable, never empty.
    public func observe() async -> EngineObservation {
        guard let observeURL else {
            return .unsupported("engine '\(engine)' has no http.observeUrl, so what it holds cannot be read; add one to its Engine manifest")
        }
        let list: [JSONValue]
        switch await read(observeURL, key: "resources") {
        case .failure(let error): return .unreadable(error.description)
        case .success(let items): list = items
        }
        var resources: [ObservedResource] = []
        resources.reserveCapacity(list.count)
        for item in list {
            do { resources.append(try ObservedJSON.resource(item, engine: engine)) } catch {
                return .unreadable("engine '\(engine)' reported a resource Provisor cannot read: \(error)")
            }
        }
        return .observed(resources, at: clock.now())
    }

    /// GETs `subscriptionsURL`, which answers 200 with `{"subscriptions": [...]}`, each as an
    /// exec engine reports one (schemas/subscription.schema.json). Any other answer makes the
    /// subscriptions unreadable, never empty: right-sizing then leaves the engine's customers alone.
    public func subscriptions() async -> SubscriptionReading {
        guard let subscriptionsURL else {
            return .unsupported(
                "engine '\(engine)' has no http.subscriptionsUrl, so its licence subscriptions cannot be read; add one to its Engine manifest")
        }
        switch await read(subscriptionsURL, key: "subscriptions") {
        case .failure(let error):
            return .unreadable(error.description)
        case .success(let list):
            var subscriptions: [Subscription] = []
            for item in list {
                do { subscriptions.append(try ObservedJSON.subscription(item, engine: engine)) } catch {
                    return .unreadable("engine '\(engine)' reported a subscription Provisor cannot read: \(error)")
                }
            }
            return .read(subscriptions)
        }
    }

    /// The list under `key` in the JSON object a signed GET of `url` answers with 200; or why
    /// there is none. With a signing secret the request carries `X-Provisor-Signature` over
    /// `GET <url>`.
    private func read(_ url: String, key: String) async -> Result<[JSONValue], ReadError> {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "provisor")
        if let signingSecret { request.headers.add(name: Self.signatureHeader, value: Self.signature(of: "GET \(url)", secret: signingSecret)) }
        let body: String
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            body = String(buffer: try await response.body.collect(upTo: 1 << 30))
            guard response.status.code == 200 else {
                return .failure(ReadError("engine '\(engine)' answered \(response.status.code) \(response.status.reasonPhrase) at \(url)\(Self.excerpt(body))"))
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .failure(ReadError("engine '\(engine)' did not answer within \(ExecAdapter.seconds(timeout)) (\(url))"))
        } catch {
            return .failure(ReadError("engine '\(engine)' could not be reached at \(url): \(error)"))
        }
        guard case .array(let list)? = JSONValue(parsing: body.utf8, numbersAsWritten: true)?[key] else {
            return .failure(ReadError("engine '\(engine)' answered \(url) with something other than {\"\(key)\": [...]}\(Self.excerpt(body))"))
        }
        return .success(list)
    }

    /// Why a reading failed, as a sentence.
    struct ReadError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Seconds from a Retry-After header: a number of seconds, or an HTTP date (counted from `now`).
    static func retryAfter(_ value: String, now: Date) -> Double? {
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSince(now)) }
    }

    /// `outputs` from a JSON response body, when it has them.
    static func outputs(in body: String) -> [Attribute] {
        guard let data = body.data(using: .utf8), let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let outputs = object["outputs"] as? [String: Any]
        else { return [] }
        return outputs.sorted { $0.key < $1.key }.compactMap { name, value in
            switch value {
            case let text as String: return Attribute(name: name, value: .string(text))
            case let number as NSNumber: return Attribute(name: name, value: .string(number.stringValue))
            default: return nil
            }
        }
    }

    static func excerpt(_ body: String) -> String {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "" : ": " + (text.count > 300 ? String(text.prefix(300)) + "…" : text)
    }
}
