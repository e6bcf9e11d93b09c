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
        var waiting: [(Applier.Result, String)] = []
        for result in results {
            switch result.outcome {
            case .succeeded: succeeded += 1
            case .failed(let text): failed.append((result, text))
            case .skipped(let cause): skipped.append((result, cause))
            case .awaiting(let text): waiting.append((result, text))
            }
        }
        /// Each result with its engine's text, under `heading`, marked `mark`.
        func section(_ heading: String, _ entries: [(Applier.Result, String)], _ mark: String) {
            guard !entries.isEmpty else { return }
            out += Style.bold.apply("\(heading) (\(entries.count)):", colour) + "\n"
            for (result, text) in entries.sorted(by: { $0.0.address < $1.0.address }) {
                out += "  \(mark) \(result.address) (\(ProvisioningMessage.Action(result.action).rawValue) on \(result.engine)): \(text)\n"
            }
        }
        section("Failed", failed, Style.red.apply("✗", colour))
        section("Waiting for their engine's answer", waiting, Style.yellow.apply("…", colour))
        if !skipped.isEmpty {
            let waited = Set(waiting.map(\.0.address))
            out += Style.bold.apply("Skipped (\(skipped.count)), because what they depend on did not succeed:", colour) + "\n"
            for (result, cause) in skipped.sorted(by: { $0.0.address < $1.0.address }).prefix(skippedShown) {
                out += "  " + Style.yellow.apply("-", colour) + " \(result.address) (\(cause) \(waited.contains(cause) ? "waits for its answer" : "failed"))\n"
            }
            if skipped.count > skippedShown { out += "  … and \(skipped.count - skippedShown) more\n" }
        }
        let line = "Apply: \(succeeded) succeeded, \(failed.count) failed, \(skipped.count) skipped" + (waiting.isEmpty ? "." : ", \(waiting.count) waiting.")
        out += (failed.isEmpty && skipped.isEmpty && waiting.isEmpty ? Style.green : Style.red).apply(line, colour) + "\n"
        if !failed.isEmpty {
            out += "Fix the failures and run provisor reconcile again: what succeeded is recorded, the rest is planned again.\n"
        } else if !waiting.isEmpty || !skipped.isEmpty {
            out += "Run provisor reconcile again once the engines answer: it collects their answers first and sends nothing twice.\n"
        }
        return out
    }
}
