import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a static HTML report of the estate: hierarchy, effective values, plan, drift, audit trail and margins.",
        discussion: """
            Writes a self-contained site into DIR (no server, no request outside it): the reseller tree down to customers \
            with a search by code, name, domain and UPN; a page per customer with its users, services, prices and every \
            effective value with the level and file:line that set it; what the next reconcile sends; drift as the engines \
            were last read; the audit trail; and with --rightsizing, each customer's, reseller's and the provider's monthly \
            cost, revenue and margin before and after right-sizing (reading the licensed engines, changing nothing). \
            --reseller writes only that reseller's subtree. Exit status: 0 when written, 1 on an error.
            """
    )

    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var state: StateOptions

    @Option(name: .long, help: ArgumentHelp("The directory to write the site into (created when missing).", valueName: "DIR"))
    var html: String

    @Option(name: .long, help: ArgumentHelp("Only this reseller's subtree: what a delegated reseller may see.", valueName: "CODE"))
    var reseller: String?

    @Flag(name: .long, help: "Read the licensed engines' subscriptions and show what right-sizing would decide, with the margins.")
    var rightsizing = false

    @Option(
        name: .long,
        help: ArgumentHelp("Right-sizing as on this date (2026-11-21 or 2026-11-21T09:00:00Z) instead of now.", valueName: "DATE"))
    var at: String?

    @OptionGroup var rehearsal: RehearsalOption

    @OptionGroup var timing: TimingsOption

    func validate() throws {
        if rehearsal.simulate != nil, state.state == nil { throw ValidationError(Refresh.simulateNeedsState) }
        if at != nil, !rightsizing { throw ValidationError("--at is the date right-sizing decides for; use it with --rightsizing") }
    }

    func run() async throws {
        try await runReportingFailures {
            let pinned = try at.map(atDate)
            let run = ReportRun(reseller: reseller, rightsizing: rightsizing, simulate: rehearsal.simulate, pinned: pinned)
            let outcome = try await run.run(in: manifests.workspace(state: state))
            let written = try ReportSite.write(outcome, to: html)
            Terminal.standardOutput.write(ReportSite.summary(written))
            printTimings(written.stopwatch, if: timing.timings)
            return 0
        }
    }
}
