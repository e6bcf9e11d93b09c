import Foundation

/// Something a provider sells: customer-scope (per instance) or user-scope (per user).
public struct Service: Sendable, Hashable {
    public enum Scope: String, Sendable, Hashable, CaseIterable {
        case customer
        case user
    }

    public var code: Located<String>
    public var name: Located<String>
    public var scope: Scope
    public var multiInstance: Bool
    public var engine: Located<String>?
    public var description: String?
    public var properties: [PropertyDefinition]
    public var plans: [Plan]
    /// How right-sizing treats this service's licences.
    public var rightsizing: RightsizingSettings?
    public var location: SourceLocation

    public func property(_ name: String) -> PropertyDefinition? { properties.first { $0.name.value == name } }
    public func plan(_ code: String) -> Plan? { plans.first { $0.code.value == code } }

    static let metadataFields = ["code", "name", "labels", "annotations"]
    static let specFields = ["scope", "multiInstance", "engine", "description", "properties", "plans", "rightsizing"]

    init?(_ document: ManifestDocument) {
        let context = document.context
        guard let code = document.metadata.formatted("code", .slug), let name = document.metadata.string("name"),
            let spec = document.spec(known: Self.specFields, required: ["scope"]),
            let scope = spec.choice("scope", as: Scope.self)
        else { return nil }
        self.code = code
        self.name = name
        self.scope = scope
        multiInstance = spec.bool("multiInstance") ?? false
        engine = spec.formatted("engine", .slug)
        description = spec.text("description")
        location = document.location
        rightsizing = spec.rightsizing()
        properties =
            spec["properties"].map { node in
                context.namedEntries(node, "Service spec.properties").compactMap { name, value in
                    PropertyDefinition(name: name, node: value, context: context)
                }
            } ?? []
        plans =
            spec["plans"].map { node in
                context.namedEntries(node, "Service spec.plans").compactMap { code, value in
                    Plan(code: code, node: value, context: context)
                }
            } ?? []
    }
}

/// A typed property of a service, with its default, constraints and naming pattern.
public struct PropertyDefinition: Sendable, Hashable {
    public var name: Located<String>
    public var type: PropertyType
    public var description: String?
    public var values: [String]
    public var defaultValue: PropertyValue?
    public var required: Bool
    /// Captured at assignment (a licence key, a tenant id): given by each assignment.
    public var capture: Bool
    /// A computed default such as `{customer.code}-{instance}`, evaluated after resolution.
    public var pattern: Located<String>?
    /// Set at the service level: no plan, reseller, customer, user or assignment may override it.
    public var locked: Bool
    public var location: SourceLocation

    static let fields = ["type", "description", "values", "default", "required", "capture", "pattern", "locked"]

    init?(name: Located<String>, node: YAMLNode, context: DecodeContext) {
        guard let reader = context.mapping(node, "property '\(name.value)'", known: Self.fields, required: ["type"]),
            let type = reader.choice("type", as: PropertyType.self)
        else { return nil }
        self.name = name
        self.type = type
        description = reader.text("description")
        values = reader.stringList("values")?.map(\.value) ?? []
        required = reader.bool("required") ?? false
        capture = reader.bool("capture") ?? false
        pattern = reader.string("pattern")
        locked = reader.bool("locked") ?? false
        location = name.location
        defaultValue = reader["default"].flatMap { node in
            guard let scalar = node.scalar else {
                context.error(node, "'default' must be a single value, found \(node.kindDescription)")
                return nil
            }
            return PropertyValue(scalar, at: context.location(node))
        }
        if type == .enum && values.isEmpty {
            context.error(reader.node, "enum property '\(name.value)' needs its allowed 'values'", hint: "add values: [a, b]")
        } else if type != .enum, let node = reader["values"] {
            context.error(
                node, "'values' applies only to enum properties, but '\(name.value)' is \(type.rawValue)",
                hint: "remove 'values' or set type: enum")
        }
        if let defaultValue, type != .enum || !values.isEmpty, case .failure(let problem) = defaultValue.typed(as: type, allowed: values) {
            context.diagnostics.append(.error(at: defaultValue.location, "default of property '\(name.value)' \(problem.message)", hint: problem.hint))
        }
        if defaultValue != nil, let pattern {
            context.diagnostics.append(
                .error(
                    at: pattern.location, "property '\(name.value)' has both a default and a pattern",
                    hint: "a pattern is a computed default; keep one of them"))
        }
    }
}

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
