import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show the audit log: every applied change, when, by whom, from which commit; then what waits for an engine's answer.",
        discussion: "Exit status: 0, or 1 when the state cannot be read or an argument is wrong."
    )

    @Argument(help: "Only this resource and what is below it, for example customer/JBL.")
    var address: String?

    @Option(name: .long, help: "Only changes at or after this time: a date (2026-11-01) or an ISO 8601 time (2026-11-01T09:00:00Z).")
    var since: String?

    @OptionGroup var options: StateReadOptions

    func run() async throws {
        try await runReportingFailures {
            let address = try address.map { text in
                guard let parsed = ResourceAddress(parsing: text) else {
                    throw RunError(description: "error: '\(text)' is not a resource address (addresses look like \(ResourceAddress.forms))")
                }
                return parsed
            }
            let since = try since.map { text in
                guard let date = ISODate.parse(text) else {
                    throw RunError(description: "error: --since '\(text)' is not a date; write 2026-11-01 or 2026-11-01T09:00:00Z")
                }
                return date
            }
            let recorded = try await options.open()
            let query = HistoryQuery(address: address, since: since)
            let selected = try await query.entries(in: recorded), waiting = try await query.waiting(in: recorded)
            let output = Terminal.standardOutput
            switch options.format {
            case .json: output.write(StateView.historyJSON(selected, waiting: waiting))
            default: output.write(StateView.history(selected, waiting: waiting, store: recorded.description, colour: output.isColour))
            }
            return 0
        }
    }
}
