import Foundation
import ProvisorCore

/// What `provisor reconcile` prints when it applies: a progress line on a terminal, then the
/// failures, the skipped dependants and a summary line.
enum ApplyView {
    /// Longest list of skipped addresses printed before "… and N more".
    static let skippedShown = 20

    static func summary(_ results: [Applier.Result], colour: Bool) -> String {
        var out = ""
        var succeeded = 0
        var failed: [(Applier.Result, String)] = []
        var skipped: [(Applier.Result, ResourceAddress)] = []
        for result in results {
            switch result.outcome {
            case .succeeded: succeeded += 1
            case .failed(let text): failed.append((result, text))
            case .skipped(let cause): skipped.append((result, cause))
            }
        }
        if !failed.isEmpty {
            out += Style.bold.apply("Failed (\(failed.count)):", colour) + "\n"
            for (result, text) in failed.sorted(by: { $0.0.address < $1.0.address }) {
                out += "  " + Style.red.apply("✗", colour) + " \(result.address) (\(ProvisioningMessage.Action(result.action).rawValue) on \(result.engine)): \(text)\n"
            }
        }
        if !skipped.isEmpty {
            out += Style.bold.apply("Skipped (\(skipped.count)), because what they depend on failed:", colour) + "\n"
            for (result, cause) in skipped.sorted(by: { $0.0.address < $1.0.address }).prefix(skippedShown) {
                out += "  " + Style.yellow.apply("-", colour) + " \(result.address) (\(cause) failed)\n"
            }
            if skipped.count > skippedShown { out += "  … and \(skipped.count - skippedShown) more\n" }
        }
        let line = "Apply: \(succeeded) succeeded, \(failed.count) failed, \(skipped.count) skipped."
        out += (failed.isEmpty && skipped.isEmpty ? Style.green : Style.red).apply(line, colour) + "\n"
        if !failed.isEmpty || !skipped.isEmpty {
            out += "Fix the failures and run provisor reconcile again: what succeeded is recorded, the rest is planned again.\n"
        }
        return out
    }
}

/// The progress line on a terminal: "[ 120/400] 118 succeeded · 1 failed · 1 skipped",
/// redrawn at most ten times a second. Silent when standard error is not a terminal.
final class ApplyProgress: @unchecked Sendable {
    private let output: Terminal
    private let enabled: Bool
    private let lock = NSLock()
    private var total = 0
    private var counts = (succeeded: 0, failed: 0, skipped: 0)
    /// When the line was last drawn (measured on a clock no change of date moves).
    private var lastDrawn: ContinuousClock.Instant?
    private var drawn = false

    init(output: Terminal) {
        self.output = output
        enabled = isatty(output.descriptor) == 1
    }

    func start(total: Int) {
        lock.withLock {
            self.total = total
            counts = (0, 0, 0)
        }
    }

    var record: @Sendable (Applier.Result) -> Void {
        { [self] result in
            lock.withLock {
                switch result.outcome {
                case .succeeded: counts.succeeded += 1
                case .failed: counts.failed += 1
                case .skipped: counts.skipped += 1
                }
                if enabled, lastDrawn.map({ $0.duration(to: .now) >= .milliseconds(100) }) ?? true { draw() }
            }
        }
    }

    /// Draws the last state and ends the line.
    func finish() {
        lock.withLock {
            guard enabled, drawn else { return }
            draw()
            output.write("\n")
            drawn = false
        }
    }

    private func draw() {
        let done = counts.succeeded + counts.failed + counts.skipped
        let width = String(max(total, done)).count
        let position = String(repeating: " ", count: max(0, width - String(done).count)) + "\(done)"
        let of = total > 0 ? "/\(total)" : ""
        output.write("\r\u{1B}[2K[\(position)\(of)] \(counts.succeeded) succeeded · \(counts.failed) failed · \(counts.skipped) skipped")
        lastDrawn = ContinuousClock.now
        drawn = true
    }
}

/// A plan saved with `plan --out`, to be applied exactly as it was reviewed.
struct SavedPlan {
    var path: String
    var text: String
    var header: StateHeader
    var deletes: Int
    var refused: Bool
    /// The commit it was made from, when the manifests came from git.
    var commit: CommitInfo?

    static func read(_ path: String) throws -> SavedPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(description: "error: cannot read the saved plan '\(path)' (check the path given to --plan)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let state = object["state"] as? [String: Any], let serial = state["serial"] as? Int, let resources = state["resources"] as? Int,
              let summary = object["summary"] as? [String: Any], let deletes = summary["delete"] as? Int else {
            throw CommandFailure(description: "error: '\(path)' is not a saved plan (write one with provisor plan --out FILE)")
        }
        guard object["format_version"] as? String == ChangePlan.formatVersion else {
            throw CommandFailure(description: "error: '\(path)' is a plan of format \(object["format_version"] ?? "?"), and this provisor reads format \(ChangePlan.formatVersion); make a new plan")
        }
        return SavedPlan(path: path, text: String(decoding: data, as: UTF8.self),
                         header: StateHeader(lineage: state["lineage"] as? String, serial: serial, resourceCount: resources),
                         deletes: deletes, refused: !((object["refusals"] as? [Any])?.isEmpty ?? true),
                         commit: (object["commit"] as? [String: Any]).flatMap(CommitInfo.init(json:)))
    }

    /// Refuses the saved plan when the state moved since it was made, or when planning now
    /// gives anything else (the manifests changed).
    func check(against plan: ChangePlan, store: String) throws {
        if refused {
            throw CommandFailure(description: "error: the saved plan '\(path)' was refused by the safety rules when it was made, so it cannot be applied; make a new plan")
        }
        let now = plan.state
        let sameState = header.lineage == nil ? (now.serial == 0 && now.resourceCount == 0) : (header.lineage == now.lineage && header.serial == now.serial)
        guard sameState else {
            let then = header.lineage.map { "serial \(header.serial) of state \($0)" } ?? "an empty state"
            throw CommandFailure(description: "error: the saved plan '\(path)' is stale: it was made against \(then), and \(store) is now at serial \(now.serial) of state \(now.lineage ?? "(none)"); make a new plan with provisor plan --out \(path)")
        }
        // Only what the plan does must match: the same changes from another commit (or from
        // the working tree) are the same plan.
        var replanned = plan
        replanned.state = header
        replanned.commit = commit
        guard replanned.json() == text else {
            throw CommandFailure(description: "error: the saved plan '\(path)' no longer matches what the manifests give now (they changed since it was made); review a new plan with provisor plan --out \(path)")
        }
    }
}
