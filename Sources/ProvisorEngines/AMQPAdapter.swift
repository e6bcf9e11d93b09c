import Foundation
import ProvisorAMQP
import ProvisorCore
import ProvisorEngineKit

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
///   sent and the next one collects its answer (`collect`). After one such wait the engine
///   counts as offline for the run: later messages are still published, but their answers are
///   only looked for, not waited for, until an answer comes;
/// - collecting, when no answer is there and the engine is connected to its queue (it has a
///   consumer), the message is published again with the same id: an engine that never received
///   it (its queue was purged) carries it out, one whose answer was lost (the reply queue was
///   purged, or the answer had nowhere to go) answers it from its memory of answered ids. So no
///   answer is lost for good. An engine that is not connected is not asked: the message waits
///   on its queue;
/// - an answer is acknowledged once the state has recorded it (`recorded`): a run killed before
///   that leaves it on the reply queue for the next. Answers nobody asked for (a duplicate, a
///   message an earlier run settled) are acknowledged when the adapter shuts down.
///
/// Reads (`observe`, `subscriptions`) are answered on a private queue of this connection. One
/// state sends to an engine's queue (its reply queue is that state's): the first to send notes
/// its lineage on `<queue>.owner`, and another state's messages are refused with the reason
/// (they would take each other's answers, and both wait forever). Several
/// messages are in flight at once (one per customer being worked on): each is published and
/// confirmed by a job on the thread, and the thread, between jobs, takes answers from the reply
/// queues and hands each to the message waiting for it.
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
    /// A message asked again went unanswered: later ones are asked again without waiting.
    private var askedAgainInVain = false
    /// Whether the queue is this state's, once known (nil: it is; else why not), by lineage.
    private var claims: [String: String?] = [:]

    var ownerQueue: String { queue + ".owner" }
    /// The messages whose answers are awaited, with when waiting ends and whom to tell.
    private var waiters: [String: (deadline: ContinuousClock.Instant, done: (Result<String, Exchange>) -> Void)] = [:]

    var replyQueue: String { queue + ".replies" }

    public init(engine: String, address: AMQPAddress, queue: String, timeout: Double = 30, maxRetries: Int = 5, clock: WallClock) {
        self.engine = engine
        self.address = address
        self.queue = queue
        self.timeout = timeout
        self.maxRetries = maxRetries
        self.clock = clock
        let pump = Pump()
        thread = AMQPThread(name: "provisor-amqp-\(engine)") { pump.adapter?.takeAnswers(wake: $0) ?? false }
        pump.adapter = self
    }

    /// Lets the thread reach the adapter it serves without keeping it alive.
    private final class Pump: @unchecked Sendable {
        weak var adapter: AMQPAdapter?
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
        if let refusal = await thread.run({ self.claim(for: message.message.lineage) }) { return .terminal(refusal) }
        var exchanged = await exchanged(message, body: publishing ? message.body() : nil, askingAgain: false)
        if !publishing, case .failure(.unanswered) = exchanged, await engineIsConnected() {
            exchanged = await self.exchanged(message, body: message.body(), askingAgain: true)
            if case .failure(.unanswered(let reason)) = exchanged {
                await thread.run { self.askedAgainInVain = true }
                exchanged = .failure(.unanswered(reason + " (asked again with the same id: the engine is connected but did not answer)"))
            }
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

    private func exchanged(_ message: OutgoingMessage, body: String?, askingAgain: Bool) async -> Result<String, Exchange> {
        await thread.start { [self] done in
            exchange(id: message.id, body: body, read: false, askingAgain: askingAgain) { outcome in
                if case .failure(.notSent) = outcome {} else { self.kept.insert(message.id) }
                done(outcome)
            }
        }
    }

    /// On the thread: nil when the engine's queue is this state's (`lineage`'s), claiming it when
    /// no state has; else why this state may not send to it. A broker that cannot be reached
    /// claims nothing: sending says why.
    private func claim(for lineage: String) -> String? {
        if let known = claims[lineage] { return known }
        do {
            try connect()
            let reader = try AMQPConnection(address)
            defer { reader.close() }
            try reader.declare(ownerQueue)
            try reader.consume(ownerQueue, prefetch: 1)
            // Read and never acknowledged: it stays for the next run when this one closes.
            if let owner = try reader.next(timeout: 1) {
                let refusal =
                    owner.body == lineage
                    ? nil
                    : "engine '\(engine)': queue \(queue) is used by another state (lineage \(owner.body)), and this state is \(lineage): two states sending to one queue take each other's answers and both wait forever. Give each state's Engine manifest its own amqp.queue; nothing was sent"
                claims[lineage] = .some(refusal)
                return refusal
            }
            try publisher!.publish(lineage, to: ownerQueue, timeout: timeout)
            claims[lineage] = .some(nil)
            return nil
        } catch {
            return nil
        }
    }

    /// Whether the engine consumes its queue now; false when that cannot be known.
    private func engineIsConnected() async -> Bool {
        await thread.run { [self] in
            do {
                try connect()
                return try publisher!.consumers(of: queue) > 0
            } catch {
                return false
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
            // Answers nobody asked for (already here, or arriving now) are let go; those still
            // wanted go back to the queue.
            while let consumer, let delivery = try? consumer.next(timeout: 0.05) {
                if let correlation = delivery.correlationID { received[correlation, default: []].append(delivery) }
            }
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
        _ action: String, item: String, noun: String, _ parse: @escaping @Sendable (JSONValue, String) throws(ObservedJSON.ParseError) -> Item
    ) async -> Result<[Item], ReadFailure> {
        let id = action + "-" + UUID().uuidString.lowercased()
        let answer: String
        let exchanged = await thread.start { [self] done in
            exchange(id: id, body: ExecAdapter.readRequest(action, id: id, engine: engine), read: true) { outcome in
                for delivery in self.answered.removeValue(forKey: id) ?? [] { try? self.consumer?.acknowledge(delivery) }
                done(outcome)
            }
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
    /// message) with answers to the reply queue (the private one for a `read`), and hands `done`
    /// the answer correlated with `id` once it comes (`takeAnswers`).
    private func exchange(id: String, body: String?, read: Bool, askingAgain: Bool = false, _ done: @escaping (Result<String, Exchange>) -> Void) {
        let sent: Result<Void, AMQPError> = Result { () throws(AMQPError) in
            try connect()
            if let body {
                try publisher!.publish(body, to: queue, messageID: id, correlationID: id, replyTo: read ? readReplies : replyQueue, timeout: timeout)
            }
        }
        if case .failure(let error) = sent {
            disconnect("\(error)")
            return done(
                body == nil
                    ? .failure(.unanswered("engine '\(engine)': the broker cannot be reached to collect the answer: \(error)"))
                    : .failure(.notSent("engine '\(engine)': the broker did not take the message: \(error)")))
        }
        if let answer = handOut(id) { return done(.success(answer)) }
        // Asking a connected engine again is worth a whole wait, until one such wait was in vain.
        let patient = !silent || (askingAgain && !askedAgainInVain)
        waiters[id] = (ContinuousClock.now + .milliseconds(Int((patient ? timeout : 0) * 1000)), done)
    }

    /// The answer to `id` if it came, moved to the answers handed out.
    private func handOut(_ id: String) -> String? {
        guard var deliveries = received[id], !deliveries.isEmpty else { return nil }
        let answer = deliveries.removeFirst()
        received[id] = deliveries.isEmpty ? nil : deliveries
        answered[id, default: []].append(answer)
        return answer.body
    }

    /// On the thread, between jobs: takes one answer from the reply queues (waiting until one
    /// comes, a job is queued (`wake`) or the soonest wait runs out), hands out what is waited
    /// for, and ends the waits that ran out. Answers whether any wait is left.
    private func takeAnswers(wake: Int32) -> Bool {
        guard !waiters.isEmpty, let consumer else { return false }
        let now = ContinuousClock.now
        let soonest = waiters.values.map(\.deadline).min()!
        let left = now < soonest ? now.duration(to: soonest) : .zero
        let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
        // An answer already read, or the socket readable: take it. Woken: the jobs go first.
        if consumer.wait(wake: wake, timeout: min(seconds, 1)) == .woken { return true }
        do {
            if let delivery = try consumer.next(timeout: 0.05) {
                silent = false
                if let correlation = delivery.correlationID {
                    received[correlation, default: []].append(delivery)
                    if let waiter = waiters.removeValue(forKey: correlation), let answer = handOut(correlation) { waiter.done(.success(answer)) }
                } else {
                    try? consumer.acknowledge(delivery)
                }
            }
        } catch {
            disconnect("\(error)")
            return false
        }
        let expired = waiters.filter { $0.value.deadline <= ContinuousClock.now }
        if !expired.isEmpty {
            let why =
                silent
                ? "engine '\(engine)' is not answering (an earlier message went unanswered for \(ExecAdapter.seconds(timeout)))"
                : "engine '\(engine)' did not answer within \(ExecAdapter.seconds(timeout))"
            silent = true
            for (id, waiter) in expired {
                waiters[id] = nil
                waiter.done(.failure(.unanswered(why + ": the message waits on queue \(queue) and the next run collects the answer")))
            }
        }
        return !waiters.isEmpty
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

    /// Closes both connections. The answers they held are delivered again to the next; the
    /// messages still waiting for theirs are told why they will not come in this run.
    private func disconnect(_ why: String? = nil) {
        publisher?.close()
        consumer?.close()
        publisher = nil
        consumer = nil
        // Their delivery tags die with the channel: the broker delivers them again.
        received = [:]
        answered = [:]
        let lost = waiters
        waiters = [:]
        let reason =
            "engine '\(engine)': the message is on queue \(queue), but the broker was lost before the answer came"
            + (why.map { " (\($0))" } ?? "") + "; the next run collects the answer"
        for waiter in lost.values { waiter.done(.failure(.unanswered(reason))) }
    }
}
