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
    let workspace = try Workspace.open(options.manifests, state: options.state)
    let report = try ManifestValidation.run(workspace.source)
    guard report.isValid else {
        throw CommandFailure(description: "error: the manifests are not valid, so nothing was applied (run provisor validate and fix the errors above)",
                             diagnostics: report.diagnostics)
    }
    if apply.simulate != nil, options.state.state == nil {
        throw CommandFailure(description: "error: --simulate records the rehearsal in a state of its own; give it one with --state, so the real state is never touched")
    }
    let saved = try apply.plan.map(SavedPlan.read)
    let store: SQLiteStateStore
    switch workspace.state {
    case .sqlite(let path): store = try SQLiteStateStore(path: path)
    case .postgres: throw RecordedState.postgresRefused
    }

    let lock = try await store.acquireLock(.thisProcess(operation: "reconcile"))
    let output = Terminal.standardOutput
    let adapters = EngineAdapters.make(report.estate.engines, settings: .init(
        directory: workspace.directory, processes: apply.concurrency, secrets: SecretResolver(directory: workspace.directory), outbox: store,
        simulateInto: apply.simulate))
    let actor = apply.actor ?? LockRequest.currentUser
    let applier = Applier(store: store, adapters: adapters, secrets: SecretResolver(directory: workspace.directory),
                          options: .init(concurrency: apply.concurrency, actor: actor))
    do {
        let status = try await applyLocked(options, safety: workspace.config.safety, saved: saved, report: report, store: store, applier: applier, output: output)
        for adapter in adapters.values { await adapter.shutdown() }
        try await store.releaseLock(lock)
        return status
    } catch {
        for adapter in adapters.values { await adapter.shutdown() }
        try? await store.releaseLock(lock)
        throw error
    }
}

private func applyLocked(_ options: PlanOptions, safety: RepositoryConfig.Safety, saved: SavedPlan?, report: ManifestValidation.Report, store: SQLiteStateStore,
                         applier: Applier, output: Terminal) async throws -> Int32 {
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

    let snapshot = try await store.snapshot()
    // A saved plan's deletions were accepted when it was reviewed; the protections that no
    // allowance lifts still apply.
    let plan = try Planner.plan(desired: report.desired, state: snapshot,
                                policy: SafetyPolicy(safety, allowedDeletes: saved?.deletes ?? options.allowDeletes), store: store.description)
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
    output.write("Applying to \(store.description): \(PlanView.summaryLine(plan))\n")
    progress.start(total: total)
    results += try await applier.apply(plan, desired: report.desired, recorded: snapshot, progress: progress.record)
    progress.finish()
    output.write(ApplyView.summary(results, colour: output.isColour))
    return results.contains { $0.outcome != .succeeded } ? 1 : 0
}
