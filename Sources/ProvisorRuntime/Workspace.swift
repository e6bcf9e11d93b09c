import Foundation
import ProvisorCore
import ProvisorGit

/// The configuration and manifests a run works with, from a command's options: a directory on
/// disk, or a revision of a git repository.
public struct Workspace: Sendable {
    public var config: RepositoryConfig
    /// The manifests directory on disk, or the folder in the repository's tree.
    public var manifests: String
    public var source: any ManifestSource
    /// The state backend, with a relative SQLite path already made relative to provisor.yaml.
    public var state: RepositoryConfig.StateBackend
    /// The folder of provisor.yaml ("." without one): relative engine commands and files start here.
    public var directory: String
    /// The repository, when the manifests come from git (a revision or its working tree).
    public var repository: GitRepository?
    /// What manifest paths start with before the path from provisor.yaml's folder, which
    /// owner globs are written against ("examples/" for examples/provisor.yaml).
    public var ownerBase: String
    /// The time this run's journal, audit log, lock and readings record: the machine's, unless
    /// the command pins it (`rightsize --at` in a rehearsal).
    public var clock = WallClock.system
    /// The environment `env:` secret references are read from: the process's, unless a caller
    /// (a test) passes another.
    public var environment = ProcessInfo.processInfo.environment

    /// The git commit the manifests come from; nil for files on disk.
    public var commit: CommitInfo? { source.commit }

    /// Delegation as provisor.yaml sets it.
    public var ownership: Ownership {
        let base = ownerBase
        return Ownership(grants: config.grants) { path in
            var path = path
            while path.hasPrefix("./") { path.removeFirst(2) }
            return path.hasPrefix(base) ? String(path.dropFirst(base.utf8.count)) : path
        }
    }

    /// Loads, validates (ownership included) and resolves the manifests.
    public func validate() throws -> ManifestPipeline.Report {
        try ManifestPipeline.run(source, ownership: ownership)
    }

    /// Paths in provisor.yaml are relative to its folder.
    ///
    /// Without a revision, provisor.yaml is `--config`, else ./provisor.yaml (the repository's,
    /// with `--repo`) when present, and the manifests are `--manifests`, else `manifests:`,
    /// else ./manifests. With a revision, `--config` (default provisor.yaml) and `--manifests`
    /// are paths from the repository's top folder, read from that revision's tree.
    public static func open(
        config configOption: String?, manifests manifestsOption: String?, state stateOption: String?,
        repository: GitRepository? = nil, revision: String? = nil
    ) throws -> Workspace {
        let top = repository?.prefix ?? ""
        var configPath: String?
        var parsed: (config: RepositoryConfig, diagnostics: [Diagnostic])?
        // The config's folder as a path from the repository's top, for a revision.
        var treeFolder = ""
        if let repository, let revision {
            let path = configOption.map { repository.treePath(of: $0) } ?? RepositoryConfig.fileName
            if let bytes = try repository.file(path, at: revision) {
                configPath = path
                parsed = RepositoryConfig.parse(bytes, file: path)
            } else if configOption != nil {
                throw RunError(
                    description:
                        "error: configuration file '\(path)' does not exist at \(revision) (with --ref, --config is a path from the repository's top folder)")
            }
            treeFolder = (path as NSString).deletingLastPathComponent
        } else {
            configPath = configOption
            if configPath == nil, FileManager.default.fileExists(atPath: top + RepositoryConfig.fileName) { configPath = top + RepositoryConfig.fileName }
            if let path = configPath {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw RunError(description: "error: configuration file '\(path)' does not exist or cannot be read (check --config)")
                }
                parsed = RepositoryConfig.parse(Array(data), file: path)
            }
        }
        if let parsed, parsed.diagnostics.hasErrors {
            throw RunError(description: "error: \(configPath!) is not a valid configuration", diagnostics: parsed.diagnostics)
        }
        let config = parsed?.config ?? RepositoryConfig()
        let configDirectory = revision != nil ? top + treeFolder : (configPath.map { ($0 as NSString).deletingLastPathComponent } ?? top)
        func join(_ folder: String, _ relative: String) -> String {
            guard !folder.isEmpty, folder != ".", !relative.hasPrefix("/") else { return relative }
            return (folder as NSString).appendingPathComponent(relative)
        }
        var backend = config.state
        if let explicit = stateOption {
            backend = RepositoryConfig.StateBackend(option: explicit)
        } else if case .sqlite(let relative) = backend {
            backend = .sqlite(path: join(configDirectory, relative))
        }
        let directory = configDirectory.isEmpty ? "." : configDirectory

        let manifests: String
        let source: any ManifestSource
        if let repository, let revision {
            manifests = manifestsOption ?? join(treeFolder, config.manifests)
            source = try repository.source(at: revision, manifests: manifests)
        } else {
            manifests = manifestsOption.map { repository == nil ? $0 : join(top, $0) } ?? join(configDirectory, config.manifests)
            source = DirectorySource(root: manifests)
        }
        let ownerFolder = revision != nil ? treeFolder : configDirectory
        let ownerBase = ownerFolder.isEmpty || ownerFolder == "." ? "" : (ownerFolder.hasSuffix("/") ? ownerFolder : ownerFolder + "/")
        return Workspace(
            config: config, manifests: manifests, source: source, state: backend, directory: directory,
            repository: repository, ownerBase: ownerBase)
    }
}

extension Workspace {
    /// The manifests validated and resolved, or an error saying what a run cannot do because
    /// they are not valid (`consequence`: "so there is no plan").
    public func validReport(_ consequence: String) throws -> ManifestPipeline.Report {
        let report = try validate()
        guard report.isValid else {
            throw RunError(
                description: "error: the manifests are not valid, \(consequence) (run provisor validate and fix the errors above)",
                diagnostics: report.diagnostics)
        }
        return report
    }
}
