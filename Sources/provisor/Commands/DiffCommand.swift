import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare the manifests of two git revisions: the provisioning messages merging would cause. No state needed.",
        discussion: """
            Resolves the manifests at --base and at --head (default: the working tree) and compares the two \
            desired states resource by resource, as a plan would against a state recorded from --base. Also \
            lists the manifest files that changed. Exit status: 0 when the resources are the same, 2 when they \
            differ, 1 on an error (an unknown revision, or manifests that are not valid at either side).
            """
    )

    @Option(name: .long, help: ArgumentHelp("The revision to compare from: a branch, tag, SHA, HEAD~N or origin/main.", valueName: "REV"))
    var base: String

    @Option(name: .long, help: ArgumentHelp("The revision to compare to (default: the working tree).", valueName: "REV"))
    var head: String?

    @OptionGroup var options: ManifestOptions

    @Option(name: .long, help: "Output format: human, json or markdown (a pull-request comment).")
    var format: OutputFormat = .human

    @Option(name: .long, help: ArgumentHelp("Longest markdown output before sections are left out (GitHub allows 65536 per comment).", valueName: "CHARS"))
    var maxCommentSize: Int = PlanView.defaultCommentLimit

    func validate() throws {
        if options.ref != nil { throw ValidationError("diff compares --base with --head; --ref does not apply") }
        if format.isAnnotations { throw ValidationError("a diff prints human, json or markdown") }
        if maxCommentSize < 1_000 { throw ValidationError("--max-comment-size must be at least 1000") }
    }

    func run() async throws {
        try await runReportingFailures {
            let outcome = try DiffRun(base: base, head: head, config: options.config, manifests: options.manifests, repository: options.repo).run()
            let plan = outcome.plan
            let comparison = DiffView.Comparison(base: base, baseCommit: outcome.baseCommit, head: head, headCommit: outcome.headCommit, files: outcome.files)
            let output = Terminal.standardOutput
            switch format {
            case .json: DiffView.json(plan, comparison, to: output.write)
            case .markdown: output.write(DiffView.markdown(plan, comparison, limit: maxCommentSize))
            default: DiffView.human(plan, comparison, colour: output.isColour, to: output.write)
            }
            return plan.hasChanges ? 2 : 0
        }
    }
}
