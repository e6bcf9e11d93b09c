/// One service assigned to a customer or a user, with the plan, the instance name (for
/// multi-instance services) and the assignment's own property values.
public struct Assignment: Sendable, Hashable {
    /// The instance name used when an assignment gives none.
    public static let defaultInstance = "default"

    public var service: Located<String>
    public var plan: Located<String>?
    public var instance: Located<String>?
    public var properties: [PropertySetting]
    public var location: SourceLocation

    /// The instance name, `default` when none was given.
    public var instanceName: String { instance?.value ?? Self.defaultInstance }

    static let fields = ["service", "plan", "instance", "properties"]

    init?(node: YAMLNode, index: Int, context: DecodeContext, owner: String) {
        guard let reader = context.mapping(node, "\(owner).services[\(index)]", known: Self.fields, required: ["service"]),
            let service = reader.formatted("service", .slug)
        else { return nil }
        self.service = service
        plan = reader.formatted("plan", .slug)
        instance = reader.formatted("instance", .slug)
        properties = reader.propertySettings()
        location = context.location(node)
    }
}

extension MappingReader {
    func assignments(owner: String) -> [Assignment] {
        list("services") { node, index in Assignment(node: node, index: index, context: context, owner: owner) } ?? []
    }
}
