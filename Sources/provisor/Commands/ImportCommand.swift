import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Onboard existing tenants: write their manifests from what the engines hold, and adopt them into the state.",
        discussion: """
            Reads the engines (nothing is sent to them). For each customer not managed yet, writes a Customer manifest and \
            its users' User manifests into a folder of its own (values the engine does not report are marked \
            "guessed"), matching engine users to existing User manifests by UPN, then by the part before the @, and \
            services to plans by SKU, then by name. Then records everything written or already described as \
            provisioned (audit entry "imported"), so the next reconcile --dry-run shows no changes for it. Nothing \
            already managed is rewritten or adopted again: running import twice is safe. Exit status: 0 when the \
            import (or --dry-run) succeeded, notes included; 1 on an error, with nothing written or recorded.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case human, json
    }

    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var state: StateOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read this engine; repeat it to import a customer whose services live on other engines (a CSP engine's licences).", valueName: "NAME"))
    var engine: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only this customer; repeatable.", valueName: "CODE"))
    var customer: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp("The folder inside the manifests directory that new customer folders go in (default: <manifests>/customers).", valueName: "DIR"))
    var out: String?

    @Flag(name: .long, help: "Show what would be written and adopted; write and record nothing.")
    var dryRun = false

    @Option(name: .long, help: "Output format: human or json.")
    var format: Format = .human

    @OptionGroup var rehearsal: RehearsalOption

    @OptionGroup var actor: ActorOption

    @OptionGroup var timing: TimingsOption

    func validate() throws {
        if engine.isEmpty { throw ValidationError("name the engine to import from with --engine NAME") }
        if manifests.repo != nil || manifests.ref != nil {
            throw ValidationError("import writes new manifests into the manifests folder on disk; it cannot be combined with --repo or --ref")
        }
        if rehearsal.simulate != nil, state.state == nil { throw ValidationError(Refresh.simulateNeedsState) }
    }

    func run() async throws {
        Interruption.install()
        try await runReportingFailures {
            let run = ImportRun(
                engines: engine, customers: customer, out: out, dryRun: dryRun, simulate: rehearsal.simulate,
                actor: actor.name)
            let outcome = try await run.run(in: manifests.workspace(state: state))
            var stopwatch = outcome.stopwatch
            let output = Terminal.standardOutput
            switch format {
            case .json: output.write(ImportView.json(outcome.result, dryRun: dryRun))
            case .human: output.write(ImportView.human(outcome.result, dryRun: dryRun, state: outcome.store, colour: output.isColour))
            }
            stopwatch.lap("render")
            printTimings(stopwatch, if: timing.timings)
            return 0
        }
    }
}
