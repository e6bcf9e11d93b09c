import ProvisorCore
import ProvisorGit

/// `provisor diff`: the manifests of two revisions resolved and compared resource by resource,
/// as a plan would against a state recorded from the base. Needs no state.
public struct DiffRun: Sendable {
    /// The revision compared from.
    public var base: String
    /// The revision compared to; nil for the working tree.
    public var head: String?
    /// `--config` and `--manifests`, the same at both sides.
    public var config: String?
    public var manifests: String?
    /// The repository (default: the current folder).
    public var repository: String?

    public init(base: String, head: String? = nil, config: String? = nil, manifests: String? = nil, repository: String? = nil) {
        self.base = base
        self.head = head
        self.config = config
        self.manifests = manifests
        self.repository = repository
    }

    public struct Outcome: Sendable {
        /// The changes merging would cause, as a plan.
        public var plan: ChangePlan
        public var baseCommit: CommitInfo
        public var headCommit: CommitInfo?
        /// The manifest files that differ.
        public var files: [ManifestFileChange]
    }

    public func run() throws -> Outcome {
        let repository = try GitRepository(path: self.repository ?? ".")
        if head == nil, repository.workingTree == nil { throw GitError.noWorkingTree(repository.path) }
        let headSide = try Workspace.open(config: config, manifests: manifests, state: nil, repository: repository, revision: head)
        let baseSide = try BaseRevision(base, of: headSide, config: config, manifests: manifests)
        let headReport = try headSide.validate()
        guard headReport.isValid else {
            throw RunError(
                description:
                    "error: the manifests of \(head.map { "head \($0)" } ?? "the working tree") are not valid, so there is nothing to compare (run provisor validate\(head.map { " --ref \($0)" } ?? "") and fix the errors above)",
                diagnostics: headReport.diagnostics)
        }
        // No manifests folder at base: everything is new.
        let baseReport = try baseSide.workspace?.validate()
        if let baseReport, !baseReport.isValid {
            throw RunError(
                description:
                    "error: the manifests at base \(base) (\(baseSide.commit.shortSHA)) are not valid, so there is nothing to compare with (run provisor validate --ref \(base) to see the errors above)",
                diagnostics: baseReport.diagnostics)
        }
        let recorded =
            baseReport.map { report in
                report.desired.resources.map { resource in
                    RecordedResource(
                        address: resource.address, parent: resource.parent, engine: resource.engine,
                        attributes: AttributeDocument(resource.attributes), serial: 0, updatedAt: .distantPast)
                }
            } ?? []
        let differences = try StateError.reading("base \(base)") { try Differ.diff(desired: headReport.desired, recorded: recorded) }
        var plan = Planner.plan(
            differences, state: StateHeader(lineage: nil, serial: 0, resourceCount: recorded.count),
            policy: SafetyPolicy(headSide.config.safety, allowedDeletes: nil))
        plan.commit = headSide.commit
        return Outcome(plan: plan, baseCommit: baseSide.commit, headCommit: headSide.commit, files: baseSide.files)
    }
}
