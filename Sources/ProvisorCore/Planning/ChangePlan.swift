/// What reconciling would do: the changes in ordered waves, the state they were planned
/// against, and the safety refusals that stop it from being applied. Pure data; views render it.
public struct ChangePlan: Sendable {
    /// The version of the JSON form; it changes only when a field changes meaning or goes away.
    public static let formatVersion = "1"

    public enum Phase: String, Sendable, Hashable {
        /// Create and update, parents before children.
        case provision
        /// Delete, children before parents.
        case deprovision
    }

    /// One step of the plan: changes of one kind that may run in any order among themselves,
    /// but only after every earlier wave.
    public struct Wave: Sendable, Hashable {
        public var number: Int
        public var phase: Phase
        public var kind: ResourceAddress.Kind
        public var changes: [Change]
    }

    public struct Summary: Sendable, Hashable, Codable {
        public var create = 0
        public var update = 0
        public var delete = 0
        public var unchanged = 0
    }

    /// The state the plan was made against.
    public var state: StateHeader
    public var waves: [Wave]
    public var summary: Summary
    /// Why this plan must not be applied; empty when it may.
    public var refusals: [Refusal]
    /// The reseller code of every customer a change touches.
    public var customerResellers: [String: String]
    /// The git commit the manifests were read from; nil for a directory on disk.
    public var commit: CommitInfo?

    /// Every change in execution order.
    public var changes: [Change] { waves.flatMap(\.changes) }

    public var hasChanges: Bool { summary.create + summary.update + summary.delete > 0 }

    public var isRefused: Bool { !refusals.isEmpty }
}
