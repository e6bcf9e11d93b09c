import Foundation

/// A thread of its own for blocking work (a librabbitmq connection, which is not thread-safe):
/// jobs run one at a time, in order, and async callers await them without blocking one of
/// Swift's cooperative threads. Between jobs, `idle` (when set) runs for as long as it answers
/// true: the adapter waits there, briefly each time, for answers to come.
final class AMQPThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopped = false
    /// Runs on the thread when no job waits; answers whether it has more to do.
    private let idle: () -> Bool

    init(name: String, idle: @escaping () -> Bool = { false }) {
        self.idle = idle
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

    /// Starts `work` on the thread and answers what it hands to its callback, which may be
    /// called later, from another job or from `idle`.
    func start<T: Sendable>(_ work: @escaping (_ done: @escaping (T) -> Void) -> Void) async -> T {
        await withCheckedContinuation { continuation in
            enqueue { work { continuation.resume(returning: $0) } }
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
        var busy = false
        while true {
            condition.lock()
            while jobs.isEmpty && !busy { condition.wait() }
            let job = jobs.isEmpty ? nil : jobs.removeFirst()
            condition.unlock()
            guard let job else {
                busy = idle()
                continue
            }
            job()
            if stopped { return }
            busy = true  // `idle` decides, once the jobs are done
        }
    }
}
