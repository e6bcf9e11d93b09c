/// A user of one customer, with the user-scope services assigned to it.
public struct User: Sendable, Hashable {
    public var username: Located<String>
    public var customer: Located<String>
    public var upn: Located<String>
    public var firstName: String?
    public var lastName: String?
    public var displayName: String?
    public var email: Located<String>?
    public var status: Customer.Status
    public var admin: Bool
    public var password: SecretRef?
    public var services: [Assignment]
    public var overrides: [ServiceOverride]
    public var location: SourceLocation

    static let metadataFields = ["username", "labels", "annotations"]
    static let specFields = ["customer", "upn", "firstName", "lastName", "displayName", "email", "status", "admin",
                             "password", "services", "overrides"]

    init?(_ document: ManifestDocument) {
        guard let username = document.metadata.formatted("username", .username),
              let spec = document.spec(known: Self.specFields, required: ["customer", "upn"]),
              let customer = spec.formatted("customer", .code),
              let upn = spec.formatted("upn", .email) else { return nil }
        self.username = username
        self.customer = customer
        self.upn = upn
        location = document.location
        firstName = spec.text("firstName")
        lastName = spec.text("lastName")
        displayName = spec.text("displayName")
        email = spec.formatted("email", .email)
        status = spec.choice("status", as: Customer.Status.self) ?? .active
        admin = spec.bool("admin") ?? false
        password = spec["password"].flatMap { document.context.secretRef($0, "password") }
        services = spec.assignments(owner: "User spec")
        overrides = spec.overrides(owner: "User spec")
    }
}
