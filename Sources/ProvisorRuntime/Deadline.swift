import Foundation
import Synchronization

/// A limit on the whole of an outbound exchange (connecting, the answer's headers and all of its
/// body), where a client's own timeouts cover only a part: a receiver that answers one byte a
/// second must not hold a run.
public struct Deadline: Sendable {
    public var limit: Duration

    public init(_ limit: Duration) {
        self.limit = limit
    }

    /// Passed, and the exchange cancelled.
    public struct Exceeded: Error, CustomStringConvertible {
        public var limit: Duration
        public var description: String { "it did not finish answering within \(limit.components.seconds) s" }
    }

    /// `operation`'s result, or `Exceeded` once `limit` has passed (`operation` is then
    /// cancelled, and must end when it is). The limit is kept by a Dispatch timer, not by Swift's
    /// cooperative threads, so it fires on time even when those are all busy.
    public func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await operation() }
        let expired = Mutex(false)
        let timer = DispatchWorkItem {
            expired.withLock { $0 = true }
            task.cancel()
        }
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: timer)
        defer { timer.cancel() }
        do {
            let value = try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
            if expired.withLock({ $0 }) { throw Exceeded(limit: limit) }
            return value
        } catch {
            if expired.withLock({ $0 }) { throw Exceeded(limit: limit) }
            throw error
        }
    }
}
