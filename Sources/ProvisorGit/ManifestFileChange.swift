import ProvisorCore

/// A manifest file that differs between two revisions (or a revision and the working tree).
public struct ManifestFileChange: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case added
        case modified
        case deleted
        /// Moved with the same content.
        case renamed
    }

    public var status: Status
    /// The path at head (at base for a deleted file).
    public var path: String
    /// The path at base, for a renamed file.
    public var oldPath: String?

    public init(_ status: Status, _ path: String, from oldPath: String? = nil) {
        self.status = status
        self.path = path
        self.oldPath = oldPath
    }

    /// The changed files, by path. A file deleted at one path and added with the same content
    /// at another is one rename.
    public static func between(base: [String: ObjectID], head: [String: ObjectID]) -> [ManifestFileChange] {
        var changes: [ManifestFileChange] = []
        var added: [String] = []
        for (path, id) in head {
            guard let old = base[path] else {
                added.append(path)
                continue
            }
            if old != id { changes.append(ManifestFileChange(.modified, path)) }
        }
        var deletedByContent: [ObjectID: [String]] = [:]
        for path in base.keys.sorted().reversed() where head[path] == nil {
            deletedByContent[base[path]!, default: []].append(path)
        }
        for path in added.sorted() {
            if let oldPath = deletedByContent[head[path]!]?.popLast() {
                changes.append(ManifestFileChange(.renamed, path, from: oldPath))
            } else {
                changes.append(ManifestFileChange(.added, path))
            }
        }
        for paths in deletedByContent.values {
            changes += paths.map { ManifestFileChange(.deleted, $0) }
        }
        return changes.sorted { $0.path < $1.path }
    }
}

extension GitRepository {
    /// The blob id of every file of a source on disk in this repository's working tree, by
    /// its path from the repository's top folder: what git would store.
    public func blobIDs(of source: some ManifestSource) throws -> [String: ObjectID] {
        let paths = try source.manifestPaths()
        let ids = parallelMap(paths.count) { index in Result { try Self.blobID(of: source.read(paths[index])) } }
        var byPath: [String: ObjectID] = [:]
        for (path, id) in zip(paths, ids) { byPath[relativePath(path)] = try id.get() }
        return byPath
    }
}
