import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract:
            "Read the recorded state (what Provisor has provisioned), break a stale lock, give up on an unanswered message, or copy the state to another store.",
        subcommands: [StateListCommand.self, StateShowCommand.self, StateUnlockCommand.self, StateForgetCommand.self, StateMigrateCommand.self]
    )
}

extension ResourceAddress.Kind: ExpressibleByArgument {}
