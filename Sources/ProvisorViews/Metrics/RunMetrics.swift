import Foundation
import ProvisorCore
import ProvisorRuntime

/// The metrics of one run of `reconcile`, `drift` or `rightsize`, for `--metrics-file` and
/// `--pushgateway`: what every run has (outcome, duration, when it ended, when the command
/// last succeeded) and what the command found. Every name and label is documented in
/// docs/operations.md.
public struct RunMetrics: Sendable {
    public enum Outcome: String, Sendable, CaseIterable {
        /// Everything asked was done (for drift: read, and nothing drifted).
        case succeeded
        /// Done, but changes failed or were skipped.
        case failed
        /// drift only: the engines were read and something drifted.
        case drifted
        /// The run stopped before doing its work: invalid manifests, a refused plan, a state
        /// or engine that could not be read.
        case errored
    }

    public var command: String
    public var outcome: Outcome
    public var duration: Duration
    public var endedAt: Date
    /// When the command last succeeded: this run, or what the last metrics said.
    public var lastSuccess: Date?
    /// What the command found (changes, drift, decisions, margins).
    public var found: [MetricFamily]

    public init(command: String, outcome: Outcome, duration: Duration, endedAt: Date, lastSuccess: Date?, found: [MetricFamily]) {
        self.command = command
        self.outcome = outcome
        self.duration = duration
        self.endedAt = endedAt
        self.lastSuccess = outcome == .succeeded || (command == "drift" && outcome == .drifted) ? endedAt : lastSuccess
        self.found = found
    }

    /// The exposition document.
    public var text: String {
        let command = MetricFamily.Label("command", command)
        var families = [
            MetricFamily(
                "provisor_run_outcome", help: "1 for the outcome of the command's last run, 0 for the others.",
                samples: Outcome.allCases.map { .init([command, .init("outcome", $0.rawValue)], $0 == outcome ? 1 : 0) }),
            MetricFamily(
                "provisor_run_duration_seconds", help: "How long the command's last run took.",
                samples: [.init([command], Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)]),
            MetricFamily(
                "provisor_run_timestamp_seconds", help: "When the command's last run ended, in seconds since 1970.",
                samples: [.init([command], endedAt.timeIntervalSince1970.rounded())]),
        ]
        if let lastSuccess {
            families.append(
                MetricFamily(
                    Self.lastSuccessName,
                    help: "When the command last succeeded (drift: read every engine, drifted or not), in seconds since 1970.",
                    samples: [.init([command], lastSuccess.timeIntervalSince1970.rounded())]))
        }
        return MetricFamily.document(families + found)
    }

    static let lastSuccessName = "provisor_last_success_timestamp_seconds"

    /// The last success a previous document recorded for `command`; nil when it has none.
    public static func lastSuccess(of command: String, in document: String) -> Date? {
        for line in document.split(separator: "\n") where line.hasPrefix(lastSuccessName + "{") {
            guard line.contains("command=\"\(command)\""), let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            return Date(timeIntervalSince1970: value)
        }
        return nil
    }

    // MARK: What each command found

    /// A refused plan: how many refusals.
    public static func refusals(_ count: Int) -> [MetricFamily] {
        [MetricFamily("provisor_plan_refusals", help: "How many refusals stopped the last run's plan.", samples: [.init([], Double(count))])]
    }

    /// reconcile: the changes planned and each result by action and outcome.
    public static func reconcile(_ outcome: ReconcileRun.Outcome) -> [MetricFamily] {
        var counts: [String: [String: Int]] = [:]
        for result in outcome.results {
            counts[result.action.rawValue, default: [:]][result.outcome.name, default: 0] += 1
        }
        return [
            MetricFamily(
                "provisor_reconcile_planned_changes", help: "How many changes the last run's plan held.", samples: [.init([], Double(outcome.planned))]),
            MetricFamily(
                "provisor_reconcile_changes", help: "The last run's changes (with the resumed ones) by action and outcome.",
                samples: Change.Action.allCases.flatMap { action in
                    ["succeeded", "failed", "skipped", "waiting"].map { state in
                        .init([.init("action", action.rawValue), .init("outcome", state)], Double(counts[action.rawValue]?[state] ?? 0))
                    }
                }),
        ]
    }

    /// drift: what drifted by kind and engine, and which engines could be read.
    public static func drift(_ outcome: DriftRun.Outcome) -> [MetricFamily] {
        let engines = outcome.observations.keys.sorted()
        var counts: [String: Int] = [:]
        for drift in outcome.drifts { counts["\(drift.kind.rawValue) \(drift.engine)", default: 0] += 1 }
        return [
            MetricFamily(
                "provisor_drift_resources", help: "Resources that drifted at the last reading, by kind and engine.",
                samples: engines.flatMap { engine in
                    Drift.Kind.allCases.map { kind in
                        .init([.init("kind", kind.rawValue), .init("engine", engine)], Double(counts["\(kind.rawValue) \(engine)"] ?? 0))
                    }
                }),
            MetricFamily(
                "provisor_engine_readable", help: "1 when the engine could be read back at the last reading, 0 when not.",
                samples: engines.compactMap { engine in
                    switch outcome.observations[engine] {
                    case .observed?: return .init([.init("engine", engine)], 1)
                    case .unreadable?: return .init([.init("engine", engine)], 0)
                    default: return nil  // an engine that cannot read back is not checked
                    }
                }),
        ]
    }

    /// rightsize: the decisions by action, the adjustments sent, and the monthly cost,
    /// revenue and margin before and after for the provider and each reseller.
    public static func rightsize(_ outcome: RightsizeRun.Outcome) -> [MetricFamily] {
        let report = outcome.decided
        let decisions = report.outcomes.flatMap(\.decisions)
        let lines = [("provider", report.provider)] + report.resellers.map { ("reseller", $0) }
        func money(_ name: String, _ help: String, _ amount: (Margin) -> Decimal) -> MetricFamily {
            MetricFamily(
                name, help: help,
                samples: lines.flatMap { level, line in
                    [("before", line.before), ("after", line.after)].map { when, margin in
                        .init(
                            [.init("level", level), .init("name", line.name), .init("when", when)],
                            NSDecimalNumber(decimal: amount(margin)).doubleValue)
                    }
                })
        }
        return [
            MetricFamily(
                "provisor_rightsizing_decisions", help: "The last run's right-sizing decisions by action.",
                samples: RightsizingDecision.Action.allCases.map { action in
                    .init([.init("action", action.rawValue)], Double(decisions.count { $0.action == action }))
                }),
            MetricFamily(
                "provisor_rightsizing_adjustments", help: "Subscription adjustments the last run sent, by outcome (none in a dry run).",
                samples: ["succeeded", "failed", "waiting"].map { name in
                    .init([.init("outcome", name)], Double(outcome.results.count { $0.outcome.name == name }))
                }),
            money("provisor_rightsizing_monthly_cost", "Monthly licence cost before and after right-sizing, in the plans' currency.", \.cost),
            money("provisor_rightsizing_monthly_revenue", "Monthly licence revenue before and after right-sizing, in the plans' currency.", \.revenue),
            money("provisor_rightsizing_monthly_margin", "Monthly licence margin before and after right-sizing, in the plans' currency.", \.margin),
        ]
    }
}
