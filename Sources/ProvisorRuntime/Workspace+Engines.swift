import Foundation
import ProvisorCore
import ProvisorEngines

extension Workspace {
    /// Runs `body` with one adapter per engine in `engines`, and shuts every adapter down
    /// afterwards (their processes stopped, their connections closed), however `body` ends.
    ///
    /// - `processes`: how many engine processes an exec engine may run at once.
    /// - `outbox`: the state's outbox, for `outbox` engines (nil when nothing is sent).
    /// - `simulate`: a rehearsal's folder; every engine is then the simulated engine.
    /// - `simulatedDate`: the date the simulated engines stand at for the run.
    public func withEngines<Result: Sendable>(
        _ engines: [Engine], processes: Int = 1, outbox: (any OutboxStore)? = nil, simulate: String?,
        simulatedDate: Date? = nil,
        _ body: ([String: any EngineAdapter]) async throws -> Result
    ) async throws -> Result {
        let adapters = EngineAdapterFactory.make(
            engines,
            settings: .init(
                directory: directory, processes: processes, secrets: secrets, outbox: outbox, simulateInto: simulate,
                clock: clock, simulatedDate: simulatedDate))
        let outcome: Swift.Result<Result, Error>
        do { outcome = .success(try await body(adapters)) } catch { outcome = .failure(error) }
        // Shut down even when the run was interrupted: no engine process outlives it.
        let all = Array(adapters.values)
        await Task { for adapter in all { await adapter.shutdown() } }.value
        return try outcome.get()
    }

    /// Secret references resolve from the workspace's environment, and relative `file:` paths
    /// from provisor.yaml's folder.
    public var secrets: SecretResolver { SecretResolver(environment: environment, directory: directory) }
}
