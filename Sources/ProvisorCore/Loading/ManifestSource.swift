import Foundation

/// Where manifest files come from: a directory on disk here, a git revision in ProvisorGit.
public protocol ManifestSource: Sendable {
    /// Says where the manifests are, for messages ("directory examples/manifests").
    var description: String { get }

    /// The paths of every manifest file (`.yaml` / `.yml`), sorted, written as diagnostics
    /// should show them.
    func manifestPaths() throws -> [String]

    /// The bytes of one file listed by `manifestPaths()`. May be called from several threads
    /// at once.
    func read(_ path: String) throws -> [UInt8]
}

/// Errors of finding and reading manifests, before any YAML is parsed.
public enum SourceError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    case noManifests(String)
    case unreadable(String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            return "error: manifests directory '\(path)' does not exist (pass --manifests DIR, or set 'manifests:' in provisor.yaml)"
        case .noManifests(let path):
            return "error: no manifest files (.yaml or .yml) found under '\(path)' (check --manifests, or add manifests there)"
        case .unreadable(let path, let reason):
            return "error: cannot read '\(path)': \(reason)"
        }
    }
}

/// Manifests in a directory tree (or a single file). Hidden files and folders are skipped.
public struct DirectorySource: ManifestSource {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var description: String { "directory \(root)" }

    public static func isManifestPath(_ path: String) -> Bool {
        path.hasSuffix(".yaml") || path.hasSuffix(".yml")
    }

    public func manifestPaths() throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { throw SourceError.notFound(root) }
        guard isDirectory.boolValue else {
            return [root]
        }
        guard let walker = FileManager.default.enumerator(atPath: root) else { throw SourceError.unreadable(root, reason: "not a readable directory") }
        var paths: [String] = []
        let prefix = root.hasSuffix("/") ? root : root + "/"
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                walker.skipDescendants()
                continue
            }
            if Self.isManifestPath(name) {
                paths.append(root == "." ? relative : prefix + relative)
            }
        }
        paths.sort()
        return paths
    }

    public func read(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SourceError.unreadable(path, reason: "permission denied or not a file") }
        defer { try? handle.close() }
        do {
            return Array(try handle.readToEnd() ?? Data())
        } catch {
            throw SourceError.unreadable(path, reason: "\(error.localizedDescription)")
        }
    }
}
