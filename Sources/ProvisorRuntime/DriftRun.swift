import ProvisorCore

/// `provisor drift`: read every engine, keep each reading in the state, and compare the
/// manifests, the recorded state and what the engines hold. Sends nothing to the engines.
public struct DriftRun: Sendable {
    /// Only this customer's resources (all when nil).
    public var customer: String?
    /// A rehearsal's folder, whose simulated engines are read.
    public var simulate: String?

    public init(customer: String? = nil, simulate: String? = nil) {
        self.customer = customer
        self.simulate = simulate
    }

    public struct Outcome: Sendable {
        public var drifts: [Drift]
        /// The drift the last kept readings did not show (all of it on a first reading).
        public var newDrifts: [Drift]
        /// What the manifests want (a notification is routed by the reseller above each address).
        public var desired: DesiredState
        /// The readings and the recorded resources, both scoped to the customer.
        public var observations: [String: EngineObservation]
        public var recorded: [RecordedResource]
        public var store: String
        public var stopwatch: Stopwatch
    }

    public func run(in workspace: Workspace) async throws -> Outcome {
        // The state is read while the manifests load; it is created (to keep the readings in)
        // only once they are valid.
        let recorded = try await RecordedState.open(workspace)
        async let reading = recorded.timedSnapshot()
        let report = try workspace.validReport("so drift cannot tell what is wanted")
        let (snapshot, readTime) = try await reading
        var stopwatch = Stopwatch(after: report.timings)
        stopwatch.add("read state (alongside loading)", readTime)
        let store = try await workspace.openState()
        if let customer, !report.desired.resources.contains(where: { $0.address.customer == customer }),
            !snapshot.resources.contains(where: { $0.address.customer == customer })
        {
            throw RunError(description: "error: no customer '\(customer)' in the manifests or the recorded state (check --customer; codes are case-sensitive)")
        }
        stopwatch.lap("open state")
        let readings = try await EngineReadings.read(report.estate.engines, workspace: workspace, recorded: snapshot, simulate: simulate)
        stopwatch.lap("read engines")
        let drifts = try readings.drifts(
            desired: report.desired, recorded: snapshot, ignore: workspace.config.driftIgnore,
            customer: customer, store: store.description)
        stopwatch.lap("compare")
        // Whether the last kept readings showed each drift too, read (only where there is
        // drift now) before this reading replaces them.
        let drifted = Set(drifts.compactMap(\.address))
        let kept = EngineReadings(kept: try await store.observations(of: drifted))
        let before = Set(
            try kept.drifts(
                desired: report.desired, recorded: snapshot, ignore: workspace.config.driftIgnore, customer: customer, store: store.description,
                only: drifted))
        stopwatch.lap("compare with the kept readings")
        try await readings.keep(in: store, at: workspace.clock.now())
        stopwatch.lap("keep readings")
        return Outcome(
            drifts: drifts, newDrifts: drifts.filter { !before.contains($0) }, desired: report.desired, observations: readings.scoped(to: customer),
            recorded: snapshot.resources.filter { customer == nil || $0.address.customer == customer },
            store: store.description, stopwatch: stopwatch)
    }
}
