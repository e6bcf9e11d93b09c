import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorSQLite

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
    let clock = ContinuousClock()
    if simulate != nil, options.refresh, options.state.state == nil { throw CommandFailure(description: "error: " + Refresh.simulateNeedsState) }
    let workspace = try Workspace.open(options.manifests, state: options.state)
    // Read the recorded state while the manifests load: the two are independent.
    let recorded = try await RecordedState.open(workspace)
    async let reading = recorded.timedSnapshot()
    let report = try workspace.validate()
    guard report.isValid else {
        throw CommandFailure(description: "error: the manifests are not valid, so there is no plan (run provisor validate and fix the errors above)",
                             diagnostics: report.diagnostics)
    }
    var (snapshot, readTime) = try await reading
    var timings = report.timings
    timings.append(("read state (alongside loading)", readTime))

    var start = clock.now
    var preamble = ""
    var reprovisions = 0
    let recordedCount = snapshot.header.resourceCount
    if options.refresh {
        // A plan writes nothing, so this reading is not kept (drift and reconcile keep theirs).
        let readings = try await EngineReadings.read(report.estate.engines, workspace: workspace, recorded: snapshot, simulate: simulate)
        let refresh = try Refresh(readings, desired: report.desired, recorded: snapshot, ignore: workspace.config.driftIgnore, store: recorded.description)
        snapshot = refresh.snapshot
        reprovisions = refresh.missing
        preamble = refresh.summary + (options.format == .markdown ? "\n" : "")
        timings.append(("read engines", clock.now - start))
        start = clock.now
    }
    let policy = SafetyPolicy(workspace.config.safety, allowedDeletes: options.allowDeletes, allowedReprovisions: options.allowReprovision)
    var plan = try Planner.plan(desired: report.desired, state: snapshot, policy: policy, store: recorded.description)
    plan.refusals += policy.reprovisionRefusals(count: reprovisions, recorded: recordedCount)
    plan.commit = workspace.commit
    timings.append(("plan", clock.now - start))

    start = clock.now
    let output = Terminal.standardOutput
    if let out = options.out {
        guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
            throw CommandFailure(description: "error: cannot write the plan to '\(out)' (check that its folder exists and is writable)")
        }
        defer { try? file.close() }
        plan.writeJSON { piece in
            file.write(Data(piece.utf8))
            if options.format == .json { output.write(piece) }
        }
    } else if options.format == .json {
        plan.writeJSON(to: output.write)
    }
    let context = PlanView.Context(store: recorded.description, stateExists: recorded.store != nil, preamble: preamble)
    switch options.format {
    case .json: break
    case .markdown: output.write(PlanView.markdown(plan, context: context, limit: options.maxCommentSize))
    default: PlanView.human(plan, context: context, colour: output.isColour, to: output.write)
    }
    timings.append(("render", clock.now - start))
    if options.timings { Terminal.standardError.write(timingLine(timings)) }

    if plan.isRefused {
        let errors = plan.refusals.map { "error: \($0)" }.joined(separator: "\n")
        throw CommandFailure(description: errors + "\nThe plan is refused: nothing may be applied until these are resolved.")
    }
    return plan.hasChanges ? 2 : 0
}

/// "timings: load 0.123 s, validate …" for `--timings`.
func timingLine(_ timings: [(stage: String, duration: Duration)]) -> String {
    let stages = timings.map { timing in
        let seconds = Double(timing.duration.components.seconds) + Double(timing.duration.components.attoseconds) / 1e18
        return "\(timing.stage) \(String(format: "%.3f", seconds)) s"
    }
    return "timings: \(stages.joined(separator: ", "))\n"
}

/// The recorded state a command reads: the store, when one has been created.
struct RecordedState {
    var store: (any StateStore)?
    var description: String

    /// The snapshot (empty when there is no state yet) and how long reading it took.
    func timedSnapshot() async throws -> (StateSnapshot, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let snapshot = try await store?.snapshot() ?? .empty
        return (snapshot, clock.now - start)
    }
}
