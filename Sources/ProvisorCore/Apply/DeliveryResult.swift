import Foundation

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
    /// Taken by a transport that delivers it later (a broker confirmed it), but not answered
    /// yet: it is never sent again; a later run collects the answer. The text says where it
    /// waits.
    case awaiting(String)

    public static let succeeded = DeliveryResult.succeeded(outputs: [])
}
