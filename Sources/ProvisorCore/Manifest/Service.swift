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
