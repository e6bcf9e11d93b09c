/// Everything the manifests declare, in file order.
public struct Estate: Sendable {
    public var engines: [Engine] = []
    public var services: [Service] = []
    public var resellers: [Reseller] = []
    public var customers: [Customer] = []
    public var users: [User] = []
    /// The manifest files read, in the order they were read.
    public var files: [String] = []
    public var documentCount = 0

    public init() {}

    mutating func reserveCapacity(for parts: [Estate]) {
        engines.reserveCapacity(parts.reduce(0) { $0 + $1.engines.count })
        services.reserveCapacity(parts.reduce(0) { $0 + $1.services.count })
        resellers.reserveCapacity(parts.reduce(0) { $0 + $1.resellers.count })
        customers.reserveCapacity(parts.reduce(0) { $0 + $1.customers.count })
        users.reserveCapacity(parts.reduce(0) { $0 + $1.users.count })
    }

    /// Appends another part of the estate (one file's manifests) after this one.
    mutating func append(_ other: Estate) {
        engines += other.engines
        services += other.services
        resellers += other.resellers
        customers += other.customers
        users += other.users
        documentCount += other.documentCount
    }
}
