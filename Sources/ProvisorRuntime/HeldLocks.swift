import Foundation
import ProvisorCore

/// The state locks this process holds (taken and given back by `withLock`), so that a run
/// stopped by a signal can give them back before it ends, however it is stuck: the next run
/// then resumes what the journal left, without `provisor state unlock`.
public enum HeldLocks {
    private static let guardLock = NSLock()
    nonisolated(unsafe) private static var held: [String: (store: any StateStore, lock: StateLock)] = [:]

    static func add(_ lock: StateLock, of store: any StateStore) {
        guardLock.withLock { held[lock.id] = (store, lock) }
    }

    static func remove(_ lock: StateLock) {
        _ = guardLock.withLock { held.removeValue(forKey: lock.id) }
    }

    /// Gives back every lock held, waiting at most `timeout` (a store that cannot be reached
    /// keeps its lock: a PostgreSQL lock ends with the process anyway). Blocks the calling
    /// thread: call it from a thread of its own, never from Swift's cooperative threads. Returns
    /// how many were given back.
    @discardableResult
    public static func releaseAll(timeout: TimeInterval) -> Int {
        let locks = guardLock.withLock { Array(held.values) }
        guard !locks.isEmpty else { return 0 }
        let done = DispatchSemaphore(value: 0)
        let released = Released()
        Task.detached {
            for (store, lock) in locks where (try? await store.releaseLock(lock)) != nil { released.add() }
            done.signal()
        }
        _ = done.wait(timeout: .now() + timeout)
        return released.count
    }

    private final class Released: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }
}
