import Foundation

/// A thread of its own for blocking work (a librabbitmq connection, which is not thread-safe):
/// jobs run one at a time, in order, and async callers await them without blocking one of
/// Swift's cooperative threads.
final class AMQPThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopped = false

    init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    /// Runs `work` on the thread and answers its result.
    func run<T: Sendable>(_ work: @escaping () -> T) async -> T {
        await withCheckedContinuation { continuation in
            enqueue { continuation.resume(returning: work()) }
        }
    }

    /// Runs `last` on the thread, then ends it.
    func stop(after last: @escaping () -> Void) async {
        await run {
            last()
            self.stopped = true
        }
    }

    private func enqueue(_ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
            if stopped { return }
        }
    }
}
