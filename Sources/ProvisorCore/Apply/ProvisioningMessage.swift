import Crypto
import Foundation

/// What Provisor sends an engine for one change (DESIGN.md "Provisioning message",
/// `schemas/message.schema.json`): self-contained, so the engine needs nothing else to act.
///
/// `id` is the idempotency key: a digest of the state's lineage and the serial the run started
/// from, the address, the action and the attributes. Sending the same change again (a retry, a
/// resumed run) sends the same id, and an engine that has seen it answers without acting twice;
/// the same change made again later, against a newer state (a user added back, a mailbox
/// provisioned again after it was deleted out of band), has a new id.
public struct ProvisioningMessage: Sendable, Hashable {
    public static let formatVersion = "1"

    public enum Action: String, Sendable, Hashable, CaseIterable {
        case provision, update, deprovision
        /// Right-sizing: a licence subscription's quantity now and at renewal.
        case adjustSubscription = "adjust-subscription"

        public init(_ action: Change.Action) {
            switch action {
            case .create: self = .provision
            case .update: self = .update
            case .delete: self = .deprovision
            }
        }
    }

    /// Who asked for the change and from which revision.
    public struct Context: Sendable, Hashable {
        public var actor: String
        public var commit: String?
        public var run: String

        public init(actor: String, commit: String? = nil, run: String) {
            self.actor = actor
            self.commit = commit
            self.run = run
        }
    }

    public var id: String
    public var action: Action
    public var address: ResourceAddress
    public var parent: ResourceAddress?
    public var engine: String
    /// Every resolved attribute of the target (the recorded ones for a deprovision).
    public var attributes: [Attribute]
    /// For an update, the recorded value of each changed attribute (nil: not recorded); for
    /// an adjust-subscription, the quantities before.
    public var previous: [(name: String, value: AttributeValue?)]
    /// What the target's engine answered about it earlier (its tenant id, object id), kept in
    /// the state; empty for a provision.
    public var outputs: [Attribute] = []
    /// The customer's outputs, for anything in a customer (the tenant a user is made in).
    public var customerOutputs: [Attribute] = []
    /// The customer's own attributes (for anything below a customer).
    public var customer: [Attribute]?
    /// The user's own attributes (for a user and its services).
    public var user: [Attribute]?
    /// Reseller codes from the one closest to the target up to the root.
    public var resellers: [String]
    public var lineage: String
    public var serial: Int
    public var context: Context

