import ProvisorEngineKit

/// What the simulated engine keeps of a resource it holds.
public struct KeptRecord: Codable, Hashable, Sendable {
    /// reseller, customer, user, customer-service or user-service.
    public var kind: String
    /// Its attributes, sensitive ones masked as "(sensitive)".
    public var attributes: [String: JSONValue]
    public var customer: String?
    /// The SKU of the licence a licensed user service holds.
    public var licence: String?
    /// The user holding that licence.
    public var user: String?
    /// The identifiers the engine answered when it made the resource (a tenant id, an object
    /// id); every later message for it must carry them.
    public var outputs: [String: JSONValue]?

    /// The kind of resource an address names, or nil when it is not an address.
    static func kind(of address: String) -> String? {
        let parts = address.split(separator: "/", omittingEmptySubsequences: false)
        switch (parts.first, parts.count) {
        case ("reseller", 2): return "reseller"
        case ("customer", 2): return "customer"
        case ("customer", 4): return parts[2] == "user" ? "user" : parts[2] == "service" ? "customer-service" : nil
        case ("customer", 6): return parts[2] == "user" && parts[4] == "service" ? "user-service" : nil
        default: return nil
        }
    }

    init(kind: String, attributes: [String: JSONValue], customer: String?, licence: String?, user: String?, outputs: [String: JSONValue]?) {
        self.kind = kind
        self.attributes = attributes
        self.customer = customer
        self.licence = licence
        self.user = user
        self.outputs = outputs
    }

    /// What the engine keeps of a provisioning message's resource.
    init(message: [String: JSONValue], address: String, kind: String) {
        var attributes = message["attributes"]?.object ?? [:]
        if case .array(let names)? = message["sensitive"] {
            for name in names.compactMap(\.string) where attributes[name] != nil { attributes[name] = .string("(sensitive)") }
        }
        self.kind = kind
        self.attributes = attributes
        customer = message["customer"]?["code"]?.string
        if kind == "user-service", let sku = attributes["plan.license.sku"]?.string {
            licence = sku
            user = address.split(separator: "/").dropFirst(3).first.map(String.init)
        }
    }
}
