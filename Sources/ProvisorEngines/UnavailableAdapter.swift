import Foundation
import ProvisorCore

/// Stands in for an engine that cannot be used; fails every message with the reason.
public struct UnavailableAdapter: EngineAdapter {
    public var reason: String
    /// What reading it back gives: by default unreadable, for the same reason.
    public var observation: EngineObservation

    public init(reason: String, observation: EngineObservation? = nil) {
        self.reason = reason
        self.observation = observation ?? .unreadable(reason)
    }

    public func send(_ message: OutgoingMessage) async -> DeliveryResult {
        .terminal(reason)
    }

    public func observe() async -> EngineObservation {
        observation
    }

    public func subscriptions() async -> SubscriptionReading {
        if case .unsupported(let why) = observation { return .unsupported(why) }
        return .unreadable(reason)
    }
}