    public static func == (lhs: ProvisioningMessage, rhs: ProvisioningMessage) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// The idempotency key of `action` on `address` with `attributes`, planned against the state
    /// `lineage` at `serial`.
    public static func id(lineage: String, serial: Int, address: ResourceAddress, action: Action, attributes: AttributeDocument) -> String {
        var hash = SHA256()
        for part in [lineage, String(serial), address.description, action.rawValue, attributes.json] {
            var part = part
            part.withUTF8 { hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            hash.update(data: [0])
        }
        return "pm-" + hex(hash.finalize().prefix(16))
    }

    /// Lower-case hexadecimal, two digits a byte.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The secret references whose values the message carries, each once, in order. A
    /// deprovision carries none: removing needs no password, must work once the secret is
    /// gone, and sends the engine no secret it would not need (it sees the references only).
    public var secretReferences: [String] {
        guard action != .deprovision else { return [] }
        var seen = Set<String>()
        return (attributes + (customer ?? []) + (user ?? [])).compactMap { attribute in
            if case .secret(let reference) = attribute.value, seen.insert(reference).inserted { return reference }
            return nil
        }
    }

    /// The message as JSON. With `secrets` (reference → value), each secret is sent as its
    /// value; without, as `{"secretRef": "env:NAME"}`, the only form ever stored.
    public func json(secrets: [String: String]? = nil, pretty: Bool = false) -> String {
        var writer = JSONWriter(pretty: pretty, capacity: 2048)
        let write: (inout JSONWriter, AttributeValue) -> Void = { writer, value in
            if case .secret(let reference) = value {
                if let secret = secrets?[reference] {
                    writer.string(secret)
                } else {
                    writer.beginObject()
                    writer.member("secretRef", reference)
                    writer.endObject()
                }
            } else {
                writer.value(value)
            }
        }
        let object: (inout JSONWriter, [Attribute]) -> Void = { writer, attributes in
            writer.beginObject()
            for attribute in attributes {
                writer.key(attribute.name)
                write(&writer, attribute.value)
            }
            writer.endObject()
        }

        writer.beginObject()
        writer.member("format_version", Self.formatVersion)
        writer.member("id", id)
        writer.member("action", action.rawValue)
        writer.member("kind", address.kind.rawValue)
        writer.member("address", address.description)
        writer.member("parent", parent?.description)
        writer.member("engine", engine)
        if let code = address.customer {
            writer.key("customer")
            writer.beginObject()
            writer.member("code", code)
            let attributes = customer ?? []
            let value = { (name: String) in attributes.first { $0.name == name }?.value }
            for name in ["name", "type", "status", "engine"] {
                if let value = value(name) {
                    writer.key(name)
                    write(&writer, value)
                }
            }
            writer.key("domains")
            writer.beginObject()
            for name in ["primary", "aliases"] {
                if let value = value("domains." + name) {
                    writer.key(name)
                    write(&writer, value)
                }
            }
            writer.endObject()
            writer.key("location")
            writer.beginObject()
            for name in ["type", "name"] {
                if let value = value("location." + name) {
                    writer.key(name)
                    write(&writer, value)
                }
            }
            writer.endObject()
            if !customerOutputs.isEmpty && address.kind != .customer {
                writer.key("outputs")
                object(&writer, customerOutputs)
            }
            writer.endObject()
        }
        if let user {
            writer.key("user")
            object(&writer, user)
        }
        if address.kind == .subscription {
            let value = { (name: String) in attributes.first { $0.name == name }?.value }
            writer.key("subscription")
            writer.beginObject()
            writer.member("id", address.service!)
            for name in ["sku", "term", "quantity", "renewalQuantity"] {
                if let value = value(name) {
                    writer.key(name)
                    write(&writer, value)
                }
            }
            writer.endObject()
        } else if let code = address.service {
            let value = { (name: String) in attributes.first { $0.name == name }?.value }
            writer.key("service")
            writer.beginObject()
            writer.member("code", code)
            if let name = value(AttributeName.serviceName) {
                writer.key("name")
                write(&writer, name)
            }
            writer.member("instance", address.instanceName)
            if let plan = value("plan") {
                writer.key("plan")
                writer.beginObject()
                writer.key("code")
                write(&writer, plan)
                for attribute in attributes where attribute.name.hasPrefix("plan.") {
                    writer.key(String(attribute.name.dropFirst(5)))
                    write(&writer, attribute.value)
                }
                writer.endObject()
            }
            writer.key("properties")
            writer.beginObject()
            for attribute in attributes where attribute.name.hasPrefix("properties.") {
                writer.key(String(attribute.name.dropFirst(11)))
                write(&writer, attribute.value)
            }
            writer.endObject()
            writer.endObject()
        }
        writer.key("attributes")
        object(&writer, attributes)
        if !outputs.isEmpty {
            writer.key("outputs")
            object(&writer, outputs)
        }
        writer.key("sensitive")
        writer.beginArray()
        for attribute in attributes {
            if case .secret = attribute.value { writer.string(attribute.name) }
        }
        writer.endArray()
        if action == .update || action == .adjustSubscription {
            writer.key("previous")
            writer.beginObject()
            for (name, value) in previous {
                writer.key(name)
                if let value { write(&writer, value) } else { writer.null() }
            }
            writer.endObject()
        }
        writer.key("context")
        writer.beginObject()
        writer.key("resellers")
        writer.beginArray()
        for code in resellers { writer.string(code) }
        writer.endArray()
        writer.member("lineage", lineage)
        writer.member("serial", serial)
        writer.member("run", context.run)
        writer.member("actor", context.actor)
        writer.member("commit", context.commit)
        writer.endObject()
        writer.endObject()
        return writer.text
    }
}
