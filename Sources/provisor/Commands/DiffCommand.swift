import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews
import ProvisorGit

struct DiffCommand: ParsableCommand {
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
        if format == .github { throw ValidationError("a diff prints human, json or markdown") }
        if maxCommentSize < 1_000 { throw ValidationError("--max-comment-size must be at least 1000") }
    }

    func run() throws {
        try runReportingFailures {
            let repository = try GitRepository(path: options.repo ?? ".")
            if head == nil, repository.workingTree == nil { throw GitError.noWorkingTree(repository.path) }
            let headSide = try Workspace.open(config: options.config, manifests: options.manifests, state: nil, repository: repository, revision: head)
            let baseSide = try BaseRevision(base, of: headSide, config: options.config, manifests: options.manifests)
            let headReport = try headSide.validate()
            guard headReport.isValid else {
                throw RunError(description: "error: the manifests of \(head.map { "head \($0)" } ?? "the working tree") are not valid, so there is nothing to compare (run provisor validate\(head.map { " --ref \($0)" } ?? "") and fix the errors above)",
                                     diagnostics: headReport.diagnostics)
            }
            // No manifests folder at base: everything is new.
            let baseReport = try baseSide.workspace?.validate()
            if let baseReport, !baseReport.isValid {
                throw RunError(description: "error: the manifests at base \(base) (\(baseSide.commit.shortSHA)) are not valid, so there is nothing to compare with (run provisor validate --ref \(base) to see the errors above)",
                                     diagnostics: baseReport.diagnostics)
            }
            let recorded = baseReport.map { report in
                report.desired.resources.map { resource in
                    RecordedResource(address: resource.address, parent: resource.parent, engine: resource.engine,
                                     attributes: AttributeDocument(resource.attributes), serial: 0, updatedAt: .distantPast)
                }
            } ?? []
            let differences = try Differ.diff(desired: headReport.desired, recorded: recorded, store: "base \(base)")
            var plan = Planner.plan(differences, state: StateHeader(lineage: nil, serial: 0, resourceCount: recorded.count),
                                    policy: SafetyPolicy(headSide.config.safety, allowedDeletes: nil))
            plan.commit = headSide.commit

            let comparison = DiffView.Comparison(base: base, baseCommit: baseSide.commit, head: head, headCommit: headSide.commit, files: baseSide.files)
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
