import CLibGit2
import Foundation
import ProvisorCore
import Synchronization

/// A git repository opened through libgit2, read-only: revisions, commits and the files of
/// their trees, without a checkout and without running git.
///
/// libgit2 handles are used by one thread at a time; the repository keeps a pool of them, one
/// per thread that reads at once, so a source's files can be read in parallel.
public final class GitRepository: Sendable {
    /// The path it was opened with.
    public let path: String
    /// The working tree's folder, with a trailing slash; nil for a bare repository.
    public let workingTree: String?

    private let handles = Mutex<[Handle]>([])

    /// Opens the repository at exactly `path` (a working tree's top folder, its .git folder,
    /// or a bare repository); folders above it are not searched.
    public init(path: String) throws {
        _ = GitRepository.initialized
        self.path = path
        let handle = try Self.open(path)
        workingTree = git_repository_workdir(handle.pointer).map { String(cString: $0) }
        handles.withLock { $0.append(handle) }
    }

    private static let initialized: Int32 = git_libgit2_init()

    /// Runs `body` with a handle no other thread is using.
    func withHandle<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        let handle = try handles.withLock { $0.popLast() } ?? Self.open(path)
        defer { handles.withLock { $0.append(handle) } }
        return try body(handle.pointer)
    }

    private static func open(_ path: String) throws -> Handle {
        var pointer: OpaquePointer?
        let status = git_repository_open_ext(&pointer, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil)
        guard status == 0, let pointer else {
            if status == GIT_EOWNER.rawValue { throw GitError.notOwned(path) }
            var isDirectory: ObjCBool = false
            let reason =
                FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                ? (isDirectory.boolValue ? "no .git folder, and not a bare repository" : "it is a file") : "no such folder"
            throw GitError.notARepository(path, reason: reason)
        }
        return Handle(pointer: pointer)
    }

    // MARK: Revisions

    /// The commit a revision names: a branch, tag, full or short SHA, `HEAD~N`, `origin/main`…
    public func commit(_ revision: String) throws -> CommitInfo {
        try withHandle { repository in
            try Self.withCommit(revision, in: repository, description: description) { commit in
                Self.info(commit)
            }
        }
    }

    /// Runs `body` with the commit a revision names; a tag is peeled to its commit.
    static func withCommit<T>(
        _ revision: String, in repository: OpaquePointer, description: String,
        _ body: (OpaquePointer) throws -> T
    ) throws -> T {
        var object: OpaquePointer?
        let status = git_revparse_single(&object, repository, revision)
        guard status == 0, let object else {
            switch status {
            case GIT_EAMBIGUOUS.rawValue: throw GitError.ambiguousRevision(revision, repository: description)
            case GIT_ENOTFOUND.rawValue, GIT_EINVALIDSPEC.rawValue: throw GitError.unknownRevision(revision, repository: description)
            default: throw GitError.failed("read the revision '\(revision)'", reason: lastError())
            }
        }
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        guard git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) == 0, let peeled else {
            throw GitError.notACommit(revision, kind: String(cString: git_object_type2string(git_object_type(object))))
        }
        defer { git_object_free(peeled) }
        return try body(peeled)
    }

    static func info(_ commit: OpaquePointer) -> CommitInfo {
        let author = git_commit_author(commit)!.pointee
        return CommitInfo(
            sha: hex(git_commit_id(commit)!),
            authorName: author.name.map { String(cString: $0) } ?? "",
            authorEmail: author.email.map { String(cString: $0) } ?? "",
            authoredAt: Date(timeIntervalSince1970: TimeInterval(author.when.time)),
            message: git_commit_message(commit).map { String(cString: $0) } ?? "")
    }

    // MARK: Trees

    /// The manifest files under `folder` (a path from the repository's top, "" or "." for
    /// all of it) at `revision`.
    public func source(at revision: String, manifests folder: String) throws -> GitSource {
        let folder = Self.normalized(folder)
        return try withHandle { repository in
            try Self.withCommit(revision, in: repository, description: description) { commit in
                let info = Self.info(commit)
                var tree: OpaquePointer?
                guard git_commit_tree(&tree, commit) == 0, let tree else {
                    throw GitError.failed("read the tree of \(info.shortSHA)", reason: Self.lastError())
                }
                defer { git_tree_free(tree) }
                var files: [GitSource.File] = []
                if folder.isEmpty {
                    try Self.collect(tree, prefix: "", in: repository, into: &files)
                } else {
                    var entry: OpaquePointer?
                    guard git_tree_entry_bypath(&entry, tree, folder) == 0, let entry else {
                        throw GitError.pathNotInTree(folder, revision: revision, commit: info.sha)
                    }
                    defer { git_tree_entry_free(entry) }
                    switch git_tree_entry_type(entry) {
                    case GIT_OBJECT_TREE:
                        var subtree: OpaquePointer?
                        guard git_tree_lookup(&subtree, repository, git_tree_entry_id(entry)) == 0, let subtree else {
                            throw GitError.failed("read '\(folder)' at \(info.shortSHA)", reason: Self.lastError())
                        }
                        defer { git_tree_free(subtree) }
                        try Self.collect(subtree, prefix: folder + "/", in: repository, into: &files)
                    default:
                        files.append(
                            GitSource.File(
                                path: folder, id: ObjectID(git_tree_entry_id(entry)!.pointee),
                                mode: git_tree_entry_filemode(entry)))
                    }
                }
                files.sort { $0.path < $1.path }
                return GitSource(repository: self, revision: revision, commit: info, folder: folder, files: files)
            }
        }
    }

    /// The bytes of one file at a revision, or nil when the path does not exist there.
    public func file(_ path: String, at revision: String) throws -> [UInt8]? {
        try withHandle { repository in
            try Self.withCommit(revision, in: repository, description: description) { commit in
                var tree: OpaquePointer?
                guard git_commit_tree(&tree, commit) == 0, let tree else { return nil }
                defer { git_tree_free(tree) }
                var entry: OpaquePointer?
                guard git_tree_entry_bypath(&entry, tree, Self.normalized(path)) == 0, let entry else { return nil }
                defer { git_tree_entry_free(entry) }
                guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
                return try Self.blob(ObjectID(git_tree_entry_id(entry)!.pointee), in: repository, path: path)
            }
        }
    }

    /// Every `.yaml` / `.yml` file below `tree`, hidden files and folders left out as on disk.
    private static func collect(_ tree: OpaquePointer, prefix: String, in repository: OpaquePointer, into files: inout [GitSource.File]) throws {
        for index in 0..<git_tree_entrycount(tree) {
            let entry = git_tree_entry_byindex(tree, index)!
            let name = String(cString: git_tree_entry_name(entry))
            if name.hasPrefix(".") { continue }
            let path = prefix + name
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_TREE:
                var subtree: OpaquePointer?
                guard git_tree_lookup(&subtree, repository, git_tree_entry_id(entry)) == 0, let subtree else {
                    throw GitError.failed("read the folder '\(path)'", reason: lastError())
                }
                defer { git_tree_free(subtree) }
                try collect(subtree, prefix: path + "/", in: repository, into: &files)
            case GIT_OBJECT_BLOB where DirectorySource.isManifestPath(name):
                files.append(GitSource.File(path: path, id: ObjectID(git_tree_entry_id(entry)!.pointee), mode: git_tree_entry_filemode(entry)))
            default:
                continue  // other files, and submodules (commits), which hold no manifests of this repository
            }
        }
    }

    static func blob(_ id: ObjectID, in repository: OpaquePointer, path: String) throws -> [UInt8] {
        var blob: OpaquePointer?
        var oid = id.oid
        guard git_blob_lookup(&blob, repository, &oid) == 0, let blob else {
            throw SourceError.unreadable(path, reason: "git cannot read its blob \(id): \(lastError())")
        }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: content, count: size))
    }

    /// The blob id git gives these bytes: equal ids mean equal content.
    public static func blobID(of bytes: [UInt8]) -> ObjectID {
        _ = initialized
        var oid = git_oid()
        _ = bytes.withUnsafeBytes { git_odb_hash(&oid, $0.baseAddress, $0.count, GIT_OBJECT_BLOB) }
        return ObjectID(oid)
    }

    /// What the paths of files on disk in this repository start with, from the current
    /// folder: "" when it is the current folder, else the path with a trailing slash.
    public var prefix: String {
        path == "." ? "" : (path.hasSuffix("/") ? path : path + "/")
    }

    /// A path on disk under `prefix` as a path from the repository's top folder.
    public func relativePath(_ path: String) -> String {
        var path = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.utf8.count)) : path
        while path.hasPrefix("./") { path.removeFirst(2) }
        return path
    }

    /// A path as given on the command line (relative to the current folder, or absolute) as
    /// a path from the repository's top folder, when it lies in the working tree; otherwise
    /// taken to be a path from the top already.
    public func treePath(of path: String) -> String {
        if let workingTree {
            let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
            let standardized = URL(fileURLWithPath: absolute).standardizedFileURL.resolvingSymlinksInPath().path
            let root = URL(fileURLWithPath: workingTree).standardizedFileURL.resolvingSymlinksInPath().path + "/"
            if standardized.hasPrefix(root) { return String(standardized.dropFirst(root.utf8.count)) }
        }
        return Self.normalized(path)
    }

    /// "repository /path".
    public var description: String { "repository \(path)" }

    static func normalized(_ path: String) -> String {
        var path = path
        while path.hasPrefix("./") { path.removeFirst(2) }
        while path.hasSuffix("/") { path.removeLast() }
        return path == "." ? "" : path
    }

    static func lastError() -> String {
        git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "unknown libgit2 error"
    }

    static func hex(_ oid: UnsafePointer<git_oid>) -> String {
        ObjectID(oid.pointee).description
    }

    deinit {
        for handle in handles.withLock({ $0 }) { git_repository_free(handle.pointer) }
    }
}

/// One libgit2 repository handle; only ever used by the thread that took it from the pool.
struct Handle: @unchecked Sendable {
    let pointer: OpaquePointer
}
