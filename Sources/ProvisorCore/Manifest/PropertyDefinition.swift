import Foundation

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
