import Foundation

/// One plan of a service: what is sold, at what cost and price, with which property values.
public struct Plan: Sendable, Hashable {
    public enum Term: String, Sendable, Hashable, CaseIterable {
        case P1M
        case P1Y
        case P3Y

        /// The term's length in months.
        public var months: Int {
            switch self {
            case .P1M: return 1
            case .P1Y: return 12
            case .P3Y: return 36
            }
        }
    }

    public enum BillingCycle: String, Sendable, Hashable, CaseIterable {
        case monthly
        case annual
        case triennial
    }

    /// The Microsoft licence behind a plan, used by right-sizing.
    public struct License: Sendable, Hashable {
        public var sku: String
        public var term: Term
        public var billingCycle: BillingCycle
        /// Where the `license` mapping is written.
        public var location: SourceLocation
    }

    public var code: Located<String>
    public var name: Located<String>
    public var sku: Located<String>
    public var description: String?
    public var costPrice: Located<Decimal>?
    public var salesPrice: Located<Decimal>?
    public var currency: Located<String>?
    public var license: License?
    public var properties: [PropertySetting]
    public var rightsizing: RightsizingSettings?
    public var location: SourceLocation

    static let fields = ["name", "sku", "description", "costPrice", "salesPrice", "currency", "license", "properties", "rightsizing"]

    init?(code: Located<String>, node: YAMLNode, context: DecodeContext) {
        guard Format.slug.matches(code.value) else {
            context.diagnostics.append(.error(at: code.location, "plan code '\(code.value)' is not a valid name", hint: "use \(Format.slug.explanation)"))
            return nil
        }
        guard let reader = context.mapping(node, "plan '\(code.value)'", known: Self.fields, required: ["name", "sku"]),
            let name = reader.string("name"), let sku = reader.string("sku")
        else { return nil }
        self.code = code
        self.name = name
        self.sku = sku
        description = reader.text("description")
        costPrice = reader.locatedDecimal("costPrice")
        salesPrice = reader.locatedDecimal("salesPrice")
        currency = reader.formatted("currency", .currency)
        properties = reader.propertySettings()
        rightsizing = reader.rightsizing()
        location = code.location
        license = reader.mapping("license", known: ["sku", "term", "billingCycle"], required: ["sku", "term"]).flatMap { license in
            guard let sku = license.text("sku"), let term = license.choice("term", as: Term.self) else { return nil }
            return License(
                sku: sku, term: term, billingCycle: license.choice("billingCycle", as: BillingCycle.self) ?? .monthly,
                location: license.location)
        }
        if (reader["costPrice"] != nil || reader["salesPrice"] != nil) && reader["currency"] == nil {
            context.error(reader.node, "plan '\(code.value)' has prices but no currency", hint: "add currency: USD, or the ISO 4217 code you bill in")
        }
    }
}
