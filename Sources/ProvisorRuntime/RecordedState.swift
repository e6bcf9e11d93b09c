import Foundation
import ProvisorCore
import ProvisorSQLite

/// The recorded state a run reads: the store, when one has been created.
public struct RecordedState: Sendable {
    public var store: (any StateStore)?
    public var description: String

    /// Opens the configured state without creating it (a state not created yet is empty): to
    /// read it only, unless `writing` (breaking its lock).
    public static func open(_ workspace: Workspace, writing: Bool = false) async throws -> RecordedState {
        let store: (any StateStore)?
        if case .sqlite(let path) = workspace.state, !writing {
            store = FileManager.default.fileExists(atPath: path) ? try SQLiteStateStore(readingOnly: path) : nil
        } else {
            store = try await workspace.state.openExisting(directory: workspace.directory)
        }
        return RecordedState(store: store, description: try store?.description ?? workspace.state.describe(directory: workspace.directory))
    }

    /// The snapshot (empty when there is no state yet) and how long reading it took.
    public func timedSnapshot() async throws -> (StateSnapshot, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let snapshot = try await store?.snapshot() ?? .empty
        return (snapshot, clock.now - start)
    }
}

extension Workspace {
    /// The configured state, created when it does not exist yet.
    public func openState() async throws -> ProvisorState {
        try await state.open(directory: directory)
    }
}
