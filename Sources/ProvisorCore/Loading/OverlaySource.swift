/// A manifest source with files added in memory: what the manifests would be once they are
/// written, so they can be validated and resolved before anything touches the disk.
public struct OverlaySource<Base: ManifestSource>: ManifestSource {
    public let base: Base
    /// Path (written as `base` lists paths) → contents; a path the base also has is replaced.
    public let files: [String: String]

    public init(_ base: Base, adding files: [String: String]) {
        self.base = base
        self.files = files
    }

    public var description: String { base.description }
    public var commit: CommitInfo? { base.commit }

    public func manifestPaths() throws -> [String] {
        Array(Set(try base.manifestPaths()).union(files.keys)).sorted()
    }

    public func read(_ path: String) throws -> [UInt8] {
        if let text = files[path] { return Array(text.utf8) }
        return try base.read(path)
    }
}
