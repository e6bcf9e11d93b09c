import ProvisorCore

/// `provisor plan` and `reconcile --dry-run`: the manifests against the recorded state (read
/// while the manifests load), after reading the engines with `refresh`. Writes nothing: the
/// state is not created, and a refresh's readings are not kept.
public struct PlanRun: Sendable {
    public var allowedDeletes: Int?
    public var allowedReprovisions: Int?
    public var refresh: Bool
    /// A rehearsal's folder, whose simulated engines a refresh reads.
    public var simulate: String?
    /// The policies whose denial `--allow-policy` overrides.
    public var allowedPolicies: Set<String>

    public init(
        allowedDeletes: Int? = nil, allowedReprovisions: Int? = nil, refresh: Bool = false, simulate: String? = nil, allowedPolicies: Set<String> = []
    ) {
        self.allowedDeletes = allowedDeletes
        self.allowedReprovisions = allowedReprovisions
        self.refresh = refresh
        self.simulate = simulate
        self.allowedPolicies = allowedPolicies
    }

    public struct Outcome: Sendable {
        /// The plan; refused when `plan.isRefused` (a view shows it, then the refusals).
        public var plan: ChangePlan
        /// What the refresh found, when the engines were read.
        public var refresh: Refresh?
        /// The state planned against, and whether it exists yet.
        public var recorded: RecordedState
        /// Policy denials `--allow-policy` let through.
        public var overrides: [PolicyCheck.Override]
        /// Messages earlier runs sent whose answers are still to come (amqp engines): reconcile
        /// collects them first and sends nothing more about their resources meanwhile.
        public var waiting: [JournalEntry]
        public var stopwatch: Stopwatch
    }

    public func run(in workspace: Workspace) async throws -> Outcome {
        // Read the recorded state while the manifests load: the two are independent.
        let recorded = try await RecordedState.open(workspace)
        async let reading = recorded.timedSnapshot()
        let report = try workspace.validReport("so there is no plan")
        let (snapshot, readTime) = try await reading
        var stopwatch = Stopwatch(after: report.timings)
        stopwatch.add("read state (alongside loading)", readTime)

        var refreshed: Refresh?
        if refresh {
            let readings = try await EngineReadings.read(report.estate.engines, workspace: workspace, recorded: snapshot, simulate: simulate)
            refreshed = try Refresh(readings, desired: report.desired, recorded: snapshot, ignore: workspace.config.driftIgnore, store: recorded.description)
            stopwatch.lap("read engines")
        }
        let policies = try PolicyCheck(workspace, allowed: allowedPolicies)
        var plan = try Self.plan(
            report.desired, against: snapshot, refresh: refreshed, in: workspace, allowedDeletes: allowedDeletes,
            allowedReprovisions: allowedReprovisions, store: recorded.description)
        stopwatch.lap("plan")
        let overrides = await policies.judge(&plan)
        if !workspace.config.policies.isEmpty { stopwatch.lap("policies") }
        let waiting = try await recorded.store?.unresolvedJournal().filter { $0.status == .sent } ?? []
        return Outcome(plan: plan, refresh: refreshed, recorded: recorded, overrides: overrides, waiting: waiting, stopwatch: stopwatch)
    }

    /// The plan from `recorded` (as the refresh found it, when there was one) to `desired`,
    /// under provisor.yaml's safety rules and the allowances given: the one planning step
    /// planning and applying share.
    static func plan(
        _ desired: DesiredState, against recorded: StateSnapshot, refresh: Refresh?, in workspace: Workspace,
        allowedDeletes: Int?, allowedReprovisions: Int?, store: String
    ) throws -> ChangePlan {
        let policy = SafetyPolicy(workspace.config.safety, allowedDeletes: allowedDeletes, allowedReprovisions: allowedReprovisions)
        var plan = try StateError.reading(store) { try Planner.plan(desired: desired, state: refresh?.snapshot ?? recorded, policy: policy) }
        plan.refusals += policy.reprovisionRefusals(count: refresh?.missing ?? 0, recorded: recorded.header.resourceCount)
        plan.commit = workspace.commit
        return plan
    }
}
