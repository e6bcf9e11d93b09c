import Foundation

/// A level's changes to one plan of a service: rename, SKU, prices, property values, locks.
public struct PlanOverride: Sendable, Hashable {
    public var plan: Located<String>
    public var name: Located<String>?
    public var sku: Located<String>?
    public var costPrice: Located<Decimal>?
    public var salesPrice: Located<Decimal>?
    public var currency: Located<String>?
    public var properties: [PropertySetting]
    public var locked: [Located<String>]
    public var rightsizing: RightsizingSettings?

    static let fields = ["name", "sku", "costPrice", "salesPrice", "currency", "properties", "locked", "rightsizing"]

    init?(plan: Located<String>, node: YAMLNode, context: DecodeContext, owner: String) {
        guard let reader = context.mapping(node, "\(owner).plans.\(plan.value)", known: Self.fields) else { return nil }
        self.plan = plan
        name = reader.string("name")
        sku = reader.string("sku")
        costPrice = reader.locatedDecimal("costPrice")
        salesPrice = reader.locatedDecimal("salesPrice")
        currency = reader.formatted("currency", .currency)
        properties = reader.propertySettings()
        locked = reader.stringList("locked") ?? []
        rightsizing = reader.rightsizing()
        if owner.hasPrefix("User spec"), let node = reader["rightsizing"] {
            context.error(
                node, "a user cannot set 'rightsizing': licences are right-sized per customer and SKU",
                hint: "set it in the customer's overrides")
        }
    }
}
