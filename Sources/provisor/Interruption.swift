import Foundation
import ProvisorEngines
import ProvisorRuntime
import ProvisorViews

/// SIGINT and SIGTERM, for the commands that take the state lock or read engines. The first
/// signal cancels the run's work when it registered some (`cancelling`): what is in flight is
/// still recorded, nothing more is sent. Whatever the run waits on (an engine, a broker, a
/// database that stopped answering), it ends within `grace` of the signal: the locks it holds
/// are given back and the process exits with status 1, the journal left for the next run to
/// resume. Without work to cancel, or at a second signal, it stops at once the same way.
enum Interruption {
    /// How long a cancelled run may take to record what is in flight.
    static let grace: Duration = .seconds(5)

    nonisolated(unsafe) private static var received: sig_atomic_t = 0
    private static let guardLock = NSLock()
    nonisolated(unsafe) private static var cancel: (@Sendable () -> Void)?
    nonisolated(unsafe) private static var installed = false

    /// Installs the handlers and a watcher thread (a thread, so that it runs even when every
    /// one of Swift's cooperative threads is stuck).
    static func install() {
        guard
            guardLock.withLock({ () -> Bool in
                defer { installed = true }
                return !installed
            })
        else { return }
        var signals = sigset_t()
        sigemptyset(&signals)
        for number in [SIGINT, SIGTERM] {
            sigaddset(&signals, number)
            signal(number) { _ in Interruption.received += 1 }
        }
        // A parent may have started us with these signals blocked.
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        Thread.detachNewThread { watch() }
    }

    /// Registers `task` as the work the first signal cancels, for as long as `body` runs.
    static func cancelling<T: Sendable>(_ task: Task<T, Error>, _ body: () async -> Void) async {
        install()
        guardLock.withLock { cancel = { task.cancel() } }
        await body()
        guardLock.withLock { cancel = nil }
    }

    private static func watch() {
        while received == 0 { usleep(50_000) }
        if let cancel = guardLock.withLock({ Interruption.cancel }) {
            Terminal.standardError.write("\nInterrupted: stopping after the changes in flight (press Ctrl-C again to stop at once).\n")
            cancel()
            let deadline = ContinuousClock.now + grace
            while received < 2 && ContinuousClock.now < deadline { usleep(50_000) }
            stop("the run did not end within \(grace.components.seconds) s of the signal")
        }
        stop("interrupted")
    }

    private static func stop(_ why: String) -> Never {
        ChildProcess.stopAll()
        HeldLocks.releaseAll(timeout: 3)
        Terminal.standardError.write(
            "\nStopped: \(why). What was sent is in the journal; run the command again to carry on (the next reconcile resumes it).\n")
        exit(1)
    }
}
