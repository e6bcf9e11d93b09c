import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorGit
import ProvisorRuntime
import ProvisorViews

/// Options every command that reads manifests shares.
struct ManifestOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The manifests directory (default: 'manifests:' in provisor.yaml, else ./manifests); with --repo, a path from the repository's top folder.")
    var manifests: String?

    @Option(name: .long, help: "The repository configuration file (default: ./provisor.yaml when present; with --ref, provisor.yaml at that revision).")
    var config: String?

    @Option(
        name: .long, help: ArgumentHelp("Read the manifests from this git repository (default: the current folder when --ref is given).", valueName: "PATH"))
    var repo: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read the manifests at this git revision, without a checkout: a branch, tag, SHA, HEAD~N or origin/main (default: HEAD when --repo is given).",
            valueName: "REV"))
    var ref: String?
}

extension ManifestOptions {
    /// The workspace these options name: a directory on disk, or a revision of a git
    /// repository (the manifests directory may also be given as `positional`).
    func workspace(positional: String? = nil, state: StateOptions? = nil) throws -> Workspace {
        let repository = try (repo ?? ref.map { _ in "." }).map(GitRepository.init(path:))
        return try Workspace.open(
            config: config, manifests: positional ?? manifests, state: state?.state,
            repository: repository, revision: repository == nil ? nil : ref ?? "HEAD")
    }
}
