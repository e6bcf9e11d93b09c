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
    /// A policy program (provisor.yaml `policy:`) denied the plan.
    case policyDenied(policy: String, reasons: [String])
    /// A policy program could not judge the plan: it failed, timed out or answered nonsense.
    /// A policy that cannot answer refuses, as one that denies would.
    case policyFailed(policy: String, reason: String)

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
        case .policyDenied(let policy, let reasons):
            let why = reasons.isEmpty ? "without giving a reason" : reasons.joined(separator: "; ")
            return
                "policy \(policy) denies the plan: \(why); change the manifests, or rerun with --allow-policy \(policy) to apply it anyway (the audit log records that)"
        case .policyFailed(let policy, let reason):
            return
                "policy \(policy) could not judge the plan: \(reason); fix the program (it reads the JSON plan on standard input and prints {\"allow\": true|false, \"reasons\": [...]}), or rerun with --allow-policy \(policy)"
        case .rootReseller(let address):
            return "\(address) is the root reseller and cannot be deleted; a new root must take over its code, or restore its manifest"
        }
    }

    static func percent(_ count: Int, of total: Int) -> String {
        let tenths = (count * 1000 + total / 2) / max(total, 1)
        return tenths % 10 == 0 ? "\(tenths / 10)%" : "\(tenths / 10).\(tenths % 10)%"
    }
}
