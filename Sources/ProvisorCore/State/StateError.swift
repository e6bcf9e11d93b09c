import Foundation

/// Failures of a state store, each saying what to do about it.
public enum StateError: Error, Sendable, Equatable, CustomStringConvertible {
    case locked(StateLock, store: String)
    case lockNotHeld(id: String, store: String)
    case serialMismatch(expected: Int, found: Int, store: String)
    case corruptRecord(address: String, reason: String, store: String)
    case unreadable(path: String, reason: String)
    case newerSchema(path: String)
    /// Opened for reading only, a state a write would first upgrade (its schema, or its
    /// journal mode when another tool copied it).
    case olderSchema(path: String)
    case notEmpty(store: String, serial: Int, resources: Int)
    /// A file that is not a Provisor state: empty, not SQLite, or another program's database.
    case notAState(path: String, reason: String)
    /// A state that fails the database's integrity check.
    case damaged(path: String, detail: String)
    /// A state `provisor state migrate` copied elsewhere: it takes no more writes.
    case moved(store: String, to: String)

    public var description: String {
        switch self {
        case .locked(let lock, let store):
            let since = lock.acquiredAt.formatted(.iso8601)
            return
                "error: the state (\(store)) is locked by \(lock.holder) (process \(lock.processID), \(lock.operation)) since \(since); wait for that run to finish, or if it is gone, run provisor state unlock"
        case .lockNotHeld(let id, let store):
            return "error: this run no longer holds the state lock \(id) on \(store); someone broke it with provisor state unlock, so stop and re-plan"
        case .serialMismatch(let expected, let found, let store):
            return "error: the state (\(store)) changed while this run worked: expected serial \(expected), found \(found); plan again against the new state"
        case .corruptRecord(let address, let reason, let store):
            return "error: the recorded attributes of \(address) in \(store) are damaged (\(reason)); restore the state from a backup"
        case .unreadable(let path, let reason):
            return "error: cannot open the state database '\(path)': \(reason) (check --state, or 'state:' in provisor.yaml)"
        case .olderSchema(let path):
            return
                "error: the state database '\(path)' needs upgrading (an older Provisor's schema, or a copy not in WAL mode), which reading alone does not do; run provisor reconcile (or drift) once to upgrade it"
        case .newerSchema(let path):
            return "error: the state database '\(path)' was written by a newer Provisor; upgrade provisor before using it"
        case .notAState(let path, let reason):
            return
                "error: '\(path)' is not a Provisor state: \(reason). Nothing was read or written; check --state (or state: in provisor.yaml), and to start a new state name a file that does not exist yet"
        case .damaged(let path, let detail):
            return
                "error: the state '\(path)' is damaged (SQLite's integrity check says: \(detail)). Nothing was read or written; restore the state from a backup"
        case .moved(let store, let destination):
            return
                "error: the state \(store) was migrated to \(destination) and takes no more writes, so that the two copies of one state never diverge; point --state (or state: in provisor.yaml) at \(destination)"
        case .notEmpty(let store, let serial, let resources):
            return
                "error: the state \(store) is not empty (serial \(serial), \(resources) resources, or a journal, audit log, outbox or observations); copy only into a new, empty state"
        }
    }
}
