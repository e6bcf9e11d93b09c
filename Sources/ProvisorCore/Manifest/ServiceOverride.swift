import Foundation

/// What a reseller, customer or user changes about one service for everything below it:
/// branding, engine, property values, locks, and per-plan commerce.
public struct ServiceOverride: Sendable, Hashable {
    public var service: Located<String>
    public var name: Located<String>?
    public var engine: Located<String>?
    public var properties: [PropertySetting]
    /// Properties this level fixes: levels below may not override them.
    public var locked: [Located<String>]
    public var plans: [PlanOverride]
    public var rightsizing: RightsizingSettings?

    static let fields = ["name", "engine", "properties", "locked", "plans", "rightsizing"]

    init?(service: Located<String>, node: YAMLNode, context: DecodeContext, owner: String) {
        guard let reader = context.mapping(node, "\(owner) overrides.\(service.value)", known: Self.fields) else { return nil }
        self.service = service
        name = reader.string("name")
        engine = reader.formatted("engine", .slug)
        properties = reader.propertySettings()
        locked = reader.stringList("locked") ?? []
        rightsizing = reader.rightsizing()
        if owner.hasPrefix("User spec"), let node = reader["rightsizing"] {
            context.error(
                node, "a user cannot set 'rightsizing': licences are right-sized per customer and SKU",
                hint: "set it in the customer's overrides.\(service.value).rightsizing")
        }
        plans =
            reader["plans"].map { plansNode in
                context.namedEntries(plansNode, "\(reader.name).plans").compactMap { code, planNode in
                    PlanOverride(plan: code, node: planNode, context: context, owner: reader.name)
                }
            } ?? []
    }
}

extension MappingReader {
    /// Reads an `overrides` mapping: service codes to service overrides.
    func overrides(owner: String) -> [ServiceOverride] {
        guard let node = self["overrides"] else { return [] }
        return context.namedEntries(node, "\(name).overrides").compactMap { code, value in
            ServiceOverride(service: code, node: value, context: context, owner: owner)
        }
    }
}
