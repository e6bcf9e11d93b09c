import ProvisorCore

/// `--refresh`: the engines read, and the recorded state as they really hold it, so the plan
/// restores what changed out of band and re-provisions what is missing.
public struct Refresh: Sendable {
    public var drifts: [Drift]
    public var snapshot: StateSnapshot

    public static let simulateNeedsState = "--simulate reads a rehearsal's engines; give the rehearsal's state with --state, so the real state is never touched"

    public init(_ readings: EngineReadings, desired: DesiredState, recorded: StateSnapshot, ignore: [DriftIgnoreRule], store: String) throws {
        let drifts = try readings.drifts(desired: desired, recorded: recorded, ignore: ignore, customer: nil, store: store)
        self.drifts = drifts
        snapshot = try StateError.reading(store) { try recorded.refreshed(by: drifts) }
    }

    /// The recorded resources the engines no longer hold, which the plan provisions again.
    public var missing: Int { drifts.count { $0.kind == .missing } }

    /// What the refresh found, for the lines before the plan.
    public var summary: String {
        let count = { (kind: Drift.Kind) in drifts.count { $0.kind == kind } }
        var lines = [
            "Refreshed from the engines: \(count(.changed)) changed out of band (restored), \(count(.missing)) missing (provisioned again), \(count(.unmanaged)) unmanaged (left alone), \(count(.unknown)) unknown."
        ]
        for drift in drifts where drift.kind == .unknown {
            lines.append(
                "Engine \(drift.engine) is unknown (\(drift.reason ?? "it could not be read")): its \(drift.affected) recorded resource\(drift.affected == 1 ? " is" : "s are") planned as recorded, never as absent."
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
