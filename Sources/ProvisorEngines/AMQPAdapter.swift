import Foundation
import ProvisorAMQP
import ProvisorCore

/// The `amqp` adapter: each message is published, persistent and confirmed by the broker, to the
/// engine's durable quorum queue (declared here), with the message id as `message_id` and
/// `correlation_id`; the engine, connecting outbound, consumes it and answers the lines an exec
/// engine would write (docs/engines.md) to the queue named in `reply_to`. The connections live
/// on a thread of their own: librabbitmq is not thread-safe and blocks.
///
/// Answers to changes come back on the engine's durable reply queue, `<queue>.replies`, so that
/// none is lost between runs:
/// - a message the broker did not confirm is retryable (sent again later with the same id; an
///   engine on the kit answers a second copy as a replay);
/// - a confirmed message not answered within `timeout` is `.awaiting`: the run journals it as
///   sent and the next one collects its answer (`collect`) without sending it again. After one
///   such wait the engine counts as offline for the run: later messages are still published,
///   but their answers are only looked for, not waited for, until an answer comes;
/// - an answer is acknowledged once the state has recorded it (`recorded`): a run killed before
///   that leaves it on the reply queue for the next. Answers nobody asked for (a duplicate, a
///   message an earlier run settled) are acknowledged when the adapter shuts down.
///
/// Reads (`observe`, `subscriptions`) are answered on a private queue of this connection; one
/// state is meant to send to an engine's queue (its reply queue is that state's).
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
    /// The private queue reads are answered on.
    private var readReplies = ""
    /// Answers taken from the reply queues and not yet handed out, by correlation id.
    private var received: [String: [AMQPDelivery]] = [:]
    /// Answers handed out and not yet recorded (so not yet acknowledged), by correlation id.
    private var answered: [String: [AMQPDelivery]] = [:]
    /// Ids whose answers must outlive the run unless recorded: handed out and not yet recorded,
    /// or awaited in vain.
    private var kept: Set<String> = []
    /// An answer was waited for in vain and none has come since: answers are looked for, not
    /// waited for.
    private var silent = false

    var replyQueue: String { queue + ".replies" }

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
        await answer(to: message, publishing: true)
    }

    public func collect(_ message: OutgoingMessage) async -> DeliveryResult {
        await answer(to: message, publishing: false)
    }

    public func recorded(_ ids: [String]) async {
        await thread.run { [self] in
            for id in ids {
                kept.remove(id)
                let deliveries = (answered.removeValue(forKey: id) ?? []) + (received.removeValue(forKey: id) ?? [])
                for delivery in deliveries { try? consumer?.acknowledge(delivery) }
            }
        }
    }

    private func answer(to message: OutgoingMessage, publishing: Bool) async -> DeliveryResult {
        let exchanged = await thread.run { [self] in
            let outcome = exchange(id: message.id, body: publishing ? message.body() : nil, read: false)
            if case .failure(.notSent) = outcome {} else { kept.insert(message.id) }
            return outcome
        }
        switch exchanged {
        case .failure(.notSent(let reason)): return .retryable(reason)
        case .failure(.unanswered(let reason)): return .awaiting(reason)
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
            // Answers nobody asked for are let go; those still wanted go back to the queue.
            for (id, deliveries) in received where !kept.contains(id) {
                for delivery in deliveries { try? consumer?.acknowledge(delivery) }
            }
            disconnect()
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
        let exchanged = await thread.run { [self] in
            let outcome = exchange(id: id, body: ExecAdapter.readRequest(action, id: id, engine: engine), read: true)
            for delivery in answered.removeValue(forKey: id) ?? [] { try? consumer?.acknowledge(delivery) }
            return outcome
        }
        switch exchanged {
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

    /// On the adapter's thread: publishes `body` (unless nil: collecting an earlier run's
    /// message) with answers to the reply queue (the private one for a `read`), and waits for
    /// the answer correlated with `id`.
    private func exchange(id: String, body: String?, read: Bool) -> Result<String, Exchange> {
        let sent: Result<Void, AMQPError> = Result { () throws(AMQPError) in
            try connect()
            if let body {
                try publisher!.publish(body, to: queue, messageID: id, correlationID: id, replyTo: read ? readReplies : replyQueue, timeout: timeout)
            }
        }
        if case .failure(let error) = sent {
            disconnect()
            return body == nil
                ? .failure(.unanswered("engine '\(engine)': the broker cannot be reached to collect the answer: \(error)"))
                : .failure(.notSent("engine '\(engine)': the broker did not take the message: \(error)"))
        }
        return awaitAnswer(id)
    }

    private func awaitAnswer(_ id: String) -> Result<String, Exchange> {
        let wait = silent ? 0 : timeout
        let deadline = ContinuousClock.now + .milliseconds(Int(wait * 1000))
        repeat {
            if let answer = received[id]?.first {
                received[id]!.removeFirst()
                if received[id]!.isEmpty { received[id] = nil }
                answered[id, default: []].append(answer)
                return .success(answer.body)
            }
            let left = ContinuousClock.now.duration(to: deadline)
            let seconds = max(0, Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18)
            do {
                guard let delivery = try consumer!.next(timeout: seconds) else { break }
                silent = false
                guard let correlation = delivery.correlationID else {
                    try? consumer!.acknowledge(delivery)
                    continue
                }
                received[correlation, default: []].append(delivery)
            } catch {
                disconnect()
                return .failure(
                    .unanswered(
                        "engine '\(engine)': the message is on queue \(queue), but the broker was lost before the answer came (\(error)); the next run collects the answer"
                    ))
            }
        } while true
        let why =
            silent
            ? "engine '\(engine)' is not answering (an earlier message went unanswered for \(ExecAdapter.seconds(timeout)))"
            : "engine '\(engine)' did not answer within \(ExecAdapter.seconds(timeout))"
        silent = true
        return .failure(.unanswered(why + ": the message waits on queue \(queue) and the next run collects the answer"))
    }

    private func connect() throws(AMQPError) {
        guard publisher == nil || consumer == nil else { return }
        disconnect()
        let publisher = try AMQPConnection(address)
        try publisher.declare(queue)
        try publisher.confirm()
        let consumer = try AMQPConnection(address)
        try consumer.declare(replyQueue)
        readReplies = try consumer.declare()
        // Unlimited: answers stay unacknowledged until the state records them.
        try consumer.consume(replyQueue, prefetch: 0)
        try consumer.consume(readReplies, prefetch: 0)
        self.publisher = publisher
        self.consumer = consumer
    }

    private func disconnect() {
        publisher?.close()
        consumer?.close()
        publisher = nil
        consumer = nil
        // Their delivery tags die with the channel: the broker delivers them again.
        received = [:]
        answered = [:]
    }
}
