import Foundation
import ProvisorCore

/// `provisor report`: everything the static report shows, gathered without changing anything:
/// the manifests resolved, the plan against the state, drift as the engines were last read, the
/// audit trail and, when asked, what right-sizing would decide now (reading the licensed
/// engines' subscriptions). With a reseller, only its subtree.
public struct ReportRun: Sendable {
    public var reseller: String?
    /// Read the licensed engines and decide right-sizing (a dry run).
    public var rightsizing: Bool
    public var simulate: String?
    /// The date right-sizing decides for (`--at`); nil: now.
    public var pinned: Date?

    public init(reseller: String? = nil, rightsizing: Bool = false, simulate: String? = nil, pinned: Date? = nil) {
        self.reseller = reseller
        self.rightsizing = rightsizing
        self.simulate = simulate
        self.pinned = pinned
    }

    /// What the report covers: every reseller and customer, or one reseller's subtree.
    public struct Scope: Sendable {
        public var reseller: String?
        public var resellers: Set<String>
        public var customers: Set<String>

        /// Whether the resource at `address` is in the scope.
        public func contains(_ address: ResourceAddress) -> Bool {
            if let customer = address.customer { return customers.contains(customer) }
            if address.kind == .reseller { return resellers.contains(address.owner) }
            return reseller == nil
        }
    }

    public struct Outcome: Sendable {
        public var manifests: ManifestPipeline.Report
        public var scope: Scope
        public var plan: ChangePlan
        public var state: String
        /// The recorded resources in scope.
        public var recorded: [RecordedResource]
        /// Drift as the engines were last read (`provisor drift` keeps each reading).
        public var drifts: [Drift]
        public var observations: [ObservationRecord]
        /// The audit trail in scope, newest first.
        public var audit: [AuditEntry]
        public var rightsizing: RightsizingReport?
        public var generatedAt: Date
        public var stopwatch: Stopwatch
    }

    public func run(in workspace: Workspace) async throws -> Outcome {
        // The state is read while the manifests load, once for the plan and the drift.
        let recorded = try await RecordedState.open(workspace)
        async let reading = recorded.timedSnapshot()
        let manifests = try workspace.validReport("so there is no report")
        let scope = try Self.scope(reseller, in: manifests.desired)
        let (snapshot, readTime) = try await reading
        var stopwatch = Stopwatch(after: manifests.timings)
        stopwatch.add("read state (alongside loading)", readTime)
        let plan = try PlanRun.plan(
            manifests.desired, against: snapshot, refresh: nil, in: workspace, allowedDeletes: nil, allowedReprovisions: nil,
            store: recorded.description)
        stopwatch.lap("plan")
        let store = recorded.store
        let observations = try await store?.observations() ?? []
        let readings = EngineReadings(kept: observations).observations
        let read = Set(readings.keys)
        let drifts = try DriftDetector.detect(
            desired: Set(manifests.desired.resources.map(\.address)), recorded: snapshot.resources.filter { read.contains($0.engine) },
            observations: readings)
        stopwatch.lap("drift")
        let audit = try await store?.audit(address: nil) ?? []
        stopwatch.lap("read audit")
        var rightsizing: RightsizingReport?
        if self.rightsizing {
            rightsizing = try await RightsizeRun(dryRun: true, pinned: pinned, simulate: simulate).run(in: workspace).decided
            stopwatch.lap("right-sizing")
        }
        // A reseller's report names only the engines its subtree uses, never another
        // customer's private or shared location.
        let engines = Set(
            manifests.desired.resources.filter { scope.contains($0.address) }.map(\.engine)
                + snapshot.resources.filter { scope.contains($0.address) }.map(\.engine))
        return Outcome(
            manifests: manifests, scope: scope, plan: plan, state: recorded.description,
            recorded: snapshot.resources.filter { scope.contains($0.address) },
            drifts: drifts.filter { $0.address.map(scope.contains) ?? (scope.reseller == nil) },
            observations: observations.filter { scope.reseller == nil || engines.contains($0.engine) },
            audit: audit.filter { scope.contains($0.address) }.reversed(), rightsizing: rightsizing,
            generatedAt: workspace.clock.now(), stopwatch: stopwatch)
    }

    /// Every reseller and customer, or `reseller` and everything below it.
    static func scope(_ reseller: String?, in desired: DesiredState) throws -> Scope {
        guard let reseller else {
            let resellers = Set(desired.resources.filter { $0.kind == .reseller }.map(\.address.owner))
            return Scope(reseller: nil, resellers: resellers, customers: desired.customers(of: resellers))
        }
        let below = desired.resellers(below: reseller)
        guard !below.isEmpty else {
            throw RunError(description: "error: no reseller '\(reseller)' in the manifests (check --reseller; codes are case-sensitive)")
        }
        return Scope(reseller: reseller, resellers: below, customers: desired.customers(of: below))
    }
}
