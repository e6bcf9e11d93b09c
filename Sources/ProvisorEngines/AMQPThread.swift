import Foundation

/// A thread of its own for blocking work (a librabbitmq connection, which is not thread-safe):
/// jobs run one at a time, in order, and async callers await them without blocking one of
/// Swift's cooperative threads. Between jobs, `idle` (when set) runs for as long as it answers
/// true: the adapter waits there for answers to come, and a new job wakes it (through a pipe
/// whose read end `idle` is given).
final class AMQPThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopped = false
    /// Runs on the thread when no job waits, given the wake pipe's read end; answers whether it
    /// has more to do.
    private let idle: (_ wake: Int32) -> Bool
    /// A byte is written to `wake.write` for each job: a wait on `wake.read` ends.
    /// (Internal for the tests, which write a stray byte to it.)
    let wake: (read: Int32, write: Int32)

    init(name: String, idle: @escaping (_ wake: Int32) -> Bool = { _ in false }) {
        self.idle = idle
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        }
        wake = (ends[0], ends[1])
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

    /// The wake byte is written before the job is queued, under the lock: a byte written after
    /// its job was taken and run would stay in the pipe with no job behind it, and every later
    /// wait would end at once (a run collecting answers spun at 100% CPU and never ended).
    private func enqueue(_ job: @escaping () -> Void) {
        condition.lock()
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)  // a full pipe already wakes it
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func drainWake() {
        var bytes = [UInt8](repeating: 0, count: 256)
        while read(wake.read, &bytes, bytes.count) > 0 {}
    }

    private func loop() {
        var busy = false
        while true {
            condition.lock()
            while jobs.isEmpty && !busy { condition.wait() }
            let job = jobs.isEmpty ? nil : jobs.removeFirst()
            condition.unlock()
            guard let job else {
                busy = idle(wake.read)
                // Woken with no job queued: the byte is spent here, never waited on again.
                if condition.withLock({ jobs.isEmpty }) { drainWake() }
                continue
            }
            drainWake()
            job()
            if stopped {
                close(wake.read)
                close(wake.write)
                return
            }
            busy = true  // `idle` decides, once the jobs are done
        }
    }
}
