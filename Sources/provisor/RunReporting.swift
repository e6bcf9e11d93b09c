import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorGit
import ProvisorRuntime
import ProvisorViews

/// Prints `--timings` on standard error when asked.
func printTimings(_ stopwatch: Stopwatch, if wanted: Bool, log: EventLog? = nil) {
    guard wanted else { return }
    if let log, log.isJSON {
        // With --log-format json, standard error carries JSON only.
        let numbers = stopwatch.stages.map { stage in
            (stage.stage, Int(stage.duration.components.seconds * 1000 + stage.duration.components.attoseconds / 1_000_000_000_000_000))
        }
        log.event(.info, "timings", TimingsView.line(stopwatch.stages).trimmingCharacters(in: .whitespacesAndNewlines), numbers: numbers)
    } else {
        Terminal.standardError.write(TimingsView.line(stopwatch.stages))
    }
}

/// The date `--at` gives, or a clear error.
func atDate(_ text: String) throws -> Date {
    guard let parsed = ISODate.parse(text) else {
        throw RunError(description: "error: --at '\(text)' is not a date; write it like 2026-11-21 or 2026-11-21T09:00:00Z")
    }
    return parsed
}

/// Runs a command body, turning failures into their message and exit code 1.
func runReportingFailures(_ body: () async throws -> Int32) async throws {
    let status: Int32
    do {
        status = try await body()
    } catch {
        throw report(error)
    }
    if status != 0 { throw ExitCode(status) }
}

/// Runs the body of a command run unattended (reconcile, drift, rightsize). With
/// `--log-format json`, standard error carries only JSON events: the run's start and end, what
/// the body logs, and a failure's diagnostics and message. When `--metrics-file` or
/// `--pushgateway` asks, the run's metrics are published, also when it failed. The
/// notifications provisor.yaml configures are sent for what the body found (and for a refused
/// plan). A metrics destination or channel that fails is a warning; the run's exit status
/// stays its own.
func runUnattended(_ metrics: MetricsOption, _ logging: LogOption, command: String, _ body: (inout RunFindings, EventLog) async throws -> Int32) async throws {
    Interruption.install()
    let publisher = metrics.publisher
    let log = logging.log(command)
    log.event(.info, "run-started", "provisor \(command) started")
    let start = ContinuousClock.now
    var findings = RunFindings()
    let result: Result<Int32, Error>
    do {
        result = .success(try await body(&findings, log))
    } catch {
        result = .failure(error)
    }
    let outcome: RunMetrics.Outcome
    switch result {
    case .success where findings.incomplete != nil: outcome = .errored
    case .success(1): outcome = .failed
    case .success(2) where command == "drift": outcome = .drifted
    case .success: outcome = .succeeded
    case .failure(let error):
        if let refused = error as? RunError, !refused.refusals.isEmpty {
            findings.metrics += RunMetrics.refusals(refused.refusals.count)
            if let notice = Notice.planRefused(refused.refusals) { findings.notices.append(notice) }
        }
        outcome = .errored
    }
    let duration = ContinuousClock.now - start
    var warnings: [String] = []
    if publisher.isEnabled {
        let endedAt = WallClock.system.now()
        let found = findings.metrics
        warnings += await publisher.publish(command: command) { previous in
            RunMetrics(
                command: command, outcome: outcome, duration: duration, endedAt: endedAt, lastSuccess: RunMetrics.lastSuccess(of: command, in: previous),
                found: found
            ).text
        }
    }
    if let workspace = findings.workspace, !workspace.config.notifications.isEmpty {
        warnings += await notify(findings, workspace: workspace, command: command, run: log.run, log: log)
    }
    for warning in warnings {
        if log.isJSON {
            log.event(.warning, "not-delivered", warning + ". The run's own result is unchanged.")
        } else {
            Terminal.standardError.write("warning: \(warning). The run's own result is unchanged.\n")
        }
    }
    if log.isJSON {
        // A failure is an event like the rest: nothing is printed as text.
        var failed = false
        if case .failure(let error) = result, !(error is ExitCode) {
            failed = true
            if let failure = error as? RunError { log.failed(failure) } else { log.event(.error, "run-failed", "\(error)") }
        }
        let milliseconds = Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        log.event(
            outcome == .succeeded ? .info : outcome == .drifted ? .warning : .error, "run-finished", "provisor \(command) \(outcome.rawValue)",
            fields: [("outcome", outcome.rawValue)], numbers: [("durationMs", milliseconds)])
        if failed { throw ExitCode(1) }
    }
    try await runReportingFailures { try result.get() }
}

/// Sends the run's notices to the channels provisor.yaml configures; returns what failed.
private func notify(_ findings: RunFindings, workspace: Workspace, command: String, run: String, log: EventLog) async -> [String] {
    let routed = Notice.route(findings.notices, to: workspace.config.notifications, desired: findings.desired)
    var failures = routed.unknownResellers.map { channel in
        "notification '\(channel.name)' names reseller '\(channel.reseller ?? "")', which the manifests do not have, so nothing was sent to it (\(channel.location))"
    }
    let now = workspace.clock.now()
    let deliveries = routed.deliveries.map { channel, notice in
        (channel: channel, event: notice.event.rawValue, body: NotificationPayload.body(notice, .init(command: command, run: run, channel: channel, at: now)))
    }
    failures += await NotificationSender(secrets: workspace.secrets).send(deliveries, at: now)
    for delivery in deliveries where !failures.contains(where: { $0.hasPrefix("notification '\(delivery.channel.name)' ") }) {
        log.event(.info, "notified", "notification '\(delivery.channel.name)' sent: \(delivery.event)", fields: [("channel", delivery.channel.name)])
    }
    return failures
}

/// Prints a failure's message on standard error; returns the exit to throw (1, or the
/// original error when it is not one of Provisor's).
private func report(_ error: Error) -> Error {
    switch error {
    case let failure as RunError:
        for diagnostic in failure.diagnostics { Terminal.standardError.write(DiagnosticsView.line(diagnostic, colour: Terminal.standardError.isColour) + "\n") }
        Terminal.standardError.write(failure.description + "\n")
    case let error as SourceError:
        Terminal.standardError.write("\(error)\n")
    case let error as StateError:
        Terminal.standardError.write("\(error)\n")
    case let error as GitError:
        Terminal.standardError.write("\(error)\n")
    default:
        return error
    }
    return ExitCode(1)
}
