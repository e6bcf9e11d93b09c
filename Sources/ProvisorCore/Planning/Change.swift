/// One difference between the desired and the recorded state of one resource.
public struct Change: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable, CaseIterable {
        case create, update, delete
    }

    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        case newInManifests
        case attributesChanged
        case removedFromManifests
        /// Deleted because its parent is deleted.
        case parentRemoved(ResourceAddress)
        /// Replaced: its engine changed, so it is deprovisioned on the old engine and provisioned
        /// on the new one (an engine is never sent an update for what it does not hold).
        case engineChanged(from: String, to: String)

        public var description: String {
            switch self {
            case .newInManifests: return "new in manifests"
            case .attributesChanged: return "attribute changed"
            case .removedFromManifests: return "removed from manifests"
            case .parentRemoved(let parent): return "parent \(parent) removed"
            case .engineChanged(let from, let to): return "replace: engine changed from \(from) to \(to)"
            }
        }
    }

    /// One attribute of an update: its recorded value (nil when it was not recorded) and its
    /// desired value.
    public struct AttributeChange: Sendable, Hashable {
        public var name: String
        public var old: AttributeValue?
        public var new: AttributeValue

        public init(name: String, old: AttributeValue?, new: AttributeValue) {
            self.name = name
            self.old = old
            self.new = new
        }
    }

    public var action: Action
    public var address: ResourceAddress
    public var parent: ResourceAddress?
    public var engine: String
    public var reason: Reason
    /// The desired attributes for a create or update, the recorded ones for a delete.
    public var attributes: [Attribute]
    /// For an update, the attributes that change, by name.
    public var changedAttributes: [AttributeChange]

    public init(
        action: Action, address: ResourceAddress, parent: ResourceAddress?, engine: String, reason: Reason,
        attributes: [Attribute], changedAttributes: [AttributeChange] = []
    ) {
        self.action = action
        self.address = address
        self.parent = parent
        self.engine = engine
        self.reason = reason
        self.attributes = attributes
        self.changedAttributes = changedAttributes
    }

    public var kind: ResourceAddress.Kind { address.kind }

    /// Whether this change is half of a replace (its engine changed).
    public var isReplace: Bool {
        if case .engineChanged = reason { return true }
        return false
    }

    /// The value of one attribute (desired, or recorded for a delete).
    public subscript(name: String) -> AttributeValue? {
        attributes.first { $0.name == name }?.value
    }
}
