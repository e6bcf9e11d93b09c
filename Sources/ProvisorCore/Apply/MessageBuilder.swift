import Crypto
import Foundation

/// Builds self-contained messages: the change itself plus its customer, user and reseller
/// chain, looked up in the desired state or, for what is being removed, the recorded state;
/// and the engine's outputs for the target and its customer.
public struct MessageBuilder: Sendable {
    /// The attributes of the resource at an address: desired, else recorded; nil when neither.
    public typealias Lookup = @Sendable (ResourceAddress) -> [Attribute]?

    public var lineage: String
    public var serial: Int
    public var context: ProvisioningMessage.Context
    let lookup: Lookup
    /// The outputs the state recorded, by address (only resources that have some).
    let recordedOutputs: [ResourceAddress: AttributeDocument]
    /// Outputs answered during this run, which a later provision or update sees first: a user
    /// created after its customer gets the customer's new tenant id.
    public var answeredOutputs: [ResourceAddress: [Attribute]] = [:]

    public init(
        lineage: String, serial: Int, context: ProvisioningMessage.Context, recordedOutputs: [ResourceAddress: AttributeDocument] = [:],
        lookup: @escaping Lookup
    ) {
        self.lineage = lineage
        self.serial = serial
        self.context = context
        self.recordedOutputs = recordedOutputs
        self.lookup = lookup
    }

    /// The outputs of the resource at `address` as a message for `action` carries them: a
    /// deprovision goes to the engine that holds what the state recorded, so it sees only
    /// recorded outputs; a provision or update sees this run's answers first.
    public func outputs(of address: ResourceAddress, for action: Change.Action) -> [Attribute] {
        if action != .delete, let answered = answeredOutputs[address] { return answered }
        return recordedOutputs[address].flatMap { try? $0.decode() } ?? []
    }

    /// The message for `change`; `id` replaces the computed key when re-sending a journalled
    /// one. `document` is the change's attributes as a document, when already made.
    public func message(for change: Change, id: String? = nil, document: AttributeDocument? = nil) -> ProvisioningMessage {
        let action = ProvisioningMessage.Action(change.action)
        let document = document ?? AttributeDocument(change.attributes)
        let customer = change.address.customer
        let user = change.address.user.flatMap { username in customer.map { ResourceAddress.user(username, customer: $0) } }
        return ProvisioningMessage(
            id: id ?? ProvisioningMessage.id(lineage: lineage, serial: serial, address: change.address, action: action, attributes: document),
            action: action, address: change.address, parent: change.parent, engine: change.engine,
            attributes: change.attributes,
            previous: change.changedAttributes.map { ($0.name, $0.old) },
            // A create is new to its engine (a replace's create goes to an engine that never held it).
            outputs: change.action == .create ? [] : outputs(of: change.address, for: change.action),
            customerOutputs: customer.map { outputs(of: .customer($0), for: change.action) } ?? [],
            customer: customer.map { change.address.kind == .customer ? change.attributes : lookup(.customer($0)) ?? [] },
            user: user.map { change.address.kind == .user ? change.attributes : lookup($0) ?? [] },
            resellers: resellerChain(of: change),
            lineage: lineage, serial: serial, context: context)
    }

    /// The adjust-subscription message for a subscription of a customer in `engine`:
    /// `attributes` hold its SKU, term, quantity and renewal quantity after the change,
    /// `previous` the quantities before. `id` replaces the computed key when re-sending.
    public func message(
        adjusting address: ResourceAddress, engine: String, attributes: [Attribute], previous: [Attribute],
        id: String? = nil
    ) -> ProvisioningMessage {
        let customer = ResourceAddress.customer(address.owner)
        let customerAttributes = lookup(customer)
        return ProvisioningMessage(
            id: id
                ?? ProvisioningMessage.id(
                    lineage: lineage, serial: serial, address: address, action: .adjustSubscription,
                    attributes: AttributeDocument(attributes + previous.map { Attribute(name: "previous." + $0.name, value: $0.value) })),
            action: .adjustSubscription, address: address, parent: customer, engine: engine, attributes: attributes,
            previous: previous.map { ($0.name, $0.value) }, outputs: [], customerOutputs: outputs(of: customer, for: .update),
            customer: customerAttributes ?? [], user: nil,
            resellers: resellerChain(from: Self.text(customerAttributes?.first { $0.name == "reseller" }?.value)),
            lineage: lineage, serial: serial, context: context)
    }

    /// The reseller codes above the target, closest first.
    func resellerChain(of change: Change) -> [String] {
        var next: String?
        if change.address.kind == .reseller {
            next = Self.text(change["parent"])
        } else if let customer = change.address.customer {
            next = Self.text(change.address.kind == .customer ? change["reseller"] : lookup(.customer(customer))?.first { $0.name == "reseller" }?.value)
        }
        return resellerChain(from: next)
    }

    /// `first` and the resellers above it, closest first.
    func resellerChain(from first: String?) -> [String] {
        var chain: [String] = []
        var next = first
        while let code = next, !chain.contains(code) {
            chain.append(code)
            next = Self.text(lookup(.reseller(code))?.first { $0.name == "parent" }?.value)
        }
        return chain
    }

    private static func text(_ value: AttributeValue?) -> String? {
        if case .string(let text) = value { return text }
        return nil
    }
}
