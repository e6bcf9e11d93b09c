import Foundation

/// How retryable failures are retried: exponential backoff from `baseDelay`, doubled each time
/// up to `maxDelay`, with full jitter; an engine's Retry-After wins when it asks for longer.
public struct RetryPolicy: Sendable, Hashable {
    public var baseDelay: Double
    public var maxDelay: Double

    public init(baseDelay: Double = 0.5, maxDelay: Double = 30) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Seconds to wait before retry number `attempt` (1 for the first retry).
    public func delay(attempt: Int, retryAfter: Double?) -> Double {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        let jittered = ceiling / 2 + Double.random(in: 0...(ceiling / 2))
        return max(jittered, min(retryAfter ?? 0, maxDelay))
    }

    /// Sends each queue's messages one after another (a customer's changes stay in order), at
    /// most `concurrency` queues at once; once cancelled, nothing more is sent. `answered` sees
    /// each answer as it comes. Returns every answer with its position and attempts.
    public func send(
        queues: [[(position: Int, message: OutgoingMessage, adapter: any EngineAdapter)]], concurrency: Int,
        answered: @escaping @Sendable (_ position: Int, DeliveryResult, _ attempts: Int) -> Void = { _, _, _ in }
    )
        async -> [(position: Int, result: DeliveryResult, attempts: Int)]
    {
        await withTaskGroup(of: [(position: Int, result: DeliveryResult, attempts: Int)].self) { group in
            var next = queues.makeIterator(), running = 0
            var answers: [(position: Int, result: DeliveryResult, attempts: Int)] = []
            func start(_ group: inout TaskGroup<[(position: Int, result: DeliveryResult, attempts: Int)]>) -> Bool {
                guard let queue = next.next() else { return false }
                group.addTask {
                    var done: [(position: Int, result: DeliveryResult, attempts: Int)] = []
                    for item in queue where !Task.isCancelled {
                        let (result, attempts) = await send(item.message, through: item.adapter)
                        answered(item.position, result, attempts)
                        done.append((item.position, result, attempts))
                    }
                    return done
                }
                return true
            }
            while running < concurrency, start(&group) { running += 1 }
            while let finished = await group.next() {
                answers += finished
                if !start(&group) { running -= 1 }
            }
            return answers
        }
    }

    /// Sends `message` through `adapter` (or, when an earlier run's transport already took it,
    /// collects its answer), retrying retryable failures up to the adapter's limit. Returns the
    /// last result and how many attempts were made.
    public func send(_ message: OutgoingMessage, through adapter: any EngineAdapter) async -> (result: DeliveryResult, attempts: Int) {
        var attempt = 0
        while true {
            attempt += 1
            let answer = attempt == 1 && message.alreadySent ? await adapter.collect(message) : await adapter.send(message)
            let result = message.sanitised(answer)
            guard case .retryable(_, let retryAfter) = result, attempt <= adapter.maxRetries else { return (result, attempt) }
            try? await Task.sleep(nanoseconds: UInt64(delay(attempt: attempt, retryAfter: retryAfter) * 1_000_000_000))
            if Task.isCancelled { return (result, attempt) }
        }
    }
}
