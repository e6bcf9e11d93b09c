import Foundation

/// Every recorded resource at one serial.
public struct StateSnapshot: Sendable {
    public var header: StateHeader
    /// In no particular order.
    public var resources: [RecordedResource]

    public init(header: StateHeader, resources: [RecordedResource]) {
        self.header = header
        self.resources = resources
    }

    public static let empty = StateSnapshot(header: .empty, resources: [])
}
