import Foundation
import ProvisorCore

/// `provisor state migrate`: copy a whole state to another, new and empty, store (SQLite to
/// PostgreSQL, or back) in one transaction, read back and kept only when every part has the
/// same count and digest. Both states are locked meanwhile; a SQLite file the copy created is
/// removed again when it fails.
public struct StateMigration: Sendable {
    public var source: RepositoryConfig.StateBackend
    public var target: RepositoryConfig.StateBackend
    /// Where relative paths and secret files start.
    public var directory: String
    public var clock: WallClock

    public init(from source: RepositoryConfig.StateBackend, to target: RepositoryConfig.StateBackend, directory: String, clock: WallClock = .system) {
        self.source = source
        self.target = target
        self.directory = directory
        self.clock = clock
    }

    public struct Outcome: Sendable {
        public var source: String
        public var target: String
        public var archive: StateArchive
        /// Each part's count and digest, the same in both.
        public var summary: [StateArchive.Part]
    }

    public func run() async throws -> Outcome {
        guard try source.describe(directory: directory) != target.describe(directory: directory) else {
            throw RunError(description: "error: --from and --to name the same state; give --to a new, empty one")
        }
        guard let from = try await source.openExisting(directory: directory) else {
            throw RunError(description: "error: there is no state at \(try source.describe(directory: directory)) to copy (check --from)")
        }
        // Checked before the target is created, so a refused copy leaves no new file behind.
        if case .sqlite(let path) = target, FileManager.default.fileExists(atPath: path), let existing = try await target.openExisting(directory: directory) {
            let header = try await existing.header()
            if header.serial > 0 || header.resourceCount > 0 {
                throw StateError.notEmpty(store: existing.description, serial: header.serial, resources: header.resourceCount)
            }
        }
        // A SQLite file this copy creates is removed again when the copy fails.
        var created: String?
        if case .sqlite(let path) = target, !FileManager.default.fileExists(atPath: path) { created = path }
        do {
            return try await from.withLock("state migrate", clock: clock) {
                let to = try await target.open(directory: directory)
                return try await to.withLock("state migrate", clock: clock) {
                    let archive = try await from.archive()
                    let expected = archive.summary
                    try await to.restore(archive) { copy in
                        let found = copy.summary
                        guard found == expected else {
                            let differing = zip(expected, found).filter { $0 != $1 }.map { "\($0.name) (\($0.count) → \($1.count))" }
                            throw RunError(description: "error: the copy does not match the source in \(differing.joined(separator: ", ")); nothing was copied")
                        }
                    }
                    // The old state takes no more writes, and says where the state now lives.
                    try await from.markMoved(to: to.description)
                    return Outcome(source: from.description, target: to.description, archive: archive, summary: expected)
                }
            }
        } catch {
            for path in created.map({ [$0, $0 + "-wal", $0 + "-shm"] }) ?? [] { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
    }
}
