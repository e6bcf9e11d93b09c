import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Read the engines back and report what changed outside Provisor. Changes nothing in the engines.",
        discussion: """
            Compares, resource by resource, the manifests, the recorded state and what each engine holds: \
            changed out of band, missing in the engine, unmanaged (in neither the manifests nor the state), and \
            unknown (an engine that could not be read; never taken as empty). Each reading is kept in the state \
            database. Fix drift with provisor reconcile --refresh. Exit status: 0 when there is no drift, 2 when \
            there is, 1 on an error.
            """
    )

    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var state: StateOptions

    @Option(name: .long, help: ArgumentHelp("Only this customer's resources.", valueName: "CODE"))
    var customer: String?

    @Option(name: .long, help: "Output format: human, json or markdown.")
    var format: OutputFormat = .human

    @OptionGroup var rehearsal: RehearsalOption

    @OptionGroup var timing: TimingsOption
    @OptionGroup var metrics: MetricsOption
    @OptionGroup var logging: LogOption

    func validate() throws {
        if format.isAnnotations { throw ValidationError("drift prints human, json or markdown") }
        if rehearsal.simulate != nil, state.state == nil { throw ValidationError(Refresh.simulateNeedsState) }
    }

    func run() async throws {
        try await runUnattended(metrics, logging, command: "drift") { findings, log in
            let workspace = try manifests.workspace(state: state)
            findings.workspace = workspace
            let outcome = try await DriftRun(customer: customer, simulate: rehearsal.simulate).run(in: workspace)
            findings.metrics = RunMetrics.drift(outcome)
            let unreadable = outcome.observations.filter { if case .unreadable = $0.value { true } else { false } }.keys.sorted()
            if !unreadable.isEmpty { findings.incomplete = "engines not read: " + unreadable.joined(separator: ", ") }
            findings.desired = outcome.desired
            if let notice = Notice.drift(outcome.newDrifts) { findings.notices.append(notice) }
            log.drift(outcome)
            var stopwatch = outcome.stopwatch
            let drifts = outcome.drifts
            let context = DriftView.Context(store: outcome.store, customer: customer, readings: outcome.observations, recorded: outcome.recorded)
            let output = Terminal.standardOutput
            switch format {
            case .json: output.write(DriftView.json(drifts, context))
            case .markdown: output.write(DriftView.markdown(drifts, context))
            default: output.write(DriftView.human(drifts, context, colour: output.isColour))
            }
            stopwatch.lap("render")
            printTimings(stopwatch, if: timing.timings, log: log)
            return drifts.isEmpty ? 0 : 2
        }
    }
}
