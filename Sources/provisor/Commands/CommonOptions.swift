import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorGit

/// Output formats; each command accepts the ones it can render.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human
    case json
    case markdown
    case github
}

/// Options every command that reads manifests shares.
struct ManifestOptions: ParsableArguments {
    @Option(name: .long, help: "The manifests directory (default: 'manifests:' in provisor.yaml, else ./manifests); with --repo, a path from the repository's top folder.")
    var manifests: String?

    @Option(name: .long, help: "The repository configuration file (default: ./provisor.yaml when present; with --ref, provisor.yaml at that revision).")
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Read the manifests from this git repository (default: the current folder when --ref is given).", valueName: "PATH"))
    var repo: String?

    @Option(name: .long, help: ArgumentHelp("Read the manifests at this git revision, without a checkout: a branch, tag, SHA, HEAD~N or origin/main (default: HEAD when --repo is given).", valueName: "REV"))
    var ref: String?
}

/// Where the recorded state is.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite state database (default: 'state:' in provisor.yaml, else .provisor/state.db).")
    var state: String?
}

/// A failure that ends a command with a message on standard error and exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var diagnostics: [Diagnostic] = []
}

/// The configuration and manifests a command works with, from its options: a directory on
/// disk, or a revision of a git repository.
struct Workspace {
    var config: RepositoryConfig
    /// The manifests directory on disk, or the folder in the repository's tree.
    var manifests: String
    var source: any ManifestSource
    /// The state backend, with a relative SQLite path already made relative to provisor.yaml.
    var state: RepositoryConfig.StateBackend
    /// The folder of provisor.yaml ("." without one): relative engine commands and files start here.
    var directory: String
    /// The repository, when the manifests come from git (a revision or its working tree).
    var repository: GitRepository?

    /// The git commit the manifests come from; nil for files on disk.
    var commit: CommitInfo? { source.commit }

    /// Delegation as provisor.yaml sets it; owner globs are paths from provisor.yaml's folder.
    var ownership: Ownership {
        let base = directory == "." ? "" : directory.hasSuffix("/") ? directory : directory + "/"
        let fromGit = source is GitSource
        return Ownership(owners: config.owners) { path in
            if fromGit || base.isEmpty { return path.hasPrefix("./") ? String(path.dropFirst(2)) : path }
            return path.hasPrefix(base) ? String(path.dropFirst(base.utf8.count)) : path
        }
    }

    /// Loads, validates (ownership included) and resolves the manifests.
    func validate() throws -> ManifestValidation.Report {
        try ManifestValidation.run(source, ownership: ownership)
    }

    /// Settles the workspace from a command's options.
    static func open(_ options: ManifestOptions, positional: String? = nil, state: StateOptions? = nil) throws -> Workspace {
        let repository = try (options.repo ?? options.ref.map { _ in "." }).map(GitRepository.init(path:))
        return try open(config: options.config, manifests: positional ?? options.manifests, state: state?.state,
                        repository: repository, revision: repository == nil ? nil : options.ref ?? "HEAD")
    }

    /// Without a repository: provisor.yaml is `--config`, else ./provisor.yaml when present, and
    /// the manifests are the `--manifests` directory, else `manifests:` relative to provisor.yaml,
    /// else ./manifests. With a repository and a revision: provisor.yaml is `--config`, else the
    /// one at the top of that revision's tree, and the manifests folder is a path in the tree.
    /// With a repository and no revision: its working tree on disk.
    static func open(config configOption: String?, manifests manifestsOption: String?, state stateOption: String?,
                     repository: GitRepository? = nil, revision: String? = nil) throws -> Workspace {
        let top = repository.map { $0.path == "." ? "" : ($0.path.hasSuffix("/") ? $0.path : $0.path + "/") }
        var configPath = configOption
        var parsed: (config: RepositoryConfig, diagnostics: [Diagnostic])?
        if configPath == nil, let repository, let revision {
            if let bytes = try repository.file(RepositoryConfig.fileName, at: revision) {
                configPath = RepositoryConfig.fileName
                parsed = RepositoryConfig.parse(bytes, file: RepositoryConfig.fileName)
            }
        } else if configPath == nil {
            let candidate = (top ?? "") + RepositoryConfig.fileName
            if FileManager.default.fileExists(atPath: candidate) { configPath = candidate }
        }
        if parsed == nil, let path = configPath {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure(description: "error: configuration file '\(path)' does not exist or cannot be read (check --config)")
            }
            parsed = RepositoryConfig.parse(Array(data), file: path)
        }
        if let parsed, parsed.diagnostics.hasErrors {
            throw CommandFailure(description: "error: \(configPath!) is not a valid configuration", diagnostics: parsed.diagnostics)
        }
        let config = parsed?.config ?? RepositoryConfig()
        // Relative paths in provisor.yaml start at its folder; for a revision's provisor.yaml,
        // at the repository's top folder.
        var configDirectory = configPath.map { ($0 as NSString).deletingLastPathComponent } ?? ""
        if repository != nil, revision != nil, configOption == nil {
            configDirectory = top!
        }
        func fromConfig(_ relative: String) -> String {
            guard !configDirectory.isEmpty, configDirectory != ".", !relative.hasPrefix("/") else { return relative }
            return (configDirectory as NSString).appendingPathComponent(relative)
        }
        var backend = config.state
        if let explicit = stateOption {
            backend = .sqlite(path: explicit)
        } else if case .sqlite(let relative) = backend {
            backend = .sqlite(path: fromConfig(relative))
        }
        let directory = configDirectory.isEmpty ? "." : configDirectory

        let manifests: String
        let source: any ManifestSource
        if let repository, let revision {
            manifests = manifestsOption ?? config.manifests
            source = try repository.source(at: revision, manifests: manifests)
        } else if let top, let manifestsOption {
            manifests = top + manifestsOption
            source = DirectorySource(root: manifests)
        } else {
            manifests = manifestsOption ?? fromConfig(config.manifests)
            source = DirectorySource(root: manifests)
        }
        return Workspace(config: config, manifests: manifests, source: source, state: backend, directory: directory, repository: repository)
    }
}

/// Runs a command body, turning failures into their message and exit code 1.
func runReportingFailures(_ body: () throws -> Int32) throws {
    let status: Int32
    do {
        status = try body()
    } catch {
        throw report(error)
    }
    if status != 0 { throw ExitCode(status) }
}

/// Runs an asynchronous command body, turning failures into their message and exit code 1.
func runReportingFailures(_ body: () async throws -> Int32) async throws {
    let status: Int32
    do {
        status = try await body()
    } catch {
        throw report(error)
    }
    if status != 0 { throw ExitCode(status) }
}

/// Prints a failure's message on standard error; returns the exit to throw (1, or the
/// original error when it is not one of Provisor's).
private func report(_ error: Error) -> Error {
    switch error {
    case let failure as CommandFailure:
        for diagnostic in failure.diagnostics { Terminal.standardError.write(DiagnosticsView.line(diagnostic, colour: Terminal.standardError.isColour) + "\n") }
        Terminal.standardError.write(failure.description + "\n")
    case let error as SourceError:
        Terminal.standardError.write("\(error)\n")
    case let error as StateError:
        Terminal.standardError.write("\(error)\n")
    case let error as GitError:
        Terminal.standardError.write("\(error)\n")
    default:
        return error
    }
    return ExitCode(1)
}
