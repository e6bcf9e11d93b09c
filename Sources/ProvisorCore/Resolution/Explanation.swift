import Foundation

/// Every effective value of one resource with its provenance: what `provisor explain` prints.
public struct Explanation: Sendable {
    public struct Value: Sendable, Hashable {
        public var value: AttributeValue
        public var origin: Origin
    }

    public struct Entry: Sendable {
        public var name: String
        public var effective: Value
        /// The values it replaced, most recent first.
        public var overridden: [Value]
        /// The level that locked this value, when one did.
        public var lockedBy: Origin?
    }

    public var resource: DesiredResource
    public var entries: [Entry]
    /// For a service on a Microsoft CSP engine: whether the country it is used in is one of the
    /// engine's markets.
    public var market: MarketCheck?
}
