import Foundation

/// One line of the audit log: who changed which resource, how, and at which serial.
public struct AuditEntry: Sendable, Hashable {
    /// Assigned by the store when appended; 0 before.
    public var sequence: Int64
    public var at: Date
    public var actor: String
    public var address: ResourceAddress
    public var action: String
    public var detail: String?
    /// The manifests' commit, when they came from git.
    public var commit: CommitInfo?
    /// The serial the commit produced; set by the store.
    public var serial: Int

    public init(
        sequence: Int64 = 0, at: Date, actor: String, address: ResourceAddress, action: String, detail: String? = nil,
        commit: CommitInfo? = nil, serial: Int = 0
    ) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.address = address
        self.action = action
        self.detail = detail
        self.commit = commit
        self.serial = serial
    }
}
