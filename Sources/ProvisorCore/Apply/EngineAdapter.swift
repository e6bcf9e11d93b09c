import Foundation

/// One message on its way to an engine, with its secrets already read. Its two JSON forms are
/// rendered when an adapter asks for one: the wire form (secrets as their values) and the form
/// that may be stored (secrets as `{"secretRef": ...}`).
public struct OutgoingMessage: Sendable {
    public var message: ProvisioningMessage
    /// Reference → value, for the secrets the message carries.
    let secrets: [String: String]

    public init(message: ProvisioningMessage, secrets: [String: String] = [:]) {
        self.message = message
        self.secrets = secrets
    }

    public var id: String { message.id }

    /// The JSON sent to the engine. Never stored or logged.
    public func body() -> String { message.json(secrets: secrets.isEmpty ? nil : secrets) }

    /// The JSON that may be stored.
    public func restingBody() -> String { message.json() }

    /// The most of an engine's error text that is printed, journalled and audited.
    public static let answerLimit = 4_096

    /// `result` as it may be printed and stored: every secret value this message carries
    /// (as sent, or JSON-escaped as an engine quoting the message would write it) replaced by
    /// `(sensitive)`, and the text cut to `answerLimit` bytes.
    public func sanitised(_ result: DeliveryResult) -> DeliveryResult {
        switch result {
        case .succeeded: return result
        case .retryable(let text, let retryAfter): return .retryable(sanitised(text), retryAfter: retryAfter)
        case .terminal(let text): return .terminal(sanitised(text))
        }
    }

    func sanitised(_ text: String) -> String {
        var text = text
        for value in secrets.values where !value.isEmpty {
            var writer = JSONWriter()
            writer.string(value)
            let escaped = String(writer.text.dropFirst().dropLast())
            // As ASCII-only JSON writers (Python's json.dumps) write it: \u00fc for ü.
            var ascii = ""
            for unit in escaped.utf16 {
                if unit < 0x7F { ascii.unicodeScalars.append(Unicode.Scalar(UInt8(unit))) } else {
                    let hex = String(unit, radix: 16)
                    ascii += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
            }
            for form in Set([value, escaped, ascii]) { text = text.replacingOccurrences(of: form, with: "(sensitive)") }
        }
        let bytes = text.utf8.count
        guard bytes > Self.answerLimit else { return text }
        var cut = text.utf8.index(text.utf8.startIndex, offsetBy: Self.answerLimit)
        while cut.samePosition(in: text.unicodeScalars) == nil { cut = text.utf8.index(before: cut) }
        return String(text[..<cut]) + "… (\(bytes - text.utf8.distance(from: text.startIndex, to: cut)) more bytes left out)"
    }
}

/// An engine's answer to one message.
public enum DeliveryResult: Sendable, Hashable {
    /// Done (or already done: the engine had seen this id). `outputs` are values the engine
    /// reports back (a tenant id), recorded with the resource.
    case succeeded(outputs: [Attribute])
    /// Not done, but may succeed if sent again (a timeout, an overloaded engine); `retryAfter`
    /// is the engine's own wish, in seconds.
    case retryable(String, retryAfter: Double? = nil)
    /// Refused; sending it again will not help. The text is the engine's own.
    case terminal(String)

    public static let succeeded = DeliveryResult.succeeded(outputs: [])
}

/// Talks to one provisioning engine (`Engine.spec.adapter`). Adapters live in
/// `ProvisorEngines`; the applier only sees this protocol.
public protocol EngineAdapter: Sendable {
    /// Sends one message and waits for the engine's answer. Never throws: every failure is a
    /// `DeliveryResult` saying whether sending again may help.
    func send(_ message: OutgoingMessage) async -> DeliveryResult

    /// Sends several messages at once, answering each in order. Adapters that can store a batch
    /// in one step (the outbox) override it; the default sends them one after another.
    func send(batch: [OutgoingMessage]) async -> [DeliveryResult]

    /// True when `send(batch:)` is cheaper than sending one by one.
    var prefersBatches: Bool { get }

    /// How many times a retryable failure is sent again before it counts as failed.
    var maxRetries: Int { get }

    /// Reads back everything the engine holds (`provisor drift`, `reconcile --refresh`). An
    /// engine that cannot be read, for whatever reason, is `.unreadable` with the reason:
    /// unknown, never absent.
    func observe() async -> EngineObservation

    /// Reads the licence subscriptions the engine holds (`provisor rightsize`); an engine that
    /// has none to report is `.unsupported`.
    func subscriptions() async -> SubscriptionReading

    /// Stops what the adapter started (engine processes, connections).
    func shutdown() async
}

extension EngineAdapter {
    public func send(batch: [OutgoingMessage]) async -> [DeliveryResult] {
        var results: [DeliveryResult] = []
        for message in batch { results.append(await send(message)) }
        return results
    }

