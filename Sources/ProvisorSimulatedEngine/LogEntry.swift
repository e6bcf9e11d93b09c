import ProvisorEngineKit

/// One line of the simulated engine's log (`log.jsonl`): a message it received and what it did,
/// or a change made out of band. The model is rebuilt by replaying the log.
public struct LogEntry: Codable, Hashable, Sendable {
    public var id: String
    public var action: String
    public var address: String?
    public var kind: String?
    /// applied, rejected, retryable, replayed or out-of-band.
    public var outcome: String
    public var error: String?
    public var outputs: [String: JSONValue]?
    /// The resource as kept after the change (none for a removal).
    public var record: KeptRecord?
    /// The subscription as it stands after the change, when it changed one.
    public var subscription: SimulatedSubscription?
    /// When, as seconds since 1970, on the engine's clock.
    public var at: Double?
    public var engine: String?
}
