/// The address of one desired resource (DESIGN.md "Resources and addresses"):
///
/// ```
/// reseller/ACME
/// customer/JBL
/// customer/JBL/service/sqldb:prod           customer service, instance "prod"
/// customer/JBL/user/alice
/// customer/JBL/user/alice/service/m365      user service, instance "default" omitted
/// customer/JBL/subscription/SUB-ID          a licence subscription (right-sizing only)
/// ```
///
/// Addresses order hierarchically: resellers, then each customer followed by its services, then
/// its users, each user followed by its services.
public struct ResourceAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case reseller
        case customer
        case customerService = "customer-service"
        case user
        case userService = "user-service"
        /// A customer's licence subscription in an engine: never desired or recorded, only
        /// adjusted by right-sizing (its journal and audit entries carry this address).
        case subscription

        /// The kinds the manifests resolve to and the state records.
        public static let resources: [Kind] = [.reseller, .customer, .customerService, .user, .userService]
    }

    public let kind: Kind
    /// The reseller code of a reseller; the customer code of everything else.
    public let owner: String
    public let user: String?
    /// The service code; a subscription's id.
    public let service: String?
    /// The instance name; nil for the default instance.
    public let instance: String?

    private init(kind: Kind, owner: String, user: String? = nil, service: String? = nil, instance: String? = nil) {
        self.kind = kind
        self.owner = owner
        self.user = user
        self.service = service
        self.instance = instance == Assignment.defaultInstance ? nil : instance
    }

    public static func reseller(_ code: String) -> ResourceAddress { ResourceAddress(kind: .reseller, owner: code) }
    public static func customer(_ code: String) -> ResourceAddress { ResourceAddress(kind: .customer, owner: code) }
    public static func user(_ username: String, customer: String) -> ResourceAddress {
        ResourceAddress(kind: .user, owner: customer, user: username)
    }
    public static func service(_ code: String, instance: String?, customer: String, user: String? = nil) -> ResourceAddress {
        ResourceAddress(kind: user == nil ? .customerService : .userService, owner: customer, user: user, service: code, instance: instance)
    }

    /// A customer's licence subscription.
    public static func subscription(_ id: String, customer: String) -> ResourceAddress {
        ResourceAddress(kind: .subscription, owner: customer, service: id)
    }

    /// The customer this resource belongs to; nil for a reseller.
    public var customer: String? { kind == .reseller ? nil : owner }

    /// The instance name, `default` when the address names none.
    public var instanceName: String { instance ?? Assignment.defaultInstance }

    public var description: String {
        switch kind {
        case .reseller: return "reseller/\(owner)"
        case .customer: return "customer/\(owner)"
        case .user: return "customer/\(owner)/user/\(user!)"
        case .customerService: return "customer/\(owner)/service/\(serviceSegment)"
        case .userService: return "customer/\(owner)/user/\(user!)/service/\(serviceSegment)"
        case .subscription: return "customer/\(owner)/subscription/\(service!)"
        }
    }

    private var serviceSegment: String { instance.map { "\(service!):\($0)" } ?? service! }

    /// Parses the written form; nil when `text` is not an address.
    public init?(parsing text: String) {
        // Split by bytes: the state holds hundreds of thousands of addresses to read back.
        var parts: [String] = []
        parts.reserveCapacity(6)
        var start = text.utf8.startIndex
        for index in text.utf8.indices where text.utf8[index] == UInt8(ascii: "/") {
            guard parts.count < 6, index != start else { return nil }
            parts.append(String(text[start..<index]))
            start = text.utf8.index(after: index)
        }
        guard start != text.utf8.endIndex else { return nil }
        parts.append(String(text[start...]))
        guard parts.count >= 2 else { return nil }
        func service(_ segment: String) -> (String, String?)? {
            guard let colon = segment.utf8.firstIndex(of: UInt8(ascii: ":")) else { return (segment, nil) }
            let code = segment[..<colon], instance = segment[segment.utf8.index(after: colon)...]
            guard !code.isEmpty, !instance.isEmpty, !instance.utf8.contains(UInt8(ascii: ":")) else { return nil }
            return (String(code), String(instance))
        }
        switch (parts[0], parts.count) {
        case ("reseller", 2):
            self = .reseller(parts[1])
        case ("customer", 2):
            self = .customer(parts[1])
        case ("customer", 4) where parts[2] == "service":
            guard let (code, instance) = service(parts[3]) else { return nil }
            self = .service(code, instance: instance, customer: parts[1])
        case ("customer", 4) where parts[2] == "subscription":
            self = .subscription(parts[3], customer: parts[1])
        case ("customer", 4) where parts[2] == "user":
            self = .user(parts[3], customer: parts[1])
        case ("customer", 6) where parts[2] == "user" && parts[4] == "service":
            guard let (code, instance) = service(parts[5]) else { return nil }
            self = .service(code, instance: instance, customer: parts[1], user: parts[3])
        default:
            return nil
        }
    }

    /// The forms an address can take, for error messages.
    public static let forms =
        "reseller/CODE, customer/CODE, customer/CODE/service/SERVICE[:INSTANCE], customer/CODE/user/USERNAME, customer/CODE/user/USERNAME/service/SERVICE[:INSTANCE], customer/CODE/subscription/ID"

    public static func < (lhs: ResourceAddress, rhs: ResourceAddress) -> Bool {
        let lhsTop = lhs.kind == .reseller ? 0 : 1, rhsTop = rhs.kind == .reseller ? 0 : 1
        if lhsTop != rhsTop { return lhsTop < rhsTop }
        if lhs.owner != rhs.owner { return lhs.owner < rhs.owner }
        if lhs.user != rhs.user {
            guard let left = lhs.user else { return true }
            guard let right = rhs.user else { return false }
            return left < right
        }
        if lhs.service != rhs.service {
            guard let left = lhs.service else { return true }
            guard let right = rhs.service else { return false }
            return left < right
        }
        return (lhs.instance ?? "") < (rhs.instance ?? "")
    }
}
