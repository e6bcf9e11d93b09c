import Foundation

/// What a state store keeps of one engine's readings: the last attempt, and the last reading
/// that succeeded (an unreadable engine keeps what was last seen, with its time).
public struct ObservationRecord: Sendable, Hashable {
    public var engine: String
    /// When the engine was last read, successfully or not.
    public var attemptedAt: Date
    /// Why the last attempt failed; nil when it succeeded.
    public var failure: String?
    /// When the last successful reading was made; nil when none ever was.
    public var observedAt: Date?
    /// What the last successful reading held, in address order.
    public var resources: [ObservedResource]

    public init(engine: String, attemptedAt: Date, failure: String?, observedAt: Date?, resources: [ObservedResource]) {
        self.engine = engine
        self.attemptedAt = attemptedAt
        self.failure = failure
        self.observedAt = observedAt
        self.resources = resources
    }

    /// The record after `observation` was made at `date`.
    public func updated(with observation: EngineObservation, at date: Date) -> ObservationRecord {
        switch observation {
        case .observed(let resources, let at):
            // An address reported twice is kept as first reported, as drift compares it.
            var seen = Set<ResourceAddress>()
            let once = resources.filter { seen.insert($0.address).inserted }
            return ObservationRecord(engine: engine, attemptedAt: date, failure: nil, observedAt: at, resources: once.sorted { $0.address < $1.address })
        case .unreadable(let reason), .unsupported(let reason):
            return ObservationRecord(engine: engine, attemptedAt: date, failure: reason, observedAt: observedAt, resources: resources)
        }
    }
}
