import Foundation
import ProvisorCore

/// `provisor history`: the audit log's entries for a resource and what is below it, from a time
/// on. Reads the state without creating it (no state yet: no entries).
public struct HistoryQuery: Sendable {
    /// Only this resource and what is below it (all when nil).
    public var address: ResourceAddress?
    /// Only entries at or after this time.
    public var since: Date?

    public init(address: ResourceAddress? = nil, since: Date? = nil) {
        self.address = address
        self.since = since
    }

    /// Whether `entry` is one the query asks for.
    public func selects(_ entry: AuditEntry) -> Bool {
        if let since, entry.at < since { return false }
        guard let prefix = address?.description else { return true }
        let address = entry.address.description
        return address == prefix || address.hasPrefix(prefix + "/")
    }

    /// The entries of `recorded` the query asks for, oldest first.
    public func entries(in recorded: RecordedState) async throws -> [AuditEntry] {
        try await (recorded.store?.audit(address: nil) ?? []).filter(selects)
    }
}
