import Foundation
import ProvisorCore
import Synchronization

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
        let released = Mutex(0)
        Task.detached {
            for (store, lock) in locks where (try? await store.releaseLock(lock)) != nil { released.withLock { $0 += 1 } }
            done.signal()
        }
        _ = done.wait(timeout: .now() + timeout)
        return released.withLock { $0 }
    }
}
