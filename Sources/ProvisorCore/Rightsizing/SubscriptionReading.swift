import Foundation

/// What reading one engine's licence subscriptions gave.
public enum SubscriptionReading: Sendable, Hashable {
    case read([Subscription])
    /// Its customers get no decision: right-sizing never guesses quantities.
    case unreadable(String)
    /// The adapter has no way to report subscriptions (an outbox, an http engine without subscriptionsUrl).
    case unsupported(String)
}
