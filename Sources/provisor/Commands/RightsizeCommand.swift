import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct RightsizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rightsize",
        abstract: "Right-size Microsoft 365 licences: buy what is missing, take back what is not billed, and report the margin.",
        discussion: """
            Reads each licensed engine's subscriptions and assignments (licences assigned by hand count), decides per \
            subscription under the right-sizing policy of the plan that sells its SKU, and reports the monthly margin \
            per customer, per reseller and for the provider, before and after. Applying sends adjust-subscription \
            messages under the state lock, through the journal and the audit log. Exit status: with --dry-run 0 when \
            nothing would change and 2 when something would; applying, 0 when everything applied; 1 on an error, a \
            failed change, or an engine that could not be read.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case human, json, markdown, csv
    }

    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var state: StateOptions

    @Flag(name: .long, help: "Only decide and report: change nothing.")
    var dryRun = false

    @Option(
        name: .long,
        help: ArgumentHelp("Decide as on this date (2026-11-21 or 2026-11-21T09:00:00Z) instead of now; with --dry-run, or in a rehearsal.", valueName: "DATE"))
    var at: String?

    @Option(name: .long, help: ArgumentHelp("Only this customer's licences.", valueName: "CODE"))
    var customer: String?

    @Option(name: .long, help: "Output format: human, json, markdown or csv.")
    var format: Format = .human

    @OptionGroup var rehearsal: RehearsalOption

    @OptionGroup var actor: ActorOption

    @Option(name: .long, help: "How many customers are worked on at once.")
    var concurrency: Int = 8

    @OptionGroup var timing: TimingsOption
    @OptionGroup var metrics: MetricsOption
    @OptionGroup var logging: LogOption

    func validate() throws {
        if rehearsal.simulate != nil, state.state == nil { throw ValidationError(Refresh.simulateNeedsState) }
        if at != nil, !dryRun, rehearsal.simulate == nil {
            throw ValidationError("--at decides for another date; a real run decides for now, so use --at with --dry-run or in a rehearsal (--simulate)")
        }
        if concurrency < 1 { throw ValidationError("--concurrency must be 1 or more") }
    }

    func run() async throws {
        try await runUnattended(metrics, logging, command: "rightsize") { findings, log in
            let pinned = try at.map(atDate)
            let run = RightsizeRun(
                dryRun: dryRun, pinned: pinned, customer: customer, simulate: rehearsal.simulate,
                actor: actor.name, concurrency: concurrency)
            let workspace = try manifests.workspace(state: state)
            findings.workspace = workspace
            let outcome = try await run.run(in: workspace)
            findings.metrics = RunMetrics.rightsize(outcome)
            findings.desired = outcome.desired
            if let notice = Notice.rightsizing(outcome.decided, applied: !dryRun) { findings.notices.append(notice) }
            log.rightsize(outcome)
            var stopwatch = outcome.stopwatch
            let decided = outcome.decided, readings = outcome.readings
            let context = RightsizeView.Context(readings: readings, results: outcome.results, dryRun: dryRun)
            let output = Terminal.standardOutput
            switch format {
            case .json: output.write(RightsizeView.json(decided, context))
            case .markdown: output.write(RightsizeView.markdown(decided, context))
            case .csv: output.write(RightsizeView.csv(decided))
            case .human: output.write(RightsizeView.human(decided, context, colour: output.isColour))
            }
            stopwatch.lap("render")
            printTimings(stopwatch, if: timing.timings, log: log)
            if !readings.failures.isEmpty {
                throw RunError(
                    description: readings.failures.map { "error: \($0.engine): \($0.reason)" }.joined(separator: "\n")
                        + "\nThe customers on \(readings.failures.count == 1 ? "that engine were" : "those engines were") not right-sized.")
            }
            if dryRun { return decided.changes.isEmpty ? 0 : 2 }
            return outcome.results.contains { $0.outcome != .succeeded } ? 1 : 0
        }
    }
}
