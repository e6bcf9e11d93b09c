import ArgumentParser
import ProvisorViews

extension EventLog.Format: ExpressibleByArgument {}

/// `--log-format`, for the commands run unattended (reconcile, drift, rightsize).
struct LogOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "human (the default), or json: what the run does as one JSON object per line on standard error, errors included.",
            valueName: "FORMAT"))
    var logFormat: EventLog.Format = .human

    func log(_ command: String) -> EventLog { EventLog(format: logFormat, command: command) }
}
