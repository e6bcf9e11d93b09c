import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

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
