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

    /// The git commit the files come from; nil for a directory on disk.
    var commit: CommitInfo? { get }
}

extension ManifestSource {
    public var commit: CommitInfo? { nil }
}
