import ProvisorCore
import ProvisorGit

/// The same manifests at an earlier revision, next to a workspace: what `diff --base` and
/// `validate --changed-since` compare with.
public struct BaseRevision {
    public var revision: String
    public var commit: CommitInfo
    /// nil when the manifests folder does not exist at that revision: everything is new.
    public var workspace: Workspace?
    /// Every manifest file that differs, by its path from the repository's top folder.
    public var files: [ManifestFileChange]
    public let repository: GitRepository

    /// Reads `revision` from the workspace's repository (the current folder's when the
    /// workspace is a plain directory), with the same `config` and `manifests` options.
    public init(_ revision: String, of workspace: Workspace, config: String?, manifests: String?) throws {
        repository = try workspace.repository ?? GitRepository(path: ".")
        self.revision = revision
        commit = try repository.commit(revision)
        do {
            self.workspace = try Workspace.open(config: config, manifests: manifests, state: nil, repository: repository, revision: revision)
        } catch GitError.pathNotInTree {
            self.workspace = nil
        }
        let baseFiles = (self.workspace?.source as? GitSource)?.blobIDs ?? [:]
        let headFiles = try (workspace.source as? GitSource)?.blobIDs ?? repository.blobIDs(of: workspace.source)
        files = ManifestFileChange.between(base: baseFiles, head: headFiles)
    }

    /// The problems of `report` that the change brought: every one in a changed file, and any
    /// elsewhere that the base revision did not have (a removed plan breaks an unchanged
    /// customer). Returns them and how many errors were already there before.
    public func newProblems(in report: ManifestPipeline.Report) -> (diagnostics: [Diagnostic], earlierErrors: Int) {
        struct Key: Hashable {
            var file: String
            var line: Int
            var column: Int
            var text: String
        }
        func key(_ diagnostic: Diagnostic) -> Key {
            Key(
                file: repository.relativePath(diagnostic.location.file), line: diagnostic.location.line, column: diagnostic.location.column,
                text: diagnostic.text)
        }
        let before = (try? workspace?.validate())?.diagnostics ?? []
        let known = Set(before.map(key))
        let changed = Set(files.filter { $0.status != .deleted }.map(\.path))
        let diagnostics = report.diagnostics.filter { changed.contains(repository.relativePath($0.location.file)) || !known.contains(key($0)) }
        return (diagnostics, report.diagnostics.errorCount - diagnostics.errorCount)
    }
}
