import Foundation

/// The identity and version of a state: a lineage fixed when the state was created, and a
/// serial increased by every commit. A plan records both, so applying it to another state,
/// or to this one after it changed, can be refused.
public struct StateHeader: Sendable, Hashable, Codable {
    /// nil when there is no state yet.
    public var lineage: String?
    public var serial: Int
    public var resourceCount: Int

    public init(lineage: String?, serial: Int, resourceCount: Int) {
        self.lineage = lineage
        self.serial = serial
        self.resourceCount = resourceCount
    }

    /// No state recorded yet.
    public static let empty = StateHeader(lineage: nil, serial: 0, resourceCount: 0)
}
