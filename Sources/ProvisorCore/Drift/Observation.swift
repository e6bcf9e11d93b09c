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
