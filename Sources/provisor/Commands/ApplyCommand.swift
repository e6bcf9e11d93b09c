import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

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
        throw RunError(description: "error: reconcile prints its progress and results as text; --format json or markdown needs --dry-run")
    }
    if apply.simulate != nil, options.state.state == nil {
        throw RunError(description: "error: --simulate records the rehearsal in a state of its own; give it one with --state, so the real state is never touched")
    }
    let workspace = try options.manifests.workspace(state: options.state)
    let run = ReconcileRun(allowedDeletes: options.allowDeletes, allowedReprovisions: options.allowReprovision, refresh: options.refresh,
                           saved: try apply.plan.map(SavedPlan.read), concurrency: apply.concurrency,
                           actor: apply.actor ?? LockRequest.currentUser, simulate: apply.simulate)
    let output = Terminal.standardOutput
    let observer = ReconcileObserver(output: output, progress: ApplyProgress(output: Terminal.standardError))
    // Ctrl-C or SIGTERM stops sending and lets what is in flight be recorded; the lock is
    // released either way. A second signal ends the process at once.
    let work = Task { try await run.run(in: workspace, observer: observer) }
    let interruption = Interruption.watch(cancelling: work)
    let result = await work.result
    interruption.cancel()
    observer.progress.finish()
    if case .failure(let error) = result, error is CancellationError {
        throw RunError(description: "Interrupted before the changes were sent; nothing more was applied. Run provisor reconcile again to carry on.")
    }
    let outcome = try result.get()
    if outcome.planned == 0 {
        output.write(outcome.results.isEmpty ? "No changes: the recorded state matches the manifests.\n" : ApplyView.summary(outcome.results, colour: output.isColour))
    } else {
        output.write(ApplyView.summary(outcome.results, colour: output.isColour))
        if outcome.attempted < outcome.planned {
            let left = outcome.planned - outcome.attempted
            output.write("Interrupted: \(left) of \(outcome.planned) changes were not attempted; what was done is recorded. Run provisor reconcile again to carry on.\n")
        }
    }
    return outcome.succeeded ? 0 : 1
}

/// What reconcile prints while it works: the resumed actions, the refresh, the plan's
/// headline on standard output; the progress line on standard error.
struct ReconcileObserver: RunObserver {
    let output: Terminal
    let progress: ApplyProgress

    func resumed(_ results: [Applier.Result]) {
        progress.finish()
        output.write("Resumed \(results.count) action\(results.count == 1 ? "" : "s") an interrupted run left pending.\n")
    }

    func refreshed(_ refresh: Refresh) {
        output.write(refresh.summary)
    }

    func applying(_ plan: ChangePlan, changes: Int, store: String) {
        if let commit = plan.commit { output.write(PlanView.commitLine(commit) + "\n") }
        output.write("Applying to \(store): \(PlanView.summaryLine(plan))\n")
        progress.start(total: changes)
    }

    func finished(_ result: Applier.Result) {
        progress.record(result)
    }
}

/// Turns SIGINT and SIGTERM into cancelling a task.
enum Interruption {
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// Installs the handlers and polls for a signal until cancelled.
    static func watch<Success: Sendable>(cancelling work: Task<Success, Error>) -> Task<Void, Never> {
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
