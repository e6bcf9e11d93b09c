import ProvisorCore

/// `provisor reconcile`: under the state lock, send again what an interrupted run left pending
/// and collect the answers to what earlier runs sent (an amqp engine that was offline), read the
/// engines (with `refresh`), plan, check a saved plan is still what planning gives,
/// and apply wave by wave.
///
/// Cancelling the task that runs it (an interrupt) stops sending: what is in flight finishes
/// and is recorded, the engines are shut down and the lock is released.
public struct ReconcileRun: Sendable {
    public var allowedDeletes: Int?
    public var allowedReprovisions: Int?
    public var refresh: Bool
    /// A plan saved with `plan --out`, applied exactly: refused when the state or the
    /// manifests moved since it was made.
    public var saved: SavedPlan?
    /// How many customers are worked on at once.
    public var concurrency: Int
    /// Who the audit log names.
    public var actor: String
    /// A rehearsal's folder: every engine is the simulated engine there.
    public var simulate: String?
    /// The policies whose denial `--allow-policy` overrides; the audit log records it.
    public var allowedPolicies: Set<String>

    public init(
        allowedDeletes: Int? = nil, allowedReprovisions: Int? = nil, refresh: Bool = false, saved: SavedPlan? = nil,
        concurrency: Int = 8, actor: String = LockRequest.currentUser, simulate: String? = nil, allowedPolicies: Set<String> = []
    ) {
        self.allowedDeletes = allowedDeletes
        self.allowedReprovisions = allowedReprovisions
        self.refresh = refresh
        self.saved = saved
        self.concurrency = concurrency
        self.actor = actor
        self.simulate = simulate
        self.allowedPolicies = allowedPolicies
    }

    public struct Outcome: Sendable {
        /// Every result: the resumed actions first, then the plan's changes.
        public var results: [Applier.Result]
        /// How many changes the plan held, and how many of them were attempted (fewer when
        /// the run was interrupted).
        public var planned: Int
        public var attempted: Int
        /// What the manifests want (a notification is routed by the reseller above each address).
        public var desired: DesiredState

        /// Whether everything planned was attempted and succeeded.
        public var succeeded: Bool { attempted == planned && !results.contains { $0.outcome != .succeeded } }
    }

    public func run(in workspace: Workspace, observer: some RunObserver = SilentObserver()) async throws -> Outcome {
        let report = try workspace.validReport("so nothing was applied")
        let policies = try PolicyCheck(workspace, allowed: allowedPolicies)
        let store = try await workspace.openState()
        return try await store.withLock("reconcile", clock: workspace.clock) {
            try await workspace.withEngines(report.estate.engines, processes: concurrency, outbox: store, simulate: simulate) { adapters in
                let applier = Applier(
                    store: store, adapters: adapters, secrets: workspace.secrets,
                    options: .init(concurrency: concurrency, actor: actor, commit: workspace.commit, clock: workspace.clock))
                return try await apply(report, store: store, applier: applier, policies: policies, workspace: workspace, observer: observer)
            }
        }
    }

    private func apply(
        _ report: ManifestPipeline.Report, store: ProvisorState, applier: Applier, policies: PolicyCheck, workspace: Workspace,
        observer: some RunObserver
    ) async throws -> Outcome {
        var results: [Applier.Result] = []
        // What an interrupted run sent (or was about to) goes again first, with the same ids;
        // what a broker took is only collected.
        if saved == nil {
            let resumed = try await applier.resume(desired: report.desired, recorded: try await store.snapshot(), progress: observer.finished)
            if !resumed.isEmpty { observer.resumed(resumed) }
            results += resumed
        }
        let snapshot = try await store.snapshot()
        var refreshed: Refresh?
        if refresh {
            let readings = await EngineReadings.read(applier.adapters, recorded: snapshot)
            try await readings.keep(in: store, at: workspace.clock.now())
            let found = try Refresh(readings, desired: report.desired, recorded: snapshot, ignore: workspace.config.driftIgnore, store: store.description)
            observer.refreshed(found)
            refreshed = found
        }
        // A saved plan's deletions were accepted when it was reviewed; the protections that no
        // allowance lifts still apply.
        var plan = try PlanRun.plan(
            report.desired, against: snapshot, refresh: refreshed, in: workspace,
            allowedDeletes: saved?.deletes ?? allowedDeletes, allowedReprovisions: allowedReprovisions,
            store: store.description)
        let overrides = await policies.judge(&plan)
        observer.overridden(overrides)
        if let saved { try saved.check(against: plan, store: store.description) }
        if plan.isRefused {
            let errors = plan.refusals.map { "error: \($0)" }.joined(separator: "\n")
            throw RunError(
                description: errors + "\nThe plan is refused: nothing was applied. Review it with provisor plan.",
                refusals: plan.refusals.map(\.description))
        }
        let planned = plan.summary.create + plan.summary.update + plan.summary.delete
        guard planned > 0 else { return Outcome(results: results, planned: 0, attempted: 0, desired: report.desired) }
        observer.applying(plan, changes: planned, store: store.description)
        let note = overrides.isEmpty ? nil : overrides.map(\.auditNote).joined(separator: "; ")
        let applied = try await applier.apply(
            plan, desired: report.desired, recorded: refreshed?.snapshot ?? snapshot, auditNote: note, progress: observer.finished)
        // A message still unanswered is reported once: by the planned change that waits for it.
        let reported = Set(applied.map(\.address))
        results.removeAll { if case .awaiting = $0.outcome { reported.contains($0.address) } else { false } }
        return Outcome(results: results + applied, planned: planned, attempted: applied.count, desired: report.desired)
    }
}
