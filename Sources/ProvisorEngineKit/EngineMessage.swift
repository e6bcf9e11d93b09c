import Foundation

/// One provisioning message as an engine receives it (`schemas/message.schema.json`): the typed
/// fields every engine needs, and the whole message as JSON for the rest.
public struct EngineMessage: Sendable {
    /// The idempotency key: a message with an id already answered is answered again, not redone.
    public var id: String
    /// provision, update, deprovision or adjust-subscription.
    public var action: String
    /// reseller, customer, customer-service, user, user-service or subscription.
    public var kind: String
    public var address: String
    public var parent: String?
    /// Every attribute of the target by dotted name; secrets as their values (as references in
    /// a deprovision).
    public var attributes: [String: JSONValue]
    /// What this engine answered when it made the target (empty for a provision).
    public var outputs: [String: JSONValue]
    /// The customer's code, when the target is in a customer.
    public var customer: String?
    /// The customer's outputs (its tenant id), when it has some.
    public var customerOutputs: [String: JSONValue]
    /// The names of the attributes that are secrets: never log their values.
    public var sensitive: [String]
    /// The whole message.
    public var json: [String: JSONValue]

    /// The message in `json`, or nil when it is not one (no id, action, kind or address).
    public init?(_ json: [String: JSONValue]) {
        guard let id = json["id"]?.string, let action = json["action"]?.string, let kind = json["kind"]?.string,
            let address = json["address"]?.string
        else { return nil }
        self.id = id
        self.action = action
        self.kind = kind
        self.address = address
        self.json = json
        parent = json["parent"]?.string
        attributes = json["attributes"]?.object ?? [:]
        outputs = json["outputs"]?.object ?? [:]
        customer = json["customer"]?["code"]?.string
        customerOutputs = json["customer"]?["outputs"]?.object ?? [:]
        if case .array(let names)? = json["sensitive"] { sensitive = names.compactMap(\.string) } else { sensitive = [] }
    }

    /// The attributes with every secret replaced by "(sensitive)": what may be logged or kept.
    public var maskedAttributes: [String: JSONValue] {
        var masked = attributes
        for name in sensitive where masked[name] != nil { masked[name] = .string("(sensitive)") }
        return masked
    }
}
