import ProvisorCore
import ProvisorRuntime
import ProvisorViews

/// What the body of a command run unattended hands back, for its metrics and notifications.
struct RunFindings {
    var metrics: [MetricFamily] = []
    var notices: [Notice] = []
    /// The run's workspace (its notification channels and secrets), once it has one.
    var workspace: Workspace?
    /// What the manifests want, to route notices by reseller.
    var desired: DesiredState?
    /// Why the run, although it ended normally, did not do all its work (drift with an engine
    /// it could not read): its outcome is then `errored`, and the time of the last success is
    /// kept, so that staleness and run-failed alerts fire.
    var incomplete: String?
}
