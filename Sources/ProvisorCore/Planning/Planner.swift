/// Orders the differ's changes into waves and applies the safety rules.
///
/// Provision waves come first, one per kind, parents before children: resellers (root side
/// first), customers, customer services, users, user services. Deprovision waves follow in
/// reverse, so a customer is deleted only after everything under it. Inside a wave, changes
/// are in address order. A replace (a resource whose engine changed) is deprovisioned on its
/// old engine in waves of its own before everything else, children first, and provisioned on
/// the new engine with the provision waves.
public enum Planner {
    /// Diffs `desired` against `state` and plans the result.
    public static func plan(desired: DesiredState, state: StateSnapshot, policy: SafetyPolicy) throws -> ChangePlan {
        let diff = try Differ.diff(desired: desired, recorded: state.resources)
        return plan(diff, state: state.header, policy: policy)
    }

    public static func plan(_ diff: Differ.Result, state: StateHeader, policy: SafetyPolicy) -> ChangePlan {
        var summary = ChangePlan.Summary(unchanged: diff.unchanged)
        var provisions: [ResourceAddress.Kind: [Change]] = [:]
        var deprovisions: [ResourceAddress.Kind: [Change]] = [:]
        var replacements: [ResourceAddress.Kind: [Change]] = [:]
        for change in diff.changes {
            switch change.action {
            case .create: summary.create += 1
            case .update: summary.update += 1
            case .delete: summary.delete += 1
            }
            if change.action == .delete, change.isReplace {
                replacements[change.kind, default: []].append(change)
            } else if change.action == .delete {
                deprovisions[change.kind, default: []].append(change)
            } else {
                provisions[change.kind, default: []].append(change)
            }
        }

        let depth = resellerDepths(diff.resellerParents)
        var waves: [ChangePlan.Wave] = []
        // The differ lists creates and updates in address order, then deletes in address order,
        // so every wave is already in address order; resellers also go by depth.
        func add(_ phase: ChangePlan.Phase, _ kind: ResourceAddress.Kind, _ changes: [Change]?) {
            guard var changes, !changes.isEmpty else { return }
            if kind == .reseller {
                changes.sort { lhs, rhs in
                    let (left, right) = (depth[lhs.address] ?? 0, depth[rhs.address] ?? 0)
                    if left != right { return phase == .provision ? left < right : left > right }
                    return lhs.address < rhs.address
                }
            }
            waves.append(ChangePlan.Wave(number: waves.count + 1, phase: phase, kind: kind, changes: changes))
        }
        for kind in ResourceAddress.Kind.resources.reversed() { add(.deprovision, kind, replacements[kind]) }
        for kind in ResourceAddress.Kind.resources { add(.provision, kind, provisions[kind]) }
        for kind in ResourceAddress.Kind.resources.reversed() { add(.deprovision, kind, deprovisions[kind]) }

        let deletes = deprovisions.values.flatMap { $0 } + replacements.values.flatMap { $0 }
        return ChangePlan(
            state: state, waves: waves, summary: summary,
            refusals: refusals(deletes: deletes, recorded: state.resourceCount, policy: policy),
            customerResellers: diff.customerResellers)
    }

    /// The safety rules. Protection and the root reseller hold whatever `--allow-deletes` says.
    static func refusals(deletes: [Change], recorded: Int, policy: SafetyPolicy) -> [Refusal] {
        var refusals: [Refusal] = []
        let count = deletes.count
        if count > 0 {
            if let allowed = policy.allowedDeletes {
                if count > allowed { refusals.append(.allowanceTooSmall(count: count, allowed: allowed)) }
            } else if count >= recorded {
                refusals.append(.deletesEverything(count: count))
            } else {
                if count > policy.maxDeletes { refusals.append(.tooManyDeletes(count: count, limit: policy.maxDeletes)) }
                if count * 100 > policy.maxDeletePercent * recorded {
                    refusals.append(.tooLargeShare(count: count, recorded: recorded, limit: policy.maxDeletePercent))
                }
            }
        }
        for change in deletes.sorted(by: { $0.address < $1.address }) {
            if change.kind == .customer, change["protect"] == .boolean(true), case .engineChanged(let from, let to) = change.reason {
                // Moving is allowed for a protected customer only when deletions are explicitly accepted.
                if policy.allowedDeletes == nil { refusals.append(.protectedCustomerMoves(change.address, from: from, to: to)) }
            } else if change.kind == .customer, change["protect"] == .boolean(true) {
                refusals.append(.protectedCustomer(change.address))
            } else if change.kind == .reseller, change.parent == nil {
                refusals.append(.rootReseller(change.address))
            }
        }
        return refusals
    }

    /// How far each reseller is from the root: a parent reseller is provisioned before, and
    /// deprovisioned after, its children.
    static func resellerDepths(_ parents: [ResourceAddress: ResourceAddress]) -> [ResourceAddress: Int] {
        var depths: [ResourceAddress: Int] = [:]
        for address in parents.keys {
            var depth = 0
            var current = address
            while let parent = parents[current], depth <= parents.count {
                depth += 1
                current = parent
            }
            depths[address] = depth
        }
        return depths
    }
}
