import Foundation

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

extension DesiredState {
    /// `reseller` and every reseller below it (by `parent`); empty when the manifests have no
    /// such reseller.
    public func resellers(below reseller: String) -> Set<String> {
        var parents: [String: String] = [:]
        var known: Set<String> = []
        for resource in resources where resource.kind == .reseller {
            known.insert(resource.address.owner)
            if case .string(let parent)? = resource["parent"] { parents[resource.address.owner] = parent }
        }
        guard known.contains(reseller) else { return [] }
        var below: Set<String> = [reseller]
        var grew = true
        while grew {
            grew = false
            for (code, parent) in parents where !below.contains(code) && below.contains(parent) {
                below.insert(code)
                grew = true
            }
        }
        return below
    }

    /// The codes of the customers whose reseller is one of `resellers`.
    public func customers(of resellers: Set<String>) -> Set<String> {
        var customers: Set<String> = []
        for resource in resources where resource.kind == .customer {
            if case .string(let reseller)? = resource["reseller"], resellers.contains(reseller) { customers.insert(resource.address.owner) }
        }
        return customers
    }
}
