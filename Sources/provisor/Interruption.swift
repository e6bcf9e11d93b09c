import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

/// Turns SIGINT and SIGTERM into cancelling a task.
enum Interruption {
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// Installs the handlers and polls for a signal until cancelled.
    static func watch<Success: Sendable>(cancelling work: Task<Success, Error>) -> Task<Void, Never> {
        received = 0
        var signals = sigset_t()
        sigemptyset(&signals)
        for number in [SIGINT, SIGTERM] {
            sigaddset(&signals, number)
            // Only sets a flag; the second time the default action (ending the process) applies.
            signal(number) { number in
                Interruption.received = 1
                signal(number, SIG_DFL)
            }
        }
        // A parent may have started us with these signals blocked.
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        return Task {
            while !Task.isCancelled {
                if received != 0 {
                    Terminal.standardError.write("\nInterrupted: stopping after the changes in flight (press Ctrl-C again to stop at once).\n")
                    work.cancel()
                    return
                }
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
        }
    }
}
