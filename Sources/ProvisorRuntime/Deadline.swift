import Foundation

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
    /// cancelled, and must end when it is).
    public func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw Exceeded(limit: limit) }
            return value
        }
    }
}
