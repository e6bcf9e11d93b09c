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

/// The delete limits a plan must stay within (`safety:` in provisor.yaml, `--allow-deletes`).
public struct SafetyPolicy: Sendable, Hashable {
    public var maxDeletes: Int
    public var maxDeletePercent: Int
    /// `--allow-deletes N`: up to N deletions are accepted whatever the limits say.
    public var allowedDeletes: Int?
    /// `--allow-reprovision N`: up to N resources a refresh found missing are provisioned again
    /// whatever the limits say.
    public var allowedReprovisions: Int?

    public init(maxDeletes: Int = 50, maxDeletePercent: Int = 20, allowedDeletes: Int? = nil, allowedReprovisions: Int? = nil) {
        self.maxDeletes = maxDeletes
        self.maxDeletePercent = maxDeletePercent
        self.allowedDeletes = allowedDeletes
        self.allowedReprovisions = allowedReprovisions
    }

    public init(_ safety: RepositoryConfig.Safety, allowedDeletes: Int?, allowedReprovisions: Int? = nil) {
        self.init(
            maxDeletes: safety.maxDeletes, maxDeletePercent: safety.maxDeletePercent, allowedDeletes: allowedDeletes,
            allowedReprovisions: allowedReprovisions)
    }

    /// Why provisioning again the `count` resources a refresh found missing (of `recorded`)
    /// must not go ahead: an engine that reads back empty (a wrong endpoint, a restored backup)
    /// would otherwise have its whole share of the estate provisioned again.
    public func reprovisionRefusals(count: Int, recorded: Int) -> [Refusal] {
        guard count > 0 else { return [] }
        if let allowed = allowedReprovisions {
            return count > allowed ? [.reprovisionAllowanceTooSmall(count: count, allowed: allowed)] : []
        }
        guard count > maxDeletes || count * 100 > maxDeletePercent * recorded else { return [] }
        return [.tooManyReprovisions(count: count, recorded: recorded)]
    }
}

/// Why a plan is refused, with what to do about it.
public enum Refusal: Sendable, Hashable, CustomStringConvertible {
    case tooManyDeletes(count: Int, limit: Int)
    case tooLargeShare(count: Int, recorded: Int, limit: Int)
    case deletesEverything(count: Int)
    case allowanceTooSmall(count: Int, allowed: Int)
    case protectedCustomer(ResourceAddress)
    /// A protected customer whose engine changed: moving deprovisions it on the old engine.
    case protectedCustomerMoves(ResourceAddress, from: String, to: String)
    case rootReseller(ResourceAddress)
    /// A refresh found more resources missing than the delete limits allow.
    case tooManyReprovisions(count: Int, recorded: Int)
    case reprovisionAllowanceTooSmall(count: Int, allowed: Int)

    public var description: String {
        switch self {
        case .tooManyDeletes(let count, let limit):
            return
                "the plan deletes \(count) resources, more than safety.maxDeletes (\(limit)); check the deletions, then rerun with --allow-deletes \(count) if they are intended"
        case .tooLargeShare(let count, let recorded, let limit):
            return
                "the plan deletes \(count) of \(recorded) recorded resources (\(Self.percent(count, of: recorded))), more than safety.maxDeletePercent (\(limit)%); check the deletions, then rerun with --allow-deletes \(count) if they are intended"
        case .deletesEverything(let count):
            return
                "the plan deletes every recorded resource (\(count)); check that --manifests points at the whole estate, then rerun with --allow-deletes \(count) if the estate really is to be emptied"
        case .allowanceTooSmall(let count, let allowed):
            return
                "the plan deletes \(count) resources but --allow-deletes allows \(allowed); check the deletions, then rerun with --allow-deletes \(count) if they are intended"
        case .protectedCustomer(let address):
            return
                "\(address) is protected (protect: true in the recorded state) and is never deleted; to remove it, first apply its manifest with protect: false, then delete it"
        case .protectedCustomerMoves(let address, let from, let to):
            return
                "\(address) is protected and its engine changed from \(from) to \(to): moving it deprovisions it on \(from), everything under it included, and provisions it again on \(to); review that, then rerun with --allow-deletes N (N the plan's deletions) to move it"
        case .tooManyReprovisions(let count, let recorded):
            return
                "the refresh found \(count) of \(recorded) recorded resources (\(Self.percent(count, of: recorded))) missing from their engines and would provision them all again, past safety.maxDeletes or safety.maxDeletePercent; check that each engine reads the right place (provisor drift shows which), then rerun with --allow-reprovision \(count) if they really are gone"
        case .reprovisionAllowanceTooSmall(let count, let allowed):
            return
                "the refresh would provision \(count) missing resources again but --allow-reprovision allows \(allowed); check them with provisor drift, then rerun with --allow-reprovision \(count) if they really are gone"
        case .rootReseller(let address):
            return "\(address) is the root reseller and cannot be deleted; a new root must take over its code, or restore its manifest"
        }
    }

    static func percent(_ count: Int, of total: Int) -> String {
        let tenths = (count * 1000 + total / 2) / max(total, 1)
        return tenths % 10 == 0 ? "\(tenths / 10)%" : "\(tenths / 10).\(tenths % 10)%"
    }
}
