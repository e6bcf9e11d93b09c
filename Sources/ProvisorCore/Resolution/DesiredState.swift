import Foundation

/// A resolved attribute value. Values compare by value: `16.00` and `16.0` are the same number.
public enum AttributeValue: Sendable, Hashable, CustomStringConvertible, Encodable {
    case string(String)
    case integer(Int)
    case number(Decimal)
    case boolean(Bool)
    case list([String])
    /// A secret reference (`env:NAME`, `file:PATH`); the secret itself is read only at apply time.
    case secret(reference: String)

    init(_ value: TypedValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .integer(let number): self = .integer(number)
        case .number(let number): self = .number(number)
        case .boolean(let flag): self = .boolean(flag)
        }
    }

    /// The value as text; a secret shows as `(sensitive)`.
    public var description: String {
        switch self {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .number(let number): return "\(number)"
        case .boolean(let flag): return flag ? "true" : "false"
        case .list(let items): return "[" + items.joined(separator: ", ") + "]"
        case .secret: return "(sensitive)"
        }
    }

    /// JSON: strings, numbers, booleans and lists as themselves; a secret as "(sensitive)".
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .integer(let number): try container.encode(number)
        case .number(let number): try container.encode(number)
        case .boolean(let flag): try container.encode(flag)
        case .list(let items): try container.encode(items)
        case .secret: try container.encode(description)
        }
    }

    public static func == (lhs: AttributeValue, rhs: AttributeValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.boolean(let a), .boolean(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.secret(let a), .secret(let b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .string(let text):
            hasher.combine(0)
            hasher.combine(text)
        case .integer(let number):
            hasher.combine(1)
            hasher.combine(number)
        case .number(let number):
            hasher.combine(2)
            hasher.combine(number)
        case .boolean(let flag):
            hasher.combine(3)
            hasher.combine(flag)
        case .list(let items):
            hasher.combine(4)
            hasher.combine(items)
        case .secret(let reference):
            hasher.combine(5)
            hasher.combine(reference)
        }
    }
}

/// One resolved attribute of a resource: a dotted name (`contact.email`, `plan.salesPrice`,
/// `properties.storageGB`) and its value.
public struct Attribute: Sendable, Hashable {
    public var name: String
    public var value: AttributeValue

    public init(name: String, value: AttributeValue) {
        self.name = name
        self.value = value
    }
}

/// One desired resource: its address (which carries its kind), parent, engine and resolved
/// attributes, sorted by name. An attribute no level sets is absent: it is not managed.
public struct DesiredResource: Sendable, Hashable {
    public var address: ResourceAddress
    public var parent: ResourceAddress?
    public var engine: String
    public var attributes: [Attribute]

    public var kind: ResourceAddress.Kind { address.kind }

    public subscript(name: String) -> AttributeValue? {
        attributes.first { $0.name == name }?.value
    }
}

/// The desired state: every resource the manifests describe, in address order.
public struct DesiredState: Sendable {
    public let resources: ResourceList

    public init(resources: [DesiredResource]) {
        self.resources = ResourceList(chunks: [resources])
    }

    /// Resources resolved in parallel, chunk after chunk, already in address order.
    init(chunks: [[DesiredResource]]) {
        resources = ResourceList(chunks: chunks)
    }

    /// The resource at `address` (a binary search: resources are kept in address order).
    public func resource(at address: ResourceAddress) -> DesiredResource? {
        var low = 0, high = resources.count
        while low < high {
            let middle = (low + high) / 2
            if resources[middle].address < address { low = middle + 1 } else { high = middle }
        }
        return low < resources.count && resources[low].address == address ? resources[low] : nil
    }

    /// How many resources there are of each kind.
    public var counts: [ResourceAddress.Kind: Int] {
        var counts = Array(repeating: 0, count: ResourceAddress.Kind.resources.count)
        for resource in resources { counts[ResourceAddress.Kind.resources.firstIndex(of: resource.kind)!] += 1 }
        return Dictionary(uniqueKeysWithValues: zip(ResourceAddress.Kind.resources, counts))
    }
}

/// The resources of a desired state as one collection, kept in the chunks that resolved them
/// in parallel (joining them into one array would copy every resource once more).
public struct ResourceList: RandomAccessCollection, Sendable, Equatable {
    private let chunks: [[DesiredResource]]
    /// The position of each chunk's first resource.
    private let starts: [Int]
    public let endIndex: Int
    public var startIndex: Int { 0 }

    init(chunks: [[DesiredResource]]) {
        self.chunks = chunks.filter { !$0.isEmpty }
        starts = self.chunks.reduce(into: [0]) { starts, chunk in starts.append(starts.last! + chunk.count) }.dropLast()
        endIndex = self.chunks.reduce(0) { $0 + $1.count }
    }

    public subscript(position: Int) -> DesiredResource {
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= position { low = middle } else { high = middle - 1 }
        }
        return chunks[low][position - starts[low]]
    }

    public struct Iterator: IteratorProtocol {
        var chunks: IndexingIterator<[[DesiredResource]]>
        var current: IndexingIterator<[DesiredResource]>?

        public mutating func next() -> DesiredResource? {
            while true {
                if let resource = current?.next() { return resource }
                guard let chunk = chunks.next() else { return nil }
                current = chunk.makeIterator()
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(chunks: chunks.makeIterator(), current: nil) }

    public static func == (lhs: ResourceList, rhs: ResourceList) -> Bool { lhs.elementsEqual(rhs) }
}

/// The level of the hierarchy that supplied a value, most general first.
public enum Level: Sendable, Hashable, CustomStringConvertible {
    /// A value Provisor supplies when the manifests give none (the `default` instance name).
    case builtIn
    /// The Service manifest: a property's default, the service's name or engine.
    case serviceDefault
    case plan(String)
    case reseller(String)
    case customer(String)
    case user(String)
    case assignment
    /// A naming pattern evaluated over the resolved values.
    case pattern

    public var description: String {
        switch self {
        case .builtIn: return "Provisor default"
        case .serviceDefault: return "service default"
        case .plan(let code): return "plan \(code)"
        case .reseller(let code): return "reseller \(code)"
        case .customer(let code): return "customer \(code)"
        case .user(let username): return "user \(username)"
        case .assignment: return "assignment"
        case .pattern: return "pattern"
        }
    }
}

/// Where a value came from: a level and the manifest position that set it.
public struct Origin: Sendable, Hashable {
    public var level: Level
    /// nil only for Provisor's own defaults.
    public var location: SourceLocation?

    public init(_ level: Level, _ location: SourceLocation?) {
        self.level = level
        self.location = location
    }
}

/// Every effective value of one resource with its provenance: what `provisor explain` prints.
public struct Explanation: Sendable {
    public struct Value: Sendable, Hashable {
        public var value: AttributeValue
        public var origin: Origin
    }

    public struct Entry: Sendable {
        public var name: String
        public var effective: Value
        /// The values it replaced, most recent first.
        public var overridden: [Value]
        /// The level that locked this value, when one did.
        public var lockedBy: Origin?
    }

    public var resource: DesiredResource
    public var entries: [Entry]
}
