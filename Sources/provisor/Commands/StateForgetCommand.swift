import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct StateForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Give up on a message an earlier run sent and whose answer never came (provisor history lists them).",
        discussion: """
            The journal closes it as failed, naming who gave up; its answer is no longer collected, and the next \
            reconcile plans the change again with a new message id. Only for a message that will never be answered \
            (its queue was deleted, its engine is gone): if the engine still carries it out, provisor drift shows \
            what it did. Exit status: 0, or 1 when no such message waits or the state cannot be written.
            """
    )

    @Argument(help: "The message id, as provisor history or state show prints it (pm-…).")
    var messageID: String

    @OptionGroup var actor: ActorOption
    @OptionGroup var options: StateReadOptions

    func run() async throws {
        Interruption.install()
        try await runReportingFailures {
            let workspace = try Workspace.open(config: options.config, manifests: nil, state: options.state.state)
            let given = try await ForgetRun(messageID: messageID, actor: actor.name).run(in: workspace)
            Terminal.standardOutput.write(
                "Gave up on message \(messageID) (\(given.action) \(given.address) on \(given.payload?.engine ?? "?")): its answer is no longer collected. "
                    + "The next provisor reconcile plans that change again with a new message id. If the engine did carry out the old one, "
                    + "provisor drift shows what it holds that the state does not record, and provisor import --engine \(given.payload?.engine ?? "ENGINE") records it.\n"
            )
            return 0
        }
    }
}
