import Foundation
import ProvisorCore

/// `provisor rightsize`: read each licensed engine's subscriptions and assignments, decide per
/// subscription, and (unless a dry run) send the adjustments under the state lock, through the
/// journal and the audit log. A dry run opens no state: it neither creates one nor locks it.
public struct RightsizeRun: Sendable {
    public var dryRun: Bool
    /// The date a rehearsal runs wholly on (`--at`): the decisions, the journal and audit log,
    /// and the simulated engines' calendar. Nil: now.
    public var pinned: Date?
    public var customer: String?
    public var simulate: String?
    public var actor: String
    public var concurrency: Int

    public init(
        dryRun: Bool, pinned: Date? = nil, customer: String? = nil, simulate: String? = nil, actor: String = LockRequest.currentUser,
        concurrency: Int = 8
    ) {
        self.dryRun = dryRun
        self.pinned = pinned
        self.customer = customer
        self.simulate = simulate
        self.actor = actor
        self.concurrency = concurrency
    }

    public struct Outcome: Sendable {
        public var decided: RightsizingReport
        public var readings: Rightsizing.Readings
        /// The adjustments sent (resumed ones first); none in a dry run.
        public var results: [SubscriptionAdjuster.Result]
        /// What the manifests want (a notification is routed by the reseller above each address).
        public var desired: DesiredState
        public var stopwatch: Stopwatch
    }

    public func run(in workspace: Workspace) async throws -> Outcome {
        var workspace = workspace
        if let pinned { workspace.clock = .pinned(pinned) }
        let report = try workspace.validReport("so nothing was right-sized")
        if let customer, report.desired.resource(at: .customer(customer)) == nil {
            throw RunError(description: "error: no customer '\(customer)' in the manifests (check --customer; codes are case-sensitive)")
        }
        let engines = Rightsizing.licensedEngines(report.desired)
        let licensed = report.estate.engines.filter { engines.contains($0.name.value) }
        guard !dryRun else {
            return try await workspace.withEngines(licensed, simulate: simulate, simulatedDate: pinned) { adapters in
                try await decide(report, engines: engines, adapters: adapters, adjuster: nil, in: workspace)
            }
        }
        let store = try await workspace.openState()
        return try await store.withLock("rightsize", clock: workspace.clock) {
            try await workspace.withEngines(licensed, outbox: store, simulate: simulate, simulatedDate: pinned) { adapters in
                let adjuster = SubscriptionAdjuster(
                    store: store, adapters: adapters, secrets: workspace.secrets,
                    options: .init(
                        concurrency: concurrency, actor: actor, commit: workspace.commit, clock: workspace.clock))
                return try await decide(report, engines: engines, adapters: adapters, adjuster: adjuster, in: workspace)
            }
        }
    }

    private func decide(
        _ report: ManifestPipeline.Report, engines: Set<String>, adapters: [String: any EngineAdapter],
        adjuster: SubscriptionAdjuster?, in workspace: Workspace
    ) async throws -> Outcome {
        var stopwatch = Stopwatch(after: report.timings)
        var results: [SubscriptionAdjuster.Result] = []
        if let adjuster { results = try await adjuster.resume(desired: report.desired) }
        let readings = await Rightsizing.read(adapters, engines: engines)
        stopwatch.lap("read engines")
        let decided = Rightsizing.decide(report, readings: readings, customer: customer, at: workspace.clock.now())
        stopwatch.lap("decide")
        if let adjuster, !decided.changes.isEmpty {
            let applied = try await adjuster.apply(decided.changes, desired: report.desired)
            // An adjustment still unanswered is reported once: by the decision that waits for it.
            let reported = Set(applied.map(\.address))
            results.removeAll { if case .awaiting = $0.outcome { reported.contains($0.address) } else { false } }
            results += applied
            stopwatch.lap("apply")
        }
        return Outcome(decided: decided, readings: readings, results: results, desired: report.desired, stopwatch: stopwatch)
    }
}
