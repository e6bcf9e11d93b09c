/// The JSON form of a plan (`schemas/plan.schema.json`). Attribute values appear as
/// themselves; secrets as "(sensitive)".
public struct PlanDocument: Encodable, Sendable {
    public struct State: Encodable, Sendable {
        public var lineage: String?
        public var serial: Int
        public var resources: Int

        public init(_ header: StateHeader) {
            lineage = header.lineage
            serial = header.serial
            resources = header.resourceCount
        }
    }

    public struct Wave: Encodable, Sendable {
        public var wave: Int
        public var phase: String
        public var kind: String
        public var changes: [Change]
    }

    public struct Change: Encodable, Sendable {
        public var action: String
        public var address: String
        public var kind: String
        public var customer: String?
        public var reseller: String?
        public var parent: String?
        public var engine: String
        public var reason: String
        public var attributes: Attributes
        public var changed: [Changed]?
    }

    public struct Changed: Encodable, Sendable {
        public var name: String
        public var old: AttributeValue?
        public var new: AttributeValue

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(name, forKey: .name)
            try container.encode(old, forKey: .old)  // null when not recorded before
            try container.encode(new, forKey: .new)
        }

        enum Keys: String, CodingKey { case name, old, new }
    }

    /// Attributes as one JSON object, in name order.
    public struct Attributes: Encodable, Sendable {
        public var attributes: [Attribute]

        public init(attributes: [Attribute]) {
            self.attributes = attributes
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Name.self)
            for attribute in attributes { try container.encode(attribute.value, forKey: Name(attribute.name)) }
        }

        struct Name: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ name: String) { stringValue = name }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    public var format_version = ChangePlan.formatVersion
    public var state: State
    public var summary: ChangePlan.Summary
    public var refusals: [String]
    public var waves: [Wave]

    public init(_ plan: ChangePlan) {
        state = State(plan.state)
        summary = plan.summary
        refusals = plan.refusals.map(\.description)
        waves = plan.waves.map { wave in
            Wave(wave: wave.number, phase: wave.phase.rawValue, kind: wave.kind.rawValue, changes: wave.changes.map { change in
                Change(action: change.action.rawValue, address: change.address.description, kind: change.kind.rawValue,
                       customer: change.address.customer, reseller: change.address.customer.flatMap { plan.customerResellers[$0] }, parent: change.parent?.description, engine: change.engine,
                       reason: change.reason.description, attributes: Attributes(attributes: change.attributes),
                       changed: change.action == .update ? change.changedAttributes.map { Changed(name: $0.name, old: $0.old, new: $0.new) } : nil)
            })
        }
    }
}
