/// Tests share the one test broker, except a test that restarts it, which has it alone: the
/// test binary runs suites at once, and a restart would cut every other test's connections.
/// Waiting exclusive users go first, so that a restart is not starved by a stream of sharers.
public actor BrokerGate {
    public static let shared = BrokerGate()

    private var sharers = 0
    private var exclusive = false
    private var waiting: [(alone: Bool, resume: CheckedContinuation<Void, Never>)] = []

    /// Runs `body` while no test has the broker alone.
    public static func sharing<T>(_ body: () async throws -> T) async throws -> T {
        try await holding(alone: false, body)
    }

    /// Runs `body` with the broker to itself (no other test is using it) when `alone`, else
    /// sharing it.
    public static func holding<T>(alone: Bool, _ body: () async throws -> T) async throws -> T {
        await shared.enter(alone: alone)
        do {
            let result = try await body()
            await shared.leave(alone: alone)
            return result
        } catch {
            await shared.leave(alone: alone)
            throw error
        }
    }

    private func enter(alone: Bool) async {
        if waiting.isEmpty && admits(alone: alone) {
            take(alone: alone)
        } else {
            await withCheckedContinuation { waiting.append((alone, $0)) }
        }
    }

    private func leave(alone: Bool) {
        if alone { exclusive = false } else { sharers -= 1 }
        wake()
    }

    private func admits(alone: Bool) -> Bool { alone ? sharers == 0 && !exclusive : !exclusive }

    private func take(alone: Bool) {
        if alone { exclusive = true } else { sharers += 1 }
    }

    /// Lets the waiting in, in order, as far as they are admitted.
    private func wake() {
        while let next = waiting.first, admits(alone: next.alone) {
            waiting.removeFirst()
            take(alone: next.alone)
            next.resume.resume()
        }
    }
}
