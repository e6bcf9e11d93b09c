import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Read the recorded state (what Provisor has provisioned), break a stale lock, or copy the state to another store.",
        subcommands: [StateListCommand.self, StateShowCommand.self, StateUnlockCommand.self, StateMigrateCommand.self]
    )
}

extension ResourceAddress.Kind: ExpressibleByArgument {}

/// The options `state` subcommands share: where the state is, and the output format.
struct StateReadOptions: ParsableArguments {
    @Option(name: .long, help: "The repository configuration file (default: ./provisor.yaml when present).")
    var config: String?

    @OptionGroup var state: StateOptions

    @Option(name: .long, help: "Output format: human or json.")
    var format: OutputFormat = .human

    func validate() throws {
        if format != .human && format != .json { throw ValidationError("state commands print human or json") }
    }

    /// The state, to read it only, unless `writing`.
    func open(writing: Bool = false) async throws -> RecordedState {
        try await RecordedState.open(Workspace.open(config: config, manifests: nil, state: state.state), writing: writing)
    }
}

struct StateListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List recorded resources in address order.",
        discussion: "Exit status: 0, or 1 when the state cannot be read."
    )

    @Option(name: .long, help: "Only this kind: \(ResourceAddress.Kind.resources.map(\.rawValue).joined(separator: ", ")).")
    var kind: ResourceAddress.Kind?

    @Option(name: .long, help: "Only this customer's resources (the customer, its services, users and their services).")
    var customer: String?

    @OptionGroup var options: StateReadOptions

    func run() async throws {
        try await runReportingFailures {
            let recorded = try await options.open()
            let header = try await recorded.store?.header() ?? .empty
            let resources = try await recorded.store?.resources(matching: ResourceFilter(kind: kind, customer: customer)) ?? []
            let output = Terminal.standardOutput
            switch options.format {
            case .json: output.write(StateView.listJSON(resources, header: header))
            default: output.write(StateView.list(resources, header: header, store: recorded, colour: output.isColour))
            }
            return 0
        }
    }
}

struct StateShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one recorded resource with every recorded attribute.",
        discussion: "ADDRESS is one of: \(ResourceAddress.forms).\nExit status: 0, or 1 when there is no such recorded resource."
    )

    @Argument(help: "The resource's address, for example customer/JBL/user/alice.")
    var address: String

    @OptionGroup var options: StateReadOptions

    func run() async throws {
        try await runReportingFailures {
            guard let parsed = ResourceAddress(parsing: address) else {
                throw RunError(description: "error: '\(address)' is not a resource address (addresses look like \(ResourceAddress.forms))")
            }
            let recorded = try await options.open()
            guard let store = recorded.store else {
                throw RunError(description: "error: no state recorded yet (\(recorded.description)), so nothing is recorded at \(parsed)")
            }
            guard let resource = try await store.resource(at: parsed) else {
                throw RunError(description: "error: nothing is recorded at \(parsed) in \(store.description) (provisor state list shows what is)")
            }
            let attributes = try resource.decodedAttributes(store: store.description)
            let output = Terminal.standardOutput
            switch options.format {
            case .json: output.write(StateView.showJSON(resource, attributes: attributes))
            default: output.write(StateView.show(resource, attributes: attributes, colour: output.isColour))
            }
            return 0
        }
    }
}

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
            Terminal.standardOutput.write("Removed the lock on \(store.description) held by \(lock.holder) (process \(lock.processID), \(lock.operation)) since \(StateView.timestamp(lock.acquiredAt)).\n")
            return 0
        }
    }
}

struct StateMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the whole state to another store: SQLite to PostgreSQL, or back.",
        discussion: """
            FROM and TO are each a SQLite path, a postgres:// URL (its password from PGPASSWORD), or env:NAME naming a variable \
            that holds the URL. Everything is copied in one transaction: the lineage and serial (so saved plans stay valid), \
            the resources, the journal, the audit log, the outbox and the observations. The copy is read back in that \
            transaction and kept only when every part has the same count and SHA-256 digest as the source. Both states are \
            locked meanwhile. TO must be a new, empty state. Exit status: 0 copied and verified, 1 nothing copied.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The state to copy.", valueName: "STATE"))
    var from: String

    @Option(name: .long, help: ArgumentHelp("Where to copy it: a new, empty state.", valueName: "STATE"))
    var to: String

    func run() async throws {
        try await runReportingFailures {
            let migration = StateMigration(from: RepositoryConfig.StateBackend(option: from), to: RepositoryConfig.StateBackend(option: to),
                                           directory: FileManager.default.currentDirectoryPath)
            let outcome = try await migration.run()
            Terminal.standardOutput.write(StateView.migrated(from: outcome.source, to: outcome.target, archive: outcome.archive, summary: outcome.summary))
            return 0
        }
    }
}

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show the audit log: every applied change, when, by whom, from which commit.",
        discussion: "Exit status: 0, or 1 when the state cannot be read or an argument is wrong."
    )

    @Argument(help: "Only this resource and what is below it, for example customer/JBL.")
    var address: String?

    @Option(name: .long, help: "Only changes at or after this time: a date (2026-11-01) or an ISO 8601 time (2026-11-01T09:00:00Z).")
    var since: String?

    @OptionGroup var options: StateReadOptions

    func run() async throws {
        try await runReportingFailures {
            let prefix = try address.map { text in
                guard let parsed = ResourceAddress(parsing: text) else {
                    throw RunError(description: "error: '\(text)' is not a resource address (addresses look like \(ResourceAddress.forms))")
                }
                return parsed.description
            }
            let start = try since.map { text in
                guard let date = ISODate.parse(text) else {
                    throw RunError(description: "error: --since '\(text)' is not a date; write 2026-11-01 or 2026-11-01T09:00:00Z")
                }
                return date
            }
            let recorded = try await options.open()
            let entries = try await recorded.store?.audit(address: nil) ?? []
            let selected = entries.filter { entry in
                let address = entry.address.description
                return (prefix == nil || address == prefix! || address.hasPrefix(prefix! + "/")) && (start == nil || entry.at >= start!)
            }
            let output = Terminal.standardOutput
            switch options.format {
            case .json: output.write(StateView.historyJSON(selected))
            default: output.write(StateView.history(selected, store: recorded.description, colour: output.isColour))
            }
            return 0
        }
    }
}