    public var prefersBatches: Bool { false }
    public var maxRetries: Int { 3 }
    public func observe() async -> EngineObservation { .unsupported(DriftDetector.notRead) }
    public func subscriptions() async -> SubscriptionReading { .unsupported("this adapter cannot report licence subscriptions") }
    public func shutdown() async {}
}

/// Reads `secretRef` values (`env:NAME`, `file:PATH`) at the moment a message is sent.
public struct SecretResolver: Sendable {
    public var environment: [String: String]
    /// Relative `file:` paths are read from here.
    public var directory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, directory: String = FileManager.default.currentDirectoryPath) {
        self.environment = environment
        self.directory = directory
    }

    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var reference: String
        public var reason: String
        public var description: String { "secret \(reference) \(reason)" }
    }

    /// The value of one reference.
    public func resolve(_ reference: String) throws(Failure) -> String {
        if reference.hasPrefix("env:") {
            let name = String(reference.dropFirst(4))
            guard let value = environment[name], !value.isEmpty else {
                throw Failure(reference: reference, reason: "is not set: the environment variable \(name) is missing or empty; set it in the environment of provisor")
            }
            return value
        }
        if reference.hasPrefix("file:") {
            var path = String(reference.dropFirst(5))
            if !path.hasPrefix("/") { path = (directory as NSString).appendingPathComponent(path) }
            guard let data = FileManager.default.contents(atPath: path), var value = String(data: data, encoding: .utf8) else {
                throw Failure(reference: reference, reason: "cannot be read: \(path) is missing or unreadable; create it or fix the path")
            }
            while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
            guard !value.isEmpty else { throw Failure(reference: reference, reason: "is empty: \(path) holds nothing") }
            return value
        }
        throw Failure(reference: reference, reason: "has an unknown provider; use env:NAME or file:PATH")
    }

    /// The message ready to send, with every secret it carries read.
    public func prepare(_ message: ProvisioningMessage) throws(Failure) -> OutgoingMessage {
        var secrets: [String: String] = [:]
        for reference in message.secretReferences { secrets[reference] = try resolve(reference) }
        return OutgoingMessage(message: message, secrets: secrets)
    }
}

/// How retryable failures are retried: exponential backoff from `baseDelay`, doubled each time
/// up to `maxDelay`, with full jitter; an engine's Retry-After wins when it asks for longer.
public struct RetryPolicy: Sendable, Hashable {
    public var baseDelay: Double
    public var maxDelay: Double

    public init(baseDelay: Double = 0.5, maxDelay: Double = 30) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Seconds to wait before retry number `attempt` (1 for the first retry).
    public func delay(attempt: Int, retryAfter: Double?) -> Double {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        let jittered = ceiling / 2 + Double.random(in: 0...(ceiling / 2))
        return max(jittered, min(retryAfter ?? 0, maxDelay))
    }

    /// Sends each queue's messages one after another (a customer's changes stay in order), at
    /// most `concurrency` queues at once; once cancelled, nothing more is sent. `answered` sees
    /// each answer as it comes. Returns every answer with its position and attempts.
    public func send(queues: [[(position: Int, message: OutgoingMessage, adapter: any EngineAdapter)]], concurrency: Int,
                     answered: @escaping @Sendable (_ position: Int, DeliveryResult, _ attempts: Int) -> Void = { _, _, _ in })
        async -> [(position: Int, result: DeliveryResult, attempts: Int)] {
        await withTaskGroup(of: [(position: Int, result: DeliveryResult, attempts: Int)].self) { group in
            var next = queues.makeIterator(), running = 0
            var answers: [(position: Int, result: DeliveryResult, attempts: Int)] = []
            func start(_ group: inout TaskGroup<[(position: Int, result: DeliveryResult, attempts: Int)]>) -> Bool {
                guard let queue = next.next() else { return false }
                group.addTask {
                    var done: [(position: Int, result: DeliveryResult, attempts: Int)] = []
                    for item in queue where !Task.isCancelled {
                        let (result, attempts) = await send(item.message, through: item.adapter)
                        answered(item.position, result, attempts)
                        done.append((item.position, result, attempts))
                    }
                    return done
                }
                return true
            }
            while running < concurrency, start(&group) { running += 1 }
            while let finished = await group.next() {
                answers += finished
                if !start(&group) { running -= 1 }
            }
            return answers
        }
    }

    /// Sends `message` through `adapter`, retrying retryable failures up to the adapter's
    /// limit. Returns the last result and how many attempts were made.
    public func send(_ message: OutgoingMessage, through adapter: any EngineAdapter) async -> (result: DeliveryResult, attempts: Int) {
        var attempt = 0
        while true {
            attempt += 1
            let result = message.sanitised(await adapter.send(message))
            guard case .retryable(_, let retryAfter) = result, attempt <= adapter.maxRetries else { return (result, attempt) }
            try? await Task.sleep(nanoseconds: UInt64(delay(attempt: attempt, retryAfter: retryAfter) * 1_000_000_000))
            if Task.isCancelled { return (result, attempt) }
        }
    }
}
