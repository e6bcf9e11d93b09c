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
        selects(entry.address, at: entry.at)
    }

    private func selects(_ address: ResourceAddress, at date: Date) -> Bool {
        if let since, date < since { return false }
        guard let prefix = self.address?.description else { return true }
        let address = address.description
        return address == prefix || address.hasPrefix(prefix + "/")
    }

    /// The entries of `recorded` the query asks for, oldest first.
    public func entries(in recorded: RecordedState) async throws -> [AuditEntry] {
        try await (recorded.store?.audit(address: nil) ?? []).filter(selects)
    }

    /// The messages the query asks for that a transport took and whose answers are still to
    /// come (journalled as sent), oldest first: changes not yet in the audit log.
    public func waiting(in recorded: RecordedState) async throws -> [JournalEntry] {
        try await (recorded.store?.unresolvedJournal() ?? []).filter { $0.status == .sent && selects($0.address, at: $0.at) }
    }
}
