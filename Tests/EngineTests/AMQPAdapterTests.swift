import Foundation
import ProvisorAMQP
import ProvisorCore
import ProvisorEngines
import ProvisorTesting
import Testing

/// The amqp adapter against the test broker, with the engine played by the test: what the
/// adapter does with answers that come out of order, late, twice or not at all.
@Suite(.enabled(if: RabbitMQTestServer.isAvailable, Comment(rawValue: RabbitMQTestServer.skipped)), SharesTheTestBroker())
struct AMQPAdapterTests {
    var address: AMQPAddress { try! AMQPAddress.parse(RabbitMQTestServer.url!).get() }

    /// Declares `queue` before the adapter and the engine both do: a quorum queue declared by two
    /// connections at the same moment can refuse one of them (INTERNAL_ERROR), which both sides
    /// survive in use (Provisor retries, the kits connect again) but a one-shot test engine
    /// would not.
    func declare(_ queue: String) throws {
        let connection = try AMQPConnection(address)
        try connection.declare(queue)
        connection.close()
    }

    /// Takes `count` messages from `queue` and answers them, last taken first, each with its own
    /// id as the output `seen` (and, with `twice`, every answer a second time).
    func answerInReverse(_ queue: String, count: Int, twice: Bool = false) throws {
        let engine = try AMQPConnection(address)
        try engine.declare(queue)
        try engine.consume(queue, prefetch: count)
        var taken: [AMQPDelivery] = []
        // However late the adapter publishes on a loaded machine: up to a minute, on the monotonic clock.
        let deadline = ContinuousClock.now + .seconds(60)
        while taken.count < count, ContinuousClock.now < deadline {
            if let delivery = try engine.next(timeout: 1) { taken.append(delivery) }
        }
        let publisher = try AMQPConnection(address)
        try publisher.confirm()
        for delivery in taken.reversed() {
            let id = try #require(delivery.correlationID)
            let answer = #"{"id": "\#(id)", "status": "succeeded", "outputs": {"seen": "\#(id)"}}"#
            for _ in 0..<(twice ? 2 : 1) { try publisher.publish(answer, to: try #require(delivery.replyTo), correlationID: id) }
            try engine.acknowledge(delivery)
        }
        engine.close()
        publisher.close()
    }

    /// Three customers' messages are in flight at once; the engine answers them in reverse
    /// order (and each twice): every message gets its own answer, and the duplicates are let go
    /// once the answers are recorded, leaving the reply queue empty.
    @Test func messagesInFlightTogetherGetTheirOwnAnswersInAnyOrder() async throws {
        let queue = RabbitMQTestServer.queueName("in-flight")
        let adapter = AMQPAdapter(engine: "remote", address: address, queue: queue, timeout: 60, clock: PinnedTime.clock)
        let messages = try ["ann", "bob", "cy"].map { try secrets.prepare(sampleMessage(user: $0)) }
        try declare(queue)
        let answered = DispatchSemaphore(value: 0)
        let engine = Thread {
            try? answerInReverse(queue, count: 3, twice: true)
            answered.signal()
        }
        engine.start()
        let results = await withTaskGroup(of: (String, DeliveryResult).self) { group in
            for message in messages { group.addTask { (message.id, await adapter.send(message)) } }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for message in messages {
            #expect(results[message.id] == .succeeded(outputs: [Attribute(name: "seen", value: .string(message.id))]), "\(results)")
        }
        await adapter.recorded(messages.map(\.id))
        // Every duplicate is on its way (waited for off Swift's cooperative threads).
        await withCheckedContinuation { done in
            DispatchQueue.global().async {
                answered.wait()
                done.resume()
            }
        }
        await adapter.shutdown()

        let replies = try AMQPConnection(address)
        try replies.consume(queue + ".replies")
        #expect(try replies.next(timeout: 0.5) == nil, "every answer, duplicates too, was acknowledged")
    }

    /// An answer handed out but never recorded (the run ended before its commit) stays on the
    /// reply queue for the next run's adapter, which collects it without publishing anything.
    @Test func anAnswerNotRecordedIsCollectedByTheNextAdapter() async throws {
        let queue = RabbitMQTestServer.queueName("unrecorded")
        let message = try secrets.prepare(sampleMessage())
        let first = AMQPAdapter(engine: "remote", address: address, queue: queue, timeout: 60, clock: PinnedTime.clock)
        try declare(queue)
        let engine = Thread { try? answerInReverse(queue, count: 1) }
        engine.start()
        #expect(await first.send(message) == .succeeded(outputs: [Attribute(name: "seen", value: .string(message.id))]))
        await first.shutdown()

        let second = AMQPAdapter(engine: "remote", address: address, queue: queue, timeout: 5, clock: PinnedTime.clock)
        #expect(await second.collect(message) == .succeeded(outputs: [Attribute(name: "seen", value: .string(message.id))]))
        await second.recorded([message.id])
        await second.shutdown()
        let work = try AMQPConnection(address)
        try work.consume(queue)
        #expect(try work.next(timeout: 0.5) == nil, "collecting published nothing")
    }

    /// The engine acted but its answer had nowhere to go (or the reply queue was purged): the
    /// message used to wait forever, every later run reporting it waiting. Collected while the
    /// engine is connected, it is asked again with the same id and answered.
    @Test func aLostAnswerIsAskedForAgainWithTheSameID() async throws {
        let queue = RabbitMQTestServer.queueName("lost-answer")
        let message = try secrets.prepare(sampleMessage())
        try declare(queue)
        // The first copy is taken and its answer lost.
        let first = AMQPAdapter(engine: "remote", address: address, queue: queue, timeout: 1, clock: PinnedTime.clock)
        let swallow = Thread {
            guard let engine = try? AMQPConnection(address) else { return }
            try? engine.consume(queue, prefetch: 1)
            if let delivery = try? engine.next(timeout: 30) { try? engine.acknowledge(delivery) }
            engine.close()
        }
        swallow.start()
        guard case .awaiting = await first.send(message) else {
            Issue.record("the first copy was answered")
            return
        }
        await first.shutdown()

        // A connected engine: the next run's collect asks it again, with the same id.
        let answered = DispatchSemaphore(value: 0)
        let engine = Thread {
            try? answerInReverse(queue, count: 1)
            answered.signal()
        }
        engine.start()
        let probe = try AMQPConnection(address)
        let deadline = ContinuousClock.now + .seconds(30)
        while try probe.consumers(of: queue) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        probe.close()
        let second = AMQPAdapter(engine: "remote", address: address, queue: queue, timeout: 3, clock: PinnedTime.clock)
        #expect(await second.collect(message) == .succeeded(outputs: [Attribute(name: "seen", value: .string(message.id))]))
        await second.recorded([message.id])
        await second.shutdown()
    }

    /// Two states sending to one engine queue took each other's answers and both waited
    /// forever, with no error saying why. The second is refused, naming both lineages.
    @Test func aQueueAlreadyUsedByAnotherStateIsRefusedWithTheReason() async throws {
        let queue = RabbitMQTestServer.queueName("shared")
        try declare(queue)
        let mine = AMQPAdapter(engine: "remote", address: address, queue: queue, timeout: 1, clock: PinnedTime.clock)
        guard case .awaiting = await mine.send(try secrets.prepare(sampleMessage(lineage: "lineage-a"))) else {
            Issue.record("the first state's message was not taken")
            return
        }
        await mine.shutdown()
        let theirs = AMQPAdapter(engine: "remote", address: address, queue: queue, timeout: 1, clock: PinnedTime.clock)
        let refused = await theirs.send(try secrets.prepare(sampleMessage(user: "bob", lineage: "lineage-b")))
        #expect(
            refused
                == .terminal(
                    "engine 'remote': queue \(queue) is used by another state (lineage lineage-a), and this state is lineage-b: two states sending to one queue take each other's answers and both wait forever. Give each state's Engine manifest its own amqp.queue; nothing was sent"
                ))
        await theirs.shutdown()
        let work = try AMQPConnection(address)
        try work.consume(queue)
        let taken = try work.next(timeout: 1), more = try work.next(timeout: 0.5)
        #expect(taken != nil && more == nil, "only the first state's message is on the queue")
        work.close()
        // The first state goes on using it.
        let again = AMQPAdapter(engine: "remote", address: address, queue: queue, timeout: 1, clock: PinnedTime.clock)
        guard case .awaiting = await again.send(try secrets.prepare(sampleMessage(user: "cy", lineage: "lineage-a"))) else {
            Issue.record("the first state was refused its own queue")
            return
        }
        await again.shutdown()
    }
}
