import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what reconciling would do: the ordered changes against the recorded state (same as reconcile --dry-run).",
        discussion: PlanCommand.exitStatus
    )

    static let exitStatus = """
        Exit status: 0 when there is nothing to change, 2 when there are changes, 1 on an error \
        (invalid manifests, unreadable state, or a plan the safety rules refuse).
        """

    @OptionGroup var options: PlanOptions

    func run() async throws {
        try await runReportingFailures { try await makePlan(options) }
    }
}

/// Plans, renders and saves; returns the exit status. With `--refresh`, the engines (the
/// simulated ones under `simulate`) are read first.
func makePlan(_ options: PlanOptions, simulate: String? = nil) async throws -> Int32 {
    if simulate != nil, options.refresh, options.state.state == nil { throw RunError(description: "error: " + Refresh.simulateNeedsState) }
    let workspace = try options.manifests.workspace(state: options.state)
    let run = PlanRun(
        allowedDeletes: options.allowDeletes, allowedReprovisions: options.allowReprovision, refresh: options.refresh, simulate: simulate,
        allowedPolicies: Set(options.allowPolicy))
    let outcome = try await run.run(in: workspace)
    let plan = outcome.plan
    var stopwatch = outcome.stopwatch
    for override in outcome.overrides { Terminal.standardError.write(PlanView.overrideLine(override) + "\n") }
    if let note = PlanView.waitingNote(outcome.waiting) { Terminal.standardError.write(note + "\n") }

    let output = Terminal.standardOutput
    if let out = options.out {
        do {
            try FileReplacement.write(to: out) { write in
                try plan.writeJSON { piece in
                    try write(piece)
                    if options.format == .json { output.write(piece) }
                }
            }
        } catch let failure as FileReplacement.Failure {
            throw RunError(description: "error: cannot write the plan to '\(out)': \(failure.reason)")
        }
    } else if options.format == .json {
        plan.writeJSON(to: output.write)
    }
    let preamble = outcome.refresh.map { $0.summary + (options.format == .markdown ? "\n" : "") } ?? ""
    let context = PlanView.Context(store: outcome.recorded.description, stateExists: outcome.recorded.store != nil, preamble: preamble)
    switch options.format {
    case .json: break
    case .markdown: output.write(PlanView.markdown(plan, context: context, limit: options.maxCommentSize))
    default: PlanView.human(plan, context: context, colour: output.isColour, to: output.write)
    }
    stopwatch.lap("render")
    printTimings(stopwatch, if: options.timing.timings)

    if plan.isRefused {
        let errors = plan.refusals.map { "error: \($0)" }.joined(separator: "\n")
        throw RunError(description: errors + "\nThe plan is refused: nothing may be applied until these are resolved.")
    }
    return plan.hasChanges ? 2 : 0
}
