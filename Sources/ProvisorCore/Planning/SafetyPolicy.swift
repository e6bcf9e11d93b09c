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
