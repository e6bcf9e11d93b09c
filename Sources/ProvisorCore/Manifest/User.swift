/// A user of one customer, with the user-scope services assigned to it.
public struct User: Sendable, Hashable {
    public var username: Located<String>
    public var customer: Located<String>
    public var upn: Located<String>
    public var firstName: Located<String>?
    public var lastName: Located<String>?
    public var displayName: Located<String>?
    public var email: Located<String>?
    /// `status` as written; nil when omitted.
    public var statusSetting: Located<Customer.Status>?
    /// `admin` as written; nil when omitted.
    public var adminSetting: Located<Bool>?
    public var status: Customer.Status { statusSetting?.value ?? .active }
    public var admin: Bool { adminSetting?.value ?? false }
    public var password: SecretRef?
    public var services: [Assignment]
    public var overrides: [ServiceOverride]
    public var location: SourceLocation

    static let metadataFields = ["username", "labels", "annotations"]
    static let specFields = [
        "customer", "upn", "firstName", "lastName", "displayName", "email", "status", "admin",
        "password", "services", "overrides",
    ]

    init?(_ document: ManifestDocument) {
        guard let username = document.metadata.formatted("username", .username),
            let spec = document.spec(known: Self.specFields, required: ["customer", "upn"]),
            let customer = spec.formatted("customer", .code),
            let upn = spec.formatted("upn", .email)
        else { return nil }
        self.username = username
        self.customer = customer
        self.upn = upn
        location = document.location
        firstName = spec.string("firstName")
        lastName = spec.string("lastName")
        displayName = spec.string("displayName")
        email = spec.formatted("email", .email)
        statusSetting = spec.located("status") { spec.choice($0, as: Customer.Status.self) }
        adminSetting = spec.located("admin", spec.bool)
        password = spec["password"].flatMap { document.context.secretRef($0, "password") }
        services = spec.assignments(owner: "User spec")
        overrides = spec.overrides(owner: "User spec")
    }
}
