import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorEngines
import ProvisorSQLite

struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Read the engines back and report what changed outside Provisor. Changes nothing in the engines.",
        discussion: """
            Compares, resource by resource, the manifests, the recorded state and what each engine holds: \
            changed out of band, missing in the engine, unmanaged (in neither the manifests nor the state), and \
            unknown (an engine that could not be read; never taken as empty). Each reading is kept in the state \
            database. Fix drift with provisor reconcile --refresh. Exit status: 0 when there is no drift, 2 when \
            there is, 1 on an error.
            """
    )

    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var state: StateOptions

    @Option(name: .long, help: ArgumentHelp("Only this customer's resources.", valueName: "CODE"))
    var customer: String?

    @Option(name: .long, help: "Output format: human, json or markdown.")
    var format: OutputFormat = .human

    @Option(name: .long, help: ArgumentHelp("Read the simulated engines a rehearsal (reconcile --simulate DIR) keeps under DIR/<engine>.", valueName: "DIR"))
    var simulate: String?

    @Flag(name: .long, help: "Print how long each stage took, on standard error.")
    var timings = false

    func validate() throws {
        if format == .github { throw ValidationError("drift prints human, json or markdown") }
        if simulate != nil, state.state == nil { throw ValidationError(Refresh.simulateNeedsState) }
    }

    func run() async throws {
        try await runReportingFailures {
            let clock = ContinuousClock()
            let workspace = try Workspace.open(manifests, state: state)
            let report = try workspace.validate()
            guard report.isValid else {
                throw CommandFailure(description: "error: the manifests are not valid, so drift cannot tell what is wanted (run provisor validate and fix the errors above)",
                                     diagnostics: report.diagnostics)
            }
            var stages = report.timings
            var start = clock.now
            func lap(_ stage: String) {
                stages.append((stage, clock.now - start))
                start = clock.now
            }
            let store = try await workspace.openState()
            let snapshot = try await store.snapshot()
            if let customer, !report.desired.resources.contains(where: { $0.address.customer == customer }),
               !snapshot.resources.contains(where: { $0.address.customer == customer }) {
                throw CommandFailure(description: "error: no customer '\(customer)' in the manifests or the recorded state (check --customer; codes are case-sensitive)")
            }
            lap("read state")
            let readings = try await EngineReadings.read(report.estate.engines, workspace: workspace, recorded: snapshot, simulate: simulate)
            lap("read engines")
            try await readings.keep(in: store, at: workspace.clock.now())
            lap("keep readings")
            let drifts = try readings.drifts(desired: report.desired, recorded: snapshot, ignore: workspace.config.driftIgnore,
                                             customer: customer, store: store.description)
            lap("compare")
            let context = DriftView.Context(store: store.description, customer: customer, readings: readings.scoped(to: customer),
                                            recorded: snapshot.resources.filter { customer == nil || $0.address.customer == customer })
            let output = Terminal.standardOutput
            switch format {
            case .json: output.write(DriftView.json(drifts, context))
            case .markdown: output.write(DriftView.markdown(drifts, context))
            default: output.write(DriftView.human(drifts, context, colour: output.isColour))
            }
            lap("render")
            if timings { Terminal.standardError.write(timingLine(stages)) }
            return drifts.isEmpty ? 0 : 2
        }
    }
}

/// What reading the engines gave, one observation per engine, each kept in the state.
struct EngineReadings {
    var observations: [String: EngineObservation]

    /// Reads every engine the manifests name, at once, through adapters made for the purpose.
    static func read(_ engines: [Engine], workspace: Workspace, recorded: StateSnapshot, simulate: String?) async throws -> EngineReadings {
        let adapters = EngineAdapters.make(engines, settings: .init(directory: workspace.directory, processes: 1,
                                                                    secrets: SecretResolver(directory: workspace.directory), outbox: nil,
                                                                    simulateInto: simulate, clock: workspace.clock))
        let readings = await read(adapters, recorded: recorded)
        for adapter in adapters.values { await adapter.shutdown() }
        return readings
    }

    /// Reads every engine in `adapters` at once. An engine the state records resources on but
    /// no manifest names any more cannot be read, and says so.
    static func read(_ adapters: [String: any EngineAdapter], recorded: StateSnapshot) async -> EngineReadings {
        var observations = await withTaskGroup(of: (String, EngineObservation).self) { group in
            for (name, adapter) in adapters { group.addTask { (name, await adapter.observe()) } }
            var all: [String: EngineObservation] = [:]
            for await (name, observation) in group { all[name] = observation }
            return all
        }
        for engine in Set(recorded.resources.map(\.engine)) where observations[engine] == nil {
            observations[engine] = .unreadable("no Engine manifest names '\(engine)' any more, so it cannot be read; its recorded resources stay as they are")
        }
        return EngineReadings(observations: observations)
    }

    /// Keeps each reading in the state, as read at `now` (engines that cannot read back have none).
    func keep(in store: any StateStore, at now: Date) async throws {
        for (engine, observation) in observations.sorted(by: { $0.key < $1.key }) {
            if case .unsupported = observation { continue }
            try await store.recordObservation(observation, engine: engine, at: now)
        }
    }

    /// Only what belongs to `customer` (everything when nil).
    func scoped(to customer: String?) -> [String: EngineObservation] {
        guard let customer else { return observations }
        return observations.mapValues { observation in
            guard case .observed(let resources, let at) = observation else { return observation }
            return .observed(resources.filter { $0.address.customer == customer }, at: at)
        }
    }

    func drifts(desired: DesiredState, recorded: StateSnapshot, ignore: [DriftIgnoreRule], customer: String?, store: String) throws -> [Drift] {
        let belongs = { (address: ResourceAddress) in customer == nil || address.customer == customer }
        return try DriftDetector.detect(desired: Set(desired.resources.map(\.address).filter(belongs)),
                                        recorded: recorded.resources.filter { belongs($0.address) },
                                        observations: scoped(to: customer), ignore: ignore, store: store)
    }
}

/// `--refresh`: the engines read, and the recorded state as they really hold it, so the plan
/// restores what changed out of band and re-provisions what is missing.
struct Refresh {
    var drifts: [Drift]
    var snapshot: StateSnapshot

    static let simulateNeedsState = "--simulate reads a rehearsal's engines; give the rehearsal's state with --state, so the real state is never touched"

    init(_ readings: EngineReadings, desired: DesiredState, recorded: StateSnapshot, ignore: [DriftIgnoreRule], store: String) throws {
        drifts = try readings.drifts(desired: desired, recorded: recorded, ignore: ignore, customer: nil, store: store)
        snapshot = try recorded.refreshed(by: drifts, store: store)
    }

    /// The recorded resources the engines no longer hold, which the plan provisions again.
    var missing: Int { drifts.count { $0.kind == .missing } }

    /// What the refresh found, for the lines before the plan.
    var summary: String {
        let count = { (kind: Drift.Kind) in drifts.count { $0.kind == kind } }
        var lines = ["Refreshed from the engines: \(count(.changed)) changed out of band (restored), \(count(.missing)) missing (provisioned again), \(count(.unmanaged)) unmanaged (left alone), \(count(.unknown)) unknown."]
        for drift in drifts where drift.kind == .unknown {
            lines.append("Engine \(drift.engine) is unknown (\(drift.reason ?? "it could not be read")): its \(drift.affected) recorded resource\(drift.affected == 1 ? " is" : "s are") planned as recorded, never as absent.")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
