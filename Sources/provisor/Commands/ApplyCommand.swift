import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorEngines
import ProvisorSQLite

/// Options `provisor reconcile` adds for applying.
struct ApplyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Apply this saved plan (plan --out FILE) exactly; refused when the state or manifests moved since.", valueName: "FILE"))
    var plan: String?

    @Option(name: .long, help: "How many customers are worked on at once (each customer's changes stay in order).")
    var concurrency: Int = 8

    @Option(name: .long, help: "Who the audit log names for these changes (default: the OS user).")
    var actor: String?

    @Option(name: .long, help: ArgumentHelp("Rehearse: send every engine's messages to the bundled simulated engine, keeping its tenant models under DIR/<engine>. Needs an explicit --state.", valueName: "DIR"))
    var simulate: String?

    func validate() throws {
        if concurrency < 1 { throw ValidationError("--concurrency must be 1 or more") }
    }
}

/// `provisor reconcile`: lock the state, resume what an interrupted run left pending, plan,
/// apply, and report. Returns 0 when everything applied, 1 when anything failed or was skipped.
func applyChanges(_ options: PlanOptions, _ apply: ApplyOptions) async throws -> Int32 {
    guard options.format == .human else {
        throw CommandFailure(description: "error: reconcile prints its progress and results as text; --format json or markdown needs --dry-run")
    }
    if apply.simulate != nil, options.state.state == nil {
        throw CommandFailure(description: "error: --simulate records the rehearsal in a state of its own; give it one with --state, so the real state is never touched")
    }
    let workspace = try Workspace.open(options.manifests, state: options.state)
    let report = try workspace.validate()
    guard report.isValid else {
        throw CommandFailure(description: "error: the manifests are not valid, so nothing was applied (run provisor validate and fix the errors above)",
                             diagnostics: report.diagnostics)
    }
    let saved = try apply.plan.map(SavedPlan.read)
    let store = try await workspace.openState()

    let lock = try await store.acquireLock(.thisProcess(operation: "reconcile", clock: workspace.clock))
    let secrets = SecretResolver(directory: workspace.directory)
    let adapters = EngineAdapters.make(report.estate.engines, settings: .init(
        directory: workspace.directory, processes: apply.concurrency, secrets: secrets, outbox: store,
        simulateInto: apply.simulate, clock: workspace.clock))
    let applier = Applier(store: store, adapters: adapters, secrets: secrets,
                          options: .init(concurrency: apply.concurrency, actor: apply.actor ?? LockRequest.currentUser, commit: workspace.commit,
                                         clock: workspace.clock))
    // Ctrl-C or SIGTERM stops sending and lets what is in flight be recorded; the lock is
    // released either way. A second signal ends the process at once.
    let work = Task {
        try await applyLocked(options, workspace: workspace, saved: saved, report: report, store: store, adapters: adapters, applier: applier,
                              output: Terminal.standardOutput)
    }
    let interruption = Interruption.watch(cancelling: work)
    let outcome = await work.result
    interruption.cancel()
    for adapter in adapters.values { await adapter.shutdown() }
    var releaseFailure: Error?
    do { try await store.releaseLock(lock) } catch { releaseFailure = error }
    if case .failure(let error) = outcome, error is CancellationError {
        throw CommandFailure(description: "Interrupted before the changes were sent; nothing more was applied. Run provisor reconcile again to carry on.")
    }
    let status = try outcome.get()
    if let releaseFailure { throw releaseFailure }
    return status
}

/// Turns SIGINT and SIGTERM into cancelling a task.
enum Interruption {
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// Installs the handlers and polls for a signal until cancelled.
    static func watch(cancelling work: Task<Int32, Error>) -> Task<Void, Never> {
        received = 0
        var signals = sigset_t()
        sigemptyset(&signals)
        for number in [SIGINT, SIGTERM] {
            sigaddset(&signals, number)
            // Only sets a flag; the second time the default action (ending the process) applies.
            signal(number) { number in
                Interruption.received = 1
                signal(number, SIG_DFL)
            }
        }
        // A parent may have started us with these signals blocked.
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        return Task {
            while !Task.isCancelled {
                if received != 0 {
                    Terminal.standardError.write("\nInterrupted: stopping after the changes in flight (press Ctrl-C again to stop at once).\n")
                    work.cancel()
                    return
                }
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
        }
    }
}

private func applyLocked(_ options: PlanOptions, workspace: Workspace, saved: SavedPlan?, report: ManifestValidation.Report, store: ProvisorState,
                         adapters: [String: any EngineAdapter], applier: Applier, output: Terminal) async throws -> Int32 {
    let progress = ApplyProgress(output: Terminal.standardError)
    var results: [Applier.Result] = []

    // What an interrupted run sent (or was about to) goes again first, with the same ids.
    if saved == nil {
        let resumed = try await applier.resume(desired: report.desired, recorded: try await store.snapshot(), progress: progress.record)
        if !resumed.isEmpty {
            progress.finish()
            output.write("Resumed \(resumed.count) action\(resumed.count == 1 ? "" : "s") an interrupted run left pending.\n")
            results += resumed
        }
    }

    var snapshot = try await store.snapshot()
    var reprovisions = 0
    let recordedCount = snapshot.header.resourceCount
    if options.refresh {
        let readings = await EngineReadings.read(adapters, recorded: snapshot)
        try await readings.keep(in: store, at: workspace.clock.now())
        let refresh = try Refresh(readings, desired: report.desired, recorded: snapshot, ignore: workspace.config.driftIgnore, store: store.description)
        snapshot = refresh.snapshot
        reprovisions = refresh.missing
        output.write(refresh.summary)
    }
    // A saved plan's deletions were accepted when it was reviewed; the protections that no
    // allowance lifts still apply.
    let policy = SafetyPolicy(workspace.config.safety, allowedDeletes: saved?.deletes ?? options.allowDeletes, allowedReprovisions: options.allowReprovision)
    var plan = try Planner.plan(desired: report.desired, state: snapshot, policy: policy, store: store.description)
    plan.refusals += policy.reprovisionRefusals(count: reprovisions, recorded: recordedCount)
    plan.commit = applier.options.commit
    if let saved { try saved.check(against: plan, store: store.description) }
    if plan.isRefused {
        let errors = plan.refusals.map { "error: \($0)" }.joined(separator: "\n")
        throw CommandFailure(description: errors + "\nThe plan is refused: nothing was applied. Review it with provisor plan.")
    }
    let total = plan.summary.create + plan.summary.update + plan.summary.delete
    guard total > 0 else {
        output.write(results.isEmpty ? "No changes: the recorded state matches the manifests.\n" : ApplyView.summary(results, colour: output.isColour))
        return results.contains { $0.outcome != .succeeded } ? 1 : 0
    }
    if let commit = plan.commit { output.write(PlanView.commitLine(commit) + "\n") }
    output.write("Applying to \(store.description): \(PlanView.summaryLine(plan))\n")
    progress.start(total: total)
    let applied = try await applier.apply(plan, desired: report.desired, recorded: snapshot, progress: progress.record)
    results += applied
    progress.finish()
    output.write(ApplyView.summary(results, colour: output.isColour))
    if applied.count < total {
        output.write("Interrupted: \(total - applied.count) of \(total) changes were not attempted; what was done is recorded. Run provisor reconcile again to carry on.\n")
        return 1
    }
    return results.contains { $0.outcome != .succeeded } ? 1 : 0
}
