import Foundation
import ProvisorCore
import ProvisorRuntime

/// `--log-format json`: what a run does, as one JSON object per line on standard error, for a
/// log pipeline (Loki, Elasticsearch, journald's JSON) to index: `time`, `level`, `run` (an id
/// shared by the run's events), `command`, `event`, `message`, and `address`, `engine` and
/// other fields where they apply. Nothing secret: messages are the ones the human output
/// prints, which never hold a secret's value. With `--log-format human` (the default) it
/// writes nothing and the command prints as it always has.
public struct EventLog: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case human
        case json
    }

    public enum Level: String, Sendable {
        case info, warning, error
    }

    public let format: Format
    public let run: String
    public let command: String
    let output: Terminal
    let clock: WallClock

    public init(format: Format, command: String, output: Terminal = .standardError, clock: WallClock = .system, run: String = UUID().uuidString.lowercased()) {
        self.format = format
        self.command = command
        self.output = output
        self.clock = clock
        self.run = run
    }

    public var isJSON: Bool { format == .json }

    /// Writes one event (JSON format only).
    public func event(
        _ level: Level, _ event: String, _ message: String, address: ResourceAddress? = nil, engine: String? = nil,
        fields: [(String, String)] = [], numbers: [(String, Int)] = []
    ) {
        guard isJSON else { return }
        var writer = JSONWriter(pretty: false)
        writer.beginObject()
        writer.member("time", ISO8601DateFormatter.string(from: clock.now(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds]))
        writer.member("level", level.rawValue)
        writer.member("run", run)
        writer.member("command", command)
        writer.member("event", event)
        writer.member("message", message)
        writer.member("address", address?.description)
        writer.member("engine", engine)
        for (name, value) in fields { writer.member(name, value) }
        for (name, value) in numbers { writer.member(name, value) }
        writer.endObject()
        output.write(writer.text + "\n")
    }

    // MARK: Events of each command

    /// A change (or resumed action) ended.
    public func finished(_ result: Applier.Result) {
        let (level, outcome, message): (Level, String, String)
        switch result.outcome {
        case .succeeded: (level, outcome, message) = (.info, "succeeded", "\(result.action.rawValue) \(result.address) succeeded")
        case .failed(let reason): (level, outcome, message) = (.error, "failed", "\(result.action.rawValue) \(result.address) failed: \(reason)")
        case .skipped(let because):
            (level, outcome, message) = (.warning, "skipped", "\(result.action.rawValue) \(result.address) skipped because \(because) did not succeed")
        case .awaiting(let reason): (level, outcome, message) = (.warning, "waiting", "\(result.action.rawValue) \(result.address) waits: \(reason)")
        }
        event(
            level, "change", message, address: result.address, engine: result.engine,
            fields: [("action", result.action.rawValue), ("outcome", outcome)], numbers: [("attempts", result.attempts)])
    }

    /// What drift found: each engine's reading, then each drifted resource.
    public func drift(_ outcome: DriftRun.Outcome) {
        for (engine, reading) in outcome.observations.sorted(by: { $0.key < $1.key }) {
            switch reading {
            case .observed(let resources, _):
                event(
                    .info, "engine-read", "engine \(engine) read: \(resources.count) resource\(resources.count == 1 ? "" : "s")", engine: engine,
                    numbers: [("resources", resources.count)])
            case .unreadable(let reason): event(.error, "engine-unreadable", "engine \(engine) could not be read: \(reason)", engine: engine)
            case .unsupported(let reason): event(.info, "engine-not-checked", "engine \(engine) is not checked: \(reason)", engine: engine)
            }
        }
        for drift in outcome.drifts {
            let what = drift.reason ?? drift.changes.map(\.name).joined(separator: ", ")
            event(
                .warning, "drift", "\(drift.kind.rawValue) \(drift.address?.description ?? "engine \(drift.engine)")\(what.isEmpty ? "" : ": \(what)")",
                address: drift.address, engine: drift.engine, fields: [("kind", drift.kind.rawValue)])
        }
    }

    /// Right-sizing's decisions that change a subscription, and the adjustments sent.
    public func rightsize(_ outcome: RightsizeRun.Outcome) {
        for decision in outcome.decided.changes {
            event(
                .info, "rightsizing-decision", "\(decision.action.rawValue) \(decision.subscription.id): \(decision.reason)",
                fields: [("action", decision.action.rawValue), ("subscription", decision.subscription.id)],
                numbers: [("quantityNow", decision.quantityNow)])
        }
        for result in outcome.results {
            switch result.outcome {
            case .succeeded:
                event(.info, "adjustment", "adjusted \(result.address)", address: result.address, engine: result.engine, fields: [("outcome", "succeeded")])
            case .failed(let reason):
                event(
                    .error, "adjustment", "adjusting \(result.address) failed: \(reason)", address: result.address, engine: result.engine,
                    fields: [("outcome", "failed")])
            case .skipped(let because):
                event(
                    .warning, "adjustment", "adjusting \(result.address) skipped because \(because) did not succeed", address: result.address,
                    engine: result.engine, fields: [("outcome", "skipped")])
            case .awaiting(let reason):
                event(
                    .warning, "adjustment", "adjusting \(result.address) waits: \(reason)", address: result.address, engine: result.engine,
                    fields: [("outcome", "waiting")])
            }
        }
    }

    /// A run that stopped on an error: its diagnostics (file:line:col), then the error.
    public func failed(_ error: RunError) {
        for diagnostic in error.diagnostics {
            event(
                diagnostic.severity == .error ? .error : .warning, "diagnostic", diagnostic.message,
                fields: [("location", diagnostic.location.description)] + (diagnostic.hint.map { [("hint", $0)] } ?? []))
        }
        event(.error, "run-failed", error.description.hasPrefix("error: ") ? String(error.description.dropFirst(7)) : error.description)
    }
}
