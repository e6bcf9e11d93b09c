import CRabbitMQ
import Foundation

/// One connection to a RabbitMQ broker over librabbitmq (AMQP 0-9-1), with one channel. The C
/// library is not thread-safe: a connection belongs to the one thread that opened it, and every
/// call blocks that thread (Provisor keeps its connections on threads of their own; an engine
/// uses one from its main thread).
public final class AMQPConnection {
    private var handle: OpaquePointer?
    public let address: AMQPAddress

    /// Connects, logs in and opens the channel; the reason in words when any of it fails.
    public init(_ address: AMQPAddress, timeout: Double = 10) throws(AMQPError) {
        self.address = address
        var error = [CChar](repeating: 0, count: 512)
        handle = provisor_amqp_open(
            address.host, Int32(address.port), address.virtualHost, address.user, address.password, address.caCertificate,
            address.clientCertificate, address.clientKey, address.tls ? 1 : 0, Int32(timeout * 1000), &error, error.count)
        guard handle != nil else { throw AMQPError("\(address.description): \(Self.text(error))") }
    }

    deinit { close() }

    public func close() {
        provisor_amqp_close(handle)
        handle = nil
    }

    /// Declares the durable (quorum) queue `name`; with no name, a private queue the broker names
    /// and removes when this connection closes. Answers the queue's name.
    @discardableResult
    public func declare(_ name: String = "", quorum: Bool = true) throws(AMQPError) -> String {
        var declared = [CChar](repeating: 0, count: 256)
        try call { provisor_amqp_declare(handle, name, quorum ? 1 : 0, &declared, declared.count, nil, $0, $1) }
        return Self.text(declared)
    }

    /// How many consumers the durable queue `name` has now (declaring it, as `declare` does):
    /// whether its engine is connected.
    public func consumers(of name: String, quorum: Bool = true) throws(AMQPError) -> Int {
        var count: UInt32 = 0
        try call { provisor_amqp_declare(handle, name, quorum ? 1 : 0, nil, 0, &count, $0, $1) }
        return Int(count)
    }

    /// Every later publish waits for the broker's confirm.
    public func confirm() throws(AMQPError) {
        try call { provisor_amqp_confirm(handle, $0, $1) }
    }

    /// Publishes a persistent message to `queue`; with confirms on, returns once the broker has it.
    public func publish(
        _ body: String, to queue: String, messageID: String? = nil, correlationID: String? = nil, replyTo: String? = nil, timeout: Double = 10
    )
        throws(AMQPError)
    {
        let bytes = Array(body.utf8)
        try bytes.withUnsafeBufferPointer { (buffer) throws(AMQPError) in
            try buffer.withMemoryRebound(to: CChar.self) { (chars) throws(AMQPError) in
                try call {
                    provisor_amqp_publish(
                        handle, queue, messageID, correlationID, replyTo, chars.baseAddress, chars.count, Int32(timeout * 1000), $0, $1)
                }
            }
        }
    }

    /// Starts taking messages from `queue`, at most `prefetch` unacknowledged at once.
    public func consume(_ queue: String, prefetch: Int = 1) throws(AMQPError) {
        try call { provisor_amqp_consume(handle, queue, Int32(prefetch), $0, $1) }
    }

    /// The next message, or nil when none came within `timeout` seconds.
    public func next(timeout: Double) throws(AMQPError) -> AMQPDelivery? {
        var delivery = provisor_delivery()
        var error = [CChar](repeating: 0, count: 512)
        let deadline = ContinuousClock.now + .milliseconds(Int(max(0, timeout) * 1000))
        var got: Int32
        repeat {
            // 2: another frame than a message came (and was dealt with): wait out the rest.
            let left = ContinuousClock.now.duration(to: deadline).components
            let milliseconds = max(0, left.seconds * 1000 + left.attoseconds / 1_000_000_000_000_000)
            got = provisor_amqp_next(handle, Int32(milliseconds), &delivery, &error, error.count)
        } while got == 2
        if got < 0 { throw AMQPError("\(address.description): \(Self.text(error))") }
        guard got == 1 else { return nil }
        defer { provisor_delivery_free(&delivery) }
        let string = { (pointer: UnsafeMutablePointer<CChar>?) in pointer.map { String(cString: $0) } }
        let body = delivery.body.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: delivery.body_len), as: UTF8.self) } ?? ""
        return AMQPDelivery(
            body: body, messageID: string(delivery.message_id), correlationID: string(delivery.correlation_id), replyTo: string(delivery.reply_to),
            tag: delivery.delivery_tag, redelivered: delivery.redelivered != 0)
    }

    /// What ended a wait for something to read.
    public enum Readiness: Sendable {
        case readable, woken, timedOut
    }

    /// Waits up to `timeout` seconds until the connection has something to read (call `next`),
    /// or `wake` (a file descriptor, such as a pipe's read end) becomes readable.
    public func wait(wake: Int32 = -1, timeout: Double) -> Readiness {
        guard handle != nil else { return .readable }  // `next` says what is wrong
        switch provisor_amqp_wait(handle, wake, Int32(max(0, timeout) * 1000)) {
        case 1: return .readable
        case 2: return .woken
        default: return .timedOut
        }
    }

    /// Tells the broker the message was dealt with: it is never delivered again.
    public func acknowledge(_ delivery: AMQPDelivery) throws(AMQPError) {
        try call { provisor_amqp_ack(handle, delivery.tag, $0, $1) }
    }

    private func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(AMQPError) {
        guard handle != nil else { throw AMQPError("\(address.description): the connection is closed") }
        var error = [CChar](repeating: 0, count: 512)
        let status = error.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        if status != 0 { throw AMQPError("\(address.description): \(Self.text(error))") }
    }

    private static func text(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
