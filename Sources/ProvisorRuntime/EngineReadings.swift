import Foundation
import ProvisorCore
import ProvisorEngines

/// What reading the engines gave, one observation per engine, each kept in the state.
public struct EngineReadings: Sendable {
    public var observations: [String: EngineObservation]

    public init(observations: [String: EngineObservation]) {
        self.observations = observations
    }

    /// The readings the state kept (`provisor drift` keeps each): the last successful one of
    /// each engine, or why the last attempt failed; an engine never read has none.
    public init(kept records: [ObservationRecord]) {
        var observations: [String: EngineObservation] = [:]
        for record in records {
            if let at = record.observedAt {
                observations[record.engine] = .observed(record.resources, at: at)
            } else if let failure = record.failure {
                observations[record.engine] = .unreadable(failure)
            }
        }
        self.observations = observations
    }

    /// Reads every engine the manifests name, at once, through adapters made for the purpose.
    public static func read(_ engines: [Engine], workspace: Workspace, recorded: StateSnapshot, simulate: String?) async throws -> EngineReadings {
        try await workspace.withEngines(engines, simulate: simulate) { adapters in await read(adapters, recorded: recorded) }
    }

    /// Reads every engine in `adapters` at once. An engine the state records resources on but
    /// no manifest names any more cannot be read, and says so.
    public static func read(_ adapters: [String: any EngineAdapter], recorded: StateSnapshot) async -> EngineReadings {
        var observations = await ask(adapters) { await $0.observe() }
        for engine in Set(recorded.resources.map(\.engine)) where observations[engine] == nil {
            observations[engine] = .unreadable("no Engine manifest names '\(engine)' any more, so it cannot be read; its recorded resources stay as they are")
        }
        return EngineReadings(observations: observations)
    }

    /// Asks every engine in `adapters` at once: the one place engines are read concurrently.
    public static func ask<Answer: Sendable>(
        _ adapters: [String: any EngineAdapter],
        _ question: @escaping @Sendable (any EngineAdapter) async -> Answer
    ) async -> [String: Answer] {
        await withTaskGroup(of: (String, Answer).self) { group in
            for (name, adapter) in adapters { group.addTask { (name, await question(adapter)) } }
            var all: [String: Answer] = [:]
            for await (name, answer) in group { all[name] = answer }
            return all
        }
    }

    /// Keeps each reading in the state, as read at `now` (engines that cannot read back have none).
    public func keep(in store: any StateStore, at now: Date) async throws {
        for (engine, observation) in observations.sorted(by: { $0.key < $1.key }) {
            if case .unsupported = observation { continue }
            try await store.recordObservation(observation, engine: engine, at: now)
        }
    }

    /// Only what belongs to `customer` (everything when nil).
    public func scoped(to customer: String?) -> [String: EngineObservation] {
        guard let customer else { return observations }
        return observations.mapValues { observation in
            guard case .observed(let resources, let at) = observation else { return observation }
            return .observed(resources.filter { $0.address.customer == customer }, at: at)
        }
    }

    /// The drift these readings show; with `only`, at just those addresses.
    public func drifts(
        desired: DesiredState, recorded: StateSnapshot, ignore: [DriftIgnoreRule], customer: String?, store: String, only: Set<ResourceAddress>? = nil
    ) throws -> [Drift] {
        let belongs = { (address: ResourceAddress) in customer == nil || address.customer == customer }
        // Only the given addresses are looked up, not every desired one.
        let wanted =
            only.map { Set($0.filter { belongs($0) && desired.resource(at: $0) != nil }) } ?? Set(desired.resources.map(\.address).filter(belongs))
        return try StateError.reading(store) {
            try DriftDetector.detect(
                desired: wanted,
                recorded: recorded.resources.filter { belongs($0.address) },
                observations: scoped(to: customer), ignore: ignore, only: only)
        }
    }
}
