import Foundation
import Logging
import PostgresNIO
import ProvisorCore

/// The connections holding advisory locks, by lock id.
actor LockSessions {
    var sessions: [String: PostgresConnection] = [:]

    deinit {
        for session in sessions.values { PostgresStateStore.closeAndWait(session) }
    }

    func insert(_ session: PostgresConnection, for id: String) { sessions[id] = session }
    /// The lock this store holds, if any (a run holds one at a time).
    var heldID: String? { sessions.keys.first }
    func remove(_ id: String) -> PostgresConnection? { sessions.removeValue(forKey: id) }
    func removeAll() -> [PostgresConnection] {
        defer { sessions.removeAll() }
        return Array(sessions.values)
    }
}
