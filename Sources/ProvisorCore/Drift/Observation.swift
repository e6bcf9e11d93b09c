import Foundation

/// One resource as an engine reports it: its address and the attributes it can read back.
public struct ObservedResource: Sendable, Hashable {
    public var address: ResourceAddress
    public var engine: String
    /// Only what the engine reports; an attribute it does not report is not compared.
    public var attributes: [Attribute]

    public init(address: ResourceAddress, engine: String, attributes: [Attribute]) {
        self.address = address
        self.engine = engine
        self.attributes = attributes.sorted { $0.name < $1.name }
    }
}

/// What reading one engine gave: everything it holds, or why it could not be read.
public enum EngineObservation: Sendable, Hashable {
    case observed([ObservedResource], at: Date)
    /// Unknown is not absent: nothing recorded on this engine counts as missing.
    case unreadable(String)
    /// The adapter has no way to read back (an outbox, an http engine without observeUrl): the
    /// engine is not checked, and that is not drift.
    case unsupported(String)
}

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
            return ObservationRecord(engine: engine, attemptedAt: date, failure: nil, observedAt: at, resources: resources.sorted { $0.address < $1.address })
        case .unreadable(let reason), .unsupported(let reason):
            return ObservationRecord(engine: engine, attemptedAt: date, failure: reason, observedAt: observedAt, resources: resources)
        }
    }
}

/// `drift.ignore` in provisor.yaml: an attribute engines legitimately change, for one kind of
/// resource or (kind nil) for every kind.
public struct DriftIgnoreRule: Sendable, Hashable {
    public var kind: ResourceAddress.Kind?
    public var attribute: String

    public init(kind: ResourceAddress.Kind?, attribute: String) {
        self.kind = kind
        self.attribute = attribute
    }

    func ignores(_ attribute: String, of kind: ResourceAddress.Kind) -> Bool {
        (self.kind == nil || self.kind == kind) && (attribute == self.attribute || attribute.hasPrefix(self.attribute + "."))
    }
}
