import ProvisorCore

/// What a run reports while it works, for a view to show: the runtime never prints. Every
/// method has a default that ignores it.
public protocol RunObserver: Sendable {
    /// Actions an interrupted run left pending were sent again, and answers to messages earlier
    /// runs sent were collected (called only when there were some).
    func resumed(_ results: [Applier.Result])
    /// The engines were read and the recorded state refreshed from them.
    func refreshed(_ refresh: Refresh)
    /// Applying `plan` (`changes` changes) to the state described by `store` starts.
    func applying(_ plan: ChangePlan, changes: Int, store: String)
    /// One change (or resumed action) ended.
    func finished(_ result: Applier.Result)
    /// Policy denials `--allow-policy` let through (called before applying, also when empty).
    func overridden(_ overrides: [PolicyCheck.Override])
}

extension RunObserver {
    public func resumed(_ results: [Applier.Result]) {}
    public func refreshed(_ refresh: Refresh) {}
    public func applying(_ plan: ChangePlan, changes: Int, store: String) {}
    public func finished(_ result: Applier.Result) {}
    public func overridden(_ overrides: [PolicyCheck.Override]) {}
}

/// An observer that ignores everything.
public struct SilentObserver: RunObserver {
    public init() {}
}
