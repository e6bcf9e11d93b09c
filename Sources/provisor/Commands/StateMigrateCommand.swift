import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

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
        Interruption.install()
        try await runReportingFailures {
            let migration = StateMigration(
                from: RepositoryConfig.StateBackend(option: from), to: RepositoryConfig.StateBackend(option: to),
                directory: FileManager.default.currentDirectoryPath)
            let outcome = try await migration.run()
            Terminal.standardOutput.write(StateView.migrated(from: outcome.source, to: outcome.target, archive: outcome.archive, summary: outcome.summary))
            return 0
        }
    }
}
