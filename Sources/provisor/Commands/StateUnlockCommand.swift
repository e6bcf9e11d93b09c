import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct StateUnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Remove the state lock left by a run that is gone (killed, or its machine lost).",
        discussion: """
            Only for a lock whose run no longer exists: a run still working would carry on without the lock, \
            and its next write is refused. Exit status: 0 (also when nothing was locked), 1 when the state cannot be read.
            """
    )

    @OptionGroup var options: StateReadOptions

    func run() async throws {
        try await runReportingFailures {
            let recorded = try await options.open(writing: true)
            guard let store = recorded.store, let lock = try await store.breakLock() else {
                Terminal.standardOutput.write("The state (\(recorded.description)) is not locked.\n")
                return 0
            }
            Terminal.standardOutput.write(
                "Removed the lock on \(store.description) held by \(lock.holder) (process \(lock.processID), \(lock.operation)) since \(StateView.timestamp(lock.acquiredAt)).\n"
            )
            return 0
        }
    }
}
