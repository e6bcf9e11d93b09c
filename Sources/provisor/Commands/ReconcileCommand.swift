import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Bring the engines in line with the manifests; with --dry-run, only show the plan.",
        discussion: """
            Applying takes the state lock, first re-sends what an interrupted run left pending (with the same \
            idempotency keys) and collects the answers to messages earlier runs sent to amqp engines, then plans \
            and applies wave by wave. Exit status: 0 when everything applied, 1 when anything failed, was skipped \
            or still waits for an engine's answer, or on an error. With --dry-run: \(PlanCommand.exitStatus)
            """
    )

    @Flag(name: .long, help: "Only plan: change nothing and print what would be done.")
    var dryRun = false

    @OptionGroup var options: PlanOptions
    @OptionGroup var apply: ApplyOptions
    @OptionGroup var metrics: MetricsOption
    @OptionGroup var logging: LogOption

    func validate() throws {
        if dryRun && apply.plan != nil { throw ValidationError("--plan applies a saved plan; it cannot be combined with --dry-run") }
    }

    func run() async throws {
        try await runUnattended(metrics, logging, command: dryRun ? "plan" : "reconcile") { findings, log in
            dryRun ? try await makePlan(options, simulate: apply.simulate) : try await applyChanges(options, apply, log: log, findings: &findings)
        }
    }
}

/// `provisor reconcile`: lock the state, resume what an interrupted run left pending, plan,
/// apply, and report. Returns 0 when everything applied, 1 when anything failed, was skipped or
/// waits for an answer.
private func applyChanges(_ options: PlanOptions, _ apply: ApplyOptions, log: EventLog, findings: inout RunFindings) async throws -> Int32 {
    guard options.format == .human else {
        throw RunError(description: "error: reconcile prints its progress and results as text; --format json or markdown needs --dry-run")
    }
    if apply.simulate != nil, options.state.state == nil {
        throw RunError(
            description: "error: --simulate records the rehearsal in a state of its own; give it one with --state, so the real state is never touched")
    }
    let workspace = try options.manifests.workspace(state: options.state)
    findings.workspace = workspace
    let run = ReconcileRun(
        allowedDeletes: options.allowDeletes, allowedReprovisions: options.allowReprovision, refresh: options.refresh,
        saved: try apply.plan.map(SavedPlan.read), concurrency: apply.concurrency,
        actor: apply.actor.name, simulate: apply.simulate, allowedPolicies: Set(options.allowPolicy))
    let output = Terminal.standardOutput
    let observer = ReconcileObserver(output: output, progress: log.isJSON ? nil : ApplyProgress(output: Terminal.standardError), log: log)
    // Ctrl-C or SIGTERM stops sending and lets what is in flight be recorded; the lock is
    // released either way. A second signal ends the process at once.
    let work = Task { try await run.run(in: workspace, observer: observer) }
    var result: Result<ReconcileRun.Outcome, Error>!
    await Interruption.cancelling(work) { result = await work.result }
    observer.progress?.finish()
    if case .failure(let error) = result, error is CancellationError {
        throw RunError(description: "Interrupted before the changes were sent; nothing more was applied. Run provisor reconcile again to carry on.")
    }
    let outcome = try result.get()
    findings.metrics = RunMetrics.reconcile(outcome)
    findings.desired = outcome.desired
    if let notice = Notice.applyFailed(outcome.results) { findings.notices.append(notice) }
    if outcome.planned == 0 {
        output.write(
            outcome.results.isEmpty ? "No changes: the recorded state matches the manifests.\n" : ApplyView.summary(outcome.results, colour: output.isColour))
    } else {
        output.write(ApplyView.summary(outcome.results, colour: output.isColour))
        if outcome.attempted < outcome.planned {
            let left = outcome.planned - outcome.attempted
            output.write(
                "Interrupted: \(left) of \(outcome.planned) changes were not attempted; what was done is recorded. Run provisor reconcile again to carry on.\n")
        }
    }
    return outcome.succeeded ? 0 : 1
}
