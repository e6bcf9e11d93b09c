/// One message taken from a queue, to be acknowledged once it was dealt with.
public struct AMQPDelivery: Sendable {
    public var body: String
    public var messageID: String?
    public var correlationID: String?
    public var replyTo: String?
    public var tag: UInt64
    /// Delivered before to a consumer that did not acknowledge it (it died or lost the broker).
    public var redelivered: Bool
}
