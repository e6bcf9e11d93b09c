import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

/// What reconcile prints while it works: the resumed actions, the refresh, the plan's
/// headline on standard output; the progress line on standard error, or with
/// `--log-format json` an event for each of them and each change.
struct ReconcileObserver: RunObserver {
    let output: Terminal
    let progress: ApplyProgress?
    let log: EventLog

    func resumed(_ results: [Applier.Result]) {
        progress?.finish()
        let what = "an interrupted run left pending or an engine had yet to answer"
        log.event(.info, "resumed", "resumed \(results.count) actions \(what)", numbers: [("actions", results.count)])
        for result in results { log.finished(result) }
        output.write("Resumed \(results.count) action\(results.count == 1 ? "" : "s") \(what).\n")
    }

    func refreshed(_ refresh: Refresh) {
        log.event(.info, "refreshed", refresh.summary.trimmingCharacters(in: .whitespacesAndNewlines))
        output.write(refresh.summary)
    }

    func applying(_ plan: ChangePlan, changes: Int, store: String) {
        if let commit = plan.commit { output.write(PlanView.commitLine(commit) + "\n") }
        output.write("Applying to \(store): \(PlanView.summaryLine(plan))\n")
        log.event(.info, "applying", "applying to \(store): \(PlanView.summaryLine(plan))", numbers: [("changes", changes)])
        progress?.start(total: changes)
    }

    func overridden(_ overrides: [PolicyCheck.Override]) {
        for override in overrides {
            if !log.isJSON { Terminal.standardError.write(PlanView.overrideLine(override) + "\n") }
            log.event(
                .warning, "policy-overridden", "applied over policy \(override.policy) (--allow-policy \(override.policy)): \(override.refusal)",
                fields: [("policy", override.policy)])
        }
    }

    func finished(_ result: Applier.Result) {
        progress?.record(result)
        log.finished(result)
    }
}
