import Foundation
import ProvisorCore

/// An engine's adapter, with the secrets it was set up with (an exec engine's environment, an
/// http signing key, a broker password) taken out of everything it says back: answers, reasons
/// an engine could not be read, its stderr. A delegated reseller can make an engine fail on a
/// value of its own; what the engine then quotes must not carry the provider's key to the
/// terminal, the journal or the reseller's notification channel.
public struct RedactingAdapter: EngineAdapter {
    public let adapter: any EngineAdapter
    public let redaction: Redaction

    public init(_ adapter: any EngineAdapter, redacting redaction: Redaction) {
        self.adapter = adapter
        self.redaction = redaction
    }

    public func send(_ message: OutgoingMessage) async -> DeliveryResult { redaction(await adapter.send(message)) }
    public func collect(_ message: OutgoingMessage) async -> DeliveryResult { redaction(await adapter.collect(message)) }
    public func send(batch: [OutgoingMessage]) async -> [DeliveryResult] { await adapter.send(batch: batch).map { redaction($0) } }
    public func recorded(_ ids: [String]) async { await adapter.recorded(ids) }
    public var prefersBatches: Bool { adapter.prefersBatches }
    public var maxRetries: Int { adapter.maxRetries }
    public func shutdown() async { await adapter.shutdown() }

    public func observe() async -> EngineObservation {
        switch await adapter.observe() {
        case .observed(let resources, let date): return .observed(resources, at: date)
        case .unreadable(let reason): return .unreadable(redaction(reason))
        case .unsupported(let reason): return .unsupported(redaction(reason))
        }
    }

    public func subscriptions() async -> SubscriptionReading {
        switch await adapter.subscriptions() {
        case .read(let subscriptions): return .read(subscriptions)
        case .unreadable(let reason): return .unreadable(redaction(reason))
        case .unsupported(let reason): return .unsupported(redaction(reason))
        }
    }
}
