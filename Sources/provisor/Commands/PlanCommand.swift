import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

/// Options of `provisor plan` and `provisor reconcile --dry-run`.
struct PlanOptions: ParsableArguments {
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var state: StateOptions

    @Option(name: .long, help: "Output format: human, json or markdown (a pull-request comment).")
    var format: OutputFormat = .human

    @Option(name: .long, help: "Also save the plan as JSON to this file.")
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Accept up to N deletions, past safety.maxDeletes and safety.maxDeletePercent.", valueName: "N"))
    var allowDeletes: Int?

    @Option(name: .long, help: ArgumentHelp("With --refresh, accept provisioning up to N missing resources again, past safety.maxDeletes and safety.maxDeletePercent.", valueName: "N"))
    var allowReprovision: Int?

    @Option(name: .long, help: ArgumentHelp("Longest markdown output before sections are left out (GitHub allows 65536 per comment).", valueName: "CHARS"))
    var maxCommentSize: Int = PlanView.defaultCommentLimit

    @Flag(name: .long, help: "Read the engines first and plan against what they really hold: restore what changed out of band, provision again what is missing.")
    var refresh = false

    @Flag(name: .long, help: "Print how long each stage took, on standard error.")
    var timings = false

    func validate() throws {
        if format == .github { throw ValidationError("a plan prints human, json or markdown") }
        if let allowDeletes, allowDeletes < 0 { throw ValidationError("--allow-deletes must be 0 or more") }
        if let allowReprovision, allowReprovision < 0 { throw ValidationError("--allow-reprovision must be 0 or more") }
        if allowReprovision != nil, !refresh { throw ValidationError("--allow-reprovision goes with --refresh") }
        if maxCommentSize < 1_000 { throw ValidationError("--max-comment-size must be at least 1000") }
    }
}

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

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Bring the engines in line with the manifests; with --dry-run, only show the plan.",
        discussion: """
            Applying takes the state lock, first re-sends what an interrupted run left pending (with the same \
            idempotency keys), then plans and applies wave by wave. Exit status: 0 when everything applied, \
            1 when anything failed or was skipped, or on an error. With --dry-run: \(PlanCommand.exitStatus)
            """
    )

    @Flag(name: .long, help: "Only plan: change nothing and print what would be done.")
    var dryRun = false

    @OptionGroup var options: PlanOptions
    @OptionGroup var apply: ApplyOptions

    func validate() throws {
        if dryRun && apply.plan != nil { throw ValidationError("--plan applies a saved plan; it cannot be combined with --dry-run") }
    }

    func run() async throws {
        try await runReportingFailures {
            dryRun ? try await makePlan(options, simulate: apply.simulate) : try await applyChanges(options, apply)
        }
    }
}

/// Plans, renders and saves; returns the exit status. With `--refresh`, the engines (the
/// simulated ones under `simulate`) are read first.
func makePlan(_ options: PlanOptions, simulate: String? = nil) async throws -> Int32 {
    if simulate != nil, options.refresh, options.state.state == nil { throw RunError(description: "error: " + Refresh.simulateNeedsState) }
    let workspace = try options.manifests.workspace(state: options.state)
    let run = PlanRun(allowedDeletes: options.allowDeletes, allowedReprovisions: options.allowReprovision, refresh: options.refresh, simulate: simulate)
    let outcome = try await run.run(in: workspace)
    let plan = outcome.plan
    var stopwatch = outcome.stopwatch

    let output = Terminal.standardOutput
    if let out = options.out {
        guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
            throw RunError(description: "error: cannot write the plan to '\(out)' (check that its folder exists and is writable)")
        }
        defer { try? file.close() }
        plan.writeJSON { piece in
            file.write(Data(piece.utf8))
            if options.format == .json { output.write(piece) }
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
    printTimings(stopwatch, if: options.timings)

    if plan.isRefused {
        let errors = plan.refusals.map { "error: \($0)" }.joined(separator: "\n")
        throw RunError(description: errors + "\nThe plan is refused: nothing may be applied until these are resolved.")
    }
    return plan.hasChanges ? 2 : 0
}
