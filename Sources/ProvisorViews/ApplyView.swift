import Foundation
import ProvisorCore
import ProvisorRuntime

/// What `provisor reconcile` prints when it applies: a progress line on a terminal, then the
/// failures, the skipped dependants and a summary line.
public enum ApplyView {
    /// Longest list of skipped addresses printed before "… and N more".
    public static let skippedShown = 20

    public static func summary(_ results: [Applier.Result], colour: Bool) -> String {
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
                out +=
                    "  " + Style.red.apply("✗", colour)
                    + " \(result.address) (\(ProvisioningMessage.Action(result.action).rawValue) on \(result.engine)): \(text)\n"
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
