import ArgumentParser
import ProvisorRuntime

/// `--metrics-file` and `--pushgateway`, for the commands run unattended (reconcile, drift,
/// rightsize).
struct MetricsOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Write the run's metrics in Prometheus' text format to this file, replacing it atomically (node_exporter's textfile collector).",
            valueName: "PATH"))
    var metricsFile: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Push the run's metrics to this Prometheus Pushgateway (job provisor, one group per command).", valueName: "URL"))
    var pushgateway: String?

    var publisher: MetricsPublisher { MetricsPublisher(file: metricsFile, pushgateway: pushgateway) }
}
