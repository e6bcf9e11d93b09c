import ProvisorCore

extension StateStore {
    /// Runs `body` holding the state lock, and releases it however `body` ends: the one place
    /// a run takes and gives back the lock. A state `state migrate` copied elsewhere is refused
    /// here (`StateError.moved`).
    ///
    /// The release runs even when the run is being interrupted (a store refuses writes from a
    /// cancelled task). When `body` fails, its error is what is thrown; when only the release
    /// fails, that is.
    public func withLock<Result: Sendable>(_ operation: String, clock: WallClock, _ body: () async throws -> Result) async throws -> Result {
        // A state migrated elsewhere takes no more writes: its copy would diverge from it.
        if let destination = try await movedTo() { throw StateError.moved(store: description, to: destination) }
        let lock = try await acquireLock(.thisProcess(operation: operation, clock: clock))
        HeldLocks.add(lock, of: self)
        let outcome: Swift.Result<Result, Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        let release = await Task { () -> Error? in
            do { try await self.releaseLock(lock) } catch { return error }
            return nil
        }.value
        HeldLocks.remove(lock)
        if case .failure(let error) = outcome { throw error }
        if let release { throw release }
        return try outcome.get()
    }
}
