import CLibGit2
import ProvisorCore

/// The manifest files of one commit's tree, read straight from the object database. Paths are
/// from the repository's top folder (`manifests/customers/jbl.yaml`), as diagnostics and
/// GitHub annotations show them.
public struct GitSource: ManifestSource {
    struct File: Sendable {
        var path: String
        var id: ObjectID
        var mode: git_filemode_t
    }

    public let repository: GitRepository
    /// The revision as given (`main`, `HEAD~1`, a SHA).
    public let revision: String
    public let commit: CommitInfo?
    /// The manifests folder in the tree; "" for the whole tree.
    public let folder: String
    let files: [File]
    private let index: [String: Int]

    init(repository: GitRepository, revision: String, commit: CommitInfo, folder: String, files: [File]) {
        self.repository = repository
        self.revision = revision
        self.commit = commit
        self.folder = folder
        self.files = files
        index = Dictionary(uniqueKeysWithValues: files.enumerated().map { ($1.path, $0) })
    }

    public var description: String {
        "'\(folder.isEmpty ? "." : folder)' at \(revision) (\(commit?.shortSHA ?? "?")) in \(repository.description)"
    }

    public func manifestPaths() throws -> [String] {
        files.map(\.path)
    }

    public func read(_ path: String) throws -> [UInt8] {
        guard let position = index[path] else { throw SourceError.unreadable(path, reason: "not in the tree of \(revision)") }
        let file = files[position]
        if file.mode == GIT_FILEMODE_LINK {
            throw SourceError.unreadable(path, reason: "it is a symbolic link in git, which Provisor does not follow; commit the file itself")
        }
        return try repository.withHandle { try GitRepository.blob(file.id, in: $0, path: path) }
    }

    /// Each file's blob id, by path: what `ManifestFileChange` compares.
    public var blobIDs: [String: ObjectID] {
        Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.id) })
    }
}
