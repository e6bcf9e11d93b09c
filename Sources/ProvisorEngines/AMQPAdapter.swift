import Foundation
import ProvisorAMQP
import ProvisorCore

/// The `amqp` adapter: each message is published, persistent and confirmed by the broker, to the
/// engine's durable quorum queue (declared here), with the message id as `message_id` and
/// `correlation_id` and a private reply queue as `reply_to`; the engine, connecting outbound,
/// consumes it and answers the lines an exec engine would write (docs/engines.md). The
/// connections live on a thread of their own: librabbitmq is not thread-safe and blocks.
///
/// A message the broker did not confirm, or that nobody answered within `timeout`, is retryable:
/// sent again later with the same id, an engine on the kit answers it as a replay.
public final class AMQPAdapter: EngineAdapter, @unchecked Sendable {
    public let engine: String
    public let queue: String
    public let timeout: Double
    public let maxRetries: Int
    private let address: AMQPAddress
    private let clock: WallClock
    private let thread: AMQPThread

    // Confined to `thread`.
    private var publisher: AMQPConnection?
    private var consumer: AMQPConnection?
    private var replyQueue = ""
    /// Answers that came for another message than the one waited for (one that timed out).
    private var early: [String: String] = [:]

    public init(engine: String, address: AMQPAddress, queue: String, timeout: Double = 30, maxRetries: Int = 5, clock: WallClock) {
        self.engine = engine
        self.address = address
        self.queue = queue
        self.timeout = timeout
        self.maxRetries = maxRetries
        self.clock = clock
        thread = AMQPThread(name: "provisor-amqp-\(engine)")
    }

    enum Exchange: Error {
        /// Not confirmed by the broker: it may not have it.
        case notSent(String)
        /// Confirmed, but not answered in time.
        case unanswered(String)
    }

    public func send(_ message: OutgoingMessage) async -> DeliveryResult {
        switch await exchange(id: message.id, body: message.body()) {
        case .failure(.notSent(let reason)), .failure(.unanswered(let reason)):
            return .retryable(reason)
        case .success(let answer):
            let line = answer.split(separator: "\n").first.map(String.init) ?? ""
            switch ExecResult.parse(line, expecting: message.id) {
            case .success(let result): return result
            case .failure(let problem):
                return .terminal(
                    "engine '\(engine)' answered with something that is not a result (\(problem.reason)): '\(ExecAdapter.excerpt(line))'; an amqp engine answers each message with one JSON line {\"id\", \"status\"}"
                )
            }
        }
    }

    public func observe() async -> EngineObservation {
        switch await read("observe", item: "resource", noun: "resources", ObservedJSON.resource) {
        case .success(let resources): return .observed(resources, at: clock.now())
        case .failure(let failure): return .unreadable(failure.reason)
        }
    }

    public func subscriptions() async -> SubscriptionReading {
        switch await read("subscriptions", item: "subscription", noun: "subscriptions", ObservedJSON.subscription) {
        case .success(let subscriptions): return .read(subscriptions)
        case .failure(let failure): return .unreadable(failure.reason)
        }
    }

    public func shutdown() async {
        await thread.stop { [self] in
            publisher?.close()
            consumer?.close()
        }
    }

    struct ReadFailure: Error {
        var reason: String
    }

    /// A read request answered by item lines and a last status line, all in one reply.
    private func read<Item: Sendable>(
        _ action: String, item: String, noun: String, _ parse: @escaping @Sendable (Any, String) throws(ObservedJSON.ParseError) -> Item
    ) async -> Result<[Item], ReadFailure> {
        let id = action + "-" + UUID().uuidString.lowercased()
        let answer: String
        switch await exchange(id: id, body: ExecAdapter.readRequest(action, id: id, engine: engine)) {
        case .failure(.notSent(let reason)), .failure(.unanswered(let reason)): return .failure(ReadFailure(reason: reason))
        case .success(let text): answer = text
        }
        var items: [Item] = []
        for line in answer.split(separator: "\n").map(String.init) {
            switch ReadLine(line, id: id, item: item, engine: engine, parse) {
            case .item(let value): items.append(value)
            case .unreadable(let problem): return .failure(ReadFailure(reason: "engine '\(engine)' reported a \(item) Provisor cannot read: \(problem)"))
            case .other:
                return .failure(ReadFailure(reason: "engine '\(engine)' answered the \(action) request with something else: '\(ExecAdapter.excerpt(line))'"))
            case .status("succeeded", let count, _):
                if let count, count != items.count {
                    return .failure(ReadFailure(reason: "engine '\(engine)' said it holds \(count) \(noun) but reported \(items.count)"))
                }
                return .success(items)
            case .status(_, _, let error):
                return .failure(ReadFailure(reason: "engine '\(engine)' could not be read: \(error ?? "it did not say why")"))
            }
        }
        return .failure(ReadFailure(reason: "engine '\(engine)' answered the \(action) request without a last status line"))
    }

    /// Publishes `body` and waits for the answer correlated with `id`, on the adapter's thread.
    private func exchange(id: String, body: String) async -> Result<String, Exchange> {
        await thread.run { [self] in
            let sent: Result<Void, AMQPError> = Result { () throws(AMQPError) in
                try connect()
                try publisher!.publish(body, to: queue, messageID: id, correlationID: id, replyTo: replyQueue, timeout: timeout)
            }
            if case .failure(let error) = sent {
                disconnect()
                return .failure(.notSent("engine '\(engine)': the broker did not take the message: \(error)"))
            }
            return awaitAnswer(id)
        }
    }

    private func awaitAnswer(_ id: String) -> Result<String, Exchange> {
        if let answer = early.removeValue(forKey: id) { return .success(answer) }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            do {
                guard let delivery = try consumer!.next(timeout: deadline.timeIntervalSinceNow) else { break }
                try consumer!.acknowledge(delivery)
                if delivery.correlationID == id { return .success(delivery.body) }
                if let other = delivery.correlationID { early[other] = delivery.body }
            } catch {
                disconnect()
                return .failure(.unanswered("engine '\(engine)': the message is on queue \(queue), but the broker was lost before the answer came: \(error)"))
            }
        }
        return .failure(
            .unanswered(
                "engine '\(engine)' did not answer within \(ExecAdapter.seconds(timeout)): the message waits on queue \(queue) for an engine to consume it"))
    }

    private func connect() throws(AMQPError) {
        guard publisher == nil || consumer == nil else { return }
        disconnect()
        let publisher = try AMQPConnection(address)
        try publisher.declare(queue)
        try publisher.confirm()
        let consumer = try AMQPConnection(address)
        replyQueue = try consumer.declare()
        try consumer.consume(replyQueue, prefetch: 100)
        self.publisher = publisher
        self.consumer = consumer
    }

    private func disconnect() {
        publisher?.close()
        consumer?.close()
        publisher = nil
        consumer = nil
        early = [:]
    }
}
