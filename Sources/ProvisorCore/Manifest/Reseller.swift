/// A reseller: the provider itself (the root, with no parent) or one below it.
public struct Reseller: Sendable, Hashable {
    public var code: Located<String>
    public var name: Located<String>
    public var parent: Located<String>?
    public var contact: Contact?
    public var address: Address?
    /// The engine for its customers on the platform location.
    public var engine: Located<String>?
    /// The services its subtree may use; nil means no restriction at this level.
    public var allowedServices: [Located<String>]?
    public var overrides: [ServiceOverride]
    public var location: SourceLocation

    public var isRoot: Bool { parent == nil }

    static let metadataFields = ["code", "name", "labels", "annotations"]
    static let specFields = ["parent", "contact", "address", "engine", "services", "overrides"]

    init?(_ document: ManifestDocument) {
        guard let code = document.metadata.formatted("code", .code), let name = document.metadata.string("name") else { return nil }
        self.code = code
        self.name = name
        location = document.location
        guard let spec = document.spec(known: Self.specFields) else {
            overrides = []
            return
        }
        parent = spec.formatted("parent", .code)
        contact = spec.mapping("contact", known: Contact.fields).map(Contact.init)
        address = spec.mapping("address", known: Address.fields).map(Address.init)
        engine = spec.formatted("engine", .slug)
        allowedServices = spec.stringList("services")
        overrides = spec.overrides(owner: "Reseller spec")
    }
}

extension Array where Element == Reseller {
    /// For a chain of resellers: the services every one of them allows; nil when none restricts them.
    var allowedServices: Set<String>? {
        lazy.compactMap(\.allowedServices).reduce(nil as Set<String>?) { narrowed, list in
            let names = Set(list.map(\.value))
            return narrowed.map { $0.intersection(names) } ?? names
        }
    }
}
