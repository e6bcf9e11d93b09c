import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

/// Options of `provisor plan` and `provisor reconcile --dry-run`.
struct PlanOptions: ParsableArguments {
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var state: StateOptions

    @Option(name: .long, help: "Output format: human, json or markdown (a pull-request comment).")
    var format: OutputFormat = .human

    @Option(name: .long, help: "Also save the plan as JSON to this file.")
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Accept up to N deletions, past safety.maxDeletes and safety.maxDeletePercent.", valueName: "N"))
    var allowDeletes: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --refresh, accept provisioning up to N missing resources again, past safety.maxDeletes and safety.maxDeletePercent.", valueName: "N"))
    var allowReprovision: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Apply the plan although this policy (provisor.yaml policy:) denies it; the audit log records that. Repeat for several.", valueName: "NAME"))
    var allowPolicy: [String] = []

    @Option(name: .long, help: ArgumentHelp("Longest markdown output before sections are left out (GitHub allows 65536 per comment).", valueName: "CHARS"))
    var maxCommentSize: Int = PlanView.defaultCommentLimit

    @Flag(
        name: .long, help: "Read the engines first and plan against what they really hold: restore what changed out of band, provision again what is missing.")
    var refresh = false

    @OptionGroup var timing: TimingsOption

    func validate() throws {
        if format.isAnnotations { throw ValidationError("a plan prints human, json or markdown") }
        if let allowDeletes, allowDeletes < 0 { throw ValidationError("--allow-deletes must be 0 or more") }
        if let allowReprovision, allowReprovision < 0 { throw ValidationError("--allow-reprovision must be 0 or more") }
        if allowReprovision != nil, !refresh { throw ValidationError("--allow-reprovision goes with --refresh") }
        if maxCommentSize < 1_000 { throw ValidationError("--max-comment-size must be at least 1000") }
    }
}
