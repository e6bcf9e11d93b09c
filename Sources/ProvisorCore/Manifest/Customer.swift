/// A customer of a reseller, with its users' home: domains, location, settings, services.
public struct Customer: Sendable, Hashable {
    public enum CustomerType: String, Sendable, Hashable, CaseIterable {
        case standard
        case test
        case demo
    }

    public enum Status: String, Sendable, Hashable, CaseIterable {
        case active
        case suspended
        case disabled
    }

    public struct Domains: Sendable, Hashable {
        public var primary: Located<String>
        public var aliases: [Located<String>]

        public var all: [Located<String>] { [primary] + aliases }
    }

    /// Where the customer's tenant lives: on the provider's platform, or a remote location
    /// (private to this customer, or shared) with its own engine.
    public struct Location: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            case platform
            case `private`
            case shared
        }

        public var type: Kind
        public var name: String?
        public var engine: Located<String>?
        /// Where the `location` mapping is written; nil when it is omitted (platform).
        public var location: SourceLocation?
    }

    public struct PasswordPolicy: Sendable, Hashable {
        public var minLength: Int?
        public var requireComplexity: Bool?
        public var maxAgeDays: Int?
        public var requireMFA: Bool?
        public var location: SourceLocation
    }

    public struct Settings: Sendable, Hashable {
        public var passwordPolicy: PasswordPolicy?
        public var maxUsers: Int?
        public var location: SourceLocation
    }

    public struct Branding: Sendable, Hashable {
        public var displayName: String?
        public var logoUrl: String?
        public var primaryColor: String?
        public var supportEmail: String?
        public var supportPhone: String?
        public var location: SourceLocation
    }

    public struct SecurityRole: Sendable, Hashable {
        public var name: Located<String>
        public var description: String?
        public var members: [Located<String>]
        public var permissions: [String]
    }

    public var code: Located<String>
    public var name: Located<String>
    public var reseller: Located<String>
    /// `type` as written; nil when omitted.
    public var typeSetting: Located<CustomerType>?
    /// `status` as written; nil when omitted.
    public var statusSetting: Located<Status>?
    public var type: CustomerType { typeSetting?.value ?? .standard }
    public var status: Status { statusSetting?.value ?? .active }
    public var contact: Contact?
    public var address: Address?
    public var domains: Domains?
    public var customerLocation: Location
    public var settings: Settings?
    public var branding: Branding?
    public var securityRoles: [SecurityRole]
    /// Deletion protection: a protected customer is never deprovisioned.
    public var protect: Bool { protectSetting?.value ?? false }
    /// `protect` as written; nil when omitted.
    public var protectSetting: Located<Bool>?
    public var services: [Assignment]
    public var overrides: [ServiceOverride]
    public var location: SourceLocation

    static let metadataFields = ["code", "name", "labels", "annotations"]
    static let specFields = [
        "reseller", "type", "status", "contact", "address", "domains", "location", "settings",
        "branding", "securityRoles", "protect", "services", "overrides",
    ]

    init?(_ document: ManifestDocument) {
        let context = document.context
        guard let code = document.metadata.formatted("code", .code), let name = document.metadata.string("name"),
            let spec = document.spec(known: Self.specFields, required: ["reseller"]),
            let reseller = spec.formatted("reseller", .code)
        else { return nil }
        self.code = code
        self.name = name
        self.reseller = reseller
        location = document.location
        typeSetting = spec.located("type") { spec.choice($0, as: CustomerType.self) }
        statusSetting = spec.located("status") { spec.choice($0, as: Status.self) }
        contact = spec.mapping("contact", known: Contact.fields).map(Contact.init)
        address = spec.mapping("address", known: Address.fields).map(Address.init)
        domains = spec.mapping("domains", known: ["primary", "aliases"], required: ["primary"]).flatMap { reader in
            guard let primary = reader.formatted("primary", .domain) else { return nil }
            let aliases =
                reader["aliases"].map { node in
                    context.stringList(node, "aliases").filter { alias in
                        guard Format.domain.matches(alias.value) else {
                            context.diagnostics.append(
                                .error(
                                    at: alias.location, "'aliases[]' is not a valid domain: '\(alias.value)'",
                                    hint: "use \(Format.domain.explanation)"))
                            return false
                        }
                        return true
                    }
                } ?? []
            return Domains(primary: primary, aliases: aliases)
        }
        customerLocation =
            spec.mapping("location", known: ["type", "name", "engine"], required: ["type"]).flatMap { reader in
                guard let kind = reader.choice("type", as: Location.Kind.self) else { return nil }
                let engine = reader.formatted("engine", .slug)
                if kind == .platform, let node = reader["engine"] {
                    context.error(
                        node, "a platform location takes its engine from the reseller, so it cannot name one",
                        hint: "remove 'engine', or use type: private or shared for a remote location with its own engine")
                } else if kind != .platform, reader["engine"] == nil {
                    context.error(reader.node, "a \(kind.rawValue) location needs the engine that provisions it", hint: "add 'engine: <engine name>'")
                }
                return Location(type: kind, name: reader.text("name"), engine: engine, location: reader.location)
            } ?? Location(type: .platform, name: nil, engine: nil, location: nil)
        settings = spec.mapping("settings", known: ["passwordPolicy", "maxUsers"]).map { reader in
            Settings(
                passwordPolicy: reader.mapping("passwordPolicy", known: ["minLength", "requireComplexity", "maxAgeDays", "requireMFA"]).map { policy in
                    PasswordPolicy(
                        minLength: policy.int("minLength", minimum: 1), requireComplexity: policy.bool("requireComplexity"),
                        maxAgeDays: policy.int("maxAgeDays", minimum: 0), requireMFA: policy.bool("requireMFA"),
                        location: policy.location)
                },
                maxUsers: reader.int("maxUsers", minimum: 0), location: reader.location)
        }
        branding = spec.mapping("branding", known: ["displayName", "logoUrl", "primaryColor", "supportEmail", "supportPhone"]).map { reader in
            Branding(
                displayName: reader.text("displayName"), logoUrl: reader.text("logoUrl"), primaryColor: reader.text("primaryColor"),
                supportEmail: reader.formatted("supportEmail", .email)?.value, supportPhone: reader.text("supportPhone"),
                location: reader.location)
        }
        securityRoles =
            spec.list("securityRoles") { node, index in
                guard
                    let role = context.mapping(
                        node, "Customer spec.securityRoles[\(index)]", known: ["name", "description", "members", "permissions"],
                        required: ["name"]),
                    let name = role.string("name")
                else { return nil }
                return SecurityRole(
                    name: name, description: role.text("description"), members: role.stringList("members") ?? [],
                    permissions: role.stringList("permissions")?.map(\.value) ?? [])
            } ?? []
        protectSetting = spec.located("protect", spec.bool)
        services = spec.assignments(owner: "Customer spec")
        overrides = spec.overrides(owner: "Customer spec")
    }
}
