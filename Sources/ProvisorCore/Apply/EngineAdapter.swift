import Foundation

/// Talks to one provisioning engine (`Engine.spec.adapter`). Adapters live in
/// `ProvisorEngines`; the applier only sees this protocol.
public protocol EngineAdapter: Sendable {
    /// Sends one message and waits for the engine's answer. Never throws: every failure is a
    /// `DeliveryResult` saying whether sending again may help.
    func send(_ message: OutgoingMessage) async -> DeliveryResult

    /// The answer to a message this adapter's transport took in an earlier run (`.awaiting`
    /// then); `.awaiting` again while it has none. Adapters that never answer `.awaiting` need
    /// not implement it: the default sends the message again, with its id.
    func collect(_ message: OutgoingMessage) async -> DeliveryResult

    /// The answers to these message ids are recorded in the state: a transport that keeps
    /// answers until then (a broker's reply queue) may let them go.
    func recorded(_ ids: [String]) async

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

    public func collect(_ message: OutgoingMessage) async -> DeliveryResult { await send(message) }
    public func recorded(_ ids: [String]) async {}
    public var prefersBatches: Bool { false }
    public var maxRetries: Int { 3 }
    public func observe() async -> EngineObservation { .unsupported(DriftDetector.notRead) }
    public func subscriptions() async -> SubscriptionReading { .unsupported("this adapter cannot report licence subscriptions") }
    public func shutdown() async {}
}
