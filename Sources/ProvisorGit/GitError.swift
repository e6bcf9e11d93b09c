import ProvisorCore

/// What can go wrong reading manifests from git, each saying what to do about it.
public enum GitError: Error, Sendable, Equatable, CustomStringConvertible {
    case notARepository(String, reason: String)
    case notOwned(String)
    case unknownRevision(String, repository: String)
    case ambiguousRevision(String, repository: String)
    case notACommit(String, kind: String)
    case pathNotInTree(String, revision: String, commit: String)
    case noWorkingTree(String)
    case failed(String, reason: String)

    public var description: String {
        switch self {
        case .notARepository(let path, let reason):
            return
                "error: '\(path)' is not a git repository (\(reason)); pass --repo with the repository's top folder (the one holding .git), or a bare repository"
        case .notOwned(let path):
            return
                "error: the git repository '\(path)' belongs to another user, and git refuses to read it; if you trust it, run git config --global --add safe.directory \(path)"
        case .unknownRevision(let revision, let repository):
            return
                "error: unknown revision '\(revision)' in \(repository); give a branch, tag, commit SHA (full or short), HEAD~N or a remote branch such as origin/main (git fetch first)"
        case .ambiguousRevision(let revision, let repository):
            return "error: the revision '\(revision)' is ambiguous in \(repository): more than one object starts with it; give more digits of the SHA"
        case .notACommit(let revision, let kind):
            return "error: the revision '\(revision)' names a \(kind), not a commit; give a branch, tag or commit"
        case .pathNotInTree(let path, let revision, let commit):
            return
                "error: '\(path)' does not exist at \(revision) (\(commit.prefix(12))); check --manifests or 'manifests:' in provisor.yaml, which are paths from the repository's top folder"
        case .noWorkingTree(let path):
            return "error: '\(path)' is a bare repository, which has no working tree to compare with; pass --head REV"
        case .failed(let operation, let reason):
            return "error: git could not \(operation): \(reason)"
        }
    }
}
